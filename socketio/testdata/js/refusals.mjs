// Refused handshakes: each case connects with a bad token carried the way the case says
// and reports the connect_error message and whether the client gave up (socket.active).
import { io, done, next, params, url } from "./lib.mjs";

const out = {};
for (const c of params.cases) {
  const opts = { forceNew: true, transports: c.transports, reconnectionDelay: 100 };
  if (c.via === "auth") opts.auth = c.token ? { token: c.token } : {};
  if (c.via === "header") opts.extraHeaders = { Authorization: "Bearer " + c.token };
  if (c.via === "query") opts.query = { token: c.token };
  const s = io(url, opts);
  const r = await Promise.race([
    next(s, "connect_error").then(([e]) => ({ message: e.message, data: e.data ?? null })),
    next(s, "connect").then(() => ({ connected: true })),
  ]);
  r.active = s.active;
  s.close();
  out[c.name] = r;
}
done(out);
