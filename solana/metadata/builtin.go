package metadata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Builtin is a content-addressed metadata store served by the runtime itself: the
// image and the JSON are kept under the first 32 hex chars of their sha256, in memory
// and (when Dir is set) on disk, and served by Handler at
// {BaseURL}/metadata/{id}.json and {BaseURL}/metadata/{id}.img.
type Builtin struct {
	baseURL string
	dir     string
	http    *http.Client

	mu    sync.RWMutex
	blobs map[string][]byte // "id.json" / "id.img" -> bytes
}

// NewBuiltin returns a store whose URIs start with baseURL (e.g.
// "http://127.0.0.1:8080"). dir may be empty (memory only). client (may be nil)
// fetches https image sources.
func NewBuiltin(baseURL, dir string, client *http.Client) (*Builtin, error) {
	baseURL = strings.TrimRight(baseURL, "/")
	if !strings.HasPrefix(baseURL, "http://") && !strings.HasPrefix(baseURL, "https://") {
		return nil, errors.New("metadata builtin: base URL must be http(s)")
	}
	if n := len(baseURL) + len("/metadata/") + 32 + len(".json"); n > MaxURI {
		return nil, fmt.Errorf("metadata builtin: base URL too long (URIs would be %d chars > %d)", n, MaxURI)
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("metadata builtin: %w", err)
		}
	}
	return &Builtin{baseURL: baseURL, dir: dir, http: client, blobs: map[string][]byte{}}, nil
}

// Upload implements Uploader.
func (b *Builtin) Upload(ctx context.Context, t Token) (string, error) {
	t, err := Prepare(ctx, b.http, t)
	if err != nil {
		return "", err
	}
	imgName, err := b.put(t.Image.Data, ".img")
	if err != nil {
		return "", err
	}
	doc, err := json.Marshal(t.document(b.baseURL+"/metadata/"+imgName, "nitro"))
	if err != nil {
		return "", fmt.Errorf("metadata builtin: encode: %w", err)
	}
	jsonName, err := b.put(doc, ".json")
	if err != nil {
		return "", err
	}
	return checkURI(b.baseURL + "/metadata/" + jsonName)
}

func (b *Builtin) put(data []byte, ext string) (string, error) {
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:16]) + ext
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.blobs[name]; ok {
		return name, nil
	}
	if b.dir != "" {
		if err := writeAtomic(filepath.Join(b.dir, name), data); err != nil {
			return "", fmt.Errorf("metadata builtin: store: %w", err)
		}
	}
	b.blobs[name] = data
	return name, nil
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (b *Builtin) get(name string) ([]byte, bool) {
	b.mu.RLock()
	data, ok := b.blobs[name]
	b.mu.RUnlock()
	if ok || b.dir == "" {
		return data, ok
	}
	data, err := os.ReadFile(filepath.Join(b.dir, name)) // a previous process's upload
	return data, err == nil
}

// Handler serves GET/HEAD {any prefix}/metadata/{id}.json and /metadata/{id}.img.
// Mount it at "/metadata/" on the runtime's HTTP server.
func (b *Builtin) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		dir, name := filepath.Split(r.URL.Path)
		if !strings.HasSuffix(dir, "/metadata/") || !validName(name) {
			http.NotFound(w, r)
			return
		}
		data, ok := b.get(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := "application/json"
		if strings.HasSuffix(name, ".img") {
			ct = http.DetectContentType(data)
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodGet {
			_, _ = w.Write(data)
		}
	})
}

func validName(name string) bool {
	id, ext, ok := strings.Cut(name, ".")
	if !ok || (ext != "json" && ext != "img") || len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
