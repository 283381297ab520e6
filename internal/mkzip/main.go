// Command mkzip writes a reproducible zip for a function package: entries
// in the order given, a fixed modification time, and explicit Unix modes,
// so an executable keeps its run bit on every platform that unpacks it.
//
//	go run ./internal/mkzip -o dist/scf.zip main=bin/scf:0755 config.yaml=examples/backupfn.yaml:0644
//	go run ./internal/mkzip -list dist/scf.zip
package main

import (
	"archive/zip"
	"compress/flate"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// epoch is the fixed time of every entry (zip cannot store earlier).
var epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is one file to put in the zip.
type Entry struct {
	Name string      // the name inside the zip
	Path string      // the file on disk
	Mode os.FileMode // its Unix permission bits
}

// ParseEntry parses NAME=PATH:MODE (MODE octal, e.g. 0755).
func ParseEntry(s string) (Entry, error) {
	name, rest, ok := strings.Cut(s, "=")
	i := strings.LastIndex(rest, ":")
	if !ok || name == "" || i <= 0 {
		return Entry{}, fmt.Errorf("entry %q: want NAME=PATH:MODE, e.g. bootstrap=bin/lambda:0755", s)
	}
	mode, err := strconv.ParseUint(rest[i+1:], 8, 32)
	if err != nil || mode > 0o777 {
		return Entry{}, fmt.Errorf("entry %q: mode %q is not an octal permission like 0755", s, rest[i+1:])
	}
	return Entry{Name: name, Path: rest[:i], Mode: os.FileMode(mode)}, nil
}

// Write writes the entries to w as a zip.
func Write(w io.Writer, entries []Entry) error {
	zw := zip.NewWriter(w)
	// The best compression: the zips are built once and uploaded to size
	// limits (SCF's 10 MB direct upload); it costs about a second.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, e := range entries {
		f, err := os.Open(e.Path)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: epoch}
		h.SetMode(e.Mode)
		dst, err := zw.CreateHeader(h)
		if err == nil {
			_, err = io.Copy(dst, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
	}
	return zw.Close()
}

func main() {
	out := flag.String("o", "", "the zip to write")
	list := flag.Bool("list", false, "list the entries of the zips named as arguments, with their modes")
	flag.Parse()
	if err := run(*out, *list, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkzip:", err)
		os.Exit(1)
	}
}

func run(out string, list bool, args []string) error {
	if list {
		for _, name := range args {
			r, err := zip.OpenReader(name)
			if err != nil {
				return err
			}
			for _, f := range r.File {
				fmt.Printf("%s\t%s\t%v\t%d\n", name, f.Name, f.Mode(), f.UncompressedSize64)
			}
			r.Close()
		}
		return nil
	}
	if out == "" || len(args) == 0 {
		return fmt.Errorf("usage: mkzip -o OUT.zip NAME=PATH:MODE [NAME=PATH:MODE ...]")
	}
	var entries []Entry
	for _, a := range args {
		e, err := ParseEntry(a)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := Write(f, entries); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
