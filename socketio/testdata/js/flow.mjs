// The main flow with the client options given by the Go test: connect with a token,
// subscribe (snapshot), repeat subscribe (no second snapshot), live events, unsubscribe.
import { ctl, done, connect, ack, record, waitFor, params, log } from "./lib.mjs";

const transports = [];
const s = await connect({ ...params.clientOpts, auth: { token: params.token } }, (engine) => {
  transports.push(engine.transport.name);
  engine.on("upgrade", (t) => transports.push(t.name));
});
const got = record(s, ["worker_progress", "launch_progress_update", "subscription_error"]);
const acks = [];

acks.push(await ack(s, "subscribe_user_launches", params.userId));
await waitFor(() => got.length >= params.snapshotCount, "snapshot");
acks.push(await ack(s, "subscribe_user_launches", params.userId)); // repeat: no second snapshot
await ctl("emit", { userId: params.userId, jobId: "live", from: 1, count: 3 });
await waitFor(() => got.filter((g) => g.p.jobId === "live").length >= 3, "live events");
// A later ack is written after everything earlier tasks of this socket sent.
acks.push(await ack(s, "unsubscribe", "not_a_room_of_mine"));
const beforeUnsub = got.length;

if (params.waitUpgrade) await waitFor(() => s.io.engine.transport.name === "websocket", "upgrade");
const sockets = await ctl("sockets");

acks.push(await ack(s, "unsubscribe", "user_" + params.userId));
await ctl("emit", { userId: params.userId, jobId: "after", from: 1, count: 2 });
acks.push(await ack(s, "subscribe_user_launches", params.userId)); // fresh join: snapshot again
await waitFor(() => got.length >= beforeUnsub + params.snapshotCount + 2, "second snapshot");
acks.push(await ack(s, "unsubscribe", "not_a_room_of_mine"));
log("events", got.length);
s.close();
done({
  transports,
  acks,
  sockets,
  events: got.map((g) => ({ ev: g.ev, jobId: g.p.jobId ?? "", token: g.p.tokenAddress, progress: g.p.progress ?? -1 })),
  beforeUnsub,
});
