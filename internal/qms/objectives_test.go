package qms_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// today is the fixed "now" of these tests: late November 2026.
var today = time.Date(2026, time.November, 23, 10, 0, 0, 0, time.UTC)

type objectiveFixture struct {
	svc     *qms.Service
	org     qmstest.Org
	process qms.Process
}

func newObjectiveFixture(t *testing.T) objectiveFixture {
	t.Helper()
	svc, _ := qmstest.New(t)
	svc.SetClock(func() time.Time { return today })
	org := qmstest.NewOrg(t, svc, "acme")
	p := qmstest.Must(svc.CreateProcess(context.Background(), org.Admin, qms.ProcessInput{Name: "Dispatch", OwnerID: org.ProcessOwner.UserID}))(t)
	return objectiveFixture{svc: svc, org: org, process: p}
}

// otd is a typical objective: on-time delivery at least 95 %, monthly, from January 2026,
// owned by the organisation's process owner.
func (f objectiveFixture) otd() qms.ObjectiveInput {
	return qms.ObjectiveInput{
		Title: "On-time delivery", OwnerID: f.org.ProcessOwner.UserID, ProcessID: f.process.ID,
		TargetValue: "95", Unit: "%", Direction: qms.AtLeast, Tolerance: "2", Frequency: qms.Monthly,
		StartDate: "2026-01-01", ReviewDate: "2026-12-31",
	}
}

func (f objectiveFixture) create(t *testing.T, in qms.ObjectiveInput) qms.Objective {
	t.Helper()
	return qmstest.Must(f.svc.CreateObjective(context.Background(), f.org.QualityManager, in))(t)
}

func (f objectiveFixture) record(t *testing.T, a qms.Actor, o qms.Objective, period, value string) qms.Measurement {
	t.Helper()
	return qmstest.Must(f.svc.RecordMeasurement(context.Background(), a, o.ID, qms.MeasurementInput{Period: period, Value: value}))(t).Measurement
}

func (f objectiveFixture) status(t *testing.T, o qms.Objective) qms.Objective {
	t.Helper()
	return qmstest.Must(f.svc.Objective(context.Background(), f.org.Viewer, o.ID))(t)
}

func TestObjectives_OnlyQualityManagersAndAdminsSetThem(t *testing.T) {
	f := newObjectiveFixture(t)
	for role, a := range f.org.Members() {
		in := f.otd()
		in.Title = "Objective of " + string(role)
		_, err := f.svc.CreateObjective(context.Background(), a, in)
		if role == auth.RoleAdmin || role == auth.RoleQualityManager {
			if err != nil {
				t.Errorf("%s setting an objective: %v", role, err)
			}
		} else if qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s setting an objective: got %v, want forbidden", role, err)
		}
	}
}

func TestObjectives_InputIsValidatedFieldByField(t *testing.T) {
	f := newObjectiveFixture(t)
	_, err := f.svc.CreateObjective(context.Background(), f.org.QualityManager, qms.ObjectiveInput{
		Title: " ", TargetValue: "ninety-five", Tolerance: "-1", Direction: "sideways", Frequency: "hourly",
		Source: "crystal_ball", StartDate: "2026-12-01", ReviewDate: "2026-01-01",
	})
	fields := qms.FieldErrors(err)
	for _, field := range []string{"title", "owner_user_id", "process_id", "target_value", "tolerance", "direction", "frequency", "source", "review_date"} {
		if fields[field] == "" {
			t.Errorf("no message for %s (got %v)", field, fields)
		}
	}
	// A process of another organisation is not one of ours.
	globex := qmstest.NewOrg(t, f.svc, "globex")
	theirs := qmstest.Must(f.svc.CreateProcess(context.Background(), globex.Admin, qms.ProcessInput{Name: "Theirs", OwnerID: globex.Admin.UserID}))(t)
	in := f.otd()
	in.ProcessID = theirs.ID
	if _, err := f.svc.CreateObjective(context.Background(), f.org.QualityManager, in); qms.FieldErrors(err)["process_id"] == "" {
		t.Fatalf("another organisation's process: got %v, want a process_id message", err)
	}
	in = f.otd()
	in.OwnerID = globex.Admin.UserID
	if _, err := f.svc.CreateObjective(context.Background(), f.org.QualityManager, in); qms.FieldErrors(err)["owner_user_id"] == "" {
		t.Fatalf("an owner from another organisation: got %v, want an owner message", err)
	}
	f.create(t, f.otd())
	if _, err := f.svc.CreateObjective(context.Background(), f.org.QualityManager, f.otd()); qms.FieldErrors(err)["title"] == "" {
		t.Fatalf("a second objective with the same title: got %v", err)
	}
}

