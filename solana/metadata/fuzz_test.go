package metadata

import (
	"context"
	"errors"
	"testing"
)

// FuzzPrepare feeds arbitrary names, symbols and data: URIs (what users send) to
// validation: it must not panic, and anything accepted must satisfy the limits.
func FuzzPrepare(f *testing.F) {
	f.Add("Nitro", "NIT", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==")
	f.Fuzz(func(t *testing.T, name, symbol, src string) {
		got, err := Prepare(context.Background(), nil, Token{Name: name, Symbol: symbol, Image: Image{Source: "data:" + src}})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("non-validation error for a data URI: %v", err)
			}
			return
		}
		if len(got.Name) > MaxName || len(got.Symbol) > MaxSymbol || len(got.Image.Data) > MaxImageBytes || allowedTypes[got.Image.ContentType] == "" {
			t.Fatalf("accepted out-of-limit token %q %q %q", got.Name, got.Symbol, got.Image.ContentType)
		}
	})
}
