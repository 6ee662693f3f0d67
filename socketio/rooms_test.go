package socketio

import (
	"reflect"
	"testing"
)

// TestIsolationAndAdminRoom: users see only their own events, admins everyone's, and a
// socket in two rooms gets each event once.
func TestIsolationAndAdminRoom(t *testing.T) {
	h := newHarness(t, Config{})
	var res struct {
		Acks                    map[string]ackReply `json:"acks"`
		Alice, Bob, Both, Admin []string
		Stats                   Stats `json:"stats"`
	}
	runNode(t, "isolation.mjs", map[string]any{"url": h.url(), "alice": h.token("alice", false),
		"bob": h.token("bob", false), "admin": h.token("root", true)}, h.baseHandler(nil), &res)

	wantAcks := map[string]ackReply{
		"alice": {OK: true, Room: "user_alice"}, "aliceAsBob": {Error: ErrForbiddenUser.Error()},
		"aliceAll": {Error: ErrForbiddenAdmin.Error()}, "bob": {OK: true, Room: "user_bob"},
		"bothUser": {OK: true, Room: "user_alice"}, "bothAll": {OK: true, Room: AdminRoom}, "admin": {OK: true, Room: AdminRoom},
	}
	if !reflect.DeepEqual(res.Acks, wantAcks) {
		t.Errorf("acks %+v\nwant %+v", res.Acks, wantAcks)
	}
	refusedBob := "err:subscribe_user_launches:" + ErrForbiddenUser.Error()
	refusedAll := "err:subscribe_all_launches:" + ErrForbiddenAdmin.Error()
	everyone := []string{"a1/1", "a1/2", "a1/3", "b1/1", "b1/2", "c1/1"}
	check := func(who string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s got %v\nwant %v", who, got, want)
		}
	}
	check("alice", res.Alice, []string{refusedBob, refusedBob, refusedAll, "a1/1", "a1/2", "a1/3"})
	check("bob", res.Bob, []string{"b1/1", "b1/2"})
	check("admin in both rooms", res.Both, everyone)
	check("admin", res.Admin, everyone)
	// 3 alice events reach alice, both, admin; 2 bob events reach bob, both, admin; carol's reach 2.
	if want := uint64(3*3 + 2*3 + 2 + 3); res.Stats.Deliveries != want || res.Stats.Emitted != 6 {
		t.Errorf("stats %+v, want 6 emitted and %d deliveries (3 of them subscription_error)", res.Stats, want)
	}
}
