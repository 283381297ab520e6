package bench

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// ModuleSize is the machine code one module contributes to a binary.
type ModuleSize struct {
	Module string
	Text   int64 // bytes of text symbols
}

// TextByModule builds pkg unstripped (otherwise as `make dist` does) into
// dir and attributes its text symbols (go tool nm) to the modules of its
// build info, by longest module-path prefix; the rest is "std". It is an
// approximation: rodata, type data and pclntab follow code size only roughly.
func TextByModule(ctx context.Context, root, dir, pkg string) ([]ModuleSize, int64, error) {
	bin := filepath.Join(dir, "unstripped")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, 0, fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	info, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go version -m: %v", err)
	}
	var mods []string
	for _, line := range strings.Split(string(info), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "dep" || f[0] == "mod") {
			mods = append(mods, f[1])
		}
	}
	sort.Slice(mods, func(i, j int) bool { return len(mods[i]) > len(mods[j]) }) // longest first
	nm, err := exec.CommandContext(ctx, "go", "tool", "nm", "-size", bin).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("go tool nm: %v", err)
	}
	sizes, total := AttributeText(string(nm), mods)
	return sizes, total, nil
}

// AttributeText sums the sizes of the text symbols in nm's output (address,
// size, type, name) by module, largest first.
func AttributeText(nm string, mods []string) ([]ModuleSize, int64) {
	by := map[string]int64{}
	var total int64
	sc := bufio.NewScanner(strings.NewReader(nm))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || (f[2] != "T" && f[2] != "t") {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		total += size
		by[moduleOf(strings.Join(f[3:], " "), mods)] += size
	}
	out := make([]ModuleSize, 0, len(by))
	for m, s := range by {
		out = append(out, ModuleSize{Module: m, Text: s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text > out[j].Text })
	return out, total
}

func moduleOf(sym string, mods []string) string {
	for _, p := range []string{"type:.eq.", "type:.hash.", "type:", "go:", "(*", "("} {
		sym = strings.TrimPrefix(sym, p)
	}
	for _, m := range mods {
		if strings.HasPrefix(sym, m+".") || strings.HasPrefix(sym, m+"/") {
			return m
		}
	}
	return "std"
}
