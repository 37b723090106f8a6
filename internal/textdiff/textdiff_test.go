package textdiff

import "testing"

func TestLines_MarksAddedAndRemovedLines(t *testing.T) {
	got := Lines("Scope\nCalibrate yearly.\nRecord it.\n", "Scope\nCalibrate every six months.\nRecord it.\nFile the certificate.\n")
	want := []Line{
		{"same", "Scope"},
		{"removed", "Calibrate yearly."},
		{"added", "Calibrate every six months."},
		{"same", "Record it."},
		{"added", "File the certificate."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if a, r := Counts(got); a != 2 || r != 1 {
		t.Fatalf("counts %d/%d", a, r)
	}
}
