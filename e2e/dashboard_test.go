package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/nitro-runtime/nitro/progress"
)

// chromiumPath is Debian's Chromium; the tests never download a browser.
const chromiumPath = "/usr/bin/chromium"

// TestDashboard drives the dashboard at / in a real browser against a real nitro
// serve: Alice watches her launch (with mixing) reach 100% with its stages, steps and
// signatures and exactly one toast, also counted by the frontend guide's
// ToastNotifications logic; Bob sees only his own jobs; the admin sees both users
// with the counts and Bob's failure and its error; a
// reload keeps everything; the job page replays the history; the demo sign-in and
// "try a launch" work; no page has an uncaught error or a console error (a
// Content-Security-Policy violation is one). Screenshots are kept in
// NITRO_E2E_ARTIFACTS (default: the test's temp dir).
func TestDashboard(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is required at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		t.Fatal("run `make e2e/deps` (npm ci in e2e/) first: playwright-core is not installed")
	}
	artifacts := os.Getenv("NITRO_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	s := startServer(t)
	chain := rpc{t: t, url: s.URL + "/localnet/rpc"}
	alice := newCrew(s, chain, "alice", 2)

	scenario, _ := json.Marshal(map[string]any{
		"url": s.URL, "chromium": chromiumPath, "artifacts": artifacts,
		"users":  map[string]string{"alice": "alice", "bob": "bob"},
		"tokens": map[string]string{"alice": s.token("alice", false), "bob": s.token("bob", false), "admin": s.token("ops", true)},
	})
	cmd := exec.Command("node", filepath.Join(dir, "dashboard.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NITRO_DASHBOARD="+string(scenario))
	in, _ := cmd.StdinPipe()
	outPipe, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan map[string]any)
	go func() {
		sc := bufio.NewScanner(outPipe)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	next := func(d time.Duration) map[string]any {
		t.Helper()
		select {
		case m, ok := <-lines:
			if !ok {
				t.Fatalf("the browser script ended early; logs:\n%s", tail(s.logs.String(), 40))
			}
			return m
		case <-time.After(d):
			t.Fatalf("the browser script said nothing for %v (screenshots in %s)", d, artifacts)
		}
		return nil
	}

	if m := next(60 * time.Second); m["ready"] != true {
		t.Fatalf("browser: %v (screenshots in %s)", m, artifacts)
	}
	launch := s.enqueue(progress.LaunchToken, alice.launchPayload(progress.PlatformPump, "Dashcoin", true, 0.2, 0.3))
	walk := s.enqueueWalk(map[string]any{"userId": "bob", "phases": 2, "steps": 3, "stepDelayMs": 50})
	// A job that fails for good: a sale of a token that is no launch of bob's, put
	// straight into asynq as the bot does (the API would refuse it at enqueue).
	failing := s.enqueueTask(progress.DevSell, map[string]any{"userId": "bob", "tokenAddress": solana.NewWallet().PublicKey().String(), "sellPercent": 10})
	jobs, _ := json.Marshal(map[string]string{"launch": launch, "walk": walk, "failing": failing, "tokenName": "Dashcoin"})
	if _, err := in.Write(append(jobs, '\n')); err != nil {
		t.Fatal(err)
	}
	m := next(5 * time.Minute)
	if m["ok"] != true {
		j, _ := s.job(launch)
		t.Fatalf("dashboard: %v\n(launch %s: %q %s; screenshots in %s)\nlogs:\n%s", m["error"], launch, j.State, j.Error, artifacts, tail(s.logs.String(), 40))
	}
	t.Logf("dashboard checks passed (%v history rows, %v steps); screenshots in %s", m["rows"], m["steps"], artifacts)
}
