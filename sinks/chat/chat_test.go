package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/sinktest"
)

const (
	token  = "T0kenInTheWebhookURL0123456789abcdef" // the robot's token, in the URL
	secret = "SECsigningSecret0123456789abcdef"     // the signing secret
)

// clock is the sinks' time; receivers check signatures against it.
var clock = time.Date(2026, 11, 26, 2, 0, 5, 0, time.UTC)

// paths are where each platform's webhook URL puts the token.
var paths = map[string]string{
	"slack":    "/services/T0001/B0002/" + token,
	"dingtalk": "/robot/send?access_token=" + token,
	"feishu":   "/open-apis/bot/v2/hook/" + token,
	"lark":     "/open-apis/bot/v2/hook/" + token,
	"wecom":    "/cgi-bin/webhook/send?key=" + token,
}

// newSink builds a typ sink posting to base, signed with key ("" for none).
func newSink(t *testing.T, typ, base, key string) sinks.Sink {
	t.Helper()
	spec := sinks.Spec{Type: typ, Values: map[string][]string{"url": {base + paths[typ]}}, FromEnv: map[string]bool{"url": true}}
	if key != "" {
		spec.Values["secret"], spec.FromEnv["secret"] = []string{key}, true
	}
	s, err := New(spec, sinks.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatalf("New(%s): %v", typ, err)
	}
	return s
}

// receiver is a platform's webhook: it checks each request as the platform
// would and keeps each message's readable text.
type receiver struct {
	mu       sync.Mutex
	msgs     []string
	problems []string
}

func (r *receiver) got(text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, text)
}

// refuse notes a problem and answers the platform's error.
func (r *receiver) refuse(w http.ResponseWriter, status int, answer, format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

// handlers are the receivers of each platform, verifying format and
// signature with the given secret.
var handlers = map[string]func(r *receiver, key string) http.HandlerFunc{
	"slack":    slackReceiver,
	"dingtalk": dingtalkReceiver,
	"feishu":   feishuReceiver,
	"lark":     feishuReceiver,
	"wecom":    wecomReceiver,
}

func readJSON(req *http.Request, v any) error {
	if ct := req.Header.Get("Content-Type"); req.Method != http.MethodPost || !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("want POST application/json, got %s %q", req.Method, ct)
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func slackReceiver(r *receiver, _ string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		var m struct {
			Text   string `json:"text"`
			Blocks []struct {
				Type string `json:"type"`
				Text struct{ Type, Text string }
			} `json:"blocks"`
		}
		switch err := readJSON(req, &m); {
		case req.URL.Path != paths["slack"]:
			r.refuse(w, 404, "no_service", "path %q", req.URL.Path)
		case err != nil:
			r.refuse(w, 400, "invalid_payload", "body: %v", err)
		case m.Text == "" || len(m.Blocks) != 1 || m.Blocks[0].Type != "section" || m.Blocks[0].Text.Type != "mrkdwn" || m.Blocks[0].Text.Text == "":
			r.refuse(w, 400, "invalid_blocks", "want text and one mrkdwn section, got %+v", m)
		case len(m.Blocks[0].Text.Text) > 3000:
			r.refuse(w, 400, "invalid_blocks", "section of %d bytes", len(m.Blocks[0].Text.Text))
		default:
			r.got(m.Blocks[0].Text.Text)
			io.WriteString(w, "ok")
		}
	}
}

func dingtalkReceiver(r *receiver, key string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(q.Get("timestamp") + "\n" + key))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct{ Title, Text string }
		}
		switch err := readJSON(req, &m); {
		case req.URL.Path != "/robot/send" || q.Get("access_token") != token:
			r.refuse(w, 200, `{"errcode":300001,"errmsg":"token is not exist"}`, "url %q", req.URL.Path)
		case q.Get("timestamp") != strconv.FormatInt(clock.UnixMilli(), 10) || q.Get("sign") != want:
			r.refuse(w, 200, `{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`,
				"timestamp %q sign %q, want sign %q", q.Get("timestamp"), q.Get("sign"), want)
		case err != nil:
			r.refuse(w, 200, `{"errcode":40035,"errmsg":"缺少参数 json"}`, "body: %v", err)
		case m.MsgType != "markdown" || m.Markdown.Title == "" || m.Markdown.Text == "":
			r.refuse(w, 200, `{"errcode":40035,"errmsg":"缺少参数 markdown"}`, "want a markdown message, got %+v", m)
		default:
			r.got(m.Markdown.Text)
			io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}
}

