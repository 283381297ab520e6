package providers_test

import (
	"strings"
	"testing"

	"github.com/backupfn/backupfn/errkind"
	"github.com/backupfn/backupfn/providers"
	"github.com/backupfn/backupfn/providers/all"
)

// FuzzParse: any string parses to a target or to a clear InvalidArgument
// error; a parsed target prints to a URL that parses to the same target.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"tencent-redis://ap-guangzhou/crs-5a4py64p?remark=nightly&storage_days=7",
		"alibaba-redis://cn-hangzhou/r-bp1zxszhcgatnx?retention_days=-1",
		"huawei-dcs://cn-north-4/dcs-1?project_id=p1&format=aof&remark=x",
		"huawei-rds://cn-north-4/i1?project_id=p&name=nightly-{date}&databases=a,b&credentials=prod",
		"mongo://x/y", "tencent-redis://", "://", "tencent-redis://r/i?%zz", "huawei-rds://cn-north-4/i?name=1x",
	} {
		f.Add(s)
	}
	reg := all.New(providers.Config{Getenv: func(string) string { return "" }})
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := reg.Parse(s)
		if err != nil {
			if errkind.KindOf(err) != errkind.InvalidArgument || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("Parse(%q): %v is not a clear InvalidArgument", s, err)
			}
			return
		}
		again, err := reg.Parse(tg.String())
		if err != nil || again.String() != tg.String() {
			t.Fatalf("Parse(%q) = %s, which parses to %v, %v", s, tg, again, err)
		}
	})
}
