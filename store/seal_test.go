package store_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/store"
)

func newSealer(t *testing.T) *store.Sealer {
	t.Helper()
	key := make([]byte, store.MasterKeySize)
	_, _ = rand.Read(key)
	s, err := store.NewSealer(key)
	must(t, err)
	return s
}

func TestSealRoundTripAndTamper(t *testing.T) {
	t.Parallel()
	s := newSealer(t)
	plain := []byte("a 64-byte secret would be here")
	sealed, err := s.Seal(plain, "PubKeyA")
	must(t, err)
	if bytes.Contains(sealed, plain) || sealed[0] != 1 {
		t.Fatalf("sealed = %x", sealed)
	}
	again, _ := s.Seal(plain, "PubKeyA")
	if bytes.Equal(again, sealed) {
		t.Fatal("two seals are identical: nonce reused")
	}
	got, err := s.Open(sealed, "PubKeyA")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	_, err = s.Open(sealed, "PubKeyB") // moved to another row
	wantErr(t, err, store.ErrUnseal)
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x80
		if _, err := s.Open(bad, "PubKeyA"); err == nil {
			t.Fatalf("byte %d tampered and still opened", i)
		}
	}
	for _, short := range [][]byte{nil, sealed[:1], sealed[:20]} {
		_, err := s.Open(short, "PubKeyA")
		wantErr(t, err, store.ErrUnseal)
	}
	_, err = newSealer(t).Open(sealed, "PubKeyA") // another master key
	wantErr(t, err, store.ErrUnseal)
}

func TestNewSealerKeySize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := store.NewSealer(make([]byte, n)); err == nil {
			t.Errorf("%d-byte key accepted", n)
		}
	}
}

func TestParseMasterKey(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{0xfb}, 32)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		got, err := store.ParseMasterKey(enc.EncodeToString(key))
		if err != nil || !bytes.Equal(got, key) {
			t.Errorf("parse %s: %v", enc.EncodeToString(key), err)
		}
	}
	if _, err := store.ParseMasterKey(base64.StdEncoding.EncodeToString(key[:16])); err == nil {
		t.Error("16-byte key accepted")
	}
	_, err := store.ParseMasterKey("not base64 !!secretvalue")
	if err == nil || strings.Contains(err.Error(), "secretvalue") {
		t.Errorf("err = %v (must fail without echoing the value)", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	sec := store.Secret(keypair(t))
	b, err := sec.MarshalJSON()
	must(t, err)
	text := fmt.Sprintf("%v %s %x %X %d %q %+v %#v", sec, sec, sec, sec, sec, sec, sec, sec) + string(b)
	assertNoSecret(t, text, sec)
	if !strings.Contains(text, "REDACTED") {
		t.Errorf("text = %s", text)
	}
}
