// A socket.io-client 4.8 agent driven by the Go end-to-end tests over JSON lines:
// each request on stdin names an operation on a named client; each answer on stdout
// carries the request's id. The real client library does all the talking to nitro.
import { io } from "socket.io-client";
import readline from "node:readline";
import http from "node:http";

const clients = new Map(); // name -> { socket, events: [], waiters: [] }

function reply(id, body) {
  process.stdout.write(JSON.stringify({ id, ...body }) + "\n");
}

function record(c, event, args) {
  // Listeners get the payload first; with connection-state recovery the server appends
  // the packet's offset (a string) as a last argument, which the seed's handlers ignore.
  const payload = args[0];
  c.events.push({ event, payload, at: Date.now() });
  c.waiters = c.waiters.filter((w) => !w.check());
}

function matches(ev, m) {
  if (m.event && ev.event !== m.event) return false;
  if (m.field && (ev.payload == null || ev.payload[m.field] !== m.equals)) return false;
  return true;
}

const ops = {
  connect(req) {
    return new Promise((resolve) => {
      const opts = { forceNew: true, reconnection: false, timeout: 5000, ...req.opts };
      // localAddress picks the client's source address: the websocket transport reads
      // it, the polling transport only through an http.Agent.
      if (opts.localAddress) opts.agent = new http.Agent({ keepAlive: true, localAddress: opts.localAddress });
      const socket = io(req.url, opts);
      const c = { socket, events: [], waiters: [] };
      clients.set(req.name, c);
      socket.onAny((event, ...args) => record(c, event, args));
      socket.on("disconnect", (reason) => record(c, "disconnect", [reason]));
      socket.on("connect", () => record(c, "connect", [{ recovered: socket.recovered }]));
      socket.io.on("reconnect", () => record(c, "reconnect", [{}]));
      socket.once("connect", () =>
        resolve({ ok: true, socketId: socket.id, transport: socket.io.engine.transport.name }));
      socket.once("connect_error", (err) => resolve({ ok: false, error: err.message, data: err.data ?? null }));
    });
  },
  emit(req) {
    const c = clients.get(req.name);
    if (!req.ack) {
      c.socket.emit(req.event, ...(req.args ?? []));
      return { ok: true };
    }
    return c.socket.timeout(req.timeoutMs ?? 5000).emitWithAck(req.event, ...(req.args ?? []))
      .then((ack) => ({ ok: true, ack: [ack] }))
      .catch((err) => ({ ok: false, error: err.message }));
  },
  wait(req) {
    const c = clients.get(req.name);
    const count = req.count ?? 1;
    return new Promise((resolve) => {
      const w = {
        check: () => {
          const got = c.events.filter((e) => matches(e, req.match ?? {}));
          if (got.length >= count) { clearTimeout(w.timer); resolve({ ok: true, events: got }); return true; }
          return false;
        },
      };
      if (w.check()) return;
      w.timer = setTimeout(() => {
        c.waiters = c.waiters.filter((x) => x !== w);
        resolve({ ok: false, error: "timeout", events: c.events.filter((e) => matches(e, req.match ?? {})) });
      }, req.timeoutMs ?? 10000);
      c.waiters.push(w);
    });
  },
  events(req) {
    const c = clients.get(req.name);
    const events = c.events;
    if (req.clear) c.events = [];
    return { ok: true, events };
  },
  state(req) {
    const s = clients.get(req.name).socket;
    return { ok: true, connected: s.connected, recovered: s.recovered, socketId: s.id ?? "",
      transport: s.io.engine ? s.io.engine.transport.name : "" };
  },
  dropTransport(req) {
    // Simulates a network drop: the engine closes, the manager reconnects by itself.
    clients.get(req.name).socket.io.engine.close();
    return { ok: true };
  },
  reconnect(req) {
    const s = clients.get(req.name).socket;
    s.connect();
    return { ok: true };
  },
  disconnect(req) {
    const c = clients.get(req.name);
    c.socket.disconnect();
    clients.delete(req.name);
    return { ok: true };
  },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  let req;
  try { req = JSON.parse(line); } catch { return; }
  try {
    const op = ops[req.op];
    if (!op) return reply(req.id, { ok: false, error: `unknown op ${req.op}` });
    if (req.name && req.op !== "connect" && !clients.has(req.name)) {
      return reply(req.id, { ok: false, error: `no client ${req.name}` });
    }
    reply(req.id, await op(req));
  } catch (err) {
    reply(req.id, { ok: false, error: String(err && err.message || err) });
  }
});
rl.on("close", () => { for (const c of clients.values()) c.socket.disconnect(); process.exit(0); });
