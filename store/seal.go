package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// sealV1 prefixes AES-256-GCM output: version byte, 12-byte nonce, ciphertext+tag.
// The version lets a later key or algorithm coexist with rows sealed by this one.
const sealV1 byte = 1

// MasterKeySize is the length of the key that seals secrets at rest.
const MasterKeySize = 32

// ErrUnseal is returned when a sealed secret cannot be opened: wrong key, tampered
// bytes, or a value moved from another row.
var ErrUnseal = errors.New("sealed secret cannot be opened")

// Sealer encrypts secrets at rest with AES-256-GCM. The associated data is the row's
// public key, so a sealed value copied into another row does not open.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a sealer for a 32-byte master key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("master key: want %d bytes, got %d", MasterKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// ParseMasterKey decodes NITRO_MASTER_KEY (standard or URL base64, padded or not).
func ParseMasterKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != MasterKeySize {
				return nil, fmt.Errorf("master key: want %d bytes, got %d", MasterKeySize, len(key))
			}
			return key, nil
		}
	}
	// Never echo the value: it is the key.
	return nil, errors.New("master key: not base64")
}

// Seal encrypts plain bound to ad (the row's public key).
func (s *Sealer) Seal(plain []byte, ad string) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealV1
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return s.aead.Seal(out, out[1:], plain, []byte(ad)), nil
}

// Open decrypts a value sealed for ad.
func (s *Sealer) Open(sealed []byte, ad string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealV1 {
		return nil, ErrUnseal
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(ad))
	if err != nil {
		return nil, ErrUnseal
	}
	return plain, nil
}

// Secret is key material that must not reach a log or a response: it prints and
// marshals as "[REDACTED]".
type Secret []byte

// Format hides the bytes from every fmt verb.
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[REDACTED]") }

// MarshalJSON hides the bytes from encoding/json (and zerolog's Interface).
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// MarshalText hides the bytes from text encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }

func (s *Store) seal(plain []byte, ad string) ([]byte, error) {
	if s.sealer == nil {
		return nil, errors.New("no master key configured (NITRO_MASTER_KEY)")
	}
	return s.sealer.Seal(plain, ad)
}

func (s *Store) open(sealed []byte, ad string) ([]byte, error) {
	if s.sealer == nil {
		return nil, errors.New("no master key configured (NITRO_MASTER_KEY)")
	}
	return s.sealer.Open(sealed, ad)
}
