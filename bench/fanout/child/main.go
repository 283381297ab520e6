// Command child is bench's fan-out child: it runs core.Service over the
// emulator that its environment points at and prints the run's figures as
// JSON (see fanout.ChildMain). `make bench` builds it as the functions are
// built and starts it; it is not meant to be run by hand.
package main

import (
	"os"

	"github.com/backupfn/backupfn/bench/fanout"
)

func main() { os.Exit(fanout.ChildMain(os.Args[1:])) }