func TestObjectives_WithoutMeasurementsTheStatusIsNoData(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	if o.Status != qms.StatusNoData || o.LatestValue != nil {
		t.Fatalf("a new objective is %s with latest %v, want no data", o.Status, o.LatestValue)
	}
}

func TestMeasurements_StatusFollowsTheLatestValueAndTheTarget(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	o := f.create(t, f.otd())
	owner := f.org.ProcessOwner
	for _, step := range []struct {
		period, value string
		want          qms.Status
	}{
		{"2026-01", "97.5", qms.StatusOnTrack},
		{"2026-02", "94", qms.StatusAtRisk},     // misses by 1, within 2
		{"2026-03", "91.4", qms.StatusOffTrack}, // misses by 3.6
		{"2026-04", "96", qms.StatusOnTrack},
	} {
		f.record(t, owner, o, step.period, step.value)
		if got := f.status(t, o); got.Status != step.want {
			t.Fatalf("after %s = %s: %s (%s), want %s", step.period, step.value, got.Status, got.StatusReason, step.want)
		}
	}
	// A stricter target re-judges the recorded values at once.
	o = f.status(t, o)
	in := f.otd()
	in.TargetValue = "98.5"
	o = qmstest.Must(f.svc.UpdateObjective(ctx, f.org.QualityManager, o.ID, o.Version, in))(t)
	if o.Status != qms.StatusOffTrack || !strings.Contains(o.StatusReason, "at least 98.5%") {
		t.Fatalf("after raising the target: %s (%s)", o.Status, o.StatusReason)
	}
}

func TestMeasurements_OwnerAndQualityManagersRecordOthersAreForbidden(t *testing.T) {
	f := newObjectiveFixture(t)
	in := f.otd()
	in.OwnerID = f.org.Viewer.UserID // an owner whose role grants nothing
	o := f.create(t, in)
	months := []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05"}
	i := 0
	for role, a := range f.org.Members() {
		_, err := f.svc.RecordMeasurement(context.Background(), a, o.ID, qms.MeasurementInput{Period: months[i], Value: "96"})
		allowed := role == auth.RoleViewer || role == auth.RoleQualityManager || role == auth.RoleAdmin
		switch {
		case allowed && err != nil:
			t.Errorf("%s recording: %v", role, err)
		case !allowed && qms.ErrorKind(err) != qms.KindForbidden:
			t.Errorf("%s (not the owner) recording: got %v, want forbidden", role, err)
		}
		i++
	}
	d := qmstest.Must(f.svc.ObjectiveDetail(context.Background(), f.org.Auditor, o.ID))(t)
	if len(d.Measurements) != 3 || d.CanRecord {
		t.Fatalf("%d values recorded, auditor may record: %v; want 3 and false", len(d.Measurements), d.CanRecord)
	}
	if !qmstest.Must(f.svc.ObjectiveDetail(context.Background(), f.org.Viewer, o.ID))(t).CanRecord {
		t.Fatal("the owner is not offered the form")
	}
}

