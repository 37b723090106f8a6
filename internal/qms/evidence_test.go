package qms_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestReceiveFile_RefusalsNameTheFieldAndTheFile(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	_, err := svc.ReceiveFile(ctx, org.Admin, "files", "page.html", strings.NewReader("<html><body>hi</body></html>"))
	if qms.ErrorKind(err) != qms.KindInvalid || !strings.Contains(qms.FieldErrors(err)["files"], "page.html") {
		t.Fatalf("HTML: got %v %v", err, qms.FieldErrors(err))
	}
	_, err = svc.ReceiveFile(ctx, org.Admin, "files", "", strings.NewReader("%PDF-1.4"))
	if qms.FieldErrors(err)["files"] == "" {
		t.Fatalf("no file name: got %v", err)
	}
}

func TestReceiveFile_OverTheLimitIsTooLarge(t *testing.T) {
	svc, db := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	small := qmstest.WithUploadLimit(t, db, 1024)
	_, err := small.ReceiveFile(context.Background(), org.Admin, "files", "scan.pdf", io.MultiReader(strings.NewReader("%PDF-1.4\n"), bytes.NewReader(make([]byte, 2048))))
	if qms.ErrorKind(err) != qms.KindTooLarge || !strings.Contains(qms.FieldErrors(err)["files"], "1 KiB") {
		t.Fatalf("got %v %v", err, qms.FieldErrors(err))
	}
}

func TestSignatures_WrongPasswordSignsNothingAndCounts(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	entity := uuid.New()
	for range 5 {
		_, _, err := svc.SignAndAttachForTest(ctx, org.QualityManager, nil, entity, "not my password")
		if qms.ErrorKind(err) != qms.KindInvalid || qms.FieldErrors(err)["password"] == "" {
			t.Fatalf("wrong password: got %v", err)
		}
	}
	trail := qmstest.Must(svc.AuditTrail(ctx, org.Admin, qms.AuditFilter{EntityType: "test"}))(t)
	if len(trail.Entries) != 0 {
		t.Fatalf("a wrong password signed something: %+v", trail.Entries)
	}
	// Guessing through the signature form is throttled like sign-in.
	_, _, err := svc.SignAndAttachForTest(ctx, org.QualityManager, nil, entity, qmstest.Password)
	if qms.ErrorKind(err) != qms.KindRateLimited {
		t.Fatalf("after 5 wrong passwords: got %v, want rate limited", err)
	}
}

func TestSignatures_RecordSignerMeaningAndHashOfWhatWasSigned(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	up := qmstest.Must(svc.ReceiveFile(ctx, org.QualityManager, "files", "procedure.pdf", strings.NewReader("%PDF-1.4\nQP-007 rev 3\n")))(t)
	entity := uuid.New()
	files, sig, err := svc.SignAndAttachForTest(ctx, org.QualityManager, []qms.Upload{up}, entity, qmstest.Password)
	if err != nil {
		t.Fatal(err)
	}
	listed := qmstest.Must(svc.Signatures(ctx, org.Viewer, "test", entity))(t)
	if len(listed) != 1 || listed[0].ID != sig.ID {
		t.Fatalf("listed %+v", listed)
	}
	if sig.SignerName != org.QualityManager.Name || sig.Meaning != "approved" || sig.SignedAt.IsZero() {
		t.Fatalf("signature %+v", sig)
	}
	if want := qms.ContentHash("test content", files[0].SHA256); sig.ContentSHA256 != want {
		t.Fatalf("hash %s, want %s", sig.ContentSHA256, want)
	}
	if qms.ContentHash("a", "bc") == qms.ContentHash("ab", "c") {
		t.Fatal("content hashes of different parts collide")
	}
	f, content, err := svc.OpenFile(ctx, org.Viewer, files[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	defer content.Close()
	if b, _ := io.ReadAll(content); !strings.Contains(string(b), "QP-007") || f.Filename != "procedure.pdf" {
		t.Fatalf("opened %q as %s", b, f.Filename)
	}
	trail := qmstest.Must(svc.AuditTrail(ctx, org.Admin, qms.AuditFilter{EntityType: "test"}))(t)
	if len(trail.Entries) != 1 || trail.Entries[0].Action != "signature.sign" {
		t.Fatalf("trail %+v", trail.Entries)
	}
}

func TestFiles_AnotherOrganisationsFileIsNotFound(t *testing.T) {
	svc, _ := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	ctx := context.Background()
	up := qmstest.Must(svc.ReceiveFile(ctx, globex.Admin, "files", "secret.pdf", strings.NewReader("%PDF-1.4\nsecret\n")))(t)
	files, _, err := svc.SignAndAttachForTest(ctx, globex.Admin, []qms.Upload{up}, uuid.New(), qmstest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.OpenFile(ctx, acme.Admin, files[0].ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("got %v, want not found", err)
	}
}
