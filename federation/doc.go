// Package federation is the engine: every change, local or remote, is an
// activity applied here, once, inside one storage transaction.
//
// A local member's action (through the client API or the CLI) and a remote
// node's activity (through the inbox) both end in the engine, which checks
// policy, stores the result, fans it out to home feeds and notifications,
// and queues one delivery job per remote inbox in the same transaction.
// Workers started by Run apply received activities and send deliveries,
// signing each request when it is sent and retrying with back-off.
//
// It also owns HTTP signatures and keys, remote resolution (WebFinger,
// dereferencing) and the guard that keeps outgoing requests off private
// addresses. Its pure parts live in packages of their own: the image
// codec of uploads in federation/imaging.
package federation
