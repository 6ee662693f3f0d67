// Connection-state recovery: the transport drops, events are emitted meanwhile, the
// client comes back within the window and gets every missed event, in order, once,
// without subscribing again.
import { ctl, done, connect, ack, waitFor, record, params } from "./lib.mjs";

const s = await connect({ transports: params.transports, auth: { token: params.token } });
const got = record(s, ["worker_progress"]);
let connects = 1;
s.on("connect", () => connects++);
const subscribed = await ack(s, "subscribe_user_launches", "alice");
await ctl("emit", { userId: "alice", jobId: "k", from: 1, count: 3 });
await waitFor(() => got.length === 3, "events before the drop");
s.io.engine.close(); // the network drops: the client reconnects after reconnectionDelay
await ctl("emit", { userId: "alice", jobId: "k", from: 4, count: 5 });
await waitFor(() => connects === 2, "reconnect");
await waitFor(() => got.length >= 8, "missed events");
const recovered = s.recovered;
await ctl("emit", { userId: "alice", jobId: "k", from: 9, count: 1 }); // the room survived the drop
await waitFor(() => got.length >= 9, "live event after recovery");
await ack(s, "unsubscribe", "flush");
s.close();
done({ subscribed, recovered, progress: got.map((g) => g.p.progress) });
