// Many jobs emit at once: the offsets a socket receives (the last argument of each
// event, which the client resumes from after a drop) must follow the order they arrive in.
import { ctl, done, connect, ack, waitFor, params } from "./lib.mjs";

const s = await connect({ transports: ["websocket"], auth: { token: params.token } });
const offsets = [];
s.on("worker_progress", (_p, offset) => offsets.push(offset));
await ack(s, "subscribe_user_launches", "alice");
await ctl("emitConcurrently", { userId: "alice", emitters: params.emitters, each: params.each });
await waitFor(() => offsets.length >= params.emitters * params.each, "every event");
await ack(s, "unsubscribe", "flush");
s.close();
done({ offsets });
