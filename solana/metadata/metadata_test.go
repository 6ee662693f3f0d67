package metadata

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)

func token() Token {
	return Token{Name: "Nitro Coin", Symbol: "NITRO", Description: "fast", Image: Image{Data: pngBytes},
		Twitter: "https://x.com/n", Website: "https://n.example"}
}

func TestPrepareValidation(t *testing.T) {
	long := strings.Repeat("x", 33)
	cases := map[string]func(*Token){
		"name":        func(t *Token) { t.Name = long },
		"empty name":  func(t *Token) { t.Name = "" },
		"symbol":      func(t *Token) { t.Symbol = "ELEVENCHARS" },
		"description": func(t *Token) { t.Description = strings.Repeat("d", MaxDescription+1) },
		"image type":  func(t *Token) { t.Image = Image{Data: []byte("<html>hi</html>")} },
		"image size":  func(t *Token) { t.Image = Image{Data: append(pngBytes, make([]byte, MaxImageBytes)...)} },
		"no image":    func(t *Token) { t.Image = Image{} },
		"http source": func(t *Token) { t.Image = Image{Source: "http://x/y.png"} },
		"bad data":    func(t *Token) { t.Image = Image{Source: "data:image/png;base64,!!!"} },
		"utf8":        func(t *Token) { t.Description = "\xff" },
	}
	for name, mod := range cases {
		tk := token()
		mod(&tk)
		if _, err := Prepare(context.Background(), nil, tk); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	ok, err := Prepare(context.Background(), nil, token())
	if err != nil || ok.Image.ContentType != "image/png" {
		t.Fatalf("%v %q", err, ok.Image.ContentType)
	}
	tk := token()
	tk.Image = Image{Source: "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes)}
	if got, err := Prepare(context.Background(), nil, tk); err != nil || !bytes.Equal(got.Image.Data, pngBytes) {
		t.Fatalf("data URI: %v", err)
	}
}

func TestPrepareFetchesHTTPSImage(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.png":
			_, _ = w.Write(pngBytes)
		case "/big.png":
			_, _ = w.Write(append(pngBytes, make([]byte, MaxImageBytes)...))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tk := token()
	tk.Image = Image{Source: srv.URL + "/ok.png?key=SECRET"}
	got, err := Prepare(context.Background(), srv.Client(), tk)
	if err != nil || !bytes.Equal(got.Image.Data, pngBytes) || got.Image.Source != "" {
		t.Fatalf("fetch: %v", err)
	}
	tk.Image = Image{Source: srv.URL + "/big.png"}
	if _, err := Prepare(context.Background(), srv.Client(), tk); !errors.Is(err, ErrInvalid) {
		t.Fatalf("big: %v", err)
	}
	tk.Image = Image{Source: srv.URL + "/missing.png"}
	if _, err := Prepare(context.Background(), srv.Client(), tk); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing: %v", err)
	}
	tk.Image = Image{Source: "https://127.0.0.1:1/x.png?key=SECRET"}
	if _, err := Prepare(context.Background(), srv.Client(), tk); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("unreachable: %v", err)
	}
}

// parseForm reads a multipart request into fields and files (with their content type).
func parseForm(t *testing.T, r *http.Request) (map[string]string, map[string][2]string) {
	t.Helper()
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	fields, files := map[string]string{}, map[string][2]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.FileName() != "" {
			files[p.FormName()] = [2]string{string(b), p.Header.Get("Content-Type")}
		} else {
			fields[p.FormName()] = string(b)
		}
	}
}

func TestPumpIPFSWire(t *testing.T) {
	var fields map[string]string
	var files map[string][2]string
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr = r.Header
		fields, files = parseForm(t, r)
		_, _ = io.WriteString(w, `{"metadata":{"name":"Nitro Coin"},"metadataUri":"https://ipfs.io/ipfs/QmMeta"}`)
	}))
	defer srv.Close()
	uri, err := (&PumpIPFS{URL: srv.URL}).Upload(context.Background(), token())
	if err != nil || uri != "https://ipfs.io/ipfs/QmMeta" {
		t.Fatalf("%q %v", uri, err)
	}
	want := map[string]string{"name": "Nitro Coin", "symbol": "NITRO", "description": "fast", "twitter": "https://x.com/n",
		"telegram": "", "website": "https://n.example", "showName": "true"}
	for k, v := range want {
		if got, ok := fields[k]; !ok || got != v {
			t.Errorf("field %s = %q (present %v), want %q", k, got, ok, v)
		}
	}
	if f := files["file"]; f[0] != string(pngBytes) || f[1] != "image/png" {
		t.Fatalf("file part %q", f[1])
	}
	if hdr.Get("Origin") != "https://www.pump.fun" || hdr.Get("Referer") != "https://www.pump.fun" {
		t.Fatalf("headers %v", hdr)
	}
}

func TestPumpIPFSRejectsLongURIAndRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			w.WriteHeader(429)
			return
		}
		_, _ = io.WriteString(w, `{"metadataUri":"https://ipfs.io/ipfs/`+strings.Repeat("Q", 200)+`"}`)
	}))
	defer srv.Close()
	if _, err := (&PumpIPFS{URL: srv.URL}).Upload(context.Background(), token()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("long uri: %v", err)
	}
	if _, err := (&PumpIPFS{URL: srv.URL + "/slow"}).Upload(context.Background(), token()); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("429: %v", err)
	}
}

