// Package auth issues and verifies the access tokens shared by the Socket.IO server,
// the HTTP API and the frontend: HS256 JWTs with sub = userId, optional role "admin",
// and a mandatory exp. Nothing else is accepted (no alg=none, no RSA/ECDSA confusion).
package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nitro-runtime/nitro/internal/strictjson"
)

// Principal is who a request or socket acts as.
type Principal struct {
	UserID string
	Admin  bool
	// APIKey is true for enqueuers (bot, dApp backend) authenticated by API key.
	APIKey bool
	// Expires is the token's exp (zero for an API key): a socket is closed then.
	Expires time.Time
}

// CanAccessUser reports whether p may see userID's data.
func (p Principal) CanAccessUser(userID string) bool {
	return p.Admin || p.APIKey || (p.UserID != "" && p.UserID == userID)
}

// Errors a verifier returns; their text is what clients see after "unauthorized: ".
var (
	ErrMissingToken = errors.New("missing token")
	ErrExpired      = errors.New("token expired")
	ErrInvalid      = errors.New("invalid token")
	ErrBadAlg       = errors.New("token algorithm not allowed")
	ErrNoSubject    = errors.New("token has no sub")
	ErrNoExpiry     = errors.New("token has no exp")
	// ErrBadClaims is wrapped with the claims that are wrong: a name in another case
	// ("Role"), twice, or not ours.
	ErrBadClaims = errors.New("invalid token claims")
)

// MaxTokenLen bounds what we parse: a real token is a few hundred bytes.
const MaxTokenLen = 4096

// claims are all a token may hold: the registered claims and role. The library
// decodes them with encoding/json, which would take "Role" for "role" and the last of
// two "role"s; strictClaims decodes them again, exactly.
type claims struct {
	Role string `json:"role,omitempty"`
	jwt.RegisteredClaims
}

// strictClaims checks the claims of a token whose signature is already verified: a
// token with {"sub":"mallory","Role":"admin"} must not become admin, nor one that
// says "role" twice.
func strictClaims(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ErrInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ErrInvalid
	}
	var c claims
	if err := strictjson.Decode(payload, &c); err != nil {
		var se *strictjson.Error
		if errors.As(err, &se) {
			return fmt.Errorf("%w: %s", ErrBadClaims, se.Error())
		}
		return ErrInvalid
	}
	return nil
}

// Verifier checks tokens signed with one HS256 secret.
type Verifier struct {
	secret []byte
	now    func() time.Time
}

// NewVerifier returns a verifier for secret (at least 16 bytes).
func NewVerifier(secret []byte) (*Verifier, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("auth: JWT secret must be at least 16 bytes, got %d", len(secret))
	}
	return &Verifier{secret: append([]byte(nil), secret...), now: time.Now}, nil
}

// Verify parses token and returns its principal, or one of the Err* errors.
func (v *Verifier) Verify(token string) (Principal, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return Principal{}, ErrMissingToken
	}
	if len(token) > MaxTokenLen {
		return Principal{}, ErrInvalid
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, ErrBadAlg
		}
		return v.secret, nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithTimeFunc(v.now))
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return Principal{}, ErrExpired
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return Principal{}, ErrNoExpiry
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		if strings.Contains(err.Error(), ErrBadAlg.Error()) || strings.Contains(err.Error(), "signing method") {
			return Principal{}, ErrBadAlg
		}
		return Principal{}, ErrInvalid
	default:
		return Principal{}, ErrInvalid
	}
	if err := strictClaims(token); err != nil {
		return Principal{}, err
	}
	if c.Subject == "" {
		return Principal{}, ErrNoSubject
	}
	return Principal{UserID: c.Subject, Admin: c.Role == "admin", Expires: c.ExpiresAt.Time}, nil
}

// Issue signs a token for userID valid for ttl (used by `nitro token` and tests).
func (v *Verifier) Issue(userID string, admin bool, ttl time.Duration) (string, error) {
	if userID == "" {
		return "", ErrNoSubject
	}
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(v.now()),
		ExpiresAt: jwt.NewNumericDate(v.now().Add(ttl)),
	}}
	if admin {
		c.Role = "admin"
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.secret)
}

// APIKeys checks enqueuer keys in constant time.
type APIKeys struct{ keys [][]byte }

// NewAPIKeys keeps the non-empty keys of list.
func NewAPIKeys(list []string) *APIKeys {
	k := &APIKeys{}
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			k.keys = append(k.keys, []byte(s))
		}
	}
	return k
}

// Valid reports whether key is one of the configured keys.
func (k *APIKeys) Valid(key string) bool {
	ok := 0
	for _, want := range k.keys {
		ok |= subtle.ConstantTimeCompare(want, []byte(key))
	}
	return ok == 1 && key != ""
}
