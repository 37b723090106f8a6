package server

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// foreignRecords are globex's objects of the records area, for the route walk.
type foreignRecords struct {
	record, supplier, recordType, importID uuid.UUID
}

func globexRecords(t *testing.T, h *harness) foreignRecords {
	t.Helper()
	ctx := context.Background()
	g := h.globex
	types := qmstest.Must(h.svc.RecordTypes(ctx, g.Admin))(t)
	var other qms.RecordType
	for _, ty := range types {
		if ty.Name == "Other" {
			other = ty
		}
	}
	rec := qmstest.Must(h.svc.CreateRecord(ctx, g.Admin, qms.RecordInput{TypeID: other.ID, Title: "Secret process record", EventDate: "2020-01-01"}, nil, true))(t)
	sup := qmstest.Must(h.svc.CreateSupplier(ctx, g.Admin, qms.SupplierInput{Name: "Springfield Steel", ApprovalStatus: qms.SupplierApproved}))(t)
	up := qmstest.Must(h.svc.ReceiveFile(ctx, g.Admin, "file", "records.csv", strings.NewReader("type,title,event_date\nOther,Springfield,2020-01-01\n")))(t)
	imp := qmstest.Must(h.svc.StartRecordImport(ctx, g.Admin, []qms.Upload{up}, false))(t)
	h.svc.Wait()
	return foreignRecords{record: rec.ID, supplier: sup.ID, recordType: other.ID, importID: imp.ID}
}

// typeID is the id of acme's default record type called name.
func (h *harness) typeID(name string) string {
	h.t.Helper()
	for _, ty := range qmstest.Must(h.svc.RecordTypes(context.Background(), h.acme.Admin))(h.t) {
		if ty.Name == name {
			return ty.ID.String()
		}
	}
	h.t.Fatalf("no record type %s", name)
	return ""
}

// recordID is the id of the record a redirect leads to.
func recordID(t *testing.T, res *response) uuid.UUID {
	t.Helper()
	res.wantStatus(http.StatusSeeOther)
	id, err := uuid.Parse(res.location[strings.LastIndex(res.location, "/")+1:])
	if err != nil {
		t.Fatalf("redirect to %s", res.location)
	}
	return id
}

