// Connection-state recovery while the handshake is still being admitted: the server has
// restored the session (and computed what was missed) but its connection middleware has
// not let the socket in yet. Events emitted in that gap must still arrive, once, in order.
import { ctl, done, connect, ack, waitFor, record, params } from "./lib.mjs";

const s = await connect({ transports: params.transports, auth: { token: params.token } });
const got = record(s, ["worker_progress"]);
let connects = 1;
s.on("connect", () => connects++);
await ack(s, "subscribe_user_launches", "alice");
await ctl("emit", { userId: "alice", jobId: "k", from: 1, count: 3 });
await waitFor(() => got.length === 3, "events before the drop");
await ctl("hold"); // the next handshake is held in the middleware
s.io.engine.close(); // the network drops: the client reconnects after reconnectionDelay
await ctl("emit", { userId: "alice", jobId: "k", from: 4, count: 2 }); // missed while away
await ctl("waitHeld"); // the session is restored, the socket not admitted yet
await ctl("emit", { userId: "alice", jobId: "k", from: 6, count: 3 }); // in the gap
await ctl("release");
await waitFor(() => connects === 2, "reconnect");
await ctl("emit", { userId: "alice", jobId: "k", from: 9, count: 1 }); // live again
await waitFor(() => got.some((g) => g.p.progress === 9), "live event after recovery");
await ack(s, "unsubscribe", "flush");
const recovered = s.recovered;
s.close();
done({ recovered, progress: got.map((g) => g.p.progress) });
