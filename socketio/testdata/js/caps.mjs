// Socket caps: a user past SocketsPerUser is refused with connect_error (code
// TOO_MANY_SOCKETS, the client gives up), other users are not; a socket past
// SubscriptionsPerSocket gets an error ack and subscription_error. Sockets closed in
// every way (disconnect(), the engine closed, the TCP connection destroyed) give their
// place back: the Go side confirms the count before the next connects.
import { io, ctl, done, connect, ack, next, record, url, params } from "./lib.mjs";

// No reconnection: a socket closed under the client must stay closed, not come back.
const tok = { auth: { token: params.alice }, transports: ["websocket"], reconnection: false };
const refusal = async (opts) => {
  const s = io(url, { forceNew: true, reconnectionDelay: 100, ...opts });
  const r = await Promise.race([
    next(s, "connect_error").then(([e]) => ({ message: e.message, data: e.data ?? null })),
    next(s, "connect").then(() => ({ connected: true })),
  ]);
  r.active = s.active;
  s.close();
  return r;
};

const alice = [];
for (let i = 0; i < params.cap; i++) alice.push(await connect(tok));
const overCap = await refusal(tok);
const bob = await connect({ auth: { token: params.bob }, transports: ["websocket"] });

// Subscriptions: the admin may watch any room, up to the cap (1 in this test).
const admin = await connect({ auth: { token: params.admin }, transports: ["websocket"] });
const errs = record(admin, ["subscription_error"]);
const subs = {
  all: await ack(admin, "subscribe_all_launches"),
  again: await ack(admin, "subscribe_all_launches"), // a repeat is not a new subscription
  user: await ack(admin, "subscribe_user_launches", "carol"),
  leave: await ack(admin, "unsubscribe", "admin_launches"),
  userAfterLeave: await ack(admin, "subscribe_user_launches", "carol"),
};

// Give places back three ways, each confirmed on the server before the next connect.
alice[0].disconnect();
await ctl("waitUserSockets", { user: "alice", n: params.cap - 1 });
alice[0] = await connect(tok);
alice[1].io.engine.close();
await ctl("waitUserSockets", { user: "alice", n: params.cap - 1 });
alice[1] = await connect(tok);
alice[2].io.engine.transport.ws._socket.destroy(); // no close frame: an abrupt transport close
await ctl("waitUserSockets", { user: "alice", n: params.cap - 1 });
alice[2] = await connect(tok);
const stillCapped = await refusal(tok);

for (const s of [...alice, bob, admin]) s.close();
await ctl("waitUserSockets", { user: "alice", n: 0 });
const again = [];
for (let i = 0; i < params.cap; i++) again.push(await connect(tok));
for (const s of again) s.close();
done({ overCap, stillCapped, subs, errors: errs.map((e) => e.p), stats: await ctl("stats") });
