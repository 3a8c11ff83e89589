package pages

import (
	"errors"
	"net/http"

	"github.com/copse-dev/copse/web/httperr"
)

// errorView is an error page's heading and what it tells the person.
type errorView struct {
	Heading string
	Lines   []string
}

// Error answers err for any page path: a browser gets an error page in
// the layout, with the status code httperr gives err; a client that asks
// for JSON or ActivityPub, or calls the client API, gets httperr's JSON
// {"error": "..."} as before.
func (h *Handler) Error(w http.ResponseWriter, r *http.Request, err error) {
	if !httperr.WantsHTML(r) {
		w.Header().Set("Vary", "Accept")
		httperr.Write(w, r, h.log, err)
		return
	}
	code, msg := httperr.Classify(err)
	httperr.Log(h.log, r, code, err)
	var own *httperr.Error
	v := h.view("")
	v.NoIndex = true
	v.Error = errorPage(code, msg, errors.As(err, &own))
	v.Title = v.Error.Heading
	if rerr := h.render(w, r, code, "error", &v); rerr != nil {
		// The error page itself failed: say so plainly, and log why.
		h.log.ErrorContext(r.Context(), "render error page", "err", rerr)
		http.Error(w, "Sorry, there is a problem with the service. Try again later.", http.StatusInternalServerError)
	}
}

// NotFound is the page for an address nothing answers.
func (h *Handler) NotFound(w http.ResponseWriter, r *http.Request) {
	h.Error(w, r, httperr.New(http.StatusNotFound, "Not found"))
}

// MethodNotAllowed is the page for an address that does not take the
// request's method.
func (h *Handler) MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	h.Error(w, r, httperr.New(http.StatusMethodNotAllowed, "Method not allowed"))
}

// errorPage says what went wrong in words a person can act on, after
// GOV.UK's error pages. msg is shown only where it is written for people
// (own says it came from httperr.New with such a message); internal
// errors never show theirs.
func errorPage(code int, msg string, own bool) *errorView {
	switch {
	case code == http.StatusNotFound:
		return &errorView{Heading: "Page not found", Lines: []string{
			"If you typed the web address, check it is correct.",
			"If you pasted the web address, check you copied the entire address.",
			"If the address is right, the page may have been deleted or made private."}}
	case code == http.StatusGone:
		line := "It has been removed from this node."
		if own {
			line = msg + "."
		}
		return &errorView{Heading: "This page has gone", Lines: []string{line}}
	case code == http.StatusForbidden:
		return &errorView{Heading: "You cannot see this page", Lines: []string{
			"You do not have permission to see this page.",
			"If you think you should, contact the node's administrators."}}
	case code == http.StatusMethodNotAllowed:
		return &errorView{Heading: "This page cannot be used like that", Lines: []string{
			"The address is right, but it does not take the kind of request your browser sent.",
			"If you followed a link or a form on this site, go back and try again."}}
	case code == http.StatusTooManyRequests:
		return &errorView{Heading: "You have sent too many requests", Lines: []string{
			"Wait a few minutes, then try again. Nothing you sent in the last request was saved."}}
	case code >= 500:
		return &errorView{Heading: "Sorry, there is a problem with the service", Lines: []string{
			"Try again later."}}
	}
	return &errorView{Heading: "There is a problem with this request", Lines: []string{msg}}
}
