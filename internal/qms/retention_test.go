package qms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestRetention_PastRetentionListsOnlyFinalRecordsWhoseKeepUntilHasPassed(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	f.create(f.input("KPI report", "KPI report March 2019", "2019-03-31"), true)
	f.create(f.input("KPI report", "KPI report April 2019", "2019-04-30"), true)
	f.create(f.input("KPI report", "Draft from 2019", "2019-05-31"), false)       // drafts are not retained records
	f.create(f.input("Inspection / test", "Inspection 2019", "2019-05-31"), true) // kept 10 years
	page := qmstest.Must(f.svc.PastRetention(ctx, f.org.Viewer, ""))(t)
	var got []string
	for _, r := range page.Rows {
		got = append(got, r.Title)
	}
	if strings.Join(got, "|") != "KPI report March 2019|KPI report April 2019" {
		t.Fatalf("past retention: %v", got)
	}
}

func TestRetention_DisposalIsSignedAuditedAndLeavesATombstone(t *testing.T) {
	f := newRecFixture(t)
	ctx := context.Background()
	qm := f.org.QualityManager
	old := f.create(f.input("KPI report", "KPI report March 2019", "2019-03-31"), true, f.upload("kpi-2019-03.csv", "month,otd\nMar,91\n"))
	old = qmstest.Must(f.svc.CorrectRecord(ctx, qm, old.ID, old.Version, f.input("KPI report", "KPI report, March 2019", "2019-03-31"),
		"Title punctuation", nil, nil))(t)
	young := f.create(f.input("KPI report", "KPI report last month", "2026-01-31"), true)

	// Not before its retention ends.
	if _, err := f.svc.DisposeRecord(ctx, qm, young.ID, young.Version, "Tidy up", qmstest.Password); qms.ErrorKind(err) != qms.KindConflict ||
		!strings.Contains(qms.ErrorMessage(err), "must be kept until") {
		t.Fatalf("disposing before the end of retention: %v", err)
	}
	// Not without a reason, the right password, or the permission.
	if _, err := f.svc.DisposeRecord(ctx, qm, old.ID, old.Version, "", qmstest.Password); qms.FieldErrors(err)["reason"] == "" {
		t.Fatalf("without a reason: %v", err)
	}
	if _, err := f.svc.DisposeRecord(ctx, qm, old.ID, old.Version, "Retention ended", "wrong password"); qms.FieldErrors(err)["password"] == "" {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := f.svc.DisposeRecord(ctx, f.org.ProcessOwner, old.ID, old.Version, "Retention ended", qmstest.Password); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("a process owner disposing: %v", err)
	}
	if got := qmstest.Must(f.svc.Record(ctx, qm, old.ID))(t); got.State != qms.RecordFinal || got.Shown == nil {
		t.Fatal("a refused disposal changed the record")
	}

	reason := "KPI reports are kept 3 years (QP-002 §4); this one ended in 2022"
	tomb := qmstest.Must(f.svc.DisposeRecord(ctx, qm, old.ID, old.Version, reason, qmstest.Password))(t)
	if tomb.State != qms.RecordDisposed || tomb.DisposedByName != qm.Name || tomb.DisposalReason != reason ||
		tomb.TombstoneTitle != "KPI report, March 2019" || tomb.DisposalSignatureID == nil || tomb.DisposedAt == nil {
		t.Fatalf("tombstone: %+v", tomb)
	}
	detail := qmstest.Must(f.svc.Record(ctx, f.org.Viewer, old.ID))(t)
	if detail.Shown != nil || len(detail.Revisions) != 0 {
		t.Fatalf("the disposed content is still there: %+v %+v", detail.Shown, detail.Revisions)
	}
	if len(detail.Signatures) != 1 || detail.Signatures[0].Meaning != qms.DisposalMeaning || detail.Signatures[0].SignerName != qm.Name ||
		detail.Signatures[0].Comment != reason || detail.Signatures[0].ID != *tomb.DisposalSignatureID {
		t.Fatalf("signature: %+v", detail.Signatures)
	}
	trail := qmstest.Must(f.svc.AuditTrail(ctx, f.org.Admin, qms.AuditFilter{EntityType: "record", EntityID: old.ID.String()}))(t)
	if trail.Entries[0].Action != "record.dispose" || trail.Entries[1].Action != "signature.sign" ||
		!strings.Contains(trail.Entries[0].Summary, reason) || !strings.Contains(string(trail.Entries[0].Before), `"content_sha256"`) {
		t.Fatalf("trail: %+v", trail.Entries[:2])
	}
	if n := len(qmstest.Must(f.svc.Records(ctx, qm, qms.RecordFilter{Query: "March"}))(t).Rows); n != 0 {
		t.Fatalf("a disposed record is still listed (%d)", n)
	}
	disposed := qmstest.Must(f.svc.DisposedRecords(ctx, f.org.Viewer, 10))(t)
	if len(disposed) != 1 || disposed[0].ID != old.ID {
		t.Fatalf("tombstones: %+v", disposed)
	}
	if _, err := f.svc.DisposeRecord(ctx, qm, old.ID, tomb.Version, reason, qmstest.Password); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("disposing twice: %v", err)
	}
	if res := qmstest.Must(f.svc.VerifyAuditTrail(ctx, "acme"))(t); !res.Intact {
		t.Fatalf("the trail does not verify: %+v", res)
	}
}