func TestRecordsHTTP_RecordAComplaintWithAFileAndFindIt(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	p := qmstest.Must(h.svc.CreateProcess(ctx, h.acme.Admin, qms.ProcessInput{Name: "Sales", OwnerID: h.acme.ProcessOwner.UserID}))(t)
	c := h.signedIn(h.acme, auth.RoleProcessOwner)

	form := c.get("/o/acme/records/new?type=" + h.typeID("Customer complaint")).wantStatus(http.StatusOK)
	if form.count("form[enctype='multipart/form-data'] input#customer") != 1 || form.count("select#severity") != 1 || form.count("input#score") != 0 {
		t.Fatal("the complaint form does not have the complaint's fields only")
	}
	// The file input comes last, so a refused file keeps the other fields.
	if last := form.doc.Find("form.record-form input, form.record-form select, form.record-form textarea").Last(); last.AttrOr("type", "") != "file" {
		t.Fatalf("the last field is %s", last.AttrOr("name", ""))
	}
	res := c.postMultipart("/o/acme/records",
		field("type_id", h.typeID("Customer complaint")), field("title", "Chatter marks on flange face"),
		field("event_date", "2026-02-03"), field("process_id", p.ID.String()), field("customer", "Kestrel Aero"),
		field("severity", "high"), field("clauses", "9.1.2, 8.7"), field("description", "Visible chatter on 30 flanges of lot 5512."),
		field("finalise", "yes"),
		part{name: "files", filename: "kestrel-complaint.pdf", body: strings.NewReader("%PDF-1.4\nKestrel NCR 5512\n")})
	id := recordID(t, res)
	page := c.get(res.location).wantStatus(http.StatusOK)
	if page.text("h1") != "Chatter marks on flange face" || !strings.Contains(page.text(".badges"), "Complaint open") ||
		!strings.Contains(page.text("#record-facts"), "Kestrel Aero") || page.count(".files a") != 1 {
		t.Fatalf("record page: %s / %s", page.text("h1"), page.text("#record-facts"))
	}
	list := c.get("/o/acme/records?q=chatter").wantStatus(http.StatusOK)
	if list.count("#records tbody tr") != 1 || list.attr("#records tbody a", "href") != "/o/acme/records/"+id.String() {
		t.Fatalf("searching: %s", list.text("#records"))
	}
	download := c.get(page.attr(".files a", "href")).wantStatus(http.StatusOK)
	if download.body != "%PDF-1.4\nKestrel NCR 5512\n" {
		t.Fatalf("downloaded %q", download.body)
	}
	complaints := c.get("/o/acme/records/complaints?status=open").wantStatus(http.StatusOK)
	if !strings.Contains(complaints.text("#complaints"), "Kestrel Aero") {
		t.Fatal("the complaint is not in the complaints view")
	}
	c.post("/o/acme/records/"+id.String()+"/status", url.Values{"version": {"2"}, "complaint_status": {"closed"}}).
		wantStatus(http.StatusUnprocessableEntity)
	rec := qmstest.Must(h.svc.Record(ctx, h.acme.Viewer, id))(t)
	c.post("/o/acme/records/"+id.String()+"/status", url.Values{"version": {itoa(rec.Version)}, "complaint_status": {"investigating"}}).
		wantRedirect("/o/acme/records/" + id.String())
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRecordsHTTP_AFinalisedRecordRefusesEditsAndDeletes(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	typeID := uuid.MustParse(h.typeID("Calibration"))
	rec := qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "Bore gauge G-031", EventDate: "2026-01-07"}, nil, true))(t)
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	base := "/o/acme/records/" + rec.ID.String()
	v := itoa(rec.Version)
	c.postMultipart(base+"/edit", field("version", v), field("title", "Tampered"), field("event_date", "2026-01-07")).wantStatus(http.StatusConflict)
	c.post(base+"/delete", url.Values{"version": {v}}).wantStatus(http.StatusConflict)
	// The edit page sends people to the correction instead.
	c.get(base + "/edit").wantRedirect(base)
	if page := c.get(base).wantStatus(http.StatusOK); page.text("h1") != "Bore gauge G-031" || page.count("a[href$='/correct']") != 1 || page.count("a[href$='/edit']") != 0 {
		t.Fatalf("after the refusals: %s", page.text("h1"))
	}
	// A correction needs its reason, and keeps the original as revision 1.
	res := c.postMultipart(base+"/correct", field("version", v), field("title", "Bore gauge G-031 (18–35 mm)"), field("event_date", "2026-01-07"), field("reason", ""))
	res.wantStatus(http.StatusUnprocessableEntity)
	if res.text("#reason-error") == "" || res.attr("#title", "value") != "Bore gauge G-031 (18–35 mm)" {
		t.Fatal("the refused correction lost the input or has no message at the reason")
	}
	c.postMultipart(base+"/correct", field("version", v), field("title", "Bore gauge G-031 (18–35 mm)"), field("event_date", "2026-01-07"),
		field("reason", "Range missing from the title")).wantRedirect(base)
	page := c.get(base).wantStatus(http.StatusOK)
	if page.text("h1") != "Bore gauge G-031 (18–35 mm)" || page.count("#revisions tbody tr") != 2 {
		t.Fatalf("after the correction: %s", page.text("h1"))
	}
	old := c.get(base + "/revisions/1").wantStatus(http.StatusOK)
	if old.text("h1") != "Bore gauge G-031" || old.count("#superseded") != 1 {
		t.Fatalf("revision 1: %s", old.text("h1"))
	}
}

func TestRecordsHTTP_AStaleDraftEditShowsTheirVersionAndKeepsMine(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	typeID := uuid.MustParse(h.typeID("Other"))
	rec := qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "Draft", EventDate: "2026-01-07"}, nil, false))(t)
	qmstest.Must(h.svc.UpdateDraft(ctx, h.acme.Admin, rec.ID, rec.Version, qms.RecordInput{Title: "Their title", EventDate: "2026-01-07"}, nil, nil))(t)
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	res := c.postMultipart("/o/acme/records/"+rec.ID.String()+"/edit", field("version", itoa(rec.Version)), field("title", "My title"), field("event_date", "2026-01-07"))
	res.wantStatus(http.StatusConflict)
	if !strings.Contains(res.text(".conflict"), "Their title") || res.attr("#title", "value") != "My title" {
		t.Fatalf("conflict page: %s", res.text(".conflict"))
	}
}

