package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/copse-dev/copse/activitypub"
	"github.com/copse-dev/copse/federation"
)

// peer is the fake remote server: one actor, whose document and key it
// serves, and an inbox that accepts the member's Follow.
type peer struct {
	srv      *http.Server
	node     *url.URL
	base     string // "http://127.0.0.1:port"
	actorURI string
	acct     string // "name@127.0.0.1:port", as the node knows the actor
	signer   federation.Signer
	actorDoc []byte
	run      string

	acceptOnce sync.Once
	accepted   chan struct{} // closed when the node first accepts a Follow of the peer's actor (community shape)
}

func startPeer(listen string, node *url.URL) (*peer, error) {
	key, err := federation.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	pubPEM, err := federation.EncodePublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen for the peer: %w", err)
	}
	p := &peer{node: node, base: "http://" + l.Addr().String(), run: randomName(), accepted: make(chan struct{})}
	name := "load" + p.run
	p.actorURI = p.base + "/users/" + name
	p.acct = name + "@" + l.Addr().String()
	p.signer = federation.Signer{KeyID: p.actorURI + "#main-key", Key: key}
	p.actorDoc, err = activitypub.MarshalActor(activitypub.Actor{
		ID: p.actorURI, Type: activitypub.TypePerson, PreferredUsername: name, Name: "Load " + p.run,
		URL: p.actorURI, Inbox: p.actorURI + "/inbox", Outbox: p.actorURI + "/outbox",
		Followers: p.actorURI + "/followers", Following: p.actorURI + "/following", SharedInbox: p.base + "/inbox",
		PublicKey: activitypub.PublicKey{ID: p.signer.KeyID, Owner: p.actorURI, PEM: pubPEM}, Discoverable: true,
	})
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("actor document: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{name}", p.serveActor)
	mux.HandleFunc("POST /users/{name}/inbox", p.inbox)
	mux.HandleFunc("POST /inbox", p.inbox)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

func (p *peer) close() { _ = p.srv.Close() }

func (p *peer) serveActor(w http.ResponseWriter, r *http.Request) {
	if p.base+r.URL.Path != p.actorURI {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/activity+json")
	_, _ = w.Write(p.actorDoc)
}

// inbox takes what the node delivers. A Follow of the peer's actor is
// accepted at once (answered with a signed Accept to the node's shared
// inbox); anything else is acknowledged and dropped. Signatures are not
// checked: only the node under test can reach this loopback port, and
// nothing it sends changes what is measured.
func (p *peer) inbox(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, `{"error":"could not read body"}`, http.StatusBadRequest)
		return
	}
	var act struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Actor  string `json:"actor"`
		Object any    `json:"object"`
	}
	if err := json.Unmarshal(body, &act); err != nil {
		http.Error(w, `{"error":"not JSON"}`, http.StatusBadRequest)
		return
	}
	if act.Type == activitypub.TypeAccept {
		p.acceptOnce.Do(func() { close(p.accepted) }) // the community let the peer's actor in
	}
	if act.Type == activitypub.TypeFollow && act.Object == p.actorURI {
		if err := p.accept(r.Context(), act.ID, act.Actor); err != nil {
			http.Error(w, fmt.Sprintf(`{"error":%q}`, err.Error()), http.StatusBadGateway)
			return
		}
	}
	w.WriteHeader(http.StatusAccepted)
}

func (p *peer) accept(ctx context.Context, followID, follower string) error {
	body, err := activitypub.MarshalActivity(activitypub.Activity{
		ID: p.actorURI + "#accepts/" + randomName(), Type: activitypub.TypeAccept, Actor: p.actorURI,
		To: []string{follower},
		Object: activitypub.Object{IRI: followID, Type: activitypub.TypeFollow, Activity: &activitypub.Activity{
			ID: followID, Type: activitypub.TypeFollow, Actor: follower, Object: activitypub.Object{IRI: p.actorURI}}},
	})
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	inbox := p.node.JoinPath("/inbox").String()
	post, err := p.sign(inbox, body)
	if err != nil {
		return err
	}
	return sendOne(ctx, &http.Client{Timeout: 30 * time.Second}, inbox, post)
}

