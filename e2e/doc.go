// Package e2e holds the end-to-end tests: a real `nitro serve` process, real Redis and
// PostgreSQL, and the real socket.io-client 4.8 from npm driven through agent.mjs.
package e2e
