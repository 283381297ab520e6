package chat

import (
	"fmt"
	"sort"
	"strings"

	"github.com/backupfn/backupfn/core"
	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/sinks"
)

// message is one run's summary before any platform formats it.
type message struct {
	Title   string // "backupfn: nightly backup — 2 started, 1 failed"
	Trigger string // "triggered by timer:nightly via scf", or ""
	Lines   []line
	More    int // lines left out to fit the platform's limit
}

// line is one target's outcome.
type line struct {
	Name string // the config's name, else the instance, else the target
	Text string // "started, task 6954227" or "failed: not found (...)"
	Bad  bool   // failed or not attempted: worth a look
}

// Text renders a run's events as the plain-text message the chat sinks
// post, e.g. for a Slack slash command's response_url.
func Text(evs []sinks.Event) string { return plain(summarize(evs)) }

// summarize builds the message from a run's events: one line per backup.*
// event, or per result of the run.finished event when there are none.
func summarize(evs []sinks.Event) message {
	var results []sinks.Event
	var source string
	var trig sinks.TriggerInfo
	var summary []core.Result
	for _, ev := range evs {
		source, trig = ev.Source, ev.Data.Trigger
		if ev.Type == sinks.TypeRunFinished {
			summary = ev.Data.Results
			continue
		}
		results = append(results, ev)
	}
	if len(results) == 0 {
		for _, r := range summary {
			typ := sinks.TypeFailed
			if r.Status == core.StatusStarted || r.Status == core.StatusAlreadyStarted {
				typ = sinks.TypeStarted
			}
			results = append(results, sinks.Event{Type: typ, Data: sinks.ResultData(r, trig)})
		}
	}
	m := message{Title: title(source, results), Trigger: triggerText(trig)}
	for _, ev := range results {
		text, bad := outcome(ev)
		m.Lines = append(m.Lines, line{Name: targetName(ev.Data), Text: text, Bad: bad})
	}
	return m
}

// title is "backupfn: <run> — <counts>"; the run is the last part of the
// events' source ("backupfn/scf/nightly-backup" reads "nightly backup").
func title(source string, results []sinks.Event) string {
	run := source[strings.LastIndex(source, "/")+1:]
	run = strings.NewReplacer("-", " ", "_", " ").Replace(run)
	t := "backupfn"
	if run != "" && run != "backupfn" {
		t += ": " + run
	}
	return t + " — " + counts(results)
}

// bucketOrder is how counts are listed; other statuses follow, sorted.
var bucketOrder = []string{"started", "completed", "failed", "pending", "skipped"}

// counts reads "2 started, 1 failed".
func counts(results []sinks.Event) string {
	if len(results) == 0 {
		return "nothing to back up"
	}
	n := map[string]int{}
	for _, ev := range results {
		n[bucket(ev)]++
	}
	var parts []string
	for _, b := range bucketOrder {
		if n[b] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[b], b))
			delete(n, b)
		}
	}
	var rest []string
	for b := range n {
		rest = append(rest, fmt.Sprintf("%d %s", n[b], b))
	}
	sort.Strings(rest)
	return strings.Join(append(parts, rest...), ", ")
}

func bucket(ev sinks.Event) string {
	switch {
	case ev.Type == sinks.TypeCompleted && ev.Data.Error == nil:
		return "completed"
	case ev.Data.Error != nil, ev.Data.Status == "":
		return "failed"
	case ev.Data.Status == core.StatusStarted, ev.Data.Status == core.StatusAlreadyStarted:
		return "started"
	}
	return string(ev.Data.Status)
}

// triggerText says who or what started the run.
func triggerText(t sinks.TriggerInfo) string {
	who := t.Requester
	if who == "" {
		who = string(t.Source)
	}
	switch {
	case who == "" && t.Platform == "":
		return ""
	case who == "":
		return "triggered via " + t.Platform
	case t.Platform == "":
		return "triggered by " + who
	}
	return "triggered by " + who + " via " + t.Platform
}

