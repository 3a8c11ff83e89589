package pages

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestUploadPaths: the forms whose bodies may be larger than a text
// form's (web/node applies the limits): the library's, and the thread
// and reply forms, which may carry an image.
func TestUploadPaths(t *testing.T) {
	tests := []struct {
		method, path   string
		artefact, post bool
	}{
		{http.MethodPost, "/c/libraries/library/new", true, false},
		{http.MethodPost, "/c/libraries/artefacts/123/edit", true, false},
		{http.MethodGet, "/c/libraries/library/new", false, false},
		{http.MethodPost, "/c/libraries/artefacts/123/restore", false, false},
		{http.MethodPost, "/c/libraries/glossary/new", false, false},
		{http.MethodPost, "/c//library/new", false, false},
		{http.MethodPost, "/c/libraries/artefacts//edit", false, false},
		{http.MethodPost, "/c/libraries/library/new/more", false, false},
		{http.MethodPost, "/api/copse/v1/artefacts/1/files", false, false},
		{http.MethodPost, "/c/libraries/threads/new", false, true},
		{http.MethodPost, "/c/tools@lemmy.example/threads/123/reply", false, true},
		{http.MethodGet, "/c/libraries/threads/new", false, false},
		{http.MethodPost, "/c//threads/new", false, false},
		{http.MethodPost, "/c/libraries/threads//reply", false, false},
		{http.MethodPost, "/c/libraries/posts/123/edit", false, true},
		{http.MethodPost, "/c/libraries/posts/123/delete", false, false},
		{http.MethodPost, "/c/libraries/threads/123/reply/more", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if got := IsArtefactUpload(tt.method, tt.path); got != tt.artefact {
				t.Errorf("IsArtefactUpload = %v; want %v", got, tt.artefact)
			}
			if got := IsPostUpload(tt.method, tt.path); got != tt.post {
				t.Errorf("IsPostUpload = %v; want %v", got, tt.post)
			}
		})
	}
}

func TestReadEventDates(t *testing.T) {
	tests := []struct {
		name                 string
		date, clock          string
		want                 string // RFC 3339 in Europe/London; "" for a problem
		dateField, timeField bool   // which fields are reported
	}{
		{"day/month/year and 24-hour clock", "14/3/2027", "14:30", "2027-03-14T14:30:00Z", false, false},
		{"spaces and a dot", "14 3 2027", "14.30", "2027-03-14T14:30:00Z", false, false},
		{"ISO date, pm", "2027-07-01", "2:30pm", "2027-07-01T14:30:00+01:00", false, false},
		{"an hour alone", "1/7/2027", "9am", "2027-07-01T09:00:00+01:00", false, false},
		{"no such day", "31/2/2027", "10:00", "", true, false},
		{"no such time", "1/2/2027", "25:00", "", false, true},
		{"both missing", "", "", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f formView
			ne, ok := readEvent(&f, eventFields{Name: "x", StartDate: tt.date, StartTime: tt.clock, EndTime: "23:59", TimeZone: "Europe/London"})
			if tt.want == "" {
				if ok {
					t.Fatalf("read %v; want a problem", ne.Start)
				}
				_, dateErr := f.FieldError["start_date"]
				_, timeErr := f.FieldError["start_time"]
				if dateErr != tt.dateField || timeErr != tt.timeField {
					t.Errorf("problems %v; want date %v, time %v", f.FieldError, tt.dateField, tt.timeField)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339, tt.want)
			if !ok || !ne.Start.Equal(want) {
				t.Errorf("read %v (%v); want %v", ne.Start, f.FieldError, want)
			}
		})
	}
}

func TestSplitTags(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"#hours, libraries", []string{"hours", "libraries"}},
		{"a b\nc", []string{"a", "b", "c"}},
		{" , ", []string{}},
	}
	for _, tt := range tests {
		if got := splitTags(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitTags(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