// create builds and signs the i-th activity of a shape, to be POSTed to
// inbox. member is the local member it concerns; parent is the member's
// post a reply answers.
func (p *peer) create(shape string, i int, member activitypub.Actor, parent, inbox string) (signedPost, error) {
	now := time.Now().UTC().Truncate(time.Second)
	noteID := fmt.Sprintf("%s/statuses/%s-%d", p.actorURI, p.run, i)
	note := activitypub.Note{
		ID: noteID, Type: activitypub.TypeNote, AttributedTo: p.actorURI, URL: noteID, Published: now,
		To: []string{activitypub.PublicIRI}, CC: []string{p.actorURI + "/followers"},
	}
	// The same prose a member of a community of practice would write,
	// with the mention markup Mastodon sends.
	text := fmt.Sprintf("Our enquiry desk now answers in two days, not five: the routine is on the shared drive. Note %s-%d.", p.run, i)
	mention := fmt.Sprintf(`<span class="h-card"><a href="%s" class="u-url mention">@<span>%s</span></a></span> `,
		member.URL, member.PreferredUsername)
	switch shape {
	case shapeCommunity:
		// A member's new thread into the community (member is the
		// Group), addressed to it as Lemmy and Mastodon users do.
		note.Content = "<p>" + text + "</p>"
		note.Name = fmt.Sprintf("Thread %s-%d", p.run, i)
		note.To = append(note.To, member.ID)
	case shapeMention, shapeReply:
		note.Content = "<p>" + mention + text + "</p>"
		note.CC = append(note.CC, member.ID)
		note.Tags = []activitypub.Tag{{Type: activitypub.TagMention, Href: member.ID,
			Name: "@" + member.PreferredUsername + "@" + hostOf(member.ID)}}
		if shape == shapeReply {
			note.InReplyTo = parent
		}
	default:
		note.Content = "<p>" + text + "</p>"
	}
	body, err := activitypub.MarshalActivity(activitypub.Activity{
		ID: noteID + "/activity", Type: activitypub.TypeCreate, Actor: p.actorURI,
		To: note.To, CC: note.CC, Published: now,
		Object: activitypub.Object{IRI: noteID, Type: activitypub.TypeNote, Note: &note},
	})
	if err != nil {
		return signedPost{}, fmt.Errorf("activity %d: %w", i, err)
	}
	return p.sign(inbox, body)
}

func (p *peer) sign(inbox string, body []byte) (signedPost, error) {
	req, err := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return signedPost{}, err
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := p.signer.Sign(req, body, time.Now()); err != nil {
		return signedPost{}, fmt.Errorf("sign: %w", err)
	}
	return signedPost{header: req.Header, body: body}, nil
}

func hostOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return u.Host
}

// join has the peer's actor follow the community group and waits until
// the node accepts: the community shape posts as a member.
func (p *peer) join(ctx context.Context, group string) error {
	body, err := activitypub.MarshalActivity(activitypub.Activity{
		ID: p.actorURI + "#follows/" + randomName(), Type: activitypub.TypeFollow, Actor: p.actorURI,
		To: []string{group}, Object: activitypub.Object{IRI: group},
	})
	if err != nil {
		return fmt.Errorf("follow: %w", err)
	}
	inbox := p.node.JoinPath("/inbox").String()
	post, err := p.sign(inbox, body)
	if err != nil {
		return err
	}
	if err := sendOne(ctx, &http.Client{Timeout: 30 * time.Second}, inbox, post); err != nil {
		return fmt.Errorf("follow %s: %w", group, err)
	}
	select {
	case <-p.accepted:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %s to accept: %w", group, ctx.Err())
	}
}
