package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/nitro-runtime/nitro/progress"
)

// key returns a deterministic valid base58 public key.
func key(n byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = n + byte(i)
	}
	return base58.Encode(b)
}

// validBodies holds one valid payload per job type, as a client would send it.
func validBodies() map[progress.WorkerType]map[string]any {
	meta := map[string]any{"platform": "pump", "name": "Nitro", "symbol": "NIT", "description": "fast <coin> & more",
		"image": "https://example.com/a.png", "twitter": "@nitro", "website": "https://nitro.example"}
	launch := map[string]any{"userId": "u1", "userChatId": -1001234, "devWallet": key(1), "fundingWallet": key(2),
		"buyerWallets": []any{map[string]any{"publicKey": key(3), "buySol": 0.5}, map[string]any{"publicKey": key(4), "buySol": 1}},
		"mixing":       map[string]any{"enabled": true}, "devBuySol": 1.25, "bundle": true}
	for k, v := range meta {
		launch[k] = v
	}
	dapp := map[string]any{}
	for k, v := range launch {
		dapp[k] = v
	}
	delete(dapp, "image")
	dapp["metadataUri"] = "https://arweave.net/abc"
	ctm := map[string]any{"userId": "u1", "vanitySuffix": "pump"}
	for k, v := range meta {
		ctm[k] = v
	}
	return map[progress.WorkerType]map[string]any{
		progress.CreateTokenMetadata: ctm,
		progress.PrepareLaunch: {"userId": "u1", "tokenAddress": key(9), "devWallet": key(1), "fundingWallet": key(2),
			"buyerWallets": []any{map[string]any{"publicKey": key(3), "buySol": 0.1}}, "mixing": map[string]any{"enabled": true, "hops": 3}},
		progress.ExecuteLaunch:       {"userId": "u1", "tokenAddress": key(9), "devBuySol": 2, "slippageBps": 0, "priorityFeeMicroLamports": 5000},
		progress.LaunchToken:         launch,
		progress.LaunchTokenFromDapp: dapp,
		progress.DevSell:             {"userId": "u1", "tokenAddress": key(9), "sellPercent": 50},
		progress.WalletSell:          {"userId": "u1", "tokenAddress": key(9), "sellPercent": 100, "wallets": []any{key(3), key(4)}, "slippageBps": 900},
		progress.SweepWallets: {"userId": "u1", "wallets": []any{key(3), key(4)}, "destination": key(2),
			"closeTokenAccounts": true, "tokenAddress": key(9), "slippageBps": 900},
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeValidEveryType(t *testing.T) {
	wantQueue := map[progress.WorkerType]string{
		progress.CreateTokenMetadata: "low", progress.PrepareLaunch: "default", progress.ExecuteLaunch: "default",
		progress.LaunchToken: "default", progress.LaunchTokenFromDapp: "default", progress.DevSell: "critical", progress.WalletSell: "critical",
		progress.SweepWallets: "default",
	}
	bodies := validBodies()
	for _, typ := range progress.WorkerTypes {
		t.Run(string(typ), func(t *testing.T) {
			p, err := Decode(typ, mustJSON(t, bodies[typ]))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p.UserID() != "u1" || p.Queue() != wantQueue[typ] || QueueOf(typ) != wantQueue[typ] {
				t.Fatalf("userId %q queue %q, want u1 %q", p.UserID(), p.Queue(), wantQueue[typ])
			}
			assertRoundTrip(t, typ, p)
		})
	}
}

func TestDecodeDefaults(t *testing.T) {
	b := validBodies()
	p, err := Decode(progress.LaunchToken, mustJSON(t, b[progress.LaunchToken]))
	if err != nil {
		t.Fatal(err)
	}
	lt := p.(*LaunchTokenPayload)
	if lt.Slippage() != DefaultSlippageBps || *lt.SlippageBps != 500 || lt.Mixing.Hops != DefaultMixingHops || lt.ChatID() != -1001234 {
		t.Fatalf("defaults not applied: slippage %v hops %d chat %d", lt.Slippage(), lt.Mixing.Hops, lt.ChatID())
	}
	p, err = Decode(progress.ExecuteLaunch, mustJSON(t, b[progress.ExecuteLaunch]))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.(*ExecuteLaunchPayload).Slippage(); got != 0 {
		t.Fatalf("explicit slippageBps 0 became %d", got)
	}
}

func assertRoundTrip(t testing.TB, typ progress.WorkerType, p Payload) {
	t.Helper()
	enc, err := Encode(p)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	again, err := Decode(typ, enc)
	if err != nil {
		t.Fatalf("re-decode of %s: %v", enc, err)
	}
	if !reflect.DeepEqual(p, again) {
		t.Fatalf("round trip changed the payload:\n%#v\n%#v", p, again)
	}
}

func fieldErrs(t *testing.T, err error) map[string]string {
	t.Helper()
	var fe *FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("want *FieldErrors, got %v", err)
	}
	return fe.Fields
}

func TestDecodeCollectsEveryBadField(t *testing.T) {
	body := validBodies()[progress.LaunchToken]
	body["userId"] = "bad user"
	body["name"] = strings.Repeat("x", 33)
	body["symbol"] = "TOOLONGSYMBOL"
	body["description"] = strings.Repeat("d", 1001)
	body["image"] = "http://insecure.example/a.png"
	body["vanitySuffix"] = "0OIl"
	body["platform"] = "raydium"
	body["devWallet"] = "not-a-key"
	body["devBuySol"] = 1001
	body["slippageBps"] = 10001
	body["mixing"] = map[string]any{"enabled": true, "hops": 6}
	body["buyerWallets"] = []any{
		map[string]any{"publicKey": key(3), "buySol": 1},
		map[string]any{"publicKey": key(3), "buySol": 0},
		map[string]any{"publicKey": base58.Encode([]byte("short")), "buySol": 1},
	}
	fields := fieldErrs(t, decodeErr(progress.LaunchToken, mustJSON(t, body)))
	for _, f := range []string{"userId", "name", "symbol", "description", "image", "vanitySuffix", "platform", "devWallet",
		"devBuySol", "slippageBps", "mixing.hops", "buyerWallets[1].publicKey", "buyerWallets[1].buySol", "buyerWallets[2].publicKey"} {
		if fields[f] == "" {
			t.Errorf("field %s not reported; got %v", f, fields)
		}
	}
	if len(fields) != 14 {
		t.Errorf("want exactly 14 bad fields, got %d: %v", len(fields), fields)
	}
}

func decodeErr(typ progress.WorkerType, body []byte) error {
	_, err := Decode(typ, body)
	return err
}

func TestDecodeBounds(t *testing.T) {
	many, buyers := make([]any, MaxBuyerWallets+1), make([]any, MaxBuyerWallets+1)
	for i := range many {
		many[i] = key(byte(i * 3))
		buyers[i] = map[string]any{"publicKey": many[i], "buySol": 0.1}
	}
	cases := []struct {
		typ   progress.WorkerType
		set   map[string]any
		field string // "" = valid
	}{
		{progress.DevSell, map[string]any{"sellPercent": 0}, "sellPercent"},
		{progress.DevSell, map[string]any{"sellPercent": 100.5}, "sellPercent"},
		{progress.DevSell, map[string]any{"sellPercent": 1}, ""},
		{progress.DevSell, map[string]any{"slippageBps": -1}, "slippageBps"},
		{progress.DevSell, map[string]any{"slippageBps": 10000}, ""},
		{progress.DevSell, map[string]any{"userId": strings.Repeat("a", 129)}, "userId"},
		{progress.DevSell, map[string]any{"userId": strings.Repeat("a", 128)}, ""},
		{progress.DevSell, map[string]any{"userId": ""}, "userId"},
		{progress.DevSell, map[string]any{"devWallet": key(7)}, ""},
		{progress.WalletSell, map[string]any{"wallets": many}, "wallets"},
		{progress.WalletSell, map[string]any{"wallets": []any{key(3), "x"}}, "wallets[1]"},
		{progress.CreateTokenMetadata, map[string]any{"image": "data:image/png;base64,iVBORw0KGgo="}, ""},
		{progress.CreateTokenMetadata, map[string]any{"image": "data:text/html;base64,PGI+"}, "image"},
		{progress.CreateTokenMetadata, map[string]any{"image": "data:image/png;base64," + strings.Repeat("A", MaxImageDataURI)}, "image"},
		{progress.CreateTokenMetadata, map[string]any{"image": "https://user:pw@example.com/x"}, "image"},
		{progress.CreateTokenMetadata, map[string]any{"vanitySuffix": "abcde"}, "vanitySuffix"},
		{progress.CreateTokenMetadata, map[string]any{"name": strings.Repeat("é", 16)}, ""},
		{progress.CreateTokenMetadata, map[string]any{"name": "a\x00b"}, "name"},
		{progress.CreateTokenMetadata, map[string]any{"website": "javascript:alert(1)"}, "website"},
		{progress.PrepareLaunch, map[string]any{"buyerWallets": buyers}, "buyerWallets"},
		{progress.PrepareLaunch, map[string]any{"buyerWallets": many}, "buyerWallets"}, // wrong element type
		{progress.PrepareLaunch, map[string]any{"fundingWallet": ""}, "fundingWallet"},
		{progress.PrepareLaunch, map[string]any{"mixing": map[string]any{"enabled": true, "hops": 0}}, ""},
		{progress.PrepareLaunch, map[string]any{"buyerWallets": []any{}}, "mixing.enabled"},
		{progress.ExecuteLaunch, map[string]any{"priorityFeeMicroLamports": MaxPriorityFee + 1}, "priorityFeeMicroLamports"},
		{progress.ExecuteLaunch, map[string]any{"devBuySol": 0}, "devBuySol"},
		{progress.LaunchTokenFromDapp, map[string]any{"image": "https://example.com/a.png"}, "metadataUri"},
		{progress.LaunchTokenFromDapp, map[string]any{"metadataUri": "http://example.com/m.json"}, "metadataUri"},
		{progress.LaunchTokenFromDapp, map[string]any{"metadataUri": ""}, "image"},
		{progress.LaunchToken, map[string]any{"metadataUri": "https://arweave.net/abc"}, "metadataUri"}, // unknown there
		{progress.LaunchToken, map[string]any{"image": nil}, "image"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d_%s_%s", i, c.typ, c.field), func(t *testing.T) {
			body := validBodies()[c.typ]
			for k, v := range c.set {
				body[k] = v
			}
			err := decodeErr(c.typ, mustJSON(t, body))
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if fields := fieldErrs(t, err); fields[c.field] == "" {
				t.Fatalf("want error on %s, got %v", c.field, fields)
			}
		})
	}
}

