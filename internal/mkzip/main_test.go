package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteIsReproducibleWithModes(t *testing.T) {
	dir := t.TempDir()
	bin, cfg := filepath.Join(dir, "bin"), filepath.Join(dir, "c.yaml")
	os.WriteFile(bin, []byte("\x7fELF..."), 0o600)
	os.WriteFile(cfg, []byte("targets: {}\n"), 0o600)
	entries := []Entry{{"bootstrap", bin, 0o755}, {"config.yaml", cfg, 0o644}}
	var a, b bytes.Buffer
	if err := Write(&a, entries); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, entries); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes of the same files differ")
	}
	r, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != 2 || r.File[0].Name != "bootstrap" || r.File[0].Mode().Perm() != 0o755 || r.File[1].Mode().Perm() != 0o644 {
		t.Fatalf("entries = %v %v, %v %v", r.File[0].Name, r.File[0].Mode(), r.File[1].Name, r.File[1].Mode())
	}
}

func TestParseEntry(t *testing.T) {
	e, err := ParseEntry("main=bin/scf:0755")
	if err != nil || e != (Entry{"main", "bin/scf", 0o755}) {
		t.Fatalf("%+v %v", e, err)
	}
	for _, bad := range []string{"main", "main=bin/scf", "main=bin/scf:rwx", "=x:0755", "m=x:1777"} {
		if _, err := ParseEntry(bad); err == nil {
			t.Errorf("ParseEntry(%q) accepted", bad)
		}
	}
}
