package api

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

func TestMediaAttributesOf(t *testing.T) {
	t.Parallel()
	desc := func(s string) *string { return &s }
	tests := []struct {
		name    string
		form    url.Values
		want    map[storage.ID]federation.MediaEdit
		wantErr bool
	}{
		{"none", url.Values{"status": {"hi"}}, nil, false},
		{"indexed, as JSON bodies flatten", url.Values{
			"media_attributes[0][id]": {"7"}, "media_attributes[0][description]": {"a chart"},
			"media_attributes[1][id]": {"8"}, "media_attributes[1][focus]": {"0.5,-0.5"}},
			map[storage.ID]federation.MediaEdit{7: {Description: desc("a chart")}, 8: {Focus: &federation.Focus{X: 0.5, Y: -0.5}}}, false},
		{"[] form, paired in order", url.Values{
			"media_attributes[][id]": {"7", "8"}, "media_attributes[][description]": {"first", "second"}},
			map[storage.ID]federation.MediaEdit{7: {Description: desc("first")}, 8: {Description: desc("second")}}, false},
		{"an empty description clears it", url.Values{"media_attributes[0][id]": {"7"}, "media_attributes[0][description]": {""}},
			map[storage.ID]federation.MediaEdit{7: {Description: desc("")}}, false},
		{"no id", url.Values{"media_attributes[0][description]": {"orphan"}}, nil, true},
		{"bad id", url.Values{"media_attributes[0][id]": {"x"}}, nil, true},
		{"bad focus", url.Values{"media_attributes[0][id]": {"7"}, "media_attributes[0][focus]": {"left"}}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mediaAttributesOf(tt.form)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
