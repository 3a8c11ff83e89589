// Package auth is how people and apps sign in to a copse node: the
// OAuth 2 server the Mastodon apps use (authorization, sign-in and consent
// pages, token and revocation endpoints), and the browser session that
// server-rendered pages share, with web sign-in and sign-out, and the
// member's settings pages (authorised apps, password). Its pages are
// rendered in the site layout of web/pages (pages.Layout).
//
// It reads through a storage.Reader and writes only through the engine
// (sign-in, sessions, codes and tokens are engine commands). It knows
// nothing of the client API, which builds on it for scopes and limits.
package auth
