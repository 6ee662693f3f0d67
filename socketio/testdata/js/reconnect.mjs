// Server restart with the seed's client options: the client reconnects by itself and
// re-subscribes in on("connect"), as the guide's pages do; events flow again.
import { io, ctl, done, waitFor, record, params, url } from "./lib.mjs";

const s = io(url, {
  transports: ["websocket", "polling"], timeout: 20000, reconnection: true, reconnectionAttempts: 5,
  reconnectionDelay: 1000, forceNew: true, upgrade: true, auth: { token: params.token },
});
const subAcks = [];
const reasons = [];
let connects = 0;
s.on("connect", () => {
  connects++;
  s.emit("subscribe_user_launches", "alice", (a) => subAcks.push(a));
});
s.on("disconnect", (r) => reasons.push(r));
const got = record(s, ["worker_progress"]);
await waitFor(() => subAcks.length === 1, "first subscribe");
await ctl("emit", { userId: "alice", jobId: "r1", from: 1, count: 2 });
await waitFor(() => got.length === 2, "events before restart");
await ctl("restart");
await waitFor(() => subAcks.length === 2, "re-subscribe after restart", 15000);
await ctl("emit", { userId: "alice", jobId: "r1", from: 3, count: 2 });
await waitFor(() => got.filter((g) => g.p.jobId === "r1").length === 4, "events after restart");
const recovered = s.recovered;
s.close();
done({ connects, reasons, subAcks, recovered, progress: got.filter((g) => g.p.jobId === "r1").map((g) => g.p.progress) });
