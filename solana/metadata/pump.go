package metadata

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// PumpIPFSURL is pump.fun's (undocumented, unauthenticated) metadata endpoint.
const PumpIPFSURL = "https://pump.fun/api/ipfs"

// PumpIPFS uploads through pump.fun's IPFS form (facts 2.9): one multipart POST with
// the image and the text fields; the reply's metadataUri is the URI. The endpoint may
// be rate-limited or challenged by Cloudflare: keep Pinata or Builtin as a fallback.
type PumpIPFS struct {
	URL  string // PumpIPFSURL when empty
	HTTP *http.Client
}

// Upload implements Uploader.
func (p *PumpIPFS) Upload(ctx context.Context, t Token) (string, error) {
	t, err := Prepare(ctx, p.HTTP, t)
	if err != nil {
		return "", err
	}
	f := newForm()
	f.file("file", t.Image)
	for _, kv := range [][2]string{{"name", t.Name}, {"symbol", t.Symbol}, {"description", t.Description},
		{"twitter", t.Twitter}, {"telegram", t.Telegram}, {"website", t.Website}, {"showName", "true"}} {
		f.field(kv[0], kv[1])
	}
	body, ct, err := f.close()
	if err != nil {
		return "", fmt.Errorf("pump ipfs: form: %w", err)
	}
	out, err := post(ctx, p.HTTP, "pump ipfs", cmp.Or(p.URL, PumpIPFSURL), ct, body, map[string]string{
		"Origin": "https://www.pump.fun", "Referer": "https://www.pump.fun", "Accept": "application/json",
	})
	if err != nil {
		return "", err
	}
	var r struct {
		MetadataURI string `json:"metadataUri"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return "", fmt.Errorf("pump ipfs: decode reply: %w", err)
	}
	return checkURI(r.MetadataURI)
}
