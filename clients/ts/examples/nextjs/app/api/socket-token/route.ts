// app/api/socket-token/route.ts — mints the Socket.IO token from the app's session.
//
// The browser never sees NITRO_JWT_SECRET: it asks this route for a short-lived token
// (sub = the signed-in user, role "admin" for admins) and hands it to the socket's
// `auth`. Needs `next-auth` and `jose` in the app; NITRO_JWT_SECRET is the runtime's.
import { NextResponse } from "next/server";
import { getServerSession } from "next-auth";
import { SignJWT } from "jose";
import { authOptions } from "@/lib/auth"; // the app's NextAuth options

const secret = new TextEncoder().encode(process.env.NITRO_JWT_SECRET);

export async function GET() {
  const session = await getServerSession(authOptions);
  const userId = session?.user?.id as string | undefined;
  if (!userId) {
    return NextResponse.json({ error: "not signed in" }, { status: 401 });
  }
  const claims: Record<string, string> = {};
  if ((session?.user as { role?: string } | undefined)?.role === "admin") {
    claims.role = "admin";
  }
  // Exactly sub, role and exp (plus iat): the runtime refuses claims it does not know.
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(secret);
  return NextResponse.json({ token }, { headers: { "Cache-Control": "no-store" } });
}
