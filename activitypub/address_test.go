package activitypub

import "testing"

func TestAddressing(t *testing.T) {
	const followers = "https://council-a.example/users/olli/followers"
	hanna := "https://mastodon.example/users/hanna"
	kai := "https://gts.example/users/kai"
	tests := []struct {
		name     string
		v        Visibility
		mentions []string
		to, cc   []string
	}{
		{"public", Public, []string{hanna, kai}, []string{PublicIRI}, []string{followers, hanna, kai}},
		{"public, no mentions", Public, nil, []string{PublicIRI}, []string{followers}},
		{"unlisted", Unlisted, []string{hanna}, []string{followers}, []string{PublicIRI, hanna}},
		{"private", FollowersOnly, []string{hanna}, []string{followers}, []string{hanna}},
		{"private, no mentions", FollowersOnly, nil, []string{followers}, nil},
		{"direct", Direct, []string{hanna, kai, hanna}, []string{hanna, kai}, nil},
		{"invalid is direct", Visibility("secret"), []string{hanna}, []string{hanna}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to, cc := Addressing(tt.v, followers, tt.mentions)
			sameValue(t, to, tt.to)
			sameValue(t, cc, tt.cc)
			want := tt.v
			if !want.Valid() {
				want = Direct
			}
			if got := VisibilityOf(to, cc, followers); got != want {
				t.Errorf("VisibilityOf(Addressing(%q)) = %q", tt.v, got)
			}
		})
	}
}

func TestVisibilityOf(t *testing.T) {
	const followers = "https://m.example/users/a/followers"
	tests := []struct {
		name   string
		to, cc []string
		want   Visibility
	}{
		{"public in to", []string{PublicIRI}, []string{followers}, Public},
		{"as:Public in to", []string{"as:Public"}, nil, Public},
		{"Public in to, followers too", []string{followers, "Public"}, nil, Public},
		{"public in cc", []string{followers}, []string{PublicIRI}, Unlisted},
		{"as:Public in cc", nil, []string{"as:Public"}, Unlisted},
		{"followers in to", []string{followers}, nil, FollowersOnly},
		{"followers in cc", []string{"https://b.example/u/b"}, []string{followers}, FollowersOnly},
		{"mentions only", []string{"https://b.example/u/b"}, nil, Direct},
		{"nothing", nil, nil, Direct},
		{"someone else's followers", []string{"https://x.example/u/x/followers"}, nil, Direct},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VisibilityOf(tt.to, tt.cc, followers); got != tt.want {
				t.Errorf("VisibilityOf = %q; want %q", got, tt.want)
			}
		})
	}
	if got := VisibilityOf([]string{followers}, nil, ""); got != Direct {
		t.Errorf("with no followers collection = %q; want direct", got)
	}
}
