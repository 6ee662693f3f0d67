package api

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/mr-tron/base58"
	"golang.org/x/time/rate"
)

func TestRedactPayload(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	kp := base58.Encode(priv)
	pub := base58.Encode(priv.Public().(ed25519.PublicKey))
	arr := "[" + strings.TrimSuffix(strings.Repeat("7,", 64), ",") + "]"
	sig := base58.Encode(ed25519.Sign(priv, []byte("a transaction"))) // 64 bytes, but no secret
	cases := []struct{ in, want string }{
		{`{"publicKey":"` + pub + `","devWallet":"` + pub + `"}`, `{"devWallet":"` + pub + `","publicKey":"` + pub + `"}`},
		{`{"secretKey":"a","private_key":"b","seed":"c","mnemonic":"d","password":"e"}`,
			`{"mnemonic":"[redacted]","password":"[redacted]","private_key":"[redacted]","secretKey":"[redacted]","seed":"[redacted]"}`},
		{`{"wallets":[{"pubkey":"x","signingKey":"y"}],"apiKey":"z","accessToken":"t","token":"u"}`,
			`{"accessToken":"[redacted]","apiKey":"[redacted]","token":"[redacted]","wallets":[{"pubkey":"x","signingKey":"[redacted]"}]}`},
		{`{"note":"` + kp + `","tokenAddress":"` + pub + `","keyword":"k"}`, `{"keyword":"k","note":"[redacted]","tokenAddress":"` + pub + `"}`},
		{`{"file":` + arr + `}`, `{"file":"[redacted]"}`},
		{`{"signatures":{"create":"` + sig + `","buys":["` + sig + `"]}}`, `{"signatures":{"buys":["` + sig + `"],"create":"` + sig + `"}}`},
		{`{"jwt_like":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"}`, `{"jwt_like":"[redacted]"}`},
		{`{"x":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"}`, `{"x":"[redacted]"}`},
		{`{"sellPercent":50,"devBuySol":1.25,"tokensSold":"12345678901234567890"}`, `{"devBuySol":1.25,"sellPercent":50,"tokensSold":"12345678901234567890"}`},
		{`not json ` + kp, `[non-JSON payload hidden: ` + itoa(len(`not json `+kp)) + ` bytes]`},
		{`{"a":1} {"b":2}`, `[non-JSON payload hidden: 15 bytes]`},
		{`null`, `null`},
	}
	for _, c := range cases {
		if got := RedactPayload([]byte(c.in)); got != c.want {
			t.Errorf("RedactPayload(%.60s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestLimiterRefillsAndSweeps(t *testing.T) {
	l := newLimiter(rate.Limit(1), 2)
	now := time.Unix(1000, 0)
	for i := range 2 {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d within burst refused", i)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("third request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.allow("b", now); !ok {
		t.Fatal("buckets are per key")
	}
	if ok, _ := l.allow("a", now.Add(time.Second)); !ok {
		t.Fatal("bucket did not refill")
	}
	l.allow("c", now.Add(sweepingPeriod+2*time.Second))
	if _, kept := l.buckets["a"]; kept || len(l.buckets) != 1 {
		t.Fatalf("refilled buckets not swept: %d left", len(l.buckets))
	}
}

func TestClip(t *testing.T) {
	if got := clip(strings.Repeat("é", 100)); len(got) > 84 || !strings.HasSuffix(got, "…") {
		t.Errorf("clip = %q", got)
	}
}
