package pdf_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/pdf"
	"github.com/plumbline/plumbline/internal/pdf/pdftest"
	"github.com/plumbline/plumbline/internal/qms"
)

func sampleReport(questions int) qms.AuditReport {
	reported := time.Date(2026, 3, 12, 15, 4, 0, 0, time.UTC)
	start := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	r := qms.AuditReport{Organisation: "Northwind Precision Components Ltd"}
	r.Audit = qms.Audit{
		ID: uuid.New(), Reference: "IA-2026-002", Type: qms.AuditInternal, Title: "Maintenance & calibration",
		LeadAuditorName: "Ian Clarke", Status: qms.AuditReported, PlannedStart: start, PlannedEnd: start,
		ActualStart: &start, ActualEnd: &start, ReportedAt: &reported,
		Summary:    "Sampled the calibration register and 14 instruments on the shop floor at Leeds Plant.",
		Conclusion: "The process is effective apart from the nonconformity raised.",
		Processes:  []qms.AuditProcess{{Name: "Maintenance & calibration", OwnerName: "Tom Baker"}},
		Clauses:    []qms.ISOClause{{Number: "7.1.5", Title: "Monitoring and measuring resources"}},
	}
	for i := range questions {
		r.Checklist = append(r.Checklist, qms.ChecklistItem{
			ClauseNumber: "7.1.5", ClauseTitle: "Monitoring and measuring resources",
			Question: "Are measuring instruments calibrated at specified intervals? (question " + string(rune('A'+i%26)) + ")",
			Result:   qms.ResultConforming, Notes: strings.Repeat("Checked the certificate and the label. ", 1+i%4),
		})
	}
	r.Checklist[0].Result = qms.ResultMinorNC
	r.Tally = qms.TallyOf(r.Checklist)
	r.Findings = []qms.Finding{{
		Reference: "F-2026-004", Classification: qms.MinorNC, Status: qms.FindingOpen,
		Statement:    "Micrometer M-112 (Ø 0–25 mm, ± 0.002 mm) was in use 6 weeks past its calibration due date.",
		ClauseNumber: "7.1.5", ClauseTitle: "Monitoring and measuring resources",
		ObjectiveEvidence: "Calibration register entry M-112: due 14 Jan 2026. Instrument found at cell 3 on 10 Mar 2026.",
		ProcessName:       "Maintenance & calibration", RaisedByName: "Ian Clarke", RaisedAt: reported,
	}, {
		Reference: "F-2026-005", Classification: qms.OFI, Status: qms.FindingOpen,
		Statement:   "Calibration reminders could be sent from the register rather than kept in a wall planner.",
		ProcessName: "Maintenance & calibration", RaisedByName: "Ian Clarke", RaisedAt: reported,
	}}
	r.Signatures = []qms.Signature{{SignerName: "Ian Clarke", Meaning: qms.ReportSignatureMeaning, SignedAt: reported,
		ContentSHA256: strings.Repeat("ab", 32)}}
	return r
}

func TestAuditReport_IsAPDFWithTheFindingsInEmbeddedFonts(t *testing.T) {
	var buf bytes.Buffer
	if err := pdf.AuditReport(&buf, sampleReport(6)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte("%%EOF")) {
		t.Fatal("not a PDF")
	}
	if bytes.Count(b, []byte("/FontFile2")) != 2 {
		t.Fatal("the regular and bold fonts are not embedded")
	}
	text := pdftest.Text(b)
	for _, want := range []string{
		"Audit report IA-2026-002",
		"F-2026-004 · Minor nonconformity · Open",
		"Micrometer M-112 (Ø 0–25 mm, ± 0.002 mm)",
		"F-2026-005 · Opportunity for improvement · Open",
		"ISO 9001:2015 7.1.5 Monitoring and measuring resources",
		"Ian Clarke",
		qms.ReportSignatureMeaning,
		"Page 1 of",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q; it says:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Draft") {
		t.Error("a reported audit's PDF is marked as a draft")
	}
}

func TestAuditReport_LongChecklistsBreakAcrossPagesWithTheirHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := pdf.AuditReport(&buf, sampleReport(80)); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(buf.Bytes())
	if !strings.Contains(text, "Page 4 of") {
		t.Fatalf("80 questions fit on fewer than 4 pages:\n%s", text)
	}
	if n := strings.Count(text, "Notes and evidence"); n < 3 {
		t.Errorf("the checklist table's header appears %d times; it should repeat on each page", n)
	}
}

func TestAuditReport_ADraftSaysSo(t *testing.T) {
	r := sampleReport(2)
	r.Audit.Status, r.Audit.ReportedAt, r.Signatures = qms.AuditInProgress, nil, nil
	var buf bytes.Buffer
	if err := pdf.AuditReport(&buf, r); err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Text(buf.Bytes()); !strings.Contains(text, "Draft: this report has not been issued.") || !strings.Contains(text, "Not signed yet.") {
		t.Fatalf("draft PDF says:\n%s", text)
	}
}

func TestAuditReport_ListsDocumentCriteriaAndLinkedDocumentsAndRecords(t *testing.T) {
	r := sampleReport(2)
	rev := 3
	r.Audit.Documents = []qms.AuditDocument{{Number: "QP-007", Title: "Control of production", VersionID: &uuid.UUID{}, Revision: &rev}}
	doc := qms.EvidenceLink{Kind: qms.EvidenceDocument, Document: &qms.LinkedDocument{Number: "QP-007", Title: "Control of production", Revision: 3}}
	rec := qms.EvidenceLink{Kind: qms.EvidenceRecord, Record: &qms.LinkedRecord{Number: "R-00042", Title: "Calibration certificate M-112", Revision: 1}}
	r.Checklist[0].Evidence = []qms.EvidenceLink{doc, rec}
	r.Findings[0].Evidence = []qms.EvidenceLink{doc}
	var buf bytes.Buffer
	if err := pdf.AuditReport(&buf, r); err != nil {
		t.Fatal(err)
	}
	text := pdftest.Text(buf.Bytes())
	for _, want := range []string{
		"QP-007 rev 3 Control of production (in force at the audit)",
		"QP-007 rev 3 Control of production (effective at audit)",
		"Evidence: R-00042 Calibration", // the checklist table wraps the rest
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q; it says:\n%s", want, text)
		}
	}
}
