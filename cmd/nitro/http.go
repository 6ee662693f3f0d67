package main

import (
	"net/http"
)

// httpHandler mounts every route on one mux: the API, Socket.IO, the built-in
// cluster and the metadata store share the port (CONTRACT §1).
func (a *app) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", a.sockets.Handler())
	for p, h := range a.chain.handlers() {
		mux.Handle(p, h)
	}
	return mux
}
