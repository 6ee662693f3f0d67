// Command nitro is the Nitro runtime: asynq workers that launch and trade tokens on
// Solana, the Socket.IO server that streams their progress, the HTTP API, and the
// built-in local cluster. `nitro help` lists the subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