func feishuReceiver(r *receiver, key string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		var m struct {
			Timestamp string `json:"timestamp"`
			Sign      string `json:"sign"`
			MsgType   string `json:"msg_type"`
			Content   struct {
				Post map[string]struct {
					Title   string                         `json:"title"`
					Content [][]struct{ Tag, Text string } `json:"content"`
				} `json:"post"`
			} `json:"content"`
		}
		err := readJSON(req, &m)
		mac := hmac.New(sha256.New, []byte(m.Timestamp+"\n"+key))
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		doc, ok := m.Content.Post["zh_cn"]
		switch {
		case req.URL.Path != paths["feishu"]:
			r.refuse(w, 404, `404 page not found`, "path %q", req.URL.Path)
		case err != nil:
			r.refuse(w, 400, `{"code":9499,"msg":"Bad Request"}`, "body: %v", err)
		case m.Timestamp != strconv.FormatInt(clock.Unix(), 10) || m.Sign != want:
			r.refuse(w, 200, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`,
				"timestamp %q sign %q, want sign %q", m.Timestamp, m.Sign, want)
		case m.MsgType != "post" || !ok || doc.Title == "" || len(doc.Content) == 0:
			r.refuse(w, 200, `{"code":19002,"msg":"params error"}`, "want a post with title and content, got %+v", m)
		default:
			text := doc.Title
			for _, para := range doc.Content {
				text += "\n"
				for _, span := range para {
					if span.Tag != "text" {
						r.refuse(w, 200, `{"code":19002,"msg":"params error"}`, "tag %q", span.Tag)
						return
					}
					text += span.Text
				}
			}
			r.got(text)
			io.WriteString(w, `{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}`)
		}
	}
}

func wecomReceiver(r *receiver, _ string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		var m struct {
			MsgType  string `json:"msgtype"`
			Markdown struct {
				Content string `json:"content"`
			} `json:"markdown"`
		}
		switch err := readJSON(req, &m); {
		case req.URL.Path != "/cgi-bin/webhook/send" || req.URL.Query().Get("key") != token:
			r.refuse(w, 200, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200056773468916791]"}`, "url %q", req.URL.Path)
		case err != nil:
			r.refuse(w, 200, `{"errcode":40008,"errmsg":"invalid message type"}`, "body: %v", err)
		case m.MsgType != "markdown" || m.Markdown.Content == "" || len(m.Markdown.Content) > 4096:
			r.refuse(w, 200, `{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}`, "want markdown of 1 to 4096 bytes, got %+v", m)
		default:
			r.got(m.Markdown.Content)
			io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
		}
	}
}

// publishes is how many Publish calls the suite made for evs: it
// publishes the same events again to test at-least-once delivery.
func publishes(evs []sinks.Event) int {
	n, seen := 0, map[string]int{}
	for _, ev := range evs {
		seen[ev.ID]++
		n = max(n, seen[ev.ID])
	}
	return n
}

// check asserts one message per Publish, each naming every target with
// its task IDs, or its error in plain words with the cloud's code.
func (r *receiver) check(t *testing.T, evs []sinks.Event) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.problems {
		t.Errorf("receiver refused a request: %s", p)
	}
	if want := publishes(evs); len(r.msgs) != want {
		t.Fatalf("receiver got %d messages, want %d (one per Publish): %q", len(r.msgs), want, r.msgs)
	}
	for _, msg := range r.msgs {
		want := []string{"backupfn"}
		for _, ev := range evs {
			if ev.Type == sinks.TypeRunFinished {
				continue
			}
			want = append(want, ev.Data.Name)
			want = append(want, ev.Data.TaskIDs...)
			if e := ev.Data.Error; e != nil {
				want = append(want, phrase(e.Kind), e.Code)
			}
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("message lacks %q:\n%s", w, msg)
			}
		}
	}
}

// failing answers every request with the platform's refusal.
var failing = map[string]struct {
	status int
	answer string
}{
	"slack":    {404, "no_service"},
	"dingtalk": {200, `{"errcode":310000,"errmsg":"keywords not in content"}`},
	"feishu":   {200, `{"code":19024,"data":{},"msg":"Key Words Not Found"}`},
	"lark":     {500, `Internal Server Error`},
	"wecom":    {200, `{"errcode":93000,"errmsg":"invalid webhook url, hint: [1755605200056773468916791]"}`},
}

func TestConformance(t *testing.T) {
	for _, typ := range Types {
		t.Run(typ, func(t *testing.T) {
			key := secret
			if typ == "slack" || typ == "wecom" {
				key = ""
			}
			sinktest.Run(t, sinktest.Harness{
				New: func(t *testing.T) (sinks.Sink, func(*testing.T, []sinks.Event)) {
					r := &receiver{}
					srv := httptest.NewServer(handlers[typ](r, key))
					t.Cleanup(srv.Close)
					return newSink(t, typ, srv.URL, key), r.check
				},
				NewFailing: func(t *testing.T) sinks.Sink {
					f := failing[typ]
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
						w.WriteHeader(f.status)
						io.WriteString(w, f.answer)
					}))
					t.Cleanup(srv.Close)
					return newSink(t, typ, srv.URL, key)
				},
				Secrets: []string{token, secret},
			})
		})
	}
}
