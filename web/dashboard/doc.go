// Package dashboard is the node's moderation dashboard at /admin: the
// report queue, accounts, registrations and invitations, domain policy,
// the audit log and federation health, as plain server-rendered pages
// that work without JavaScript. Who may open each page and send each form
// is decided by the engine's one rule (federation.Engine.Authorize with
// the Actions of federation/permissions.go); the engine checks again when
// it acts. The dashboard only reads storage: every change goes through
// the engine.
//
// It must not write to storage (it holds a storage.Reader), decide a
// permission itself (it asks the engine), or federate: the engine does.
package dashboard
