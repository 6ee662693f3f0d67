package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestDisconnectReasons: the library's reasons map to the metric's labels, and a close
// the server decided is logged at info level with the socket's sid and user.
func TestDisconnectReasons(t *testing.T) {
	slow := errors.Join(errors.New("transport failure"), errSlowConsumer)
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"ping timeout", nil}, ReasonPingTimeout},
		{[]any{"transport close", nil}, ReasonTransportClose},
		{[]any{"transport error", slow}, ReasonSlowConsumer},
		{[]any{"transport error", errors.New("broken pipe")}, ReasonTransportError},
		{[]any{"client namespace disconnect"}, ReasonClientDisconnect},
		{[]any{"server namespace disconnect"}, ReasonServerDisconnect},
		{[]any{"server shutting down"}, ReasonServerShutdown},
		{[]any{"forced close"}, ReasonForcedClose},
		{[]any{"parse error"}, ReasonParseError},
		{[]any{"something new"}, ReasonOther},
	} {
		var buf bytes.Buffer
		s := &Server{log: zerolog.New(&buf).Level(zerolog.InfoLevel), disconnects: newDisconnectCounts()}
		s.onDisconnect("sid1", "alice", c.args, false)
		if n := s.disconnects[c.want].Load(); n != 1 {
			t.Errorf("%v: counted under %q %d times, want once", c.args, c.want, n)
		}
		var line map[string]any
		_ = json.Unmarshal(buf.Bytes(), &line)
		if logged := buf.Len() > 0; logged != serverInitiated(c.want) {
			t.Errorf("%v: logged at info %v, want %v", c.args, logged, serverInitiated(c.want))
		} else if logged && (line["sid"] != "sid1" || line["user_id"] != "alice" || line["reason"] != c.want || line["level"] != "info") {
			t.Errorf("%v: log line %s", c.args, strings.TrimSpace(buf.String()))
		}
	}
}