// The real upload handler streams a file larger than net/http's in-memory multipart buffer
// (32 MiB) straight into evidence storage: the stored hash is the hash of what was sent, and
// the server's allocations stay far below the file's size.
func TestRecordsHTTP_UploadStreamingKeepsMemoryFlat(t *testing.T) {
	h := newHarness(t, Config{})
	typeID := h.typeID("Inspection / test")
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	const size = 40 << 20
	sent := sha256.New()
	body, w := io.Pipe()
	go func() {
		out := io.MultiWriter(w, sent)
		_, _ = io.WriteString(out, "%PDF-1.7\n")
		line := []byte(strings.Repeat("0123456789abcdef", 4096))
		for written := 9; written < size; written += len(line) {
			if _, err := out.Write(line); err != nil {
				return
			}
		}
		_ = w.Close()
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := c.postMultipart("/o/acme/records",
		field("type_id", typeID), field("title", "CMM point cloud, housing 7741-A"), field("event_date", "2026-01-07"),
		part{name: "files", filename: "pointcloud.pdf", body: body})
	runtime.ReadMemStats(&after)
	id := recordID(t, res)
	rec := qmstest.Must(h.svc.Record(context.Background(), h.acme.Viewer, id))(t)
	if len(rec.Shown.Files) != 1 || rec.Shown.Files[0].SHA256 != hex.EncodeToString(sent.Sum(nil)) || rec.Shown.Files[0].Size < size {
		t.Fatalf("stored %+v", rec.Shown.Files)
	}
	// Client and server run in this process; a buffered upload alone would allocate the
	// file's 40 MiB (and spool it), streaming allocates buffers of kilobytes.
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("uploading %d MiB allocated %d KiB in all", size>>20, grew>>10)
	if grew > size/2 {
		t.Fatalf("uploading %d MiB allocated %d MiB", size>>20, grew>>20)
	}
}

func TestRecordsHTTP_WrongTypeAndOversizeAreRefusedAtTheFileField(t *testing.T) {
	h := newHarness(t, Config{})
	small := New(Config{}, qmstest.WithUploadLimit(t, h.db, 1024), h.server.log)
	t.Cleanup(small.Close)
	typeID := h.typeID("Other")
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	res := c.postMultipart("/o/acme/records", field("type_id", typeID), field("title", "Kept title"), field("event_date", "2026-01-07"),
		part{name: "files", filename: "script.html", body: strings.NewReader("<!DOCTYPE html><script>alert(1)</script>")})
	res.wantStatus(http.StatusUnprocessableEntity)
	if msg := res.text("#files-error"); !strings.Contains(msg, "script.html") || !strings.Contains(msg, "PDF") {
		t.Fatalf("wrong type message %q", msg)
	}
	if res.attr("#title", "value") != "Kept title" {
		t.Fatal("the title was lost")
	}
	// The same form against a server whose limit is 1 KiB.
	ts := httptest.NewServer(small.Handler())
	t.Cleanup(ts.Close)
	limited := *h
	limited.http, limited.server = ts, small
	c = limited.signedIn(h.acme, auth.RoleQualityManager)
	res = c.postMultipart("/o/acme/records", field("type_id", typeID), field("title", "Big scan"), field("event_date", "2026-01-07"),
		part{name: "files", filename: "scan.pdf", body: io.MultiReader(strings.NewReader("%PDF-1.4\n"), strings.NewReader(strings.Repeat("x", 4096)))})
	res.wantStatus(http.StatusRequestEntityTooLarge)
	if msg := res.text("#files-error"); !strings.Contains(msg, "scan.pdf") || !strings.Contains(msg, "1 KiB") {
		t.Fatalf("oversize message %q", msg)
	}
	if n := len(qmstest.Must(h.svc.Records(context.Background(), h.acme.Viewer, qms.RecordFilter{}))(t).Rows); n != 0 {
		t.Fatalf("%d records were created", n)
	}
}

func TestRecordsHTTP_FiltersPagesAndExportTheSameRecords(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	typeID := uuid.MustParse(h.typeID("KPI report"))
	for _, m := range []string{"01", "02", "03"} {
		qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "=KPI report 2026-" + m,
			EventDate: "2026-" + m + "-28", Clauses: "9.1.3"}, nil, true))(t)
	}
	c := h.signedIn(h.acme, auth.RoleViewer)
	page := c.get("/o/acme/records?clause=9.1&from=2026-02-01").wantStatus(http.StatusOK)
	if page.count("#records tbody tr") != 2 {
		t.Fatalf("filtered: %d rows", page.count("#records tbody tr"))
	}
	export := page.attr("a[href*='export.csv']", "href")
	res := c.get(export).wantStatus(http.StatusOK)
	if !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export headers %v", res.header)
	}
	rows, err := csv.NewReader(strings.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "number" || rows[1][2] != "'=KPI report 2026-03" {
		t.Fatalf("export: %v %v", rows, err)
	}
	c.get("/o/acme/records?from=yesterday").wantStatus(http.StatusUnprocessableEntity)
	// Paging by cursor.
	var seen []string
	next := "/o/acme/records?" + url.Values{"type": {typeID.String()}}.Encode()
	for next != "" {
		p := c.get(next).wantStatus(http.StatusOK)
		p.doc.Find("#records .record-title").Each(func(_ int, s *goquery.Selection) { seen = append(seen, s.Text()) })
		next = ""
		if p.count("a[rel=next]") > 0 {
			next = p.attr("a[rel=next]", "href")
		}
	}
	if len(seen) != 3 {
		t.Fatalf("pages showed %v", seen)
	}
}

