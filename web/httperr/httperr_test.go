package httperr

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/copse-dev/copse/federation"
	"github.com/copse-dev/copse/storage"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"denied with a reason", fmt.Errorf("create: %w", &federation.DeniedError{Reason: "only the node's administrators create communities here"}),
			http.StatusForbidden, "Only the node's administrators create communities here"},
		{"denied", fmt.Errorf("edit: %w", federation.ErrDenied), http.StatusForbidden, "This action is not allowed"},
		{"not found", fmt.Errorf("thread: %w", storage.ErrNotFound), http.StatusNotFound, "Record not found"},
		{"invalid", &federation.InvalidError{Msg: "name can't be blank"}, http.StatusUnprocessableEntity, "name can't be blank"},
		{"own", New(http.StatusConflict, "taken"), http.StatusConflict, "taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, msg := Classify(tt.err); code != tt.code || msg != tt.msg {
				t.Errorf("Classify = %d %q; want %d %q", code, msg, tt.code, tt.msg)
			}
		})
	}
}
