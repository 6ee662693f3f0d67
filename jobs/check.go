package jobs

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mr-tron/base58"
)

// Bounds of the payload fields (the external contract).
const (
	MaxUserIDLen       = 128
	MaxNameBytes       = 32
	MaxSymbolBytes     = 10
	MaxDescription     = 1000
	MaxSocialLen       = 256
	MaxURLLen          = 2048
	MaxImageDataURI    = 60 << 10 // the whole payload is capped at 64 KiB anyway
	MaxVanitySuffix    = 4
	MaxBuyerWallets    = 20
	MaxSol             = 1000.0
	MinSol             = 1e-9 // one lamport
	MaxSlippageBps     = 10000
	MaxPriorityFee     = 100_000_000 // micro-lamports per CU: 100 lamports, far above any sane fee
	MinMixingHops      = 1
	MaxMixingHops      = 5
	DefaultMixingHops  = 2
	base58Alphabet     = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	publicKeyLen       = 32
	userIDExtraAllowed = "-_.:@"
)

// --- field validators: each adds to errs and returns nothing, so Validate collects all.

func checkUserID(errs *FieldErrors, field, v string) {
	if v == "" {
		errs.Add(field, "required")
		return
	}
	if len(v) > MaxUserIDLen {
		errs.Add(field, fmt.Sprintf("at most %d characters", MaxUserIDLen))
		return
	}
	for _, r := range v {
		if r > unicode.MaxASCII || !(isAlnum(r) || strings.ContainsRune(userIDExtraAllowed, r)) {
			errs.Add(field, "only letters, digits and -_.:@ are allowed")
			return
		}
	}
}

// printableASCII reports whether s is only visible ASCII (no spaces, no controls):
// URLs and data: URIs never need more, and it keeps them byte-stable through JSON.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// ValidPublicKey reports whether s is a base58 public key of 32 bytes.
func ValidPublicKey(s string) bool {
	if len(s) < 32 || len(s) > 44 {
		return false
	}
	b, err := base58.Decode(s)
	return err == nil && len(b) == publicKeyLen
}

func checkPubkey(errs *FieldErrors, field, v string, required bool) {
	switch {
	case v == "" && required:
		errs.Add(field, "required")
	case v != "" && !ValidPublicKey(v):
		errs.Add(field, "must be a base58 public key (32 bytes)")
	}
}

func checkSol(errs *FieldErrors, field string, v float64) {
	if math.IsNaN(v) || v < MinSol || v > MaxSol {
		errs.Add(field, fmt.Sprintf("must be a SOL amount > 0 and <= %g", MaxSol))
	}
}

func checkText(errs *FieldErrors, field, v string, maxBytes int, required bool) {
	switch {
	case v == "" && required:
		errs.Add(field, "required")
	case len(v) > maxBytes:
		errs.Add(field, fmt.Sprintf("at most %d bytes", maxBytes))
	case !utf8.ValidString(v) || strings.ContainsFunc(v, isBadControl):
		errs.Add(field, "must be UTF-8 text without control characters")
	}
}

// isBadControl refuses control characters except the newlines a description may hold.
func isBadControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }

func checkSlippage(errs *FieldErrors, v *int) {
	if v != nil && (*v < 0 || *v > MaxSlippageBps) {
		errs.Add("slippageBps", fmt.Sprintf("must be 0..%d", MaxSlippageBps))
	}
}

func checkSellPercent(errs *FieldErrors, v float64) {
	if math.IsNaN(v) || v < 1 || v > 100 {
		errs.Add("sellPercent", "must be 1..100")
	}
}

// checkHTTPSURL accepts an absolute https URL with a host and no credentials.
func checkHTTPSURL(errs *FieldErrors, field, v string, required bool) {
	if v == "" {
		if required {
			errs.Add(field, "required")
		}
		return
	}
	if !validHTTPSURL(v) {
		errs.Add(field, "must be an https URL")
	}
}

func validHTTPSURL(v string) bool {
	if len(v) > MaxURLLen || !printableASCII(v) {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// checkImage accepts an https URL or a base64 data: URI of an image type.
func checkImage(errs *FieldErrors, field, v string, required bool) {
	switch {
	case v == "":
		if required {
			errs.Add(field, "required")
		}
	case strings.HasPrefix(v, "data:"):
		if err := checkDataURI(v); err != nil {
			errs.Add(field, err.Error())
		}
	case !validHTTPSURL(v):
		errs.Add(field, "must be an https URL or a data: URI")
	}
}

func checkDataURI(v string) error {
	if len(v) > MaxImageDataURI {
		return fmt.Errorf("data: URI larger than %d bytes", MaxImageDataURI)
	}
	if !printableASCII(v) {
		return errors.New("data: URI must be printable ASCII")
	}
	meta, data, ok := strings.Cut(strings.TrimPrefix(v, "data:"), ",")
	mime, enc, _ := strings.Cut(meta, ";")
	if !ok || enc != "base64" || !strings.HasPrefix(mime, "image/") || len(mime) > 64 {
		return errors.New("must be a data:image/...;base64, URI")
	}
	if _, err := base64.StdEncoding.DecodeString(data); err != nil || data == "" {
		return errors.New("data: URI is not valid base64")
	}
	return nil
}

func checkVanity(errs *FieldErrors, v string) {
	if v == "" {
		return
	}
	if len(v) > MaxVanitySuffix || strings.ContainsFunc(v, func(r rune) bool { return !strings.ContainsRune(base58Alphabet, r) }) {
		errs.Add("vanitySuffix", fmt.Sprintf("at most %d base58 characters", MaxVanitySuffix))
	}
}

// ValidUserID reports whether s is a valid userId: 1..128 of A-Z a-z 0-9 - _ . : @.
func ValidUserID(s string) bool {
	errs := &FieldErrors{}
	checkUserID(errs, "userId", s)
	return errs.Err() == nil
}
