package strictjson_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nitro-runtime/nitro/internal/strictjson"
)

type inner struct {
	PublicKey string  `json:"publicKey"`
	BuySol    float64 `json:"buySol"`
}

type Embedded struct {
	UserID string `json:"userId"`
}

type target struct {
	Embedded
	Label  string            `json:"label,omitempty"`
	Count  int               `json:"count"`
	Wallet *inner            `json:"wallet"`
	Buyers []inner           `json:"buyers"`
	Tags   map[string]string `json:"tags"`
	Hidden string            `json:"-"`
}

func TestDecodeAcceptsExactInput(t *testing.T) {
	var v target
	body := `{"userId":"a","label":"dév","count":2,"wallet":{"publicKey":"k","buySol":0.5},` +
		`"buyers":[{"publicKey":"b","buySol":1}],"tags":{"Any":"x","any":"y"}}`
	if err := strictjson.Decode([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if v.UserID != "a" || v.Label != "dév" || v.Wallet.BuySol != 0.5 || v.Buyers[0].PublicKey != "b" || v.Tags["Any"] != "x" {
		t.Fatalf("decoded %+v", v)
	}
}

func TestDecodeNamesEveryBadField(t *testing.T) {
	cases := []struct {
		name, body, field, problem string
	}{
		{"case", `{"userId":"a","UserId":"b"}`, "UserId", strictjson.ProblemUnknown},
		{"duplicate", `{"userId":"a","userId":"b"}`, "userId", strictjson.ProblemDuplicate},
		{"unknown", `{"userId":"a","role":"admin"}`, "role", strictjson.ProblemUnknown},
		{"ignoredField", `{"userId":"a","Hidden":"x"}`, "Hidden", strictjson.ProblemUnknown},
		{"nestedCase", `{"wallet":{"publicKey":"k","PublicKey":"m"}}`, "wallet.PublicKey", strictjson.ProblemUnknown},
		{"arrayElem", `{"buyers":[{"publicKey":"k"},{"buysol":1}]}`, "buyers[1].buysol", strictjson.ProblemUnknown},
		{"mapDuplicate", `{"tags":{"a":"1","a":"2"}}`, "tags.a", strictjson.ProblemDuplicate},
		{"nulEscape", `{"label":"a\u0000b"}`, "label", strictjson.ProblemText},
		{"nulInMap", `{"tags":{"k":"\u0000"}}`, "tags.k", strictjson.ProblemText},
		{"invalidUTF8", "{\"label\":\"a\xffb\"}", "label", strictjson.ProblemText},
		{"invalidUTF8Key", "{\"lab\xffel\":\"x\"}", "lab\ufffdel", strictjson.ProblemText},
		{"type", `{"count":"2"}`, "count", "must be an integer in range"},
		{"nestedType", `{"buyers":[{"buySol":"1"}]}`, "buyers.buySol", "must be a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v target
			err := strictjson.Decode([]byte(c.body), &v)
			var se *strictjson.Error
			if !errors.As(err, &se) {
				t.Fatalf("want *Error, got %v", err)
			}
			if se.Fields[0] != (strictjson.FieldError{Field: c.field, Problem: c.problem}) {
				t.Fatalf("got %v", se.Fields)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Fatalf("message %q does not name %s", err, c.field)
			}
		})
	}
}

func TestDecodeCollectsAllShapeErrors(t *testing.T) {
	var v target
	err := strictjson.Decode([]byte(`{"userId":"a","UserId":"b","x":1,"userId":"c"}`), &v)
	var se *strictjson.Error
	if !errors.As(err, &se) || len(se.Fields) != 3 {
		t.Fatalf("want three fields, got %v", err)
	}
}

func TestDecodeSyntax(t *testing.T) {
	for name, body := range map[string]string{
		"empty": ``, "array": `[{}]`, "string": `"x"`, "trailing": `{}{}`, "garbage": `{} x`,
		"truncated": `{"userId":"a"`, "deep": `{"tags":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 41),
	} {
		var v target
		if err := strictjson.Decode([]byte(body), &v); !errors.Is(err, strictjson.ErrSyntax) {
			t.Errorf("%s: want ErrSyntax, got %v", name, err)
		}
	}
	var v target
	if err := strictjson.Decode([]byte("{}\n\t "), &v); err != nil {
		t.Fatalf("trailing whitespace: %v", err)
	}
}

// FuzzDecode: nothing a stranger sends panics, and what decodes has no NUL and is
// valid UTF-8 in every text field.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"userId":"a","label":"x","buyers":[{"publicKey":"k","buySol":1}],"tags":{"a":"b"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var v target
		err := strictjson.Decode(body, &v)
		var se *strictjson.Error
		if err != nil && !errors.As(err, &se) && !errors.Is(err, strictjson.ErrSyntax) {
			t.Fatalf("unclassified error: %v", err)
		}
		if err == nil && (strings.ContainsRune(v.Label+v.UserID, 0) || strings.ContainsRune(v.Label, '\ufffd') && !strings.Contains(string(body), "\ufffd") && !strings.Contains(string(body), `\u`)) {
			t.Fatalf("unclean text decoded: %q", v.Label)
		}
	})
}
