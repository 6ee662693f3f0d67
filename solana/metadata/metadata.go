// Package metadata uploads token metadata (image + JSON) the way each launchpad
// expects and returns the URI passed to the create instruction: pump.fun's IPFS
// form, letsbonk's upload service, a Pinata-style pinning service, or the Builtin
// content-addressed store the runtime serves itself (the default with the built-in
// cluster).
//
// All uploaders validate first (name <= 32 bytes, symbol <= 10, image png/jpeg/gif/
// webp <= 5 MiB, resulting URI <= 200) and never put secrets (JWTs, API keys) in errors.
package metadata

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits enforced before any upload (pump: name 32, symbol 13, uri 200; LaunchLab
// symbol 10; Metaplex name 32, uri 200 — the strictest of each applies).
const (
	MaxName        = 32
	MaxSymbol      = 10
	MaxURI         = 200
	MaxDescription = 2000
	MaxImageBytes  = 5 << 20
)

// ErrInvalid wraps every validation failure (a permanent error for the job).
var ErrInvalid = errors.New("metadata: invalid")

// Image is the token image: bytes and content type, or a Source (an https URL or a
// data: URI) that Prepare resolves into bytes.
type Image struct {
	Data        []byte
	ContentType string
	Source      string
}

// Token is what is uploaded.
type Token struct {
	Name, Symbol, Description string
	Image                     Image
	Twitter, Telegram         string
	Website                   string
}

// Uploader stores a token's image and metadata JSON and returns the metadata URI.
type Uploader interface {
	Upload(ctx context.Context, t Token) (uri string, err error)
}

// Document is the metadata JSON (the pump.fun shape; letsbonk uses the same keys).
type Document struct {
	Name        string `json:"name"`
	Symbol      string `json:"symbol"`
	Description string `json:"description"`
	Image       string `json:"image"`
	ShowName    bool   `json:"showName"`
	CreatedOn   string `json:"createdOn"`
	Twitter     string `json:"twitter,omitempty"`
	Telegram    string `json:"telegram,omitempty"`
	Website     string `json:"website,omitempty"`
}

func (t Token) document(imageURI, createdOn string) Document {
	return Document{Name: t.Name, Symbol: t.Symbol, Description: t.Description, Image: imageURI, ShowName: true,
		CreatedOn: createdOn, Twitter: t.Twitter, Telegram: t.Telegram, Website: t.Website}
}

// allowedTypes are the sniffed image types we accept.
var allowedTypes = map[string]string{"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}

// Prepare validates t and resolves its image (fetching an https Source with a size
// cap and timeout, decoding a data: URI), sniffing the content type from the bytes.
// client may be nil: PublicHTTPClient (15 s, no private addresses) is used.
func Prepare(ctx context.Context, client *http.Client, t Token) (Token, error) {
	if err := validateText(t); err != nil {
		return Token{}, err
	}
	img := t.Image
	if len(img.Data) == 0 {
		data, err := loadImage(ctx, client, img.Source)
		if err != nil {
			return Token{}, err
		}
		img.Data = data
	}
	if len(img.Data) > MaxImageBytes {
		return Token{}, fmt.Errorf("%w: image is %d bytes (max %d)", ErrInvalid, len(img.Data), MaxImageBytes)
	}
	ct := http.DetectContentType(img.Data)
	if _, ok := allowedTypes[ct]; !ok {
		return Token{}, fmt.Errorf("%w: image type %q (want png, jpeg, gif or webp)", ErrInvalid, ct)
	}
	img.ContentType, img.Source = ct, ""
	t.Image = img
	return t, nil
}

func validateText(t Token) error {
	switch {
	case t.Name == "" || len(t.Name) > MaxName:
		return fmt.Errorf("%w: name must be 1..%d bytes (got %d)", ErrInvalid, MaxName, len(t.Name))
	case t.Symbol == "" || len(t.Symbol) > MaxSymbol:
		return fmt.Errorf("%w: symbol must be 1..%d bytes (got %d)", ErrInvalid, MaxSymbol, len(t.Symbol))
	case len(t.Description) > MaxDescription:
		return fmt.Errorf("%w: description is %d bytes (max %d)", ErrInvalid, len(t.Description), MaxDescription)
	}
	for _, s := range []string{t.Name, t.Symbol, t.Description, t.Twitter, t.Telegram, t.Website} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: text is not valid UTF-8", ErrInvalid)
		}
	}
	return nil
}

func loadImage(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	switch {
	case src == "":
		return nil, fmt.Errorf("%w: image is required", ErrInvalid)
	case strings.HasPrefix(src, "data:"):
		return decodeDataURI(src)
	case strings.HasPrefix(src, "https://"):
		return fetchImage(ctx, client, src)
	}
	return nil, fmt.Errorf("%w: image source must be an https URL or a data: URI", ErrInvalid)
}

func decodeDataURI(src string) ([]byte, error) {
	meta, payload, ok := strings.Cut(strings.TrimPrefix(src, "data:"), ",")
	if !ok {
		return nil, fmt.Errorf("%w: malformed data URI", ErrInvalid)
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > MaxImageBytes+3 {
		return nil, fmt.Errorf("%w: data URI image exceeds %d bytes", ErrInvalid, MaxImageBytes)
	}
	if strings.HasSuffix(meta, ";base64") {
		b, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return nil, fmt.Errorf("%w: data URI base64: %v", ErrInvalid, err)
		}
		return b, nil
	}
	s, err := url.PathUnescape(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: data URI: %v", ErrInvalid, err)
	}
	return []byte(s), nil
}

func fetchImage(ctx context.Context, client *http.Client, src string) ([]byte, error) {
	if client == nil {
		client = PublicHTTPClient(15 * time.Second)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: image URL: %v", ErrInvalid, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		if unfetchable(err) {
			return nil, fmt.Errorf("%w: image URL cannot be fetched: %w", ErrInvalid, redactURL(err))
		}
		return nil, fmt.Errorf("fetch image: %w", redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if c := resp.StatusCode; c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests {
			return nil, fmt.Errorf("%w: image URL answered HTTP %d", ErrInvalid, c)
		}
		return nil, fmt.Errorf("fetch image: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch image: %w", err)
	}
	if len(b) > MaxImageBytes {
		return nil, fmt.Errorf("%w: image exceeds %d bytes", ErrInvalid, MaxImageBytes)
	}
	return b, nil
}

// unfetchable reports a failure that asking again will not mend: a host that does
// not exist, an address we refuse to fetch from, a redirect we refuse to follow.
// Time-outs, refused connections and resets may pass, so they stay retryable.
func unfetchable(err error) bool {
	var dns *net.DNSError
	return (errors.As(err, &dns) && dns.IsNotFound) || errors.Is(err, errPrivateAddress) || errors.Is(err, errRedirect)
}

// redactURL drops the URL from a *url.Error: a URL may carry a key in its query.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func checkURI(uri string) (string, error) {
	if uri == "" || len(uri) > MaxURI {
		return "", fmt.Errorf("%w: metadata URI of %d chars (want 1..%d)", ErrInvalid, len(uri), MaxURI)
	}
	return uri, nil
}

func filename(img Image) string { return "image." + allowedTypes[img.ContentType] }
