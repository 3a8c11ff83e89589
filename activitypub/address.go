package activitypub

// Addressing returns the to and cc of a post of visibility v, exactly as
// Mastodon addresses them:
//
//	public:   to [Public]      cc [followers, mentions...]
//	unlisted: to [followers]   cc [Public, mentions...]
//	private:  to [followers]   cc [mentions...]
//	direct:   to [mentions...]
//
// Mentions are deduplicated and kept in order. An invalid v is treated as
// direct, the narrowest audience. An empty followers is left out.
func Addressing(v Visibility, followers string, mentions []string) (to, cc []string) {
	var ms []string
	seen := map[string]bool{}
	for _, m := range mentions {
		if m != "" && !seen[m] {
			seen[m] = true
			ms = append(ms, m)
		}
	}
	var f []string
	if followers != "" {
		f = []string{followers}
	}
	switch v {
	case Public:
		return []string{PublicIRI}, append(f, ms...)
	case Unlisted:
		return f, append([]string{PublicIRI}, ms...)
	case FollowersOnly:
		return f, ms
	default:
		return ms, nil
	}
}

// VisibilityOf is the inverse of Addressing: Public in to means public,
// Public in cc unlisted, followers in to or cc private, and anything else
// direct. Public may be written in full, as "as:Public" or as "Public".
func VisibilityOf(to, cc []string, followers string) Visibility {
	switch {
	case containsPublic(to):
		return Public
	case containsPublic(cc):
		return Unlisted
	case followers != "" && (contains(to, followers) || contains(cc, followers)):
		return FollowersOnly
	}
	return Direct
}

// IsPublic reports whether iri names the Public collection.
func IsPublic(iri string) bool {
	return iri == PublicIRI || iri == "as:Public" || iri == "Public"
}

func containsPublic(iris []string) bool {
	for _, s := range iris {
		if IsPublic(s) {
			return true
		}
	}
	return false
}

func contains(iris []string, s string) bool {
	for _, x := range iris {
		if x == s {
			return true
		}
	}
	return false
}
