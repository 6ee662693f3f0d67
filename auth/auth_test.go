package auth

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newVerifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAcceptsIssuedTokens(t *testing.T) {
	v := newVerifier(t)
	for _, admin := range []bool{false, true} {
		tok, err := v.Issue("u1", admin, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		p, err := v.Verify(tok)
		if err != nil || p.UserID != "u1" || p.Admin != admin {
			t.Fatalf("Verify = %+v, %v; want u1 admin=%v", p, err, admin)
		}
	}
}

func TestVerifyRefusals(t *testing.T) {
	v := newVerifier(t)
	other, _ := NewVerifier([]byte("another-secret-another-secret!!"))
	expired, _ := v.Issue("u1", false, -time.Minute)
	forged, _ := other.Issue("u1", true, time.Minute)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u1"}).SignedString(v.secret)
	noSub, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": time.Now().Add(time.Hour).Unix()}).SignedString(v.secret)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(v.secret)
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"u1","role":"admin","exp":9999999999}`)) + "."
	cases := map[string]struct {
		tok  string
		want error
	}{
		"empty":    {"", ErrMissingToken},
		"garbage":  {"not.a.jwt", ErrInvalid},
		"expired":  {expired, ErrExpired},
		"forged":   {forged, ErrInvalid},
		"alg none": {none, ErrBadAlg},
		"hs512":    {hs512, ErrBadAlg},
		"no exp":   {noExp, ErrNoExpiry},
		"no sub":   {noSub, ErrNoSubject},
		"huge":     {string(make([]byte, MaxTokenLen+1)), ErrInvalid},
	}
	for name, c := range cases {
		if _, err := v.Verify(c.tok); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

func TestShortSecretRefused(t *testing.T) {
	if _, err := NewVerifier([]byte("short")); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
}

func TestAPIKeys(t *testing.T) {
	k := NewAPIKeys([]string{"k1", " ", "k2"})
	if !k.Valid("k1") || !k.Valid("k2") || k.Valid("") || k.Valid("k3") || k.Valid(" ") {
		t.Fatal("APIKeys.Valid wrong")
	}
}

// signRaw signs a claims object written by hand (MapClaims cannot repeat a key).
func signRaw(t *testing.T, v *Verifier, claimsJSON string) string {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	unsigned := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claimsJSON))
	sig, err := jwt.SigningMethodHS256.Sign(unsigned, v.secret)
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + enc(sig)
}

// A signed token is still read exactly: encoding/json alone would make "Role" the
// role, and the last of two "role"s win.
func TestVerifyClaimsStrictly(t *testing.T) {
	v := newVerifier(t)
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	for name, c := range map[string]struct{ claims, key string }{
		"case":      {`{"sub":"mallory","Role":"admin","exp":` + exp + `}`, "Role"},
		"duplicate": {`{"sub":"mallory","role":"user","role":"admin","exp":` + exp + `}`, "role"},
		"subCase":   {`{"sub":"alice","Sub":"mallory","exp":` + exp + `}`, "Sub"},
		"unknown":   {`{"sub":"mallory","admin":true,"exp":` + exp + `}`, "admin"},
		"nul":       {`{"sub":"mal\u0000lory","exp":` + exp + `}`, "sub"},
	} {
		p, err := v.Verify(signRaw(t, v, c.claims))
		if !errors.Is(err, ErrBadClaims) || !strings.Contains(err.Error(), c.key) || p.Admin {
			t.Errorf("%s: Verify = %+v, %v; want ErrBadClaims naming %s", name, p, err, c.key)
		}
	}
	full := `{"sub":"alice","role":"admin","exp":` + exp + `,"iat":1,"nbf":1,"iss":"app","aud":"nitro","jti":"x"}`
	if p, err := v.Verify(signRaw(t, v, full)); err != nil || !p.Admin || p.UserID != "alice" {
		t.Fatalf("registered claims refused: %+v, %v", p, err)
	}
}
