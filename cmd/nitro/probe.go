package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// probeCmd is `nitro probe URL`: exit 0 when URL answers 2xx within 3 s, 1 otherwise.
// It is the container health check (the image has no shell, curl or wget), so it
// reads no configuration and only talks to loopback.
func probeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: nitro probe http://127.0.0.1:PORT/health/ready")
		return 2
	}
	u, err := url.Parse(args[0])
	if err != nil || u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(stderr, "nitro probe: want an http:// URL on loopback")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "nitro probe:", err)
		return 1
	}
	defer resp.Body.Close()
	fmt.Fprintln(stdout, resp.Status)
	if resp.StatusCode/100 != 2 {
		return 1
	}
	return 0
}
