// Package web holds copse's HTTP faces, all behind one chi router built in
// web/node: the client API (web/api), the ActivityPub endpoints (web/ap),
// discovery (web/wellknown) and server-rendered pages (web/pages).
//
// Handlers are thin: they decode and bound the request, authenticate, call
// the federation engine to change anything, read through storage, and
// encode the reply. Errors reach the client through web/httperr.
package web
