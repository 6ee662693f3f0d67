// Load client for BenchmarkSocketFanout: many socket.io-client 4.8 connections (each
// with forceNew, so one engine.io connection per socket) that subscribe to their rooms
// and measure the test walk's worker_step events: latency (receive time minus the
// step's data.sentAt, a µs-precision send time), deliveries, per-job order and gaps.
//
// Driven over JSON lines: each request on stdin gets one answer on stdout.
//   {"op":"connect","url":...,"origin":...,"clients":[{"token","userId","admin","both","transports","localAddress","url"}]}
//                                       admin: admin_launches (with both, also user_<userId>);
//                                       transports: socket.io-client's, default websocket only;
//                                       localAddress: the source address; url: another server
//   {"op":"window","from":ms,"to":ms}   measure events sent / received in [from, to)
//   {"op":"count"}                      worker_step events received so far
//   {"op":"terminals"}                  per job, when its first completed/failed
//                                       worker_progress arrived (epoch ms) and which
//   {"op":"summary"}                    the JSON summary (perSocket: each socket's counts, in
//                                       connect order); the sockets are closed
import { io } from "socket.io-client";
import readline from "node:readline";
import http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

const nowMs = () => performance.timeOrigin + performance.now();

// Latency histogram: 10 µs bins below 100 ms, 1 ms bins below 10 s, then overflow.
// Sent as sparse [bin, count] pairs; the Go side merges processes and takes percentiles.
const FINE = 10000, FINE_W = 0.01, COARSE = 9900, COARSE_W = 1;
const bins = new Float64Array(FINE + COARSE + 1);
function addLatency(ms) {
  if (ms < 0) ms = 0;
  const i = ms < 100 ? Math.floor(ms / FINE_W) : Math.min(FINE + Math.floor((ms - 100) / COARSE_W), FINE + COARSE);
  bins[i]++;
}

const st = {
  connected: 0, connectErrors: {}, subscribed: 0, subscribeErrors: 0, disconnects: 0,
  steps: 0, progress: 0, windowDeliveries: 0, windowSteps: 0, latencyN: 0, latencyMax: 0,
  orderViolations: 0, gaps: 0, badPayloads: 0, disconnectReasons: {},
};
const perSocket = [];
let win = null, cpu0 = null, cpuWindow = null, loop = null;
const sockets = [];

function onStep(seen, n, ev) {
  const t = nowMs();
  st.steps++;
  n.steps++;
  const d = ev && ev.data;
  if (!d || typeof d.sentAt !== "number" || typeof ev.jobId !== "string") { st.badPayloads++; return; }
  if (win) {
    if (t >= win.from && t < win.to) { st.windowDeliveries++; st.windowSteps++; }
    if (d.sentAt >= win.from && d.sentAt < win.to) {
      const l = t - d.sentAt;
      addLatency(l); st.latencyN++; if (l > st.latencyMax) st.latencyMax = l;
    }
  }
  checkOrder(seen, ev.jobId, d.phase, d.step, ev.totalSteps);
}

// checkOrder: a job's steps must arrive as (1,1), (1,2) ... (1,total), (2,1) ...
// Anything at or before the last one seen is an order violation (or a duplicate);
// anything after the expected next one is a gap (events lost).
function checkOrder(seen, jobId, phase, step, total) {
  const last = seen.get(jobId);
  const key = phase * 1e6 + step;
  let want = 1e6 + 1;
  if (last) want = last.step < last.total ? last.key + 1 : (last.phase + 1) * 1e6 + 1;
  if (key !== want) {
    if (last && key <= last.key) { st.orderViolations++; return; }
    st.gaps++;
  }
  seen.set(jobId, { key, phase, step, total });
}

// terminals: jobId -> [first arrival of its completed/failed worker_progress, status].
const terminals = new Map();

