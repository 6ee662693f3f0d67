package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nitro-runtime/nitro/internal/testkit"
)

// nginxProxy is Debian's nginx running deploy/nginx.conf on loopback, in front of
// nitro processes started by the test: the production balancer, not a stand-in.
type nginxProxy struct {
	URL       string
	dir       string
	cmd       *exec.Cmd
	upstreams []string // host:port of nitro-serve-1, nitro-serve-2, ...
	// stop ends nginx (SIGTERM, then SIGKILL to its process group); it runs at cleanup
	// too, and only once.
	stop func()
}

// upstreamHeader names the upstream that served a response. The test's copy of the
// config adds it, so a probe can tell which process ip_hash sends an address to.
const upstreamHeader = "X-Nitro-Upstream"

// startNginx runs deploy/nginx.conf with nitro-serve-N:3001 replaced by upstreams[N-1]
// and its own listen port, pid, logs and temp directories in a temporary directory.
func startNginx(tb testing.TB, upstreams ...string) *nginxProxy {
	tb.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
		if _, err := os.Stat(bin); err != nil {
			tb.Fatal("nginx is required (apt-get install nginx-light)")
		}
	}
	dir := tb.TempDir()
	port := testkit.FreePort(tb)
	conf := renderNginxConf(tb, dir, port, upstreams)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	// daemon off keeps the master our child; as root, nginx would run its workers as
	// nobody, who cannot enter the test's temporary directory.
	global := "daemon off;"
	if os.Geteuid() == 0 {
		global += " user root;"
	}
	n := &nginxProxy{URL: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir, upstreams: upstreams}
	n.cmd = exec.Command(bin, "-p", dir, "-c", path, "-e", filepath.Join(dir, "error.log"), "-g", global)
	n.cmd.Stdout, n.cmd.Stderr = os.Stderr, os.Stderr
	// Its own process group, so that the workers go with the master at cleanup.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(exited) }()
	n.stop = sync.OnceFunc(func() {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	tb.Cleanup(n.stop)
	ok := testkit.Poll(15*time.Second, func() bool {
		select {
		case <-exited:
			return true
		default:
		}
		resp, err := http.Get(n.URL + "/nginx-health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	select {
	case <-exited:
		ok = false
	default:
	}
	if !ok {
		tb.Fatalf("nginx did not come up; error.log:\n%s", n.errorLog())
	}
	return n
}

// renderNginxConf is deploy/nginx.conf for loopback: each edit must apply, so a change
// of the shipped file that this test no longer exercises fails here, not silently.
func renderNginxConf(tb testing.TB, dir string, port int, upstreams []string) string {
	tb.Helper()
	raw, err := os.ReadFile("../deploy/nginx.conf")
	if err != nil {
		tb.Fatal(err)
	}
	conf := string(raw)
	for _, must := range []string{"ip_hash;", "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;"} {
		if !strings.Contains(conf, must) {
			tb.Fatalf("deploy/nginx.conf lacks %q", must)
		}
	}
	var bad []string
	conf = regexp.MustCompile(`nitro-serve-(\d+):3001`).ReplaceAllStringFunc(conf, func(m string) string {
		i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(m, "nitro-serve-"), ":3001"))
		if i < 1 || i > len(upstreams) {
			bad = append(bad, m)
			return m
		}
		return upstreams[i-1]
	})
	if len(bad) > 0 {
		tb.Fatalf("deploy/nginx.conf names %v; the test starts %d serve processes", bad, len(upstreams))
	}
	temp := ""
	for _, kind := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		temp += fmt.Sprintf("    %s_temp_path %s;\n", kind, filepath.Join(dir, kind))
	}
	for _, r := range []struct{ old, new string }{
		{"pid /tmp/nginx.pid;", "pid " + filepath.Join(dir, "nginx.pid") + ";"},
		{"listen 8080;", fmt.Sprintf("listen 127.0.0.1:%d;", port)},
		{"access_log /dev/stdout;", "access_log " + filepath.Join(dir, "access.log") + ";"},
		{"error_log /dev/stderr warn;", "error_log " + filepath.Join(dir, "error.log") + " warn;"},
		{"http {\n", "http {\n" + temp + "    add_header " + upstreamHeader + " $upstream_addr always;\n"},
	} {
		if strings.Count(conf, r.old) != 1 {
			tb.Fatalf("deploy/nginx.conf: expected %q once", r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	return conf
}

func (n *nginxProxy) errorLog() string {
	raw, _ := os.ReadFile(filepath.Join(n.dir, "error.log"))
	return string(raw)
}

// upstreamOf asks nginx, from source address local, for a page behind the sticky
// upstream and returns which process answered.
func (n *nginxProxy) upstreamOf(tb testing.TB, local string) string {
	tb.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer cl.CloseIdleConnections()
	resp, err := cl.Get(n.URL + "/health/live")
	if err != nil {
		tb.Fatalf("GET /health/live from %s: %v", local, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /health/live from %s: status %d", local, resp.StatusCode)
	}
	return resp.Header.Get(upstreamHeader)
}

// stickyAddrs finds, for each upstream in order, a loopback source address that
// nginx sends to it. ip_hash hashes the first three octets of an IPv4 address, so
// every client of 127.0.0.1 lands on one process; Linux answers all of 127.0.0.0/8
// on lo, and addresses in different /24s (127.K.0.1) spread over the upstreams as
// they would for clients of different networks.
func (n *nginxProxy) stickyAddrs(tb testing.TB) []string {
	tb.Helper()
	found := map[string]string{}
	for k := 1; k < 64 && len(found) < len(n.upstreams); k++ {
		local := fmt.Sprintf("127.%d.0.1", k)
		up := n.upstreamOf(tb, local)
		if _, ok := found[up]; !ok {
			found[up] = local
		}
		// Asked again, the same address must reach the same process: that is stickiness.
		if again := n.upstreamOf(tb, local); again != up {
			tb.Fatalf("%s reached %s, then %s: ip_hash is not sticky", local, up, again)
		}
	}
	out := make([]string, len(n.upstreams))
	for i, up := range n.upstreams {
		if out[i] = found[up]; out[i] == "" {
			tb.Fatalf("no source address of 127.1-63.0.1 reaches %s (found %v)", up, found)
		}
	}
	return out
}
