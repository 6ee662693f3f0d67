package metadata

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// LetsBonkURL is the letsbonk upload service (facts 3.6, route 1).
const LetsBonkURL = "https://nft-storage.letsbonk22.workers.dev"

// LetsBonk uploads the image (multipart field "image", plain-text image URI back),
// then the metadata JSON with createdOn "https://bonk.fun" (plain-text URI back).
type LetsBonk struct {
	URL  string // LetsBonkURL when empty
	HTTP *http.Client
}

// Upload implements Uploader.
func (b *LetsBonk) Upload(ctx context.Context, t Token) (string, error) {
	t, err := Prepare(ctx, b.HTTP, t)
	if err != nil {
		return "", err
	}
	base := strings.TrimRight(cmp.Or(b.URL, LetsBonkURL), "/")
	f := newForm()
	f.file("image", t.Image)
	body, ct, err := f.close()
	if err != nil {
		return "", fmt.Errorf("letsbonk image: form: %w", err)
	}
	out, err := post(ctx, b.HTTP, "letsbonk image", base+"/upload/img", ct, body, nil)
	if err != nil {
		return "", err
	}
	imgURI := strings.TrimSpace(string(out))
	if !strings.HasPrefix(imgURI, "http") {
		return "", fmt.Errorf("letsbonk image: unexpected reply %q", snippet(out))
	}
	doc := t.document(imgURI, "https://bonk.fun")
	doc.ShowName = false // letsbonk's documents carry no showName
	out, err = postJSON(ctx, b.HTTP, "letsbonk meta", base+"/upload/meta", bonkDoc(doc), nil)
	if err != nil {
		return "", err
	}
	return checkURI(strings.TrimSpace(string(out)))
}

// bonkDoc is the exact letsbonk request: no showName key.
func bonkDoc(d Document) map[string]string {
	m := map[string]string{"createdOn": d.CreatedOn, "description": d.Description, "image": d.Image,
		"name": d.Name, "symbol": d.Symbol, "website": d.Website}
	if d.Twitter != "" {
		m["twitter"] = d.Twitter
	}
	if d.Telegram != "" {
		m["telegram"] = d.Telegram
	}
	return m
}
