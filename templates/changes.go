package templates

import (
	"encoding/json"
	"sort"
	"strings"
)

// FieldChange is one field that differs between an audit entry's before and after.
type FieldChange struct {
	Field string
	From  string
	To    string
}

// Changes lists the top-level fields that differ between two JSON objects, for showing an
// audit entry as "name: Leeds → Leeds Plant". Bookkeeping fields are left out.
func Changes(before, after json.RawMessage) []FieldChange {
	var b, a map[string]any
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []FieldChange
	for k := range keys {
		// Ids mean nothing to a reader; the entities carry names next to them.
		if k == "version" || k == "id" || strings.HasSuffix(k, "_id") {
			continue
		}
		from, to := show(b[k]), show(a[k])
		if from != to {
			out = append(out, FieldChange{Field: strings.ReplaceAll(k, "_", " "), From: from, To: to})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
