// Room isolation: alice and bob see only their own events; an admin in admin_launches
// sees everyone's; an admin in both admin_launches and user_alice gets each event once.
import { ctl, done, connect, ack, record, waitFor, params } from "./lib.mjs";

const names = ["worker_progress", "subscription_error"];
const mk = async (token) => {
  const s = await connect({ transports: ["websocket"], auth: { token } });
  return { s, got: record(s, names) };
};
const alice = await mk(params.alice);
const bob = await mk(params.bob);
const both = await mk(params.admin);
const admin = await mk(params.admin);

alice.s.emit("subscribe_user_launches", "bob"); // no ack: the refusal still comes as subscription_error
const acks = {
  alice: await ack(alice.s, "subscribe_user_launches", "alice"),
  aliceAsBob: await ack(alice.s, "subscribe_user_launches", "bob"),
  aliceAll: await ack(alice.s, "subscribe_all_launches"),
  bob: await ack(bob.s, "subscribe_user_launches", "bob"),
  bothUser: await ack(both.s, "subscribe_user_launches", "alice"),
  bothAll: await ack(both.s, "subscribe_all_launches"),
  admin: await ack(admin.s, "subscribe_all_launches"),
};

await ctl("emit", { userId: "alice", jobId: "a1", from: 1, count: 3 });
await ctl("emit", { userId: "bob", jobId: "b1", from: 1, count: 2 });
await ctl("emit", { userId: "carol", jobId: "c1", from: 1, count: 1 });
await waitFor(() => both.got.length >= 6 && admin.got.length >= 6, "admin events");
const all = [alice, bob, both, admin];
for (const c of all) await ack(c.s, "unsubscribe", "flush"); // later acks follow earlier events
const summary = (c) => c.got.map((g) => g.ev === "worker_progress" ? `${g.p.jobId}/${g.p.progress}` : `err:${g.p.event}:${g.p.error}`);
const stats = await ctl("stats");
for (const c of all) c.s.close();
done({ acks, alice: summary(alice), bob: summary(bob), both: summary(both), admin: summary(admin), stats });