func TestMeasurements_APeriodHasOneValueWhichIsCorrectedNotOverwritten(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	f.record(t, f.org.ProcessOwner, o, "2026-10", "96")
	// The same period again, written another way, is refused with a pointer to correcting it.
	_, err := f.svc.RecordMeasurement(context.Background(), f.org.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-10-31", Value: "90"})
	if msg := qms.FieldErrors(err)["period"]; !strings.Contains(msg, "Oct 2026 already has a value (96%)") {
		t.Fatalf("got %v %q", err, msg)
	}
	d := qmstest.Must(f.svc.ObjectiveDetail(context.Background(), f.org.Viewer, o.ID))(t)
	if len(d.Measurements) != 1 || d.Measurements[0].Value != 96 {
		t.Fatalf("values %+v", d.Measurements)
	}
}

func TestMeasurements_PeriodsMustHaveBegunAndNotPrecedeTheStart(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	for period, want := range map[string]string{
		"2026-12": "Dec 2026 has not begun yet.",
		"2025-12": "The objective starts in Jan 2026; Dec 2025 is before that.",
		"2026-Q3": "Enter a month like 2026-11, or a date in it.",
		"":        "Enter the period",
	} {
		_, err := f.svc.RecordMeasurement(context.Background(), f.org.ProcessOwner, o.ID, qms.MeasurementInput{Period: period, Value: "96"})
		if msg := qms.FieldErrors(err)["period"]; !strings.Contains(msg, want) {
			t.Errorf("period %q: got %v %q, want %q", period, err, msg, want)
		}
	}
	_, err := f.svc.RecordMeasurement(context.Background(), f.org.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-11", Value: "NaN"})
	if qms.FieldErrors(err)["value"] == "" {
		t.Fatalf("NaN accepted: %v", err)
	}
	// The current period may be recorded.
	f.record(t, f.org.ProcessOwner, o, "2026-11", "96.4%")
}

func TestMeasurements_ACorrectionNeedsTheCurrentVersionAndAReasonAndIsKeptInTheTrail(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	in := f.otd()
	in.Direction, in.TargetValue, in.Tolerance, in.Title = qms.AtMost, "1.5", "0.3", "Scrap rate"
	o := f.create(t, in)
	m := f.record(t, f.org.ProcessOwner, o, "2026-03", "1.3")

	_, err := f.svc.CorrectMeasurement(ctx, f.org.ProcessOwner, o.ID, m.ID, m.Version, qms.MeasurementCorrection{Value: "1.6"})
	if qms.FieldErrors(err)["reason"] == "" {
		t.Fatalf("a correction without a reason: %v", err)
	}
	_, err = f.svc.CorrectMeasurement(ctx, f.org.ProcessOwner, o.ID, m.ID, m.Version, qms.MeasurementCorrection{Value: "1.3", Reason: "none"})
	if qms.FieldErrors(err)["value"] == "" {
		t.Fatalf("a correction that changes nothing: %v", err)
	}
	fixed := qmstest.Must(f.svc.CorrectMeasurement(ctx, f.org.QualityManager, o.ID, m.ID, m.Version,
		qms.MeasurementCorrection{Value: "1.8", Reason: "Late NCR bookings for batch 2291"}))(t).Measurement
	if fixed.Value != 1.8 || fixed.Version != m.Version+1 || fixed.CorrectedByName == nil {
		t.Fatalf("corrected: %+v", fixed)
	}
	if got := f.status(t, o); got.Status != qms.StatusAtRisk {
		t.Fatalf("after the correction the status is %s (%s), want at risk", got.Status, got.StatusReason)
	}
	// The owner, working from the page they loaded before, is told and changes nothing.
	_, err = f.svc.CorrectMeasurement(ctx, f.org.ProcessOwner, o.ID, m.ID, m.Version, qms.MeasurementCorrection{Value: "1.4", Reason: "typo"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("a stale correction: got %v, want conflict", err)
	}
	d := qmstest.Must(f.svc.ObjectiveDetail(ctx, f.org.Viewer, o.ID))(t)
	if d.Measurements[0].Value != 1.8 {
		t.Fatalf("the stale correction changed the value to %v", d.Measurements[0].Value)
	}
	if len(d.Corrections) != 1 || !strings.Contains(d.Corrections[0].Summary, "from 1.3% to 1.8%: Late NCR bookings for batch 2291") {
		t.Fatalf("corrections %+v", d.Corrections)
	}
	var before, after struct {
		Value  float64 `json:"value"`
		Reason string  `json:"reason"`
	}
	if json.Unmarshal(d.Corrections[0].Before, &before) != nil || json.Unmarshal(d.Corrections[0].After, &after) != nil ||
		before.Value != 1.3 || after.Value != 1.8 || after.Reason != "Late NCR bookings for batch 2291" {
		t.Fatalf("the trail does not keep both values and the reason: %s → %s", d.Corrections[0].Before, d.Corrections[0].After)
	}
	// Someone who may not record may not correct either.
	if _, err := f.svc.CorrectMeasurement(ctx, f.org.Auditor, o.ID, m.ID, fixed.Version, qms.MeasurementCorrection{Value: "1", Reason: "x"}); qms.ErrorKind(err) != qms.KindForbidden {
		t.Fatalf("an auditor correcting: %v", err)
	}
}

func TestMeasurements_ArchivedObjectivesTakeNoValues(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	qmstest.Must(f.svc.SetObjectiveArchived(context.Background(), f.org.QualityManager, o.ID, o.Version, true))(t)
	_, err := f.svc.RecordMeasurement(context.Background(), f.org.ProcessOwner, o.ID, qms.MeasurementInput{Period: "2026-11", Value: "96"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("recording on an archived objective: %v", err)
	}
}

func TestObjectives_FrequencyStaysOnceValuesAreRecorded(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	f.record(t, f.org.ProcessOwner, o, "2026-02", "96")
	in := f.otd()
	in.Frequency = qms.Quarterly
	in.StartDate = "2026-03-01"
	_, err := f.svc.UpdateObjective(context.Background(), f.org.QualityManager, o.ID, o.Version, in)
	fields := qms.FieldErrors(err)
	if fields["frequency"] == "" || fields["start_date"] == "" {
		t.Fatalf("got %v, want frequency and start date messages", fields)
	}
}

func TestObjectives_AnotherOrganisationsObjectiveIsNotFound(t *testing.T) {
	f := newObjectiveFixture(t)
	o := f.create(t, f.otd())
	m := f.record(t, f.org.ProcessOwner, o, "2026-10", "96")
	globex := qmstest.NewOrg(t, f.svc, "globex")
	ctx := context.Background()
	for name, err := range map[string]error{
		"read":    second(f.svc.Objective(ctx, globex.Admin, o.ID)),
		"record":  second(f.svc.RecordMeasurement(ctx, globex.Admin, o.ID, qms.MeasurementInput{Period: "2026-11", Value: "1"})),
		"correct": second(f.svc.CorrectMeasurement(ctx, globex.Admin, o.ID, m.ID, m.Version, qms.MeasurementCorrection{Value: "1", Reason: "x"})),
		"update":  second(f.svc.UpdateObjective(ctx, globex.Admin, o.ID, o.Version, f.otd())),
	} {
		if qms.ErrorKind(err) != qms.KindNotFound {
			t.Errorf("%s from another organisation: got %v, want not found", name, err)
		}
	}
	// A measurement named under another of our objectives is not found either.
	in := f.otd()
	in.Title = "Other"
	other := f.create(t, in)
	if _, err := f.svc.CorrectMeasurement(ctx, f.org.QualityManager, other.ID, m.ID, m.Version, qms.MeasurementCorrection{Value: "1", Reason: "x"}); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("a measurement under the wrong objective: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestObjectives_ListFiltersAndPages(t *testing.T) {
	f := newObjectiveFixture(t)
	ctx := context.Background()
	other := qmstest.Must(f.svc.CreateProcess(ctx, f.org.Admin, qms.ProcessInput{Name: "Production", OwnerID: f.org.QualityManager.UserID}))(t)
	add := func(title string, process uuid.UUID, owner qms.Actor, value string) {
		in := f.otd()
		in.Title, in.ProcessID, in.OwnerID = title, process, owner.UserID
		o := f.create(t, in)
		if value != "" {
			f.record(t, f.org.QualityManager, o, "2026-10", value)
		}
	}
	add("Alpha", f.process.ID, f.org.ProcessOwner, "97")
	add("Bravo", f.process.ID, f.org.ProcessOwner, "90")
	add("Charlie", other.ID, f.org.QualityManager, "94")
	add("Delta", other.ID, f.org.QualityManager, "")
	titles := func(l qms.ObjectiveList) string {
		var s []string
		for _, o := range l.Objectives {
			s = append(s, o.Title)
		}
		return strings.Join(s, ",")
	}
	for name, tc := range map[string]struct {
		filter qms.ObjectiveFilter
		want   string
	}{
		"all":        {qms.ObjectiveFilter{}, "Alpha,Bravo,Charlie,Delta"},
		"process":    {qms.ObjectiveFilter{ProcessID: other.ID}, "Charlie,Delta"},
		"owner":      {qms.ObjectiveFilter{OwnerID: f.org.ProcessOwner.UserID}, "Alpha,Bravo"},
		"off track":  {qms.ObjectiveFilter{Status: qms.StatusOffTrack}, "Bravo"},
		"at risk":    {qms.ObjectiveFilter{Status: qms.StatusAtRisk}, "Charlie"},
		"no data":    {qms.ObjectiveFilter{Status: qms.StatusNoData}, "Delta"},
		"combined":   {qms.ObjectiveFilter{ProcessID: other.ID, Status: qms.StatusNoData}, "Delta"},
		"archived":   {qms.ObjectiveFilter{Archived: true}, ""},
		"first page": {qms.ObjectiveFilter{Limit: 3}, "Alpha,Bravo,Charlie"},
		"next page":  {qms.ObjectiveFilter{Limit: 3, After: "charlie"}, "Delta"},
	} {
		l := qmstest.Must(f.svc.Objectives(ctx, f.org.Viewer, tc.filter))(t)
		if got := titles(l); got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	page := qmstest.Must(f.svc.Objectives(ctx, f.org.Viewer, qms.ObjectiveFilter{Limit: 3}))(t)
	if page.Next != "charlie" {
		t.Errorf("cursor %q", page.Next)
	}
	if page.Counts[qms.StatusOnTrack] != 1 || page.Counts[qms.StatusOffTrack] != 1 || page.Counts[qms.StatusNoData] != 1 {
		t.Errorf("counts %v", page.Counts)
	}
	if len(page.Objectives[0].Recent) != 1 || page.Objectives[0].Recent[0].Value != 97 {
		t.Errorf("sparkline values %+v", page.Objectives[0].Recent)
	}
}
