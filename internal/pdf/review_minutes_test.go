package pdf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/plumbline/plumbline/internal/pdf"
	"github.com/plumbline/plumbline/internal/pdf/pdftest"
	"github.com/plumbline/plumbline/internal/qms"
)

func sampleReview() qms.Review {
	held := time.Date(2026, 5, 14, 10, 30, 0, 0, time.UTC)
	due := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	prev := 4
	in := &qms.ReviewInputs{Since: held.AddDate(0, -6, 0), Until: held, PreviousReference: "MR-2025-002"}
	for _, k := range qms.ReviewInputKeys {
		sec := qms.InputSection{Key: k.Key, Clause: k.Clause, Title: k.Title}
		if k.Key == "c1" {
			sec.Metrics = []qms.InputMetric{{Key: "complaints", Label: "Complaints received in the period", Value: 7, Previous: &prev, HigherIsWorse: true}}
			sec.Items = []qms.InputItem{{Ref: "R-00012", Text: "Burr on flange", Note: "Contoso · complaint", Status: "open"}}
		}
		if k.Key == "d" {
			sec.Text = "A second CMM operator is needed from Q3."
		}
		in.Sections = append(in.Sections, sec)
	}
	status := "open"
	owner := "Tom Baker"
	return qms.Review{
		Reference: "MR-2026-001", Title: "Management review 2026 H1", ScheduledOn: held, ChairName: "Helen Ward",
		Attendees: "Helen Ward, Priya Shah, Tom Baker", Status: qms.ReviewSigned, HeldAt: &held, Inputs: in,
		Minutes: map[string]qms.ReviewMinute{"c1": {Key: "c1", Minutes: "Complaints rose; most from one customer’s new drawings."}},
		Outputs: []qms.ReviewOutput{
			{Kind: qms.OutputDecision, Description: "The quality policy stays as it is."},
			{Kind: qms.OutputAction, Description: "Recruit a CMM operator", OwnerName: owner, DueDate: &due, Status: &status},
		},
		Signature: &qms.Signature{SignerName: "Helen Ward", Meaning: qms.ReviewMinutesMeaning, SignedAt: held, ContentSHA256: strings.Repeat("cd", 32)},
	}
}

func TestReviewMinutes_ContainsEveryInputSectionOutputsAndSignature(t *testing.T) {
	var buf bytes.Buffer
	if err := pdf.ReviewMinutes(&buf, "Northwind Precision Components Ltd", sampleReview(), time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	text := pdftest.Text(b)
	want := []string{"Management review MR-2026-001", "Helen Ward", "MR-2025-002",
		"Complaints received in the period", "+3", "R-00012", "Complaints rose; most from one customer’s new drawings.",
		"A second CMM operator is needed from Q3.", "Recruit a CMM operator", "Overdue", "The quality policy stays as it is.",
		qms.ReviewMinutesMeaning, strings.Repeat("cd", 32)}
	for _, k := range qms.ReviewInputKeys {
		want = append(want, k.Clause+" "+k.Title)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the minutes PDF does not say %q", w)
		}
	}
	if t.Failed() {
		t.Logf("it says:\n%s", text)
	}
}

func TestReviewMinutes_ADraftSaysSo(t *testing.T) {
	r := sampleReview()
	r.Status, r.HeldAt, r.Signature = qms.ReviewInPreparation, nil, nil
	var buf bytes.Buffer
	if err := pdf.ReviewMinutes(&buf, "Northwind", r, time.Now()); err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Text(buf.Bytes()); !strings.Contains(text, "Draft: this review has not been held yet.") || !strings.Contains(text, "Not signed yet.") {
		t.Fatalf("draft minutes say:\n%s", text)
	}
}
