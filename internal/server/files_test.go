package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
)

// storeFile puts a file into an organisation as the superuser would find it after a use case
// attached it: received into storage, and listed in files.
func storeFile(t *testing.T, h *harness, a qms.Actor, name, content string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	u, err := h.svc.ReceiveFile(ctx, a, "file", name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	err = h.db.Admin.QueryRow(ctx, `INSERT INTO files (tenant_id, sha256, size_bytes, content_type, filename, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, a.OrgID, u.SHA256, u.Size, u.ContentType, u.Filename, a.UserID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDownload_IsAnAttachmentThatCannotRunAsAPage(t *testing.T) {
	h := newHarness(t, Config{})
	content := "%PDF-1.4\nInspection report IR-2291\n"
	id := storeFile(t, h, h.acme.Admin, `report "final".pdf`, content)
	res := h.signedIn(h.acme, auth.RoleViewer).get("/o/acme/files/" + id.String()).wantStatus(http.StatusOK)
	if res.body != content {
		t.Fatalf("downloaded %q", res.body)
	}
	for header, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"Content-Disposition":    `attachment; filename="report final.pdf"`,
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "sandbox") {
		t.Error("a download is not sandboxed")
	}
	sum := sha256.Sum256([]byte(content))
	if !strings.HasPrefix(res.header.Get("Repr-Digest"), "sha-256=:") || hex.EncodeToString(sum[:]) == "" {
		t.Error("no digest header")
	}
	// Signed out, it is not served at all.
	h.client().get("/o/acme/files/" + id.String()).wantRedirect("/login?next=%2Fo%2Facme%2Ffiles%2F" + id.String())
}

// A multipart form far larger than net/http's in-memory form buffer (32 MiB) streams into
// evidence storage, and what is stored is exactly what was sent.
func TestReadUploadForm_StreamsLargeFilesAndKeepsFields(t *testing.T) {
	h := newHarness(t, Config{})
	const size = 40 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := sha256.New()
	go func() {
		_ = mw.WriteField("title", "Calibration certificates 2026")
		fw, _ := mw.CreateFormFile("files", "certificates.pdf")
		w := io.MultiWriter(fw, sent)
		_, _ = io.WriteString(w, "%PDF-1.7\n")
		line := []byte(strings.Repeat("0123456789abcdef", 4096))
		for written := 9; written < size; written += len(line) {
			_, _ = w.Write(line)
		}
		_ = mw.Close()
		_ = pw.Close()
	}()
	req := httptest.NewRequest(http.MethodPost, "/", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	form, err := h.server.readUploadForm(httptest.NewRecorder(), req, h.acme.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if form.Values.Get("title") != "Calibration certificates 2026" {
		t.Fatalf("fields %v", form.Values)
	}
	ups := form.Uploads["files"]
	if len(ups) != 1 || ups[0].SHA256 != hex.EncodeToString(sent.Sum(nil)) || ups[0].Filename != "certificates.pdf" {
		t.Fatalf("uploads %+v", ups)
	}
}

func TestReadUploadForm_ARefusedFileNamesItsFieldAndKeepsEarlierFields(t *testing.T) {
	h := newHarness(t, Config{})
	body := &strings.Builder{}
	mw := multipart.NewWriter(body)
	_ = mw.WriteField("title", "Kept")
	fw, _ := mw.CreateFormFile("files", "page.html")
	_, _ = io.WriteString(fw, "<!DOCTYPE html><html></html>")
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	form, err := h.server.readUploadForm(httptest.NewRecorder(), req, h.acme.Admin)
	if qms.FieldErrors(err)["files"] == "" || form.Values.Get("title") != "Kept" {
		t.Fatalf("got %v, fields %v", err, form.Values)
	}
}
