package socketio

import (
	"testing"
)

type refusalResult struct {
	Message   string         `json:"message"`
	Data      map[string]any `json:"data"`
	Connected bool           `json:"connected"`
	Active    bool           `json:"active"`
}

// TestRefusals checks the connect_error message of every refused token, over websocket
// and polling, and that a good token works in each of the three places it may travel.
func TestRefusals(t *testing.T) {
	h := newHarness(t, Config{})
	var cases []map[string]any
	want := map[string]string{}
	for name, c := range h.badTokens() {
		for _, tr := range []string{"websocket", "polling"} {
			n := name + "/" + tr
			cases = append(cases, map[string]any{"name": n, "token": c[0], "via": "auth", "transports": []string{tr}})
			want[n] = c[1]
		}
	}
	good := h.token("alice", false)
	for _, via := range []string{"auth", "header", "query"} {
		cases = append(cases, map[string]any{"name": "good/" + via, "token": good, "via": via, "transports": []string{"websocket"}})
		want["good/"+via] = ""
	}
	bad := h.badTokens()["expired"]
	cases = append(cases, map[string]any{"name": "expired/header", "token": bad[0], "via": "header", "transports": []string{"websocket"}})
	want["expired/header"] = bad[1]

	var res map[string]refusalResult
	runNode(t, "refusals.mjs", map[string]any{"url": h.url(), "cases": cases}, h.baseHandler(nil), &res)
	for name, msg := range want {
		r, ok := res[name]
		switch {
		case !ok:
			t.Errorf("%s: no result", name)
		case msg == "" && !r.Connected:
			t.Errorf("%s: refused with %q, want connected", name, r.Message)
		case msg != "" && (r.Connected || r.Message != msg || r.Active || r.Data["code"] != "UNAUTHORIZED"):
			t.Errorf("%s: got %+v, want refusal %q, inactive, code UNAUTHORIZED", name, r, msg)
		}
	}
	if got := h.server().Stats().Refused; got != uint64(len(want)-3) {
		t.Errorf("Stats().Refused = %d, want %d", got, len(want)-3)
	}
}
