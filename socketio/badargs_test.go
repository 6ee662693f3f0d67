package socketio

import (
	"testing"
)

// TestBadArguments sends what strangers send and checks every answer.
func TestBadArguments(t *testing.T) {
	h := newHarness(t, Config{})
	var res struct {
		Acks                         map[string]ackReply `json:"acks"`
		Errors                       int                 `json:"errors"`
		Reason                       string              `json:"reason"`
		AfterReconnect, BystanderAck ackReply
		Flood, Limited, FloodMs      int
	}
	runNode(t, "badargs.mjs", map[string]any{"url": h.url(), "alice": h.token("alice", false), "bob": h.token("bob", false)},
		h.baseHandler(nil), &res)
	want := map[string]error{
		"number": ErrUserIDType, "object": ErrUserIDType, "array": ErrUserIDType, "null": ErrUserIDType,
		"missing": ErrUserIDType, "binary": ErrUserIDType, "empty": ErrUserIDValue, "tooLong": ErrUserIDValue,
		"tenKB": ErrUserIDValue, "newline": ErrUserIDValue, "roomName": ErrUserIDValue,
		"unsubNumber": ErrRoomType, "unsubLong": ErrRoomValue, "unsubOwn": ErrOwnRoom,
		"unknown": ErrUnknownEvent, "unknownObj": ErrUnknownEvent, "allWithArgs": ErrForbiddenAdmin,
	}
	for name, err := range want {
		if got := res.Acks[name]; got != (ackReply{Error: err.Error()}) {
			t.Errorf("%s: ack %+v, want error %q", name, got, err)
		}
	}
	// Extra arguments are ignored: the first one is the userId.
	if got := res.Acks["twoArgs"]; got != (ackReply{OK: true, Room: "user_alice"}) {
		t.Errorf("twoArgs: ack %+v", got)
	}
	if res.Errors != 13 {
		t.Errorf("subscription_error events: %d, want 13 (12 refused subscribes with an ack, 1 without)", res.Errors)
	}
	if res.Reason != "transport close" && res.Reason != "transport error" {
		t.Errorf("oversize packet: disconnect reason %q, want a transport drop", res.Reason)
	}
	if res.AfterReconnect != (ackReply{OK: true, Room: "user_alice"}) || res.BystanderAck != (ackReply{OK: true, Room: "user_bob"}) {
		t.Errorf("after the drop: %+v, bystander %+v", res.AfterReconnect, res.BystanderAck)
	}
	// The bucket starts with DefaultEventBurst tokens and refills at DefaultEventRate/s
	// for as long as the flood takes to arrive.
	refill := int(DefaultEventRate*float64(res.FloodMs)/1000) + 1
	if res.Flood != 100 || res.Limited < 100-DefaultEventBurst-refill || res.Limited > 100-DefaultEventBurst {
		t.Errorf("flood: %d answered, %d rate limited in %d ms; want 100 answered, %d..%d limited",
			res.Flood, res.Limited, res.FloodMs, 100-DefaultEventBurst-refill, 100-DefaultEventBurst)
	}
	if st := h.server().Stats(); st.RateLimited != uint64(res.Limited) || st.Refusals == 0 {
		t.Errorf("stats %+v", st)
	}
}
