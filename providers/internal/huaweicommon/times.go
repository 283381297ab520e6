package huaweicommon

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the forms Huawei APIs write times in: RFC 3339 with or
// without fractions ("2020-06-17T07:38:42.102Z"), a numeric offset without a
// colon ("2016-08-23T03:59:26+0800", RDS), and a bare UTC time.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// ParseTime parses a time written by a Huawei API; ok is false when s is
// empty or in no known form.
func ParseTime(s string) (t time.Time, ok bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			return v, true
		}
	}
	return time.Time{}, false
}

// Percent parses a progress such as "42.50" into a whole percentage.
func Percent(s string) int {
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || f < 0 {
		return 0
	}
	return min(int(f), 100)
}

// Found collects the backups FindStarted recognises, oldest first.
type Found struct {
	ids   []string
	times []time.Time
}

// Add records backup id, begun at began, if it started at or after since.
func (f *Found) Add(id, began string, since time.Time) {
	t, ok := ParseTime(began)
	if !ok || t.Before(since.Truncate(time.Second)) {
		return
	}
	i := sort.Search(len(f.times), func(i int) bool { return f.times[i].After(t) })
	f.ids = slices.Insert(f.ids, i, id)
	f.times = slices.Insert(f.times, i, t)
}

// Len returns how many backups were found.
func (f *Found) Len() int { return len(f.ids) }

// IDs returns the IDs found, oldest first.
func (f *Found) IDs() []string { return f.ids }
