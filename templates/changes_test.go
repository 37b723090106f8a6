package templates

import (
	"encoding/json"
	"testing"
)

func TestChanges_ListsChangedFieldsButNotIds(t *testing.T) {
	got := Changes(json.RawMessage(`{"id":"1","name":"Leeds","code":"L","version":1,"owner_user_id":"a","owner_name":"Tom"}`),
		json.RawMessage(`{"id":"1","name":"Leeds Plant","code":"L","version":2,"owner_user_id":"b","owner_name":"Priya"}`))
	want := []FieldChange{{"name", "Leeds", "Leeds Plant"}, {"owner name", "Tom", "Priya"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if created := Changes(nil, json.RawMessage(`{"name":"Leeds"}`)); len(created) != 1 || created[0].From != "—" {
		t.Fatalf("a creation shows as %v", created)
	}
}

// FuzzChanges: audit entries hold whatever JSON was recorded; showing them never fails.
func FuzzChanges(f *testing.F) {
	f.Add(`{"a":1}`, `{"a":2}`)
	f.Add(`null`, `[1,2]`)
	f.Add(`{"x":{"y":[1,{"z":null}]}}`, `"str"`)
	f.Fuzz(func(t *testing.T, before, after string) {
		for _, c := range Changes(json.RawMessage(before), json.RawMessage(after)) {
			if c.From == c.To {
				t.Fatalf("an unchanged field is listed: %+v", c)
			}
		}
	})
}
