package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/nitro-runtime/nitro/internal/testkit"
	"github.com/nitro-runtime/nitro/workers"
)

// testEnv is a complete environment on a fresh database; the caller adds to it.
func testEnv(t *testing.T) map[string]string {
	t.Helper()
	db := fmt.Sprintf("nitro_cmd_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	t.Cleanup(func() { testkit.DropDatabase(t, db) })
	port := testkit.FreePort(t)
	return map[string]string{
		"DATABASE_URL": testkit.DatabaseURLNamed(db), "REDIS_URL": testkit.RedisURL(testkit.DBCmd),
		"PORT": fmt.Sprint(port), "HOST": "127.0.0.1", "NITRO_DATA_DIR": t.TempDir(), "NITRO_TEST_TASKS": "1",
		"NITRO_MASTER_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32)),
	}
}

// With REDIS_URL unset and nothing listening where Redis usually is, serve runs on an
// embedded miniredis, says so, and asynq's whole cycle works on it.
func TestServeFallsBackToEmbeddedRedis(t *testing.T) {
	localRedis = "redis://" + testkit.FreeAddr(t) + "/0"
	t.Cleanup(func() { localRedis = "redis://127.0.0.1:6379/0" })

	env := testEnv(t)
	delete(env, "REDIS_URL")
	c, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.Buffer{}
	log := zerolog.New(logs)
	ctx := context.Background()
	a, err := start(ctx, c, log, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.shutdown(10 * time.Second)
	if a.broker.embedded == nil || !strings.Contains(logs.String(), "EMBEDDED") {
		t.Fatalf("no embedded redis announced; logs: %s", logs.String())
	}
	body, _ := json.Marshal(workers.TestWalkPayload{UserID: "u1", Phases: 2, Steps: 2})
	info, err := a.client.Enqueue(asynq.NewTask(workers.TestWalkType, body), asynq.Retention(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "the job on embedded Redis to complete", func() bool {
		job, err := a.store.GetJob(ctx, info.ID)
		return err == nil && job.State == "completed"
	})
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%s/health", env["PORT"]))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/health = %d %s", resp.StatusCode, b)
	}
}

// With REDIS_URL set, an unreachable Redis is a start-up error naming it.
func TestServeRefusesUnreachableRedisURL(t *testing.T) {
	addr := testkit.FreeAddr(t)
	env := testEnv(t)
	env["REDIS_URL"] = "redis://:s3cret@" + addr + "/0"
	c, err := loadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	_, err = start(context.Background(), c, zerolog.Nop(), true)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v; want an error naming REDIS_URL without the password", err)
	}
}

// An unreachable database is a start-up error that names DATABASE_URL.
func TestServeRefusesUnreachableDatabase(t *testing.T) {
	addr := testkit.FreeAddr(t)
	env := testEnv(t)
	env["DATABASE_URL"] = "postgres://postgres:pw@" + addr + "/nitro?sslmode=disable"
	c, _ := loadConfig(envOf(env))
	_, err := start(context.Background(), c, zerolog.Nop(), true)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("err = %v; want an error naming DATABASE_URL without the password", err)
	}
}

// nitro localnet serves JSON-RPC on the port and PubSub on port+1 until cancelled.
func TestLocalnetCommand(t *testing.T) {
	for try := 1; ; try++ {
		lost, errOut := runLocalnetOnce(t, testkit.FreePortPair(t))
		if !lost {
			return
		}
		// Another process took one of the two ports between the check and the listen.
		if try == 3 {
			t.Fatalf("localnet could not listen in 3 tries: %s", errOut)
		}
		t.Logf("try %d: %s", try, strings.TrimSpace(errOut))
	}
}

// runLocalnetOnce runs nitro localnet on port and port+1 and checks it; lost reports a
// port taken by another process before the command could listen on it.
func runLocalnetOnce(t *testing.T, port int) (lost bool, errOut string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var out, stderr testkit.Buffer
	go func() {
		done <- run(ctx, []string{"localnet", "--port", fmt.Sprint(port)}, envOf(map[string]string{"NITRO_DATA_DIR": t.TempDir()}), nil, &out, &stderr)
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	var body []byte
	exited := false
	// generous: genesis under -race on a busy machine
	testkit.WaitFor(t, 60*time.Second, "the cluster's JSON-RPC", func() bool {
		select {
		case <-done:
			exited = true
			return true
		default:
		}
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"getHealth"}`))
		if err != nil {
			return false
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return true
	})
	if exited {
		if strings.Contains(stderr.String(), "address already in use") {
			return true, stderr.String()
		}
		t.Fatalf("localnet exited before serving: %s", stderr.String())
	}
	if !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("getHealth = %s", body)
	}
	ws, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
	if err != nil {
		t.Fatalf("no PubSub listener on port+1: %v", err)
	}
	ws.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("localnet exited %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("localnet did not stop on cancel")
	}
	return false, ""
}

func TestProbe(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health/ready" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer ok.Close()
	var out, errOut bytes.Buffer
	env := func(string) string { return "" }
	if code := run(context.Background(), []string{"probe", ok.URL + "/health/ready"}, env, nil, &out, &errOut); code != 0 {
		t.Fatalf("a ready server: exit %d (%s)", code, errOut.String())
	}
	if code := run(context.Background(), []string{"probe", ok.URL + "/health/other"}, env, nil, &out, &errOut); code != 1 {
		t.Fatalf("a 503: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"probe", "http://example.com/health"}, env, nil, &out, &errOut); code != 2 {
		t.Fatalf("a URL off loopback: exit %d, want 2", code)
	}
}
