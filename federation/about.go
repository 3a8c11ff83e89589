package federation

import (
	"cmp"
	"strings"
)

// DefaultDescription is what a node says of itself when its operator has
// not described it.
const DefaultDescription = "A copse node: a federated home for communities of practice in public services."

// About is what a node tells people about itself, set in its
// configuration. The web pages (home, about) and the client API
// (/api/v1/instance) read it from the engine, so both say the same.
type About struct {
	// Name is the node's name for people; the host name when empty.
	Name string
	// Description says what the node is.
	Description string
	// Contact is the email address people write to about the node.
	Contact string
	// Rules are the node's rules, in order.
	Rules []string
	// PrivacyNotice and AccessibilityStatement are plain text, paragraphs
	// separated by blank lines: what a public body must publish about
	// the personal data it keeps and the accessibility of its service.
	PrivacyNotice          string
	AccessibilityStatement string
}

// withDefaults fills what the operator left empty and trims the rest.
func (a About) withDefaults(host string) About {
	a.Name = cmp.Or(strings.TrimSpace(a.Name), host)
	a.Description = cmp.Or(strings.TrimSpace(a.Description), DefaultDescription)
	a.Contact = strings.TrimSpace(a.Contact)
	a.PrivacyNotice = strings.TrimSpace(a.PrivacyNotice)
	a.AccessibilityStatement = strings.TrimSpace(a.AccessibilityStatement)
	rules := make([]string, 0, len(a.Rules))
	for _, r := range a.Rules {
		if r = strings.TrimSpace(r); r != "" {
			rules = append(rules, r)
		}
	}
	a.Rules = rules
	return a
}

// About returns what the node tells people about itself.
func (e *Engine) About() About { return e.about }
