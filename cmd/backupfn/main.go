// Command backupfn is the operator CLI: it starts backups, serves the local
// cloud emulator, and (as later subcommands land) validates configs, runs
// the demo and invokes the functions locally.
//
// Exit codes: 0 success, 1 some backup failed, 2 usage or configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// app carries the process's streams and environment, so tests run commands
// in-process.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(a *app, ctx context.Context, args []string) int
}

func commands() []command {
	return []command{
		{"run", "start backups of targets now", (*app).cmdRun},
		{"emulator", "serve the local cloud emulator (all four APIs on one port)", (*app).cmdEmulator},
		{"validate", "check a config file and print every error with its line", (*app).cmdValidate},
		{"status", "print the state of a backup task", (*app).cmdStatus},
		{"invoke", "run one platform event through that platform's function, locally", (*app).cmdInvoke},
		{"serve", "run the HTTP function (POST /v1/backups, /v1/events, /v1/slack/command)", (*app).cmdServe},
		{"demo", "run a nightly backup of four clouds on the embedded emulator", (*app).cmdDemo},
		{"version", "print the version", (*app).cmdVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(a.main(ctx, os.Args[1:]))
}

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(a.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(a, ctx, args[1:])
		}
	}
	fmt.Fprintf(a.stderr, "backupfn: unknown command %q\n\n", args[0])
	a.usage(a.stderr)
	return exitUsage
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "backupfn starts manual backups of managed cloud databases and reports the task IDs.")
	fmt.Fprintln(w, "\nUsage: backupfn COMMAND [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'backupfn COMMAND --help' for a command's flags and examples.")
}

// newFlags returns a flag set that prints usage and examples on -h.
func (a *app) newFlags(name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: backupfn %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
	}
	return fs
}

// parseFlags parses args; it returns (exit code, false) when the command
// should stop (help shown or bad flags).
func (a *app) parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// strList is a repeatable string flag.
type strList []string

func (s *strList) String() string     { return strings.Join(*s, ",") }
func (s *strList) Set(v string) error { *s = append(*s, v); return nil }

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func (a *app) cmdVersion(_ context.Context, args []string) int {
	fs := a.newFlags("version", "", "  backupfn version")
	if code, ok := a.parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintf(a.stdout, "backupfn %s\n", version)
	return exitOK
}
