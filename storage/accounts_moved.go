package storage

import (
	"encoding/json"
	"fmt"
)

// The also_known_as column (migration 0040): a JSON array of actor ids,
// or '' for none, as the emojis column.

func encodeAlsoKnownAs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	b, _ := json.Marshal(ids) // strings only: cannot fail
	return string(b)
}

func decodeAlsoKnownAs(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(s), &ids); err != nil {
		return nil, fmt.Errorf("also known as: %w", err)
	}
	return ids, nil
}
