package main

import (
	"strings"
	"testing"
)

// cliStep is one command of a CLI test: its arguments, and what its
// output must contain (wantOut) or its error must say (wantErr).
type cliStep struct {
	name             string
	args             []string
	wantOut, wantErr string
}

// runSteps runs steps in order against the node in dir. A failing step's
// error must be one readable line containing wantErr, without an internal
// package's prefix; a succeeding step's output must contain wantOut.
func runSteps(t *testing.T, dir string, steps []cliStep) {
	t.Helper()
	for _, s := range steps {
		out, _, err := cliRun(dir, "", s.args...)
		if s.wantErr != "" {
			if err == nil {
				t.Fatalf("%s: no error (output %q); want %q", s.name, out, s.wantErr)
			}
			if msg := message(err); !strings.Contains(msg, s.wantErr) || strings.Contains(msg, "\n") || strings.Contains(msg, "federation:") {
				t.Fatalf("%s: error %q; want one line containing %q", s.name, msg, s.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, message(err))
		}
		if !strings.Contains(out, s.wantOut) {
			t.Fatalf("%s: output %q does not contain %q", s.name, out, s.wantOut)
		}
	}
}
