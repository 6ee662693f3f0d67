package socketio

import (
	"errors"
	"fmt"

	sio "github.com/zishang520/socket.io/servers/socket/v3"
)

// Limits on what a client may send; real arguments are a few dozen bytes.
const (
	MaxUserIDLen = 128
	MaxRoomLen   = 160
)

// Client-to-server event names of the external contract.
const (
	EventSubscribeUser = "subscribe_user_launches"
	EventSubscribeAll  = "subscribe_all_launches"
	EventUnsubscribe   = "unsubscribe"
	// EventSubscriptionError is sent to a socket whose subscription was refused.
	EventSubscriptionError = "subscription_error"
)

// Rooms of the external contract.
const (
	AdminRoom      = "admin_launches"
	UserRoomPrefix = "user_"
)

// UserRoom is the room of userID's events.
func UserRoom(userID string) string { return UserRoomPrefix + userID }

// Argument errors; their text is what the client reads in the ack's error.
var (
	ErrUserIDType  = errors.New("userId must be a string")
	ErrUserIDValue = fmt.Errorf("userId must be 1..%d characters of A-Z a-z 0-9 _ - . : @", MaxUserIDLen)
	ErrRoomType    = errors.New("room must be a string")
	ErrRoomValue   = fmt.Errorf("room must be 1..%d characters", MaxRoomLen)
)

// splitAck separates the optional ack callback, which the library appends as the last
// argument when the client passed one, from the event's own arguments.
func splitAck(args []any) ([]any, sio.Ack) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(sio.Ack); ok {
			return args[:n-1], ack
		}
		if fn, ok := args[n-1].(func([]any, error)); ok {
			return args[:n-1], fn
		}
	}
	return args, nil
}

// eventName returns the event name of an incoming packet; the parser also lets numbers through.
func eventName(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	name, ok := args[0].(string)
	return name, ok
}

type reqKind int

const (
	reqSubscribeUser reqKind = iota + 1
	reqSubscribeAll
	reqUnsubscribe
)

// request is a client event whose arguments passed validation.
type request struct {
	kind reqKind
	arg  string // the userId or the room
}

// parseRequest validates a client event (its arguments without the ack). Extra
// arguments are ignored, as Node handlers ignore them.
func parseRequest(name string, args []any) (request, error) {
	switch name {
	case EventSubscribeUser:
		id, err := parseUserID(args)
		return request{kind: reqSubscribeUser, arg: id}, err
	case EventSubscribeAll:
		return request{kind: reqSubscribeAll}, nil
	case EventUnsubscribe:
		room, err := parseRoom(args)
		return request{kind: reqUnsubscribe, arg: room}, err
	}
	return request{}, ErrUnknownEvent
}

func isSubscribe(name string) bool { return name == EventSubscribeUser || name == EventSubscribeAll }

// parseUserID validates the single argument of subscribe_user_launches.
func parseUserID(args []any) (string, error) {
	if len(args) == 0 {
		return "", ErrUserIDType
	}
	id, ok := args[0].(string)
	if !ok {
		return "", ErrUserIDType
	}
	if !validUserID(id) {
		return "", ErrUserIDValue
	}
	return id, nil
}

// validUserID accepts the ids our users have (Telegram numbers, UUIDs, emails, wallet
// addresses) and nothing that could smuggle another room's name or control characters.
func validUserID(id string) bool {
	if len(id) == 0 || len(id) > MaxUserIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '-' || c == '.' || c == ':' || c == '@':
		default:
			return false
		}
	}
	return true
}

// parseRoom validates the single argument of unsubscribe.
func parseRoom(args []any) (string, error) {
	if len(args) == 0 {
		return "", ErrRoomType
	}
	room, ok := args[0].(string)
	if !ok {
		return "", ErrRoomType
	}
	if len(room) == 0 || len(room) > MaxRoomLen {
		return "", ErrRoomValue
	}
	return room, nil
}
