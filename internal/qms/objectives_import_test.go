package qms_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func (f objectiveFixture) upload(t *testing.T, a qms.Actor, name, content string) qms.Upload {
	t.Helper()
	return qmstest.Must(f.svc.ReceiveFile(context.Background(), a, "file", name, strings.NewReader(content)))(t)
}

func TestImport_IsAllOrNothingAndNamesEveryBadLine(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	o := f.create(t, f.otd())
	f.record(t, f.org.ProcessOwner, o, "2026-06", "96")
	bad := "period,value,note\n" +
		"2026-01,96.2,\n" + // line 2: fine
		"2026-02,lots,\n" + // line 3: not a number
		"2026-13,95,\n" + // line 4: no such month
		"2026-01,97,again\n" + // line 5: twice in the file
		"2026-06,95,\n" + // line 6: already recorded
		"2027-01,95,\n" + // line 7: not begun
		"2026-03,,\n" // line 8: a template line left blank, skipped
	_, err := f.svc.ImportMeasurements(ctx, f.org.ProcessOwner, o.ID, f.upload(t, f.org.ProcessOwner, "otd.csv", bad))
	if qms.ErrorKind(err) != qms.KindInvalid || !strings.Contains(qms.FieldErrors(err)["file"], "5 lines have problems, so nothing was imported") {
		t.Fatalf("got %v %v", err, qms.FieldErrors(err))
	}
	problems := qms.ImportProblems(err)
	want := map[int]string{3: "as a number", 4: "Enter a month", 5: "also on line 2", 6: "already has a value (96%)", 7: "has not begun"}
	if len(problems) != len(want) {
		t.Fatalf("problems %+v", problems)
	}
	for _, p := range problems {
		if !strings.Contains(p.Message, want[p.Line]) {
			t.Errorf("line %d: %q, want %q", p.Line, p.Message, want[p.Line])
		}
	}
	d := qmstest.Must(f.svc.ObjectiveDetail(ctx, f.org.Viewer, o.ID))(t)
	if len(d.Measurements) != 1 || len(d.ImportFiles) != 0 {
		t.Fatalf("a refused import recorded %d values and %d files", len(d.Measurements)-1, len(d.ImportFiles))
	}

	// Corrected, the whole file goes in, with the file kept as evidence behind each value.
	good := "\ufeffPeriod;Value;Note\r\n2026-01;96.2;\r\n2026-02;93.1;Carrier strike\r\nMar-26;94.0;\r\n2026-04;;\r\n"
	res := qmstest.Must(f.svc.ImportMeasurements(ctx, f.org.ProcessOwner, o.ID, f.upload(t, f.org.ProcessOwner, "otd-fixed.csv", good)))(t)
	if res.Imported != 3 || res.Blank != 1 || res.File.Filename != "otd-fixed.csv" {
		t.Fatalf("result %+v", res)
	}
	d = qmstest.Must(f.svc.ObjectiveDetail(ctx, f.org.Viewer, o.ID))(t)
	if len(d.Measurements) != 4 || d.Measurements[1].Note != "Carrier strike" || d.Measurements[1].Origin != qms.OriginImport ||
		d.Measurements[1].ImportFileID == nil || d.ImportFiles[*d.Measurements[1].ImportFileID].ID != res.File.ID {
		t.Fatalf("imported values %+v, files %v", d.Measurements, d.ImportFiles)
	}
	// The latest value is still June's, which is on track.
	if d.Status != qms.StatusOnTrack {
		t.Fatalf("status %s (%s)", d.Status, d.StatusReason)
	}
}

func TestImport_RefusesWhatIsNotAMeasurementsFile(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	o := f.create(t, f.otd())
	for name, tc := range map[string]struct {
		file, content, field string
		line                 int
		message              string
	}{
		"no header":      {"a.csv", "2026-01,96\n", "file", 1, "must name the columns"},
		"nothing filled": {"a.csv", "period,value,note\n2026-01,,\n", "file", 0, "no values to import"},
		"not a CSV":      {"a.pdf", "%PDF-1.4\nnot a table\n", "file", 0, "is not a CSV file"},
		"broken quoting": {"a.csv", "period,value,note\n2026-01,96,\"unclosed\n", "file", 2, "not valid CSV"},
	} {
		_, err := f.svc.ImportMeasurements(ctx, f.org.ProcessOwner, o.ID, f.upload(t, f.org.ProcessOwner, tc.file, tc.content))
		if qms.FieldErrors(err)[tc.field] == "" {
			t.Errorf("%s: got %v, want a message on %s", name, err, tc.field)
			continue
		}
		msg := qms.FieldErrors(err)[tc.field]
		if tc.line > 0 {
			p := qms.ImportProblems(err)
			if len(p) != 1 || p[0].Line != tc.line {
				t.Errorf("%s: problems %+v, want one on line %d", name, p, tc.line)
				continue
			}
			msg = p[0].Message
		}
		if !strings.Contains(msg, tc.message) {
			t.Errorf("%s: %q, want %q", name, msg, tc.message)
		}
	}
	// Only the owner and those who may record any objective's values import.
	if _, err := f.svc.ImportMeasurements(ctx, f.org.Auditor, o.ID, f.upload(t, f.org.Auditor, "a.csv", "period,value\n2026-01,96\n")); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("an auditor importing: %v", err)
	}
}

