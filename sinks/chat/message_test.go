package chat

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
	"github.com/backupfn/backupfn/sinks/sinktest"
)

func TestSampleMessage(t *testing.T) {
	text := Text(sinktest.SampleEvents())
	lines := strings.Split(text, "\n")
	if lines[0] != "backupfn: test — 2 started, 1 failed" {
		t.Errorf("title %q", lines[0])
	}
	for _, want := range []string{
		"triggered by timer:nightly via scf",
		"• orders-redis: started, task 6954227",
		"• sessions-redis: already started by an earlier delivery, tasks 1022, 2480",
		"• cart-cache: failed: this instance type cannot be backed up (DCS.4086) — only master/standby instances can be backed up",
	} {
		if !strings.Contains(text, want+"\n") && !strings.HasSuffix(text, want) {
			t.Errorf("message lacks the line %q:\n%s", want, text)
		}
	}
	if len(lines) != 5 {
		t.Errorf("got %d lines, want a title, a trigger and 3 targets:\n%s", len(lines), text)
	}
}

func report(results ...core.Result) []sinks.Event {
	trig := core.Trigger{Platform: "fc", Source: core.SourceTimer, Requester: "timer:nightly"}
	return sinks.NewEvents("backupfn/scf/nightly-backup", trig, core.Report{Results: results}, time.Unix(0, 0))
}

func failed(name string, k errkind.Kind, code, msg string) core.Result {
	return core.Result{Name: name, Instance: "i-" + name, Status: core.StatusFailed, Error: &core.ErrorInfo{Kind: k, Code: code, Message: msg}}
}

func TestMessages(t *testing.T) {
	for _, c := range []struct {
		name string
		evs  []sinks.Event
		want []string
	}{
		{"run name and counts", report(
			core.Result{Name: "a", Status: core.StatusStarted, TaskIDs: []string{"t1"}},
			core.Result{Name: "b", Status: core.StatusStarted, TaskIDs: []string{"t2"}},
			failed("c", errkind.Busy, "Task.Conflict", "")),
			[]string{"backupfn: nightly backup — 2 started, 1 failed\n", "• c: failed: instance is busy (another backup is running) (Task.Conflict)"}},
		{"not found, with the message", report(failed("gone", errkind.NotFound, "InvalidInstanceId.NotFound", "The instance does not exist.")),
			[]string{"— 1 failed\n", "• gone: failed: not found (InvalidInstanceId.NotFound) — The instance does not exist."}},
		{"no name: the instance", report(core.Result{Instance: "crs-1", Status: core.StatusStarted, TaskIDs: []string{"9"}}),
			[]string{"• crs-1: started, task 9"}},
		{"pending and skipped", report(core.Result{Name: "p", Status: core.StatusPending}, core.Result{Name: "s", Status: core.StatusSkipped}),
			[]string{"— 1 pending, 1 skipped\n", "• p: not started before the deadline", "• s: skipped"}},
		{"nothing", report(), []string{"backupfn: nightly backup — nothing to back up\ntriggered by timer:nightly via fc"}},
		{"summary only", report(core.Result{Name: "a", Status: core.StatusStarted, TaskIDs: []string{"t1"}})[1:],
			[]string{"— 1 started\n", "• a: started, task t1"}},
		{"a long, multi-line error", report(failed("x", errkind.Unknown, "", strings.Repeat("very long\n", 50))),
			[]string{"• x: failed: no clear answer (the backup may have started) — very long very long", "…"}},
	} {
		text := Text(c.evs)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: message lacks %q:\n%s", c.name, w, text)
			}
		}
		if strings.Count(text, "\n") > 2+len(c.evs) {
			t.Errorf("%s: too many lines:\n%s", c.name, text)
		}
	}
}

func TestEveryKindHasAPhrase(t *testing.T) {
	for k := errkind.Unknown; k <= errkind.Internal; k++ {
		if p := phrase(k); p == k.String() || p == "" {
			t.Errorf("kind %s has no plain-words phrase", k)
		}
	}
}

// TestLongRunsFit checks a run with many targets stays inside each
// platform's limit, saying how many lines it left out.
func TestLongRunsFit(t *testing.T) {
	var rs []core.Result
	for i := range 1000 {
		rs = append(rs, core.Result{Name: fmt.Sprintf("redis-%04d", i), Status: core.StatusStarted, TaskIDs: []string{fmt.Sprint(100000 + i)}})
	}
	m := summarize(report(rs...))
	for _, c := range []struct {
		name   string
		limit  int
		render func(message) string
	}{
		{"slack", slackSectionLimit, slackMrkdwn},
		{"dingtalk", dingtalkLimit, dingtalkMarkdown},
		{"wecom", wecomLimit, wecomMarkdown},
		{"feishu", feishuLimit, plain},
	} {
		s := fit(m, c.limit, c.render)
		if len(s) > c.limit || !strings.Contains(s, "redis-0000") || !strings.Contains(s, "more") {
			t.Errorf("%s: %d bytes (limit %d), ending %q", c.name, len(s), c.limit, s[max(0, len(s)-60):])
		}
		if !strings.Contains(s, "backupfn: nightly backup — 1000 started") {
			t.Errorf("%s: title lost", c.name)
		}
	}
	if s := fit(m, 10, plain); !strings.Contains(s, "… and 1000 more") {
		t.Errorf("with no room for any line: %q", s)
	}
}

func TestSlackEscapes(t *testing.T) {
	m := summarize(report(core.Result{Name: "a<b>&c", Status: core.StatusStarted}))
	if s := slackMrkdwn(m); !strings.Contains(s, "a&lt;b&gt;&amp;c") {
		t.Errorf("not escaped: %s", s)
	}
}
