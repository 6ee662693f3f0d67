package metadata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// ErrRateLimited is returned when an upload service answers HTTP 429.
var ErrRateLimited = errors.New("metadata: upload rate limited")

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// form is a multipart body under construction.
type form struct {
	buf bytes.Buffer
	w   *multipart.Writer
	err error
}

func newForm() *form {
	f := &form{}
	f.w = multipart.NewWriter(&f.buf)
	return f
}

func (f *form) field(name, value string) {
	if f.err == nil {
		f.err = f.w.WriteField(name, value)
	}
}

func (f *form) file(field string, img Image) {
	if f.err != nil {
		return
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename(img)))
	h.Set("Content-Type", img.ContentType)
	part, err := f.w.CreatePart(h)
	if err == nil {
		_, err = part.Write(img.Data)
	}
	f.err = err
}

func (f *form) close() (*bytes.Buffer, string, error) {
	if f.err == nil {
		f.err = f.w.Close()
	}
	return &f.buf, f.w.FormDataContentType(), f.err
}

// post sends body and returns the reply body of a 2xx answer. what names the call in
// errors; headers may hold secrets and are never echoed.
func post(ctx context.Context, c *http.Client, what, url, contentType string, body io.Reader, headers map[string]string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient(c).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, redactURL(err))
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: read reply: %w", what, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, fmt.Errorf("%s: %w", what, ErrRateLimited)
	case resp.StatusCode/100 != 2:
		return nil, fmt.Errorf("%s: HTTP %d: %s", what, resp.StatusCode, snippet(out))
	}
	return out, nil
}

func postJSON(ctx context.Context, c *http.Client, what, url string, v any, headers map[string]string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: encode: %w", what, err)
	}
	return post(ctx, c, what, url, "application/json", bytes.NewReader(b), headers)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
