// Package strictjson decodes the JSON that strangers send (HTTP bodies, job payloads,
// token claims) without encoding/json's lenience: it matches object keys to a
// struct's json names case-insensitively and lets the last of two duplicate keys win,
// so {"userId":"a","UserId":"b"} would act for b while every check saw a. Here a key
// must be a field's exact name, appear once, and every string must be UTF-8 without
// NUL bytes (PostgreSQL refuses NUL in text, and a replaced invalid byte would change
// what the caller meant). Errors name the offending field.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxDepth bounds nesting: no input we accept is deeper, and a deep input costs stack.
const MaxDepth = 16

// Problems a FieldError reports that are about the shape, not the type of a value.
const (
	ProblemUnknown   = "unknown field"
	ProblemDuplicate = "duplicate field"
	ProblemText      = "must be UTF-8 text without NUL bytes"
)

// ErrSyntax is wrapped by errors that are not about one field: malformed JSON, a top
// level that is not an object, trailing data, nesting deeper than MaxDepth.
var ErrSyntax = errors.New("invalid JSON")

// FieldError is one bad field; Field is a path like buyerWallets[2].publicKey.
type FieldError struct {
	Field   string
	Problem string
}

// Error lists every bad field of an input, in the order they appear in it.
type Error struct {
	Fields []FieldError
}

// Error joins the fields as "field: problem; ...".
func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Problem
	}
	return strings.Join(parts, "; ")
}

func (e *Error) add(field, problem string) {
	for _, f := range e.Fields {
		if f.Field == field {
			return // the first problem of a field is the one worth reading
		}
	}
	e.Fields = append(e.Fields, FieldError{Field: field, Problem: problem})
}

// Decode decodes data, one JSON object, into v (a pointer to a struct). It refuses
// keys that are not a field's exact json name, duplicate keys, strings with NUL bytes
// or invalid UTF-8 (with an *Error naming each field), and trailing data (ErrSyntax).
// Map fields take any key, still once; a type mismatch is an *Error naming the field.
func Decode(data []byte, v any) error {
	if err := Check(data, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return typeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the object", ErrSyntax)
	}
	return nil
}

// Check is Decode's shape pass alone: it reports every unknown, duplicate or badly
// encoded key or string of data against the type of v, without decoding.
func Check(data []byte, v any) error {
	s := &scanner{data: data, dec: json.NewDecoder(bytes.NewReader(data)), errs: &Error{}}
	s.dec.UseNumber()
	tok, err := s.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%w: the body must be a JSON object", ErrSyntax)
	}
	if err := s.object(reflect.TypeOf(v), "", 1); err != nil {
		return err
	}
	if len(s.errs.Fields) > 0 {
		return s.errs
	}
	return nil
}

type scanner struct {
	data []byte
	dec  *json.Decoder
	errs *Error
}

// token reads the next token, wrapping a syntax error in ErrSyntax.
func (s *scanner) token() (json.Token, error) {
	tok, err := s.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	return tok, nil
}

// cleanString reports whether the string token that ended at the decoder's offset,
// and started after from, is valid UTF-8 without NUL (raw or as \u0000).
func (s *scanner) cleanString(from int64, str string) bool {
	raw := s.data[from:s.dec.InputOffset()]
	return utf8.Valid(raw) && !strings.ContainsRune(str, 0)
}

func (s *scanner) value(t reflect.Type, path string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrSyntax, MaxDepth)
	}
	from := s.dec.InputOffset()
	tok, err := s.token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return s.object(t, path, depth)
		}
		return s.array(t, path, depth)
	case string:
		if !s.cleanString(from, v) {
			s.errs.add(path, ProblemText)
		}
	}
	return nil // the types of scalars are checked by the typed decode
}

func (s *scanner) object(t reflect.Type, path string, depth int) error {
	fields := jsonFields(t)
	var mapElem reflect.Type // a map's values: any key, each once
	if d := deref(t); d != nil && d.Kind() == reflect.Map {
		mapElem = d.Elem()
	}
	seen := map[string]bool{}
	for s.dec.More() {
		from := s.dec.InputOffset()
		tok, err := s.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := joinPath(path, key)
		vt, known := fields[key]
		switch {
		case !s.cleanString(from, key):
			s.errs.add(p, ProblemText)
		case seen[key]:
			s.errs.add(p, ProblemDuplicate)
		case fields != nil && !known:
			s.errs.add(p, ProblemUnknown)
		}
		if fields == nil {
			vt = mapElem
		}
		seen[key] = true
		if err := s.value(vt, p, depth+1); err != nil {
			return err
		}
	}
	_, err := s.token() // '}'
	return err
}

func (s *scanner) array(t reflect.Type, path string, depth int) error {
	var elem reflect.Type
	if t = deref(t); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for i := 0; s.dec.More(); i++ {
		if err := s.value(elem, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
			return err
		}
	}
	_, err := s.token() // ']'
	return err
}

// joinPath bounds a stranger's key, so an error body cannot be bloated through it.
func joinPath(path, key string) string {
	if len(key) > 64 {
		key = strings.ToValidUTF8(key[:64], "") + "…"
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
// encoding/json does) to their types; nil when t is not a struct (a map, a scalar, or
// the contents of a key already refused, which need no second error).
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
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// typeError turns a decoding error into an *Error where it names a field.
func typeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &Error{Fields: []FieldError{{Field: jsonPath(te.Field), Problem: "must be " + jsonKind(te.Type.Kind())}}}
	}
	return fmt.Errorf("%w: %v", ErrSyntax, err)
}

// jsonPath drops the Go names of embedded structs that encoding/json puts in
// UnmarshalTypeError.Field: a JSON name of ours never starts with an upper-case letter.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && (p[0] < 'A' || p[0] > 'Z') {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Pointer, reflect.Map:
		return "an object"
	}
	return "of another type"
}
