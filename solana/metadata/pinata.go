package metadata

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Pinata defaults.
const (
	PinataAPIURL  = "https://api.pinata.cloud"
	PinataGateway = "https://ipfs.io/ipfs/"
)

// Pinata pins the image (pinFileToIPFS), then the metadata JSON (pinJSONToIPFS)
// with a JWT, and returns Gateway + CID. Any service with the same API works.
type Pinata struct {
	JWT       string // secret: sent as a Bearer token, never in errors
	APIURL    string // PinataAPIURL when empty
	Gateway   string // PinataGateway when empty; must end with "/"
	CreatedOn string // the document's createdOn (default "https://pump.fun")
	HTTP      *http.Client
}

type pinReply struct {
	IpfsHash string `json:"IpfsHash"`
}

// Upload implements Uploader.
func (p *Pinata) Upload(ctx context.Context, t Token) (string, error) {
	if p.JWT == "" {
		return "", errors.New("pinata: JWT is required")
	}
	t, err := Prepare(ctx, p.HTTP, t)
	if err != nil {
		return "", err
	}
	api := strings.TrimRight(cmp.Or(p.APIURL, PinataAPIURL), "/")
	auth := map[string]string{"Authorization": "Bearer " + p.JWT}
	f := newForm()
	f.file("file", t.Image)
	f.field("pinataMetadata", fmt.Sprintf(`{"name":%q}`, t.Symbol+"-image"))
	body, ct, err := f.close()
	if err != nil {
		return "", fmt.Errorf("pinata file: form: %w", err)
	}
	imgCID, err := pinned(post(ctx, p.HTTP, "pinata file", api+"/pinning/pinFileToIPFS", ct, body, auth))
	if err != nil {
		return "", err
	}
	gw := cmp.Or(p.Gateway, PinataGateway)
	doc := t.document(gw+imgCID, cmp.Or(p.CreatedOn, "https://pump.fun"))
	req := map[string]any{"pinataContent": doc, "pinataMetadata": map[string]string{"name": t.Symbol + "-metadata"}}
	jsonCID, err := pinned(postJSON(ctx, p.HTTP, "pinata json", api+"/pinning/pinJSONToIPFS", req, auth))
	if err != nil {
		return "", err
	}
	return checkURI(gw + jsonCID)
}

func pinned(out []byte, err error) (string, error) {
	if err != nil {
		return "", err
	}
	var r pinReply
	if err := json.Unmarshal(out, &r); err != nil || r.IpfsHash == "" {
		return "", fmt.Errorf("pinata: unexpected reply %q", snippet(out))
	}
	return r.IpfsHash, nil
}