function onProgress(n, ev) {
  st.progress++;
  n.progress++;
  if (ev && (ev.status === "completed" || ev.status === "failed") && typeof ev.jobId === "string" && !terminals.has(ev.jobId)) {
    terminals.set(ev.jobId, [nowMs(), ev.status]);
  }
  if (win) { const t = nowMs(); if (t >= win.from && t < win.to) st.windowDeliveries++; }
}

function connectOne(url, origin, c) {
  return new Promise((resolve) => {
    const s = io(url, {
      transports: c.transports || ["websocket"], forceNew: true, reconnection: false, timeout: 30000,
      auth: { token: c.token }, extraHeaders: { Origin: origin },
      // A source address of its own (behind nginx's ip_hash): websocket reads
      // localAddress, polling only an http.Agent.
      ...(c.localAddress ? { localAddress: c.localAddress, agent: new http.Agent({ keepAlive: true, localAddress: c.localAddress }) } : {}),
    });
    const seen = new Map();
    const n = { steps: 0, progress: 0, disconnect: null };
    perSocket.push(n);
    s.on("worker_step", (ev) => onStep(seen, n, ev));
    s.on("worker_progress", (ev) => onProgress(n, ev));
    s.on("disconnect", (reason) => {
      st.disconnects++;
      st.disconnectReasons[reason] = (st.disconnectReasons[reason] || 0) + 1;
      n.disconnect = reason;
    });
    s.once("connect", async () => {
      st.connected++;
      const subs = c.admin ? [["subscribe_all_launches"]] : [["subscribe_user_launches", c.userId]];
      if (c.admin && c.both) subs.push(["subscribe_user_launches", c.userId]);
      let ok = true;
      for (const sub of subs) {
        try {
          const reply = await s.timeout(10000).emitWithAck(...sub);
          ok = ok && reply && reply.ok;
        } catch { ok = false; }
      }
      if (ok) st.subscribed++; else st.subscribeErrors++;
      resolve();
    });
    s.once("connect_error", (e) => {
      st.connectErrors[e.message] = (st.connectErrors[e.message] || 0) + 1;
      resolve();
    });
    sockets.push(s);
  });
}

const ops = {
  async connect(req) {
    const t0 = nowMs();
    for (let i = 0; i < req.clients.length; i += 50) {
      await Promise.all(req.clients.slice(i, i + 50).map((c) => connectOne(c.url || req.url, req.origin, c)));
    }
    return { connected: st.connected, subscribed: st.subscribed, subscribeErrors: st.subscribeErrors,
      connectErrors: st.connectErrors, connectMs: Math.round(nowMs() - t0) };
  },
  window(req) {
    win = { from: req.from, to: req.to };
    // CPU of this process over the window: started when the window opens.
    const wait = Math.max(0, win.from - nowMs());
    setTimeout(() => {
      cpu0 = process.cpuUsage();
      loop = monitorEventLoopDelay({ resolution: 10 }); loop.enable();
      setTimeout(() => { cpuWindow = process.cpuUsage(cpu0); loop.disable(); }, win.to - win.from);
    }, wait);
    return {};
  },
  count() { return { steps: st.steps, progress: st.progress }; },
  terminals() { return { terminals: Object.fromEntries(terminals) }; },
  summary() {
    const hist = [];
    for (let i = 0; i < bins.length; i++) if (bins[i]) hist.push([i, bins[i]]);
    const cpuS = cpuWindow ? (cpuWindow.user + cpuWindow.system) / 1e6 : null;
    const out = { ...st, hist, clientCpuS: cpuS, perSocket,
      loopDelayP99Ms: loop ? loop.percentile(99) / 1e6 : null, loopDelayMaxMs: loop ? loop.max / 1e6 : null };
    for (const s of sockets) s.close();
    return out;
  },
};

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const req = JSON.parse(line);
  let ans;
  try { ans = { ok: true, ...(await ops[req.op](req)) }; } catch (e) { ans = { ok: false, error: String(e) }; }
  // stdout is a pipe, so writes are asynchronous: never exit before they are flushed.
  process.stdout.write(JSON.stringify(ans) + "\n");
});
rl.on("close", () => process.stdout.write("", () => process.exit(0)));