func TestLetsBonkWire(t *testing.T) {
	var imgFiles map[string][2]string
	var meta map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/upload/img":
			_, imgFiles = parseForm(t, r)
			_, _ = io.WriteString(w, "https://ipfs.io/ipfs/QmImg\n")
		case "/upload/meta":
			if r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("meta content type %q", r.Header.Get("Content-Type"))
			}
			_ = json.NewDecoder(r.Body).Decode(&meta)
			_, _ = io.WriteString(w, "https://ipfs.io/ipfs/QmMeta")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	uri, err := (&LetsBonk{URL: srv.URL}).Upload(context.Background(), token())
	if err != nil || uri != "https://ipfs.io/ipfs/QmMeta" {
		t.Fatalf("%q %v", uri, err)
	}
	if imgFiles["image"][0] != string(pngBytes) {
		t.Fatal("image part missing")
	}
	want := map[string]any{"createdOn": "https://bonk.fun", "description": "fast", "image": "https://ipfs.io/ipfs/QmImg",
		"name": "Nitro Coin", "symbol": "NITRO", "website": "https://n.example", "twitter": "https://x.com/n"}
	if len(meta) != len(want) {
		t.Fatalf("meta keys %v", meta)
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("meta %s = %v, want %v", k, meta[k], v)
		}
	}
}

func TestPinataWire(t *testing.T) {
	var auths []string
	var content map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		switch r.URL.Path {
		case "/pinning/pinFileToIPFS":
			_, files := parseForm(t, r)
			if files["file"][1] != "image/png" {
				t.Errorf("file part %v", files["file"][1])
			}
			_, _ = io.WriteString(w, `{"IpfsHash":"QmImg","PinSize":1}`)
		case "/pinning/pinJSONToIPFS":
			var req map[string]any
			_ = json.NewDecoder(r.Body).Decode(&req)
			content, _ = req["pinataContent"].(map[string]any)
			_, _ = io.WriteString(w, `{"IpfsHash":"QmMeta"}`)
		}
	}))
	defer srv.Close()
	p := &Pinata{JWT: "jwt-SECRET", APIURL: srv.URL, Gateway: "https://gw.example/ipfs/"}
	uri, err := p.Upload(context.Background(), token())
	if err != nil || uri != "https://gw.example/ipfs/QmMeta" {
		t.Fatalf("%q %v", uri, err)
	}
	if len(auths) != 2 || auths[0] != "Bearer jwt-SECRET" || auths[1] != auths[0] {
		t.Fatalf("auth %v", auths)
	}
	if content["image"] != "https://gw.example/ipfs/QmImg" || content["name"] != "Nitro Coin" || content["showName"] != true {
		t.Fatalf("content %v", content)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":"invalid token"}`)
	}))
	defer bad.Close()
	_, err = (&Pinata{JWT: "jwt-SECRET", APIURL: bad.URL}).Upload(context.Background(), token())
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err %v", err)
	}
}

func TestBuiltinStoreAndServe(t *testing.T) {
	dir := t.TempDir()
	b, err := NewBuiltin("http://127.0.0.1:8080/", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	uri, err := b.Upload(context.Background(), token())
	if err != nil || !strings.HasPrefix(uri, "http://127.0.0.1:8080/metadata/") || !strings.HasSuffix(uri, ".json") || len(uri) > MaxURI {
		t.Fatalf("%q %v", uri, err)
	}
	again, _ := b.Upload(context.Background(), token())
	if again != uri {
		t.Fatal("not content-addressed")
	}
	// A fresh store over the same dir serves what the previous one stored.
	b2, _ := NewBuiltin("http://127.0.0.1:8080", dir, nil)
	srv := httptest.NewServer(b2.Handler())
	defer srv.Close()
	path := strings.TrimPrefix(uri, "http://127.0.0.1:8080")
	resp, err := http.Get(srv.URL + path)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("json: %v %v", err, resp)
	}
	var doc Document
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc.Name != "Nitro Coin" || doc.Symbol != "NITRO" || !strings.HasSuffix(doc.Image, ".img") {
		t.Fatalf("doc %+v", doc)
	}
	resp, err = http.Get(srv.URL + strings.TrimPrefix(doc.Image, "http://127.0.0.1:8080"))
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("img: %v %v", err, resp)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(img, pngBytes) {
		t.Fatal("image bytes differ")
	}
	for _, p := range []string{"/metadata/../x.json", "/metadata/abc.json", "/other/" + strings.TrimPrefix(path, "/metadata/"),
		"/metadata/00000000000000000000000000000000.json"} {
		if r, _ := http.Get(srv.URL + p); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r, _ := http.Post(srv.URL+path, "text/plain", nil); r.StatusCode != 405 {
		t.Errorf("POST: %d", r.StatusCode)
	}
	if _, err := NewBuiltin("ftp://x", "", nil); err == nil {
		t.Fatal("ftp base accepted")
	}
	if _, err := NewBuiltin("https://"+strings.Repeat("h", 160), "", nil); err == nil {
		t.Fatal("long base accepted")
	}
}

func TestDefaultFetchRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(pngBytes) }))
	defer srv.Close()
	tk := token()
	tk.Image = Image{Source: srv.URL + "/x.png"} // 127.0.0.1
	_, err := Prepare(context.Background(), nil, tk)
	if !errors.Is(err, errPrivateAddress) {
		t.Fatalf("loopback fetch: %v", err)
	}
}
