package activitypub

import (
	"testing"
	"time"
)

// TestProposalWire: each kind of proposal is emitted as its golden file
// (the wire a Group's node reads) and read back as it was sent; an
// activity that is no proposal of the kind asked is not read as one.
func TestProposalWire(t *testing.T) {
	const (
		actor = "https://council-b.example/users/bea"
		group = "https://council-a.example/c/wards"
		id    = "https://council-b.example/users/bea/activities/7"
	)
	published := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	start, end := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 11, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	list := func(s ...string) *[]string { return &s }
	capacity := 12
	tests := []struct {
		name    string
		marshal func() ([]byte, error)
		read    func([]byte) (any, bool)
		want    any
	}{
		{"artefact_create", func() ([]byte, error) {
			return MarshalArtefactProposal(id, actor, published, ArtefactProposal{Type: TypeCreate, Audience: group, Name: str("Handover"),
				Summary: str("At shift change"), Source: str("Check the **chart**."), Tags: list("handover"), Licence: str("CC-BY-4.0"),
				Organisation: str("Royal Devon"), EditPolicy: str("authors"), ChangeNote: "first",
				Authors: []string{"https://council-a.example/users/ann", "javascript:alert(1)"}})
		}, func(b []byte) (any, bool) { return ArtefactProposalOf(b) },
			ArtefactProposal{Type: TypeCreate, AttributedTo: actor, Audience: group, Name: str("Handover"), Summary: str("At shift change"),
				Source: str("Check the **chart**."), Tags: list("#handover"), Licence: str("CC-BY-4.0"), Organisation: str("Royal Devon"),
				EditPolicy: str("authors"), ChangeNote: "first", Authors: []string{"https://council-a.example/users/ann"}}},
		{"artefact_update", func() ([]byte, error) {
			return MarshalArtefactProposal(id, actor, published, ArtefactProposal{Type: TypeUpdate, ID: "https://council-a.example/artefacts/3",
				Audience: group, BaseVersion: 2, Name: str("Handover checklist"), ChangeNote: "title"})
		}, func(b []byte) (any, bool) { return ArtefactProposalOf(b) },
			ArtefactProposal{Type: TypeUpdate, ID: "https://council-a.example/artefacts/3", AttributedTo: actor, Audience: group,
				BaseVersion: 2, Name: str("Handover checklist"), ChangeNote: "title"}},
		{"artefact_update_files", func() ([]byte, error) {
			return MarshalArtefactProposal(id, actor, published, ArtefactProposal{Type: TypeUpdate, ID: "https://council-a.example/artefacts/3",
				Audience: group, BaseVersion: 2, ChangeNote: "chart added", RemoveFiles: []string{"old chart.pdf"}, Files: []ArtefactDocument{{
					URL: "https://council-b.example/proposal-files/0123456789abcdef0123456789abcdef", MediaType: "application/pdf",
					Name: "chart.pdf", Size: 2048, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}})
		}, func(b []byte) (any, bool) { return ArtefactProposalOf(b) },
			ArtefactProposal{Type: TypeUpdate, ID: "https://council-a.example/artefacts/3", AttributedTo: actor, Audience: group,
				BaseVersion: 2, ChangeNote: "chart added", RemoveFiles: []string{"old chart.pdf"}, Files: []ArtefactDocument{{
					URL: "https://council-b.example/proposal-files/0123456789abcdef0123456789abcdef", MediaType: "application/pdf",
					Name: "chart.pdf", Size: 2048, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}}},
		{"term_create", func() ([]byte, error) {
			return MarshalTermProposal(id, actor, published, TermProposal{Type: TypeCreate, Audience: group, Name: str("Triage"),
				Definition: str("Sorting by **urgency**."), Aliases: list("sorting"), Related: list("Handover"),
				ReferenceURL: str("https://www.nhs.uk/"), ReferenceText: str("NHS"), ChangeNote: "new"})
		}, func(b []byte) (any, bool) { return TermProposalOf(b) },
			TermProposal{Type: TypeCreate, AttributedTo: actor, Audience: group, Name: str("Triage"), Definition: str("Sorting by **urgency**."),
				Aliases: list("sorting"), Related: list("Handover"), ReferenceURL: str("https://www.nhs.uk/"), ReferenceText: str("NHS"),
				ChangeNote: "new"}},
		{"term_update", func() ([]byte, error) {
			return MarshalTermProposal(id, actor, published, TermProposal{Type: TypeUpdate, ID: "https://council-a.example/terms/5",
				Audience: group, BaseVersion: 1, Definition: str("Sorting by need.")})
		}, func(b []byte) (any, bool) { return TermProposalOf(b) },
			TermProposal{Type: TypeUpdate, ID: "https://council-a.example/terms/5", AttributedTo: actor, Audience: group, BaseVersion: 1,
				Definition: str("Sorting by need.")}},
		{"event_create", func() ([]byte, error) {
			return MarshalEventProposal(id, actor, published, EventProposal{Type: TypeCreate, Audience: group, Name: str("Workshop"),
				Description: str("Bring a *chart*."), Start: &start, End: &end, TimeZone: str("Europe/London"), Location: true,
				PlaceName: "Ward 7", PlaceAddress: "Royal Devon", Capacity: &capacity})
		}, func(b []byte) (any, bool) { return EventProposalOf(b) },
			EventProposal{Type: TypeCreate, AttributedTo: actor, Audience: group, Name: str("Workshop"), Description: str("Bring a *chart*."),
				Start: &start, End: &end, TimeZone: str("Europe/London"), Location: true, PlaceName: "Ward 7", PlaceAddress: "Royal Devon",
				Capacity: &capacity}},
		{"event_update", func() ([]byte, error) {
			return MarshalEventProposal(id, actor, published, EventProposal{Type: TypeUpdate, ID: "https://council-a.example/events/9",
				Audience: group, Location: true, OnlineURL: "https://meet.example/w"})
		}, func(b []byte) (any, bool) { return EventProposalOf(b) },
			EventProposal{Type: TypeUpdate, ID: "https://council-a.example/events/9", AttributedTo: actor, Audience: group, Location: true,
				OnlineURL: "https://meet.example/w"}},
		{"event_cancel", func() ([]byte, error) {
			return MarshalEventProposal(id, actor, published, EventProposal{Type: TypeUpdate, ID: "https://council-a.example/events/9",
				Audience: group, Cancelled: true})
		}, func(b []byte) (any, bool) { return EventProposalOf(b) },
			EventProposal{Type: TypeUpdate, ID: "https://council-a.example/events/9", AttributedTo: actor, Audience: group, Cancelled: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.marshal()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "proposal_"+tt.name, b)
			got, ok := tt.read(b)
			if !ok {
				t.Fatalf("not read back as a proposal: %s", b)
			}
			sameValue(t, got, tt.want)
			// Each kind is read only by its own reader.
			kinds := 0
			if _, ok := ArtefactProposalOf(b); ok {
				kinds++
			}
			if _, ok := TermProposalOf(b); ok {
				kinds++
			}
			if _, ok := EventProposalOf(b); ok {
				kinds++
			}
			if kinds != 1 {
				t.Errorf("read as %d kinds of proposal; want 1", kinds)
			}
		})
	}
}
