package workers

import (
	"net/url"

	"github.com/nitro-runtime/nitro/progress"
)

// TokenMetadata is what a token is created with: shared by create_token_metadata and
// the one-job launches.
type TokenMetadata struct {
	Platform     progress.Platform `json:"platform"`
	Name         string            `json:"name"`
	Symbol       string            `json:"symbol"`
	Description  string            `json:"description,omitempty"`
	Image        string            `json:"image,omitempty"` // https URL or data: URI
	Twitter      string            `json:"twitter,omitempty"`
	Telegram     string            `json:"telegram,omitempty"`
	Website      string            `json:"website,omitempty"`
	VanitySuffix string            `json:"vanitySuffix,omitempty"`
}

func (m *TokenMetadata) validate(errs *FieldErrors, imageRequired bool) {
	switch {
	case m.Platform == "":
		errs.Add("platform", "required")
	case !m.Platform.Valid():
		errs.Add("platform", `must be "pump" or "bonk"`)
	}
	checkText(errs, "name", m.Name, MaxNameBytes, true)
	checkText(errs, "symbol", m.Symbol, MaxSymbolBytes, true)
	checkText(errs, "description", m.Description, MaxDescription, false)
	checkImage(errs, "image", m.Image, imageRequired)
	checkText(errs, "twitter", m.Twitter, MaxSocialLen, false)
	checkText(errs, "telegram", m.Telegram, MaxSocialLen, false)
	if m.Website != "" && !validWebURL(m.Website) {
		errs.Add("website", "must be an http(s) URL")
	}
	checkVanity(errs, m.VanitySuffix)
}

func validWebURL(v string) bool {
	if validHTTPSURL(v) {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && len(v) <= MaxURLLen && printableASCII(v) && u.Scheme == "http" && u.Host != "" && u.User == nil
}

// CreateTokenMetadataPayload is the payload of create_token_metadata: upload the image
// and metadata JSON, reserve the mint (optionally with a vanity suffix).
type CreateTokenMetadataPayload struct {
	Common
	TokenMetadata
}

// Validate reports every bad field.
func (p *CreateTokenMetadataPayload) Validate() error {
	errs := &FieldErrors{}
	p.Common.validate(errs)
	p.TokenMetadata.validate(errs, true)
	return errs.Err()
}

// Queue is "low": uploads can wait behind launches and sells.
func (p *CreateTokenMetadataPayload) Queue() string { return QueueLow }
