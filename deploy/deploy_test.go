// Package deploy holds the deploy kit (Dockerfile at the root, docker-compose.yml,
// nginx.conf, .env.example); its test checks the kit against the code without Docker:
// the variables, the compose wiring and nginx's own syntax check.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// envRead finds the variables cmd/nitro reads: get("X"), getenv("X"), intVar(get, "X",
// and a table of {"X", &field} read in a loop.
var envRead = regexp.MustCompile(`(?:\bget|\bgetenv|Getenv|intVar\(get,)\(?\s*"([A-Z][A-Z0-9_]+)"|\{"([A-Z][A-Z0-9_]+)", &`)

// TestEnvExampleNamesEveryVariable: .env.example lists exactly the variables the
// configuration reads, so a new variable cannot ship undocumented.
func TestEnvExampleNamesEveryVariable(t *testing.T) {
	read := map[string]bool{}
	files, _ := filepath.Glob("../cmd/nitro/*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envRead.FindAllStringSubmatch(string(src), -1) {
			read[m[1]+m[2]] = true
		}
	}
	if len(read) < 20 {
		t.Fatalf("found only %d variables in cmd/nitro: the pattern no longer matches the code", len(read))
	}
	listed := envKeys(t, ".env.example")
	for v := range read {
		if !listed[v] {
			t.Errorf("cmd/nitro reads %s, which deploy/.env.example does not list", v)
		}
	}
	for v := range listed {
		if !read[v] {
			t.Errorf("deploy/.env.example lists %s, which cmd/nitro does not read", v)
		}
	}
}

func envKeys(t *testing.T, path string) map[string]bool {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not KEY=VALUE", path, line)
			continue
		}
		if keys[k] {
			t.Errorf("%s: %s twice", path, k)
		}
		keys[k] = true
	}
	return keys
}

type composeFile struct {
	Services map[string]struct {
		Image     string         `yaml:"image"`
		Command   []string       `yaml:"command"`
		EnvFile   string         `yaml:"env_file"`
		DependsOn map[string]any `yaml:"depends_on"`
		Health    *struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Volumes []string `yaml:"volumes"`
	} `yaml:"services"`
}

// TestComposeWiring: two serve processes and a worker, each on the .env file and
// ready only when /health/ready says so, nginx with the config of this folder, and
// migrations run once before the processes start.
func TestComposeWiring(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	want := map[string]string{"nitro-serve-1": "serve", "nitro-serve-2": "serve", "nitro-worker": "worker", "migrate": "migrate"}
	for name, cmd := range want {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		if !slices.Equal(s.Command, []string{cmd}) || s.EnvFile != ".env" {
			t.Errorf("%s: command %v, env_file %q", name, s.Command, s.EnvFile)
		}
		if name == "migrate" {
			continue
		}
		if s.Health == nil || !slices.Contains(s.Health.Test, "probe") || !strings.HasSuffix(s.Health.Test[len(s.Health.Test)-1], "/health/ready") {
			t.Errorf("%s: health check %+v, want nitro probe of /health/ready", name, s.Health)
		}
		if _, ok := s.DependsOn["migrate"]; !ok {
			t.Errorf("%s does not wait for the migrations", name)
		}
	}
	for _, name := range []string{"postgres", "redis", "nginx"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("no service %s", name)
		}
	}
	if !slices.Contains(c.Services["nginx"].Volumes, "./nginx.conf:/etc/nginx/nginx.conf:ro") {
		t.Errorf("nginx does not mount ./nginx.conf: %v", c.Services["nginx"].Volumes)
	}
}

// TestNginxConfig runs nginx -t on nginx.conf with its upstreams on loopback
// (Debian's nginx; .ci/run installs it), and checks the Socket.IO essentials.
func TestNginxConfig(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
		if _, err := os.Stat(nginx); err != nil {
			t.Fatal("nginx is required (apt-get install nginx-light)")
		}
	}
	raw, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(raw)
	for _, must := range []string{"ip_hash;", "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;", "location /socket.io/"} {
		if !strings.Contains(conf, must) {
			t.Errorf("nginx.conf lacks %q", must)
		}
	}
	local := regexp.MustCompile(`nitro-serve-(\d):3001`).ReplaceAllString(conf, "127.0.0.1:300$1")
	dir := t.TempDir()
	local = strings.ReplaceAll(local, "pid /tmp/nginx.pid;", "pid "+filepath.Join(dir, "nginx.pid")+";")
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(local), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(nginx, "-t", "-q", "-e", "stderr", "-p", dir, "-c", path).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}
