package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// Private services: a Redis or a PostgreSQL that one test owns and may stop, kill and
// start again on the same port, to test what survives a restart of the services
// underneath. The machine's shared servers (TEST_REDIS_URL, TEST_DATABASE_URL) are
// never restarted: other packages' tests run against them.

// RedisServer is a redis-server child process of the test.
type RedisServer struct {
	t       testing.TB
	Port    int
	dir     string
	persist bool
	cmd     *exec.Cmd
	logs    *Buffer
}

// StartRedis starts a private redis-server on a free port, stopped when the test ends.
// With persist, every write is appended to a file and fsynced before Redis answers
// (appendonly yes, appendfsync always), as a production Redis that holds a queue is
// configured: a Redis killed and started again comes back with everything it had
// acknowledged. Without, a restarted Redis is empty. It skips the test only when
// redis-server is not installed.
func StartRedis(t testing.TB, persist bool) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed: the restart tests need their own Redis")
	}
	r := &RedisServer{t: t, Port: FreePort(t), dir: t.TempDir(), persist: persist}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Addr is host:port.
func (r *RedisServer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", r.Port) }

// URL is the redis:// URL of database db.
func (r *RedisServer) URL(db int) string { return fmt.Sprintf("redis://%s/%d", r.Addr(), db) }

// Logs is what the current process wrote.
func (r *RedisServer) Logs() string { return r.logs.String() }

// Start starts the server (again) on its port and returns once it answers PING.
func (r *RedisServer) Start() {
	r.t.Helper()
	if r.cmd != nil {
		r.t.Fatal("testkit: redis-server already running")
	}
	args := []string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--dir", r.dir, "--save", ""}
	if r.persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	r.logs = &Buffer{}
	r.cmd = exec.Command("redis-server", args...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("testkit: start redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1})
	defer c.Close()
	ok := Poll(20*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		// A Redis still loading its append-only file answers LOADING: not ready yet.
		return c.Ping(ctx).Err() == nil
	})
	if !ok {
		r.t.Fatalf("testkit: redis-server on %d did not answer; its output:\n%s", r.Port, r.logs.String())
	}
}

// Kill ends the server with SIGKILL (no shutdown, no final save) and waits for it.
func (r *RedisServer) Kill() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Stop is Kill: a private Redis holds nothing worth a graceful shutdown.
func (r *RedisServer) Stop() { r.Kill() }

// Restart kills the server and starts it again on the same port, after down.
func (r *RedisServer) Restart(down time.Duration) {
	r.t.Helper()
	r.Kill()
	time.Sleep(down) // the outage itself: how long clients see connection refused
	r.Start()
}

// PostgresServer is a private PostgreSQL cluster: its own data directory, port and
// socket directory, run as the postgres user when the test runs as root (initdb
// refuses root).
type PostgresServer struct {
	t    testing.TB
	Port int
	dir  string // data directory and socket directory live under it
	bin  string
	as   []string // the command prefix that runs a binary as the cluster's owner
}

// pgBin finds PostgreSQL's server binaries: TEST_PG_BIN, the newest
// /usr/lib/postgresql/*/bin (Debian), or the PATH.
func pgBin() (string, bool) {
	if d := os.Getenv("TEST_PG_BIN"); d != "" {
		return d, true
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) < versionOf(dirs[j]) })
		return dirs[len(dirs)-1], true
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), true
	}
	return "", false
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// StartPostgres initialises and starts a private cluster on a free port (trust
// authentication, user postgres), stopped and removed when the test ends. It skips the
// test only when PostgreSQL's server binaries are not installed.
//
// fsync is off: the restarts tested are crashes of the server process (pg_ctl stop -m
// immediate), after which the operating system still holds every write; only a crash
// of the machine would need it.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin, ok := pgBin()
	if _, err := os.Stat(filepath.Join(bin, "initdb")); !ok || err != nil {
		t.Skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: the restart tests need their own cluster")
	}
	dir, err := os.MkdirTemp("", "nitro-pg")
	if err != nil {
		t.Fatal(err)
	}
	p := &PostgresServer{t: t, Port: FreePort(t), dir: dir, bin: bin}
	t.Cleanup(func() {
		p.Stop()
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to own a private cluster")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.as = []string{"runuser", "-u", "postgres", "--"}
	}
	p.run("initdb", "-D", p.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C")
	p.Start()
	return p
}

func (p *PostgresServer) data() string { return filepath.Join(p.dir, "data") }

// run runs one server binary as the cluster's owner and fails the test on an error.
func (p *PostgresServer) run(name string, args ...string) {
	p.t.Helper()
	argv := append(append(append([]string{}, p.as...), filepath.Join(p.bin, name)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("testkit: %s: %v\n%s\nserver log:\n%s", name, err, out, p.Logs())
	}
}

// URL is the postgres:// URL of database db.
func (p *PostgresServer) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Logs is the server's log file.
func (p *PostgresServer) Logs() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
	return string(b)
}

// Start starts the cluster and returns once it accepts connections.
func (p *PostgresServer) Start() {
	p.t.Helper()
	opts := strings.Join([]string{"-p", strconv.Itoa(p.Port), "-k", p.dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB"}, " ")
	p.run("pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
	ok := Poll(30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, p.URL("postgres"))
		if err != nil {
			return false
		}
		_ = c.Close(ctx)
		return true
	})
	if !ok {
		p.t.Fatalf("testkit: private PostgreSQL on %d does not accept connections; log:\n%s", p.Port, p.Logs())
	}
}

// Crash stops the cluster the way a crash does (pg_ctl stop -m immediate: every
// backend is ended at once, no checkpoint; the next start replays the WAL).
func (p *PostgresServer) Crash() {
	p.t.Helper()
	p.run("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "stop")
}

// Stop stops the cluster if it runs (at the test's end); errors are ignored.
func (p *PostgresServer) Stop() {
	argv := append(append(append([]string{}, p.as...), filepath.Join(p.bin, "pg_ctl")), "-D", p.data(), "-m", "immediate", "-w", "stop")
	_ = exec.Command(argv[0], argv[1:]...).Run()
}

// Restart crashes the cluster and starts it again on the same port, after down.
func (p *PostgresServer) Restart(down time.Duration) {
	p.t.Helper()
	p.Crash()
	time.Sleep(down) // the outage itself: how long clients see connection refused
	p.Start()
}
