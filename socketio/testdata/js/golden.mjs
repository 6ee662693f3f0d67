// Receives the four server-to-client events as the browser does and reports the
// payload objects exactly as they arrived.
import { ctl, done, connect, ack, waitFor, record, params } from "./lib.mjs";

const names = ["worker_progress", "worker_step", "token_launch_event", "launch_progress_update"];
const s = await connect({ transports: ["websocket", "polling"], auth: { token: params.token } });
const got = record(s, names);
await ack(s, "subscribe_user_launches", "alice");
const n = await ctl("emitGolden");
await waitFor(() => got.length >= n, "golden events");
await ack(s, "unsubscribe", "flush");
s.close();
const out = Object.fromEntries(names.map((k) => [k, got.filter((g) => g.ev === k).map((g) => g.p)]));
done(out);
