package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags is a subcommand's flag set: its usage line and defaults go to out (so
// `--help` prints help and nothing else happens), and a bad flag is a usage error.
func newFlags(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: nitro %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with flags in any position (Go's flag package stops at the
// first argument that is not a flag) and returns the positional arguments in order.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, err
		} else if err != nil { // an unknown flag, a bad value: the user's to correct
			return nil, &usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// usageError is a command line the user must correct: printed as one line, exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
