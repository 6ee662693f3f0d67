// Shared plumbing of the socket.io-client tests: the real client from e2e/node_modules,
// the control channel to the Go test (JSON lines: requests on stdout, replies on stdin),
// and small waiting helpers (polling with a deadline, never fixed sleeps).
import readline from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(process.env.NITRO_NODE_MODULES + "/");
export const { io } = require("socket.io-client");
export const params = JSON.parse(process.env.NITRO_TEST_PARAMS || "{}");
export const url = params.url;

let nextId = 1;
const waiting = new Map();
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const m = JSON.parse(line);
  const w = waiting.get(m.id);
  if (!w) return;
  waiting.delete(m.id);
  if (m.error) w.reject(new Error(m.error));
  else w.resolve(m.result);
});

// ctl asks the Go side to do something (emit, restart, stats...) and waits for its answer.
export function ctl(cmd, args = {}) {
  const id = nextId++;
  process.stdout.write(JSON.stringify({ id, cmd, args }) + "\n");
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

export function done(result) {
  process.stdout.write(JSON.stringify({ done: true, result }) + "\n", () => process.exit(0));
}

export function fail(msg) {
  process.stdout.write(JSON.stringify({ fail: String(msg) }) + "\n", () => process.exit(1));
}

process.on("unhandledRejection", (e) => fail(e && e.stack ? e.stack : e));
process.on("uncaughtException", (e) => fail(e && e.stack ? e.stack : e));

export const log = (...a) => console.error(...a);

// waitFor polls pred every 10 ms until it holds, or throws after ms.
export async function waitFor(pred, what, ms = 8000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timeout waiting for " + what);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// next resolves with the next emission of ev on emitter (args array), or rejects after ms.
export function next(emitter, ev, ms = 8000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout waiting for event " + ev)), ms);
    emitter.once(ev, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

// connect opens a socket with forceNew (one engine per socket) and waits for connect;
// onOpen(engine) runs when the engine opens, before any upgrade.
export async function connect(opts = {}, onOpen = null) {
  const s = io(url, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200, ...opts });
  if (onOpen) s.io.once("open", () => onOpen(s.io.engine));
  const r = await Promise.race([
    next(s, "connect").then(() => null),
    next(s, "connect_error").then(([e]) => e),
  ]);
  if (r) throw new Error("connect_error: " + r.message);
  return s;
}

// ack emits with an ack callback and resolves with the ack's first argument.
export function ack(s, ...args) {
  return s.timeout(5000).emitWithAck(...args);
}

// record collects every event of the given names a socket receives.
export function record(s, names) {
  const got = [];
  for (const n of names) s.on(n, (p) => got.push({ ev: n, p }));
  return got;
}