func targetName(d sinks.Data) string {
	for _, s := range []string{d.Name, d.Instance, d.Target} {
		if s != "" {
			return oneLine(s, 100)
		}
	}
	return "(unnamed target)"
}

// outcome is a target's line: its task IDs, or why it did not start.
func outcome(ev sinks.Event) (text string, bad bool) {
	d := ev.Data
	tasks := taskList(d.TaskIDs)
	switch {
	case d.Error != nil:
		return join("failed: "+errorText(d.Error), tasks), true
	case ev.Type == sinks.TypeCompleted:
		return join("backup finished", tasks), false
	case d.Status == core.StatusStarted:
		return join("started", tasks), false
	case d.Status == core.StatusAlreadyStarted:
		return join("already started by an earlier delivery", tasks), false
	case d.Status == core.StatusPending:
		return "not started before the deadline: deliver the trigger again", true
	case d.Status == core.StatusSkipped:
		return "skipped", false
	case d.Status == core.StatusFailed, d.Status == "":
		return join("failed", tasks), true
	}
	return join(string(d.Status), tasks), false
}

func join(s, tasks string) string {
	if tasks == "" {
		return s
	}
	return s + ", " + tasks
}

func taskList(ids []string) string {
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return "task " + ids[0]
	}
	return "tasks " + strings.Join(ids, ", ")
}

// kindPhrases say each error kind in plain words.
var kindPhrases = map[errkind.Kind]string{
	errkind.Unknown:          "no clear answer (the backup may have started)",
	errkind.InvalidArgument:  "the cloud rejected the request as invalid",
	errkind.NotFound:         "not found",
	errkind.PermissionDenied: "permission denied",
	errkind.Unauthenticated:  "bad or expired credentials",
	errkind.Throttled:        "rate limited by the cloud",
	errkind.Unavailable:      "the cloud service is unavailable",
	errkind.Busy:             "instance is busy (another backup is running)",
	errkind.Unsupported:      "this instance type cannot be backed up",
	errkind.Canceled:         "canceled",
	errkind.DeadlineExceeded: "timed out (the backup may have started)",
	errkind.Internal:         "internal error in backupfn",
}

// phrase says an error kind in plain words, e.g. "not found".
func phrase(k errkind.Kind) string {
	if p, ok := kindPhrases[k]; ok {
		return p
	}
	return k.String()
}

// errorText is "<phrase> (<code>) — <message>".
func errorText(e *core.ErrorInfo) string {
	p := phrase(e.Kind)
	s := p
	if e.Code != "" {
		s += " (" + oneLine(e.Code, 80) + ")"
	}
	if msg := oneLine(e.Message, 160); msg != "" && !strings.EqualFold(msg, p) {
		s += " — " + msg
	}
	return s
}

// plain renders m as plain text.
func plain(m message) string {
	var b strings.Builder
	b.WriteString(m.Title)
	if m.Trigger != "" {
		b.WriteString("\n" + m.Trigger)
	}
	for _, l := range m.Lines {
		b.WriteString("\n• " + l.Name + ": " + l.Text)
	}
	more(&b, "\n", m.More)
	return b.String()
}

func more(b *strings.Builder, prefix string, n int) {
	if n > 0 {
		fmt.Fprintf(b, "%s… and %d more", prefix, n)
	}
}

// fit renders m, leaving out lines from the end until the text is at most
// limit bytes.
func fit(m message, limit int, render func(message) string) string {
	return render(shrink(m, limit, render))
}

// shrink leaves out m's lines from the end until render(m) is at most
// limit bytes.
func shrink(m message, limit int, render func(message) string) message {
	if len(render(m)) <= limit {
		return m
	}
	all := m.Lines
	keep := func(n int) message {
		m.Lines, m.More = all[:n], len(all)-n
		return m
	}
	// The most lines that fit, by binary search: fits(n) holds for n < i.
	i := sort.Search(len(all), func(n int) bool { return len(render(keep(n))) > limit })
	return keep(max(i-1, 0))
}