func TestImport_TheTemplateListsPeriodsWithoutAValueAndReadsBack(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	in := f.otd()
	in.Frequency, in.StartDate = qms.Quarterly, "2026-02-15"
	o := f.create(t, in)
	f.record(t, f.org.ProcessOwner, o, "2026-Q2", "96")
	tpl := qmstest.Must(f.svc.MeasurementTemplate(ctx, f.org.ProcessOwner, o.ID))(t)
	var buf bytes.Buffer
	if err := tpl.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "period,value,note\n2026-Q1,,\n2026-Q3,,\n2026-Q4,,\n"; buf.String() != want {
		t.Fatalf("template:\n%s\nwant:\n%s", buf.String(), want)
	}
	filled := strings.Replace(buf.String(), "2026-Q1,,", "2026-Q1,91,Late start", 1)
	filled = strings.Replace(filled, "2026-Q3,,", "2026-Q3,97,", 1)
	res := qmstest.Must(f.svc.ImportMeasurements(ctx, f.org.ProcessOwner, o.ID, f.upload(t, f.org.ProcessOwner, "template.csv", filled)))(t)
	if res.Imported != 2 || res.Blank != 1 {
		t.Fatalf("result %+v", res)
	}
}

func TestComputedSources_ObjectivesOnTrackIsComputedAndRecomputed(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	owner := f.org.ProcessOwner
	newOne := func(title string) qms.Objective {
		in := f.otd()
		in.Title = title
		return f.create(t, in)
	}
	a, b, c := newOne("A"), newOne("B"), newOne("C")
	newOne("No data yet") // left out: it has no status to count
	f.record(t, owner, a, "2026-01", "97")
	f.record(t, owner, b, "2026-02", "90")
	mc := f.record(t, owner, c, "2026-05", "99") // after Q1: not counted for Q1

	in := f.otd()
	in.Title, in.Source, in.Frequency, in.TargetValue, in.Tolerance = "Objectives on track", qms.SourceObjectivesOnTrack, qms.Quarterly, "80", "10"
	in.OwnerID = f.org.QualityManager.UserID
	meta := f.create(t, in)
	// People do not type computed values.
	if _, err := f.svc.RecordMeasurement(ctx, f.org.QualityManager, meta.ID, qms.MeasurementInput{Period: "2026-Q1", Value: "100"}); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a hand-typed value on a computed objective: %v", err)
	}
	res := qmstest.Must(f.svc.ComputeMeasurements(ctx, f.org.QualityManager, meta.ID))(t)
	// Q1, Q2 and Q3 2026 have ended; Q4 is the current quarter.
	if res.Added != 3 || res.Changed != 0 {
		t.Fatalf("first computation %+v", res)
	}
	values := func() []float64 {
		d := qmstest.Must(f.svc.ObjectiveDetail(ctx, f.org.Viewer, meta.ID))(t)
		var v []float64
		for _, m := range d.Measurements {
			v = append(v, m.Value)
		}
		return v
	}
	// Q1: A on track, B off track → 50 %. Q2 and Q3: A, B and C → 66.7 %.
	if got := values(); len(got) != 3 || got[0] != 50 || got[1] != 66.7 || got[2] != 66.7 {
		t.Fatalf("computed %v", got)
	}
	// C's May value is corrected down to a miss: recomputing changes Q2 and Q3, and the trail says so.
	qmstest.Must(f.svc.CorrectMeasurement(ctx, owner, c.ID, mc.ID, mc.Version, qms.MeasurementCorrection{Value: "80", Reason: "Wrong month's report"}))(t)
	res = qmstest.Must(f.svc.ComputeMeasurements(ctx, f.org.QualityManager, meta.ID))(t)
	if res.Added != 0 || res.Changed != 2 || res.Unchanged != 1 {
		t.Fatalf("recomputation %+v", res)
	}
	if got := values(); got[1] != 33.3 {
		t.Fatalf("recomputed %v", got)
	}
	d := qmstest.Must(f.svc.ObjectiveDetail(ctx, f.org.Viewer, meta.ID))(t)
	if len(d.Corrections) != 2 || !strings.Contains(d.Corrections[0].Summary, "from 66.7% to 33.3%") {
		t.Fatalf("trail %+v", d.Corrections)
	}
	if d.Status != qms.StatusOffTrack || d.ComputedBy == nil {
		t.Fatalf("status %s (%s)", d.Status, d.StatusReason)
	}
	// The computed objective is not counted by itself, and a manual one cannot be computed.
	if _, err := f.svc.ComputeMeasurements(ctx, f.org.QualityManager, a.ID); qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("computing a manual objective: %v", err)
	}
	if _, err := f.svc.ComputeMeasurements(ctx, f.org.Auditor, meta.ID); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("an auditor computing: %v", err)
	}
}