func TestDecodeStrictness(t *testing.T) {
	valid := string(mustJSON(t, validBodies()[progress.DevSell]))
	inner := strings.TrimSuffix(strings.TrimPrefix(valid, "{"), "}")
	cases := []struct {
		name, body string
		want       error  // sentinel, or nil for field errors
		field      string // expected bad field
		msg        string
	}{
		{"unknown", `{` + inner + `,"extra":1,"secretKey":"x"}`, nil, "secretKey", "unknown field"},
		{"case", `{` + inner + `,"SellPercent":3}`, nil, "SellPercent", "unknown field"},
		{"duplicate", `{` + inner + `,"sellPercent":3}`, nil, "sellPercent", "duplicate field"},
		{"shadowOwner", `{` + inner + `,"UserId":"mallory"}`, nil, "UserId", "unknown field"},
		{"nul", `{"userId":"u\u0000","tokenAddress":"` + key(1) + `","sellPercent":50}`, nil, "userId", "must be UTF-8 text without NUL bytes"},
		{"invalidUTF8", "{\"userId\":\"u\xff\",\"tokenAddress\":\"" + key(1) + "\",\"sellPercent\":50}", nil, "userId", "must be UTF-8 text without NUL bytes"},
		{"nestedUnknown", `{"userId":"u","tokenAddress":"` + key(1) + `","sellPercent":5,"slippageBps":5,"devWallet":"` + key(2) + `","x":{"y":1}}`, nil, "x", "unknown field"},
		{"stringNumber", `{"userId":"u","tokenAddress":"` + key(1) + `","sellPercent":"50"}`, nil, "sellPercent", "must be a number"},
		{"floatChat", `{"userId":"u","userChatId":1.5,"tokenAddress":"` + key(1) + `","sellPercent":50}`, nil, "userChatId", "must be an integer in range"},
		{"trailing", valid + `{}`, ErrInvalidJSON, "", ""},
		{"trailingGarbage", valid + ` x`, ErrInvalidJSON, "", ""},
		{"array", `[` + valid + `]`, ErrInvalidJSON, "", ""},
		{"empty", ``, ErrInvalidJSON, "", ""},
		{"truncated", valid[:len(valid)-1], ErrInvalidJSON, "", ""},
		{"deep", `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, ErrInvalidJSON, "", ""},
		{"tooLarge", `{"userId":"` + strings.Repeat("a", MaxPayloadBytes) + `"}`, ErrTooLarge, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := decodeErr(progress.DevSell, []byte(c.body))
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("want %v, got %v", c.want, err)
				}
				return
			}
			if got := fieldErrs(t, err)[c.field]; got != c.msg {
				t.Fatalf("field %s: want %q, got %q (%v)", c.field, c.msg, got, err)
			}
		})
	}
	if err := decodeErr("nope", []byte(valid)); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("unknown type: %v", err)
	}
	if err := decodeErr(progress.DevSell, []byte(valid+"\n \t")); err != nil {
		t.Fatalf("trailing whitespace must be fine: %v", err)
	}
}

func TestEncodeKeepsHTML(t *testing.T) {
	p, err := Decode(progress.CreateTokenMetadata, mustJSON(t, validBodies()[progress.CreateTokenMetadata]))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<coin> & more") || strings.HasSuffix(string(b), "\n") {
		t.Fatalf("Encode escaped HTML or kept a newline: %s", b)
	}
}

func TestFieldErrorsError(t *testing.T) {
	fe := &FieldErrors{}
	if fe.Err() != nil {
		t.Fatal("empty FieldErrors must be a nil error")
	}
	fe.Add("b", "bad")
	fe.Add("a", "worse")
	fe.Add("a", "ignored")
	if got := fe.Error(); got != "invalid payload: a: worse; b: bad" {
		t.Fatalf("Error() = %q", got)
	}
}

// FuzzDecodePayload: whatever strangers send never panics, and what decodes
// re-encodes and re-decodes to an equal payload.
func FuzzDecodePayload(f *testing.F) {
	for typ, body := range validBodies() {
		f.Add(string(typ), mustJSON(f, body))
	}
	f.Fuzz(func(t *testing.T, typ string, body []byte) {
		p, err := Decode(progress.WorkerType(typ), body)
		if err != nil {
			var fe *FieldErrors
			if !errors.As(err, &fe) && !errors.Is(err, ErrInvalidJSON) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnknownType) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		assertRoundTrip(t, progress.WorkerType(typ), p)
	})
}

func BenchmarkDecodeLaunchToken(b *testing.B) {
	body := mustJSON(b, validBodies()[progress.LaunchToken])
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Decode(progress.LaunchToken, body); err != nil {
			b.Fatal(err)
		}
	}
}
