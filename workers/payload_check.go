package workers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mr-tron/base58"
)

// Bounds of the payload fields (CONTRACT §3).
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
	maxNesting         = 16
	base58Alphabet     = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	publicKeyLen       = 32
	userIDExtraAllowed = "-_.:@"
)

// checkShape walks body's tokens once and refuses what encoding/json would let
// through: duplicate keys (last would win silently), keys that match a field only
// case-insensitively, unknown keys (all of them, not just the first), deep nesting,
// and a top level that is not an object.
func checkShape(body []byte, p Payload) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	s := &shapeScanner{dec: dec, errs: &FieldErrors{}}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%w: the payload must be a JSON object", ErrInvalidJSON)
	}
	if err := s.object(reflect.TypeOf(p), "", 1); err != nil {
		return err
	}
	return s.errs.Err()
}

type shapeScanner struct {
	dec  *json.Decoder
	errs *FieldErrors
}

func (s *shapeScanner) value(t reflect.Type, path string, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("%w: nested deeper than %d", ErrInvalidJSON, maxNesting)
	}
	tok, err := s.dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	switch tok {
	case json.Delim('{'):
		return s.object(t, path, depth)
	case json.Delim('['):
		return s.array(t, path, depth)
	}
	return nil // scalar types are checked by the typed decode
}

func (s *shapeScanner) object(t reflect.Type, path string, depth int) error {
	fields := jsonFields(t)
	seen := map[string]bool{}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
		}
		key, _ := tok.(string)
		p := joinPath(path, key)
		if seen[key] {
			s.errs.Add(p, "duplicate field")
		}
		seen[key] = true
		ft, ok := fields[key]
		if !ok && fields != nil {
			s.errs.Add(p, "unknown field")
		}
		if err := s.value(ft, p, depth+1); err != nil {
			return err
		}
	}
	_, err := s.dec.Token() // '}'
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	return nil
}

func (s *shapeScanner) array(t reflect.Type, path string, depth int) error {
	var elem reflect.Type
	if t = deref(t); t != nil && t.Kind() == reflect.Slice {
		elem = t.Elem()
	}
	for i := 0; s.dec.More(); i++ {
		if err := s.value(elem, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
	}
	if _, err := s.dec.Token(); err != nil { // ']'
		return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	return nil
}

func joinPath(path, key string) string {
	if len(key) > 64 {
		key = key[:64] + "…" // an attacker's key must not bloat the error body
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var fieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the exact JSON names of struct t (embedded structs flattened, as
// encoding/json does) to their types; nil when t is not a struct (scalars, or an
// already-unknown key whose contents we need not check).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	t = deref(t)
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && deref(f.Type).Kind() == reflect.Struct {
			for k, v := range jsonFields(f.Type) {
				m[k] = v
			}
			continue
		}
		m[cmpOr(name, f.Name)] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

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
