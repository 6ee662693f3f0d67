// lib/socket.ts — one socket per tab whose token is fetched afresh on every
// (re)connect, so an expired token ends in a reconnect with a new one instead of an
// endless connect_error loop. Types come from clients/ts/nitro.ts.
import { io, Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "./nitro";

export type NitroSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let socket: NitroSocket | null = null;

async function freshToken(): Promise<string> {
  const res = await fetch("/api/socket-token", { cache: "no-store" });
  if (!res.ok) throw new Error(`socket token: ${res.status}`);
  return (await res.json()).token as string;
}

export function getSocket(url = process.env.NEXT_PUBLIC_SOCKET_URL ?? "http://localhost:3001"): NitroSocket {
  if (socket) return socket;
  socket = io(url, {
    transports: ["websocket", "polling"],
    // Called before every connection attempt, reconnections included.
    auth: (cb) => {
      freshToken().then((token) => cb({ token }), () => cb({}));
    },
  });
  socket.on("connect_error", (err) => {
    // A refused handshake is not retried by socket.io-client on its own: try again
    // (auth fetches a new token) unless the user is signed out.
    if (err.message.startsWith("unauthorized")) {
      setTimeout(() => socket?.connect(), 1000);
    }
  });
  socket.on("disconnect", (reason) => {
    // "io server disconnect": the server closed the socket (its token expired while
    // connected, say); reconnect by hand, auth brings a fresh token.
    if (reason === "io server disconnect") socket?.connect();
  });
  return socket;
}