func TestRecordsHTTP_ImportReportsEveryBadLineAndRefreshesWhileRunning(t *testing.T) {
	h := newHarness(t, Config{})
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	tpl := c.get("/o/acme/records/import/template.csv").wantStatus(http.StatusOK)
	if !strings.HasPrefix(tpl.body, "type,title,event_date") {
		t.Fatalf("template %q", tpl.body)
	}
	res := c.postMultipart("/o/acme/records/import", field("finalise", "yes"),
		part{name: "file", filename: "legacy.csv", body: strings.NewReader("type,title,event_date\nOther,Fine,2020-01-01\nNope,Bad,2020-13-01\n")})
	res.wantStatus(http.StatusSeeOther)
	h.svc.Wait()
	page := c.get(res.location).wantStatus(http.StatusOK)
	if page.count("meta[http-equiv=refresh]") != 0 || !strings.Contains(page.text("#import-message"), "nothing was imported") {
		t.Fatalf("finished import page: %s", page.text("#import-status"))
	}
	if page.count("#import-problems tbody tr") != 2 || !strings.HasPrefix(page.text("#import-problems tbody tr td"), "3") {
		t.Fatalf("problems: %s", page.text("#import-problems"))
	}
	// An import under way refreshes its page (without JavaScript) and shows its progress.
	id, _ := uuid.Parse(res.location[strings.LastIndex(res.location, "/")+1:])
	if _, err := h.db.Admin.Exec(context.Background(), `UPDATE record_imports SET state = 'checking', bytes_checked = total_bytes / 2 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	running := c.get(res.location).wantStatus(http.StatusOK)
	if running.attr("meta[http-equiv=refresh]", "content") != "2" || running.count("progress#import-progress") != 1 {
		t.Fatal("a running import's page does not refresh itself or show progress")
	}
	// Process owners may record but not import.
	h.signedIn(h.acme, auth.RoleProcessOwner).get("/o/acme/records/import").wantStatus(http.StatusForbidden)
}

func TestRecordsHTTP_DisposalIsSigned(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	typeID := uuid.MustParse(h.typeID("KPI report"))
	rec := qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "KPI report May 2018", EventDate: "2018-05-31"}, nil, true))(t)
	c := h.signedIn(h.acme, auth.RoleQualityManager)
	list := c.get("/o/acme/records/retention").wantStatus(http.StatusOK)
	if !strings.Contains(list.text("#past-retention"), "KPI report May 2018") {
		t.Fatal("not listed past retention")
	}
	base := "/o/acme/records/" + rec.ID.String()
	form := c.get(base + "/dispose").wantStatus(http.StatusOK)
	if form.count("fieldset.signature input[type=password]") != 1 {
		t.Fatal("no signature on the disposal form")
	}
	res := c.post(base+"/dispose", url.Values{"version": {itoa(rec.Version)}, "reason": {"Retention ended"}, "password": {"wrong"}})
	res.wantStatus(http.StatusUnprocessableEntity)
	if res.text("#password-error") == "" || res.text("#reason") != "Retention ended" {
		t.Fatal("a wrong password is not reported at the field, or the reason was lost")
	}
	c.post(base+"/dispose", url.Values{"version": {itoa(rec.Version)}, "reason": {"Retention ended"}, "password": {qmstest.Password}}).wantRedirect(base)
	page := c.get(base).wantStatus(http.StatusOK)
	if !strings.Contains(page.text("#tombstone"), "Retention ended") || page.count(".signatures li") != 1 || page.count(".files") != 0 {
		t.Fatalf("tombstone: %s", page.text("#tombstone"))
	}
}

func TestHubsHTTP_ProcessAndClausePagesShowTheirRecords(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	p := qmstest.Must(h.svc.CreateProcess(ctx, h.acme.Admin, qms.ProcessInput{Name: "Maintenance", Description: "Keeps machines running.", OwnerID: h.acme.ProcessOwner.UserID}))(t)
	typeID := uuid.MustParse(h.typeID("Calibration"))
	qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "Height gauge G-002",
		EventDate: "2026-01-07", ProcessID: p.ID, Clauses: "7.1.5.2"}, nil, true))(t)
	c := h.signedIn(h.acme, auth.RoleViewer)
	hub := c.get("/o/acme/processes/" + p.ID.String()).wantStatus(http.StatusOK)
	if hub.text("h1") != "Maintenance" || !strings.Contains(hub.text("#records-section"), "Height gauge G-002") || !strings.Contains(hub.text(".lead"), "Process owner of acme") {
		t.Fatalf("process page: %s", hub.text("main"))
	}
	index := c.get("/o/acme/clauses").wantStatus(http.StatusOK)
	if index.count("#clauses tbody tr") < 70 || !strings.Contains(index.text("#clauses"), "10.3") {
		t.Fatal("the clause index does not list clauses 4 to 10")
	}
	clause := c.get("/o/acme/clauses/7.1.5").wantStatus(http.StatusOK)
	if !strings.Contains(clause.text("h1"), "Monitoring and measuring resources") || !strings.Contains(clause.text("#records-section"), "Height gauge G-002") {
		t.Fatalf("clause page: %s", clause.text("main"))
	}
	c.get("/o/acme/clauses/4.9").wantStatus(http.StatusNotFound)
	c.get("/o/acme/processes").wantStatus(http.StatusOK)
}

func TestRecordsHTTP_PagesHaveNoInlineScriptOrStyle(t *testing.T) {
	h := newHarness(t, Config{})
	ctx := context.Background()
	typeID := uuid.MustParse(h.typeID("Training"))
	rec := qmstest.Must(h.svc.CreateRecord(ctx, h.acme.QualityManager, qms.RecordInput{TypeID: typeID, Title: "Induction", EventDate: "2026-01-07",
		Topic: "Induction", AttendeeNames: []string{"Jo Bloggs"}}, nil, false))(t)
	sup := qmstest.Must(h.svc.CreateSupplier(ctx, h.acme.Admin, qms.SupplierInput{Name: "Pennine Plating", ApprovalStatus: qms.SupplierConditional}))(t)
	c := h.signedIn(h.acme, auth.RoleAdmin)
	base := "/o/acme/records/" + rec.ID.String()
	for _, p := range []string{"/o/acme/records", "/o/acme/records/new", "/o/acme/records/new?type=" + typeID.String(), base, base + "/edit",
		"/o/acme/records/complaints", "/o/acme/records/suppliers", "/o/acme/records/suppliers/" + sup.ID.String(),
		"/o/acme/records/types", "/o/acme/records/types/" + typeID.String(), "/o/acme/records/import", "/o/acme/records/retention",
		"/o/acme/processes", "/o/acme/clauses", "/o/acme/clauses/7.2"} {
		res := c.get(p).wantStatus(http.StatusOK)
		if n := res.count("[style], style"); n > 0 {
			t.Errorf("%s has %d inline styles", p, n)
		}
		res.doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, _ := s.Attr("src"); src == "" {
				t.Errorf("%s has an inline script", p)
			}
		})
		if !strings.Contains(res.header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: CSP %q", p, res.header.Get("Content-Security-Policy"))
		}
	}
}
