package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
)

// NITRO_PPROF=127.0.0.1:6060 serves /debug/pprof/ on that address, apart from the
// public port, for profiling a benchmark run. It is off unless set, and it refuses a
// non-loopback address: profiles reveal memory contents.
func init() {
	addr := os.Getenv("NITRO_PPROF")
	if addr == "" {
		return
	}
	if err := servePprof(addr); err != nil {
		fmt.Fprintln(os.Stderr, "NITRO_PPROF:", err)
	}
}

func servePprof(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("only a loopback address is allowed")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() { _ = http.Serve(l, mux) }()
	return nil
}
