// Connection-state recovery belongs to the session's user: a handshake with another
// user's pid and offset gets a fresh session and nothing of theirs; the owner still
// recovers what she missed; a token without admin does not get admin_launches back.
import { io, ctl, done, connect, ack, next, waitFor, record, params } from "./lib.mjs";

const names = ["worker_progress"];

// dropped subscribes to the rooms, drops its transport for good and returns its pid and
// offset (socket.io-client keeps them in _pid and _lastOffset).
const dropped = async (token, subscribe) => {
  const s = await connect({ transports: ["websocket"], auth: { token }, reconnection: false });
  const got = record(s, names);
  for (const args of subscribe) await ack(s, ...args);
  await ctl("emit", { userId: params.owner, jobId: "before", from: 1, count: 1 });
  await waitFor(() => got.length === 1, "event before the drop");
  const state = { pid: s._pid, offset: s._lastOffset };
  s.io.engine.close();
  await waitFor(() => !s.connected, "drop");
  return state;
};

// comeBack connects with token (of user own) and someone's pid and offset, put where socket.io-client
// keeps its own on a reconnect, and reports what it got (events are recorded from the
// start: replayed ones arrive with the connect).
const comeBack = async (token, own, state, emits) => {
  const s = io(params.url, { forceNew: true, autoConnect: false, transports: ["websocket"], auth: { token }, reconnection: false });
  const got = record(s, names);
  s._pid = state.pid;
  s._lastOffset = state.offset;
  s.connect();
  await next(s, "connect");
  const recovered = s.recovered;
  for (const e of emits) await ctl("emit", e);
  // A marker for the socket's own user room proves its events have arrived by now;
  // any further event came from rooms it got back or a replay.
  await ack(s, "subscribe_user_launches", own);
  await ctl("emit", { userId: own, jobId: "marker", from: 1, count: 1 });
  await waitFor(() => got.some((g) => g.p.jobId === "marker"), "marker");
  s.close();
  return { recovered, jobs: got.filter((g) => g.p.jobId !== "marker").map((g) => g.p.jobId + ":" + g.p.userId) };
};

const result = {};
if (params.mode === "user") {
  // alice drops; 15 of her events go out; bob comes with his own token and her pid.
  const alice = await dropped(params.owner_token, [["subscribe_user_launches", params.owner]]);
  await ctl("emit", { userId: params.owner, jobId: "missed", from: 1, count: 15 });
  result.intruder = await comeBack(params.other_token, params.other, alice, [{ userId: params.owner, jobId: "live", from: 1, count: 2 }]);
  result.owner = await comeBack(params.owner_token, params.owner, alice, []);
} else {
  // an admin in admin_launches and its own room drops; carol's and its own events go
  // out; it comes back with a token of the same user without admin.
  const admin = await dropped(params.owner_token, [["subscribe_all_launches"], ["subscribe_user_launches", params.owner]]);
  await ctl("emit", { userId: "carol", jobId: "missed", from: 1, count: 3 });
  await ctl("emit", { userId: params.owner, jobId: "missed", from: 1, count: 2 });
  result.owner = await comeBack(params.other_token, params.owner, admin, [{ userId: "carol", jobId: "live", from: 1, count: 2 }]);
}
done(result);
