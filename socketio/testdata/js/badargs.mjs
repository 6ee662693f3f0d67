// Strangers' arguments: wrong types, oversize, missing, unknown events. Each gets an
// error ack; a packet over maxHttpBufferSize drops that connection only, and the client
// reconnects; a flood is rate limited with error acks; the server keeps serving.
import { done, connect, ack, record, waitFor, next, params } from "./lib.mjs";

const s = await connect({ transports: ["websocket"], auth: { token: params.alice } });
const bystander = await connect({ transports: ["polling"], upgrade: false, auth: { token: params.bob } });
const errs = record(s, ["subscription_error"]);
const sub = "subscribe_user_launches";
const cases = {
  number: [sub, 42],
  object: [sub, { id: "alice" }],
  array: [sub, ["alice"]],
  null: [sub, null],
  missing: [sub],
  empty: [sub, ""],
  tooLong: [sub, "a".repeat(129)],
  tenKB: [sub, "x".repeat(10000)],
  newline: [sub, "alice\n"],
  roomName: [sub, "alice,user_bob"],
  binary: [sub, Buffer.from("alice")],
  twoArgs: [sub, "alice", "extra"],
  unsubNumber: ["unsubscribe", 12],
  unsubLong: ["unsubscribe", "r".repeat(161)],
  unsubOwn: ["unsubscribe", s.id],
  unknown: ["hello", 1, 2, 3],
  unknownObj: ["__proto__", { a: 1 }],
  allWithArgs: ["subscribe_all_launches", "x", 1],
};
const acks = {};
for (const [name, args] of Object.entries(cases)) acks[name] = await ack(s, ...args);
s.emit(sub, 7); // no ack: only subscription_error comes back
await waitFor(() => errs.length >= 1 + Object.keys(cases).length - 6, "subscription errors"); // not: unsub*, unknown*, twoArgs

// One packet over maxHttpBufferSize: the server closes this connection; the client reconnects.
const dropped = next(s, "disconnect");
s.emit(sub, "y".repeat(1 << 20), () => {});
const [reason] = await dropped;
await next(s, "connect");
const afterReconnect = await ack(s, sub, "alice");
const bystanderAck = await ack(bystander, sub, "bob");

// A flood on a fresh socket: every event is answered, the excess with "rate limited".
const f = await connect({ transports: ["websocket"], auth: { token: params.alice } });
const t0 = Date.now();
const flood = await Promise.all(Array.from({ length: 100 }, () => ack(f, "hello")));
const floodMs = Date.now() - t0;
const limited = flood.filter((a) => a.error === "rate limited").length;
for (const x of [s, bystander, f]) x.close();
done({ acks, errors: errs.length, reason, afterReconnect, bystanderAck, flood: flood.length, limited, floodMs });
