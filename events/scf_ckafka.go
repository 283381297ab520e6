package events

import (
	"encoding/json"
	"fmt"

	"github.com/backupfn/backupfn/core"
)

// CKafkaEvent is the payload of a Tencent SCF CKafka trigger.
type CKafkaEvent struct {
	Records []CKafkaRecord `json:"Records"`
}

// CKafkaRecord is one record of a CKafkaEvent.
type CKafkaRecord struct {
	Ckafka CKafkaMessage `json:"Ckafka"`
}

// CKafkaMessage is one CKafka message. Its topic, partition and offset
// identify it, and make its dedupe key.
type CKafkaMessage struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	MsgKey    string `json:"msgKey"`
	MsgBody   string `json:"msgBody"` // the request body, JSON or words
}

const formatCKafka = "scf ckafka event"

func decodeSCFCKafka(payload []byte) (Event, error) {
	return eachRecord(KindSCFCKafka, formatCKafka, payload, ckafkaMessage)
}

// ckafkaMessage decodes record i.
func ckafkaMessage(i int, raw json.RawMessage) Message {
	at := fmt.Sprintf("Records[%d].Ckafka", i)
	var r CKafkaRecord
	if err := unmarshal(formatCKafka, fmt.Sprintf("Records[%d].", i), raw, &r); err != nil {
		return origin{platform: PlatformSCF, source: core.SourceQueue}.fail("", err)
	}
	m := r.Ckafka
	id := kafkaID(m.Topic, m.Partition, m.Offset)
	o := origin{platform: PlatformSCF, source: core.SourceQueue, requester: "ckafka:" + m.Topic, key: "scf-ckafka:" + id}
	switch {
	case m.Topic == "":
		return o.fail(id, fieldError(formatCKafka, at+".topic", "missing: want the topic's name"))
	case m.Partition < 0 || m.Offset < 0:
		return o.fail(id, fieldError(formatCKafka, at, "want a partition and offset of 0 or more, got %d and %d", m.Partition, m.Offset))
	}
	req, err := parseText([]byte(m.MsgBody))
	return o.message(id, formatCKafka, at+".msgBody", req, err)
}

// kafkaID is a Kafka message's identity, "topic/partition/offset".
func kafkaID(topic string, partition int32, offset int64) string {
	return fmt.Sprintf("%s/%d/%d", topic, partition, offset)
}
