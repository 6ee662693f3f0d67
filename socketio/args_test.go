package socketio

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	sio "github.com/zishang520/socket.io/servers/socket/v3"
)

// FuzzSocketArgs feeds arbitrary JSON event arrays (as the parser hands them over) to the
// argument validation: it must never panic, must accept only safe user ids and bounded
// rooms, and must find the ack wherever the library appends it.
func FuzzSocketArgs(f *testing.F) {
	f.Add([]byte(`["subscribe_user_launches","alice"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var args []any
		if err := json.Unmarshal(data, &args); err != nil {
			args = []any{EventSubscribeUser, string(data)}
		}
		checkArgs(t, args)
		var called bool
		withAck := append(append([]any(nil), args...), sio.Ack(func([]any, error) { called = true }))
		rest, ack := splitAck(withAck)
		if ack == nil || len(rest) != len(args) {
			t.Fatalf("splitAck lost the ack: %d args, ack %v", len(rest), ack != nil)
		}
		ack(nil, nil)
		if !called {
			t.Fatal("splitAck returned another function")
		}
	})
}

func checkArgs(t *testing.T, args []any) {
	rest, ack := splitAck(args)
	if ack != nil || len(rest) != len(args) {
		t.Fatalf("splitAck invented an ack")
	}
	name, ok := eventName(args)
	if !ok {
		return
	}
	req, err := parseRequest(name, args[1:])
	if err != nil {
		if !isKnownErr(err) {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	switch req.kind {
	case reqSubscribeUser:
		if req.arg != args[1] || !validUserID(req.arg) || strings.ContainsAny(req.arg, " ,/\\\n\x00") || len(req.arg) > MaxUserIDLen {
			t.Fatalf("accepted userId %q", req.arg)
		}
	case reqUnsubscribe:
		if req.arg != args[1] || len(req.arg) == 0 || len(req.arg) > MaxRoomLen {
			t.Fatalf("accepted room %q", req.arg)
		}
	case reqSubscribeAll:
		if name != EventSubscribeAll {
			t.Fatalf("%q parsed as subscribe_all", name)
		}
	default:
		t.Fatalf("%q parsed with no kind and no error", name)
	}
}

func isKnownErr(err error) bool {
	for _, e := range []error{ErrUserIDType, ErrUserIDValue, ErrRoomType, ErrRoomValue, ErrUnknownEvent} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func TestParseRequest(t *testing.T) {
	long := strings.Repeat("a", MaxUserIDLen)
	cases := []struct {
		args []any
		want request
		err  error
	}{
		{[]any{EventSubscribeUser, "alice"}, request{reqSubscribeUser, "alice"}, nil},
		{[]any{EventSubscribeUser, "123456789"}, request{reqSubscribeUser, "123456789"}, nil},
		{[]any{EventSubscribeUser, "a@b.c:d-e_f"}, request{reqSubscribeUser, "a@b.c:d-e_f"}, nil},
		{[]any{EventSubscribeUser, long}, request{reqSubscribeUser, long}, nil},
		{[]any{EventSubscribeUser, long + "a"}, request{}, ErrUserIDValue},
		{[]any{EventSubscribeUser, "é"}, request{}, ErrUserIDValue},
		{[]any{EventSubscribeUser, float64(1)}, request{}, ErrUserIDType},
		{[]any{EventSubscribeUser}, request{}, ErrUserIDType},
		{[]any{EventSubscribeAll, "ignored"}, request{reqSubscribeAll, ""}, nil},
		{[]any{EventUnsubscribe, "user_alice"}, request{reqUnsubscribe, "user_alice"}, nil},
		{[]any{EventUnsubscribe, ""}, request{}, ErrRoomValue},
		{[]any{EventUnsubscribe, map[string]any{}}, request{}, ErrRoomType},
		{[]any{"connect"}, request{}, ErrUnknownEvent},
	}
	for _, c := range cases {
		got, err := parseRequest(c.args[0].(string), c.args[1:])
		if !errors.Is(err, c.err) || (err == nil && got != c.want) {
			t.Errorf("%v: got %+v, %v; want %+v, %v", c.args, got, err, c.want, c.err)
		}
	}
}
