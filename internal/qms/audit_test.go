package qms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestAuditTrail_EveryChangeWritesAnEntry(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	a := org.Admin

	site := qmstest.Must(svc.CreateSite(ctx, a, qms.SiteInput{Name: "Leeds"}))(t)
	site = qmstest.Must(svc.UpdateSite(ctx, a, site.ID, site.Version, qms.SiteInput{Name: "Leeds Plant"}))(t)
	site = qmstest.Must(svc.SetSiteArchived(ctx, a, site.ID, site.Version, true))(t)
	qmstest.Must(svc.SetSiteArchived(ctx, a, site.ID, site.Version, false))(t)
	p := qmstest.Must(svc.CreateProcess(ctx, a, qms.ProcessInput{Name: "Sales", OwnerID: org.ProcessOwner.UserID}))(t)
	p = qmstest.Must(svc.UpdateProcess(ctx, a, p.ID, p.Version, qms.ProcessInput{Name: "Sales & service", OwnerID: org.ProcessOwner.UserID}))(t)
	p = qmstest.Must(svc.SetProcessArchived(ctx, a, p.ID, p.Version, true))(t)
	qmstest.Must(svc.SetProcessArchived(ctx, a, p.ID, p.Version, false))(t)
	added := qmstest.Must(svc.AddMember(ctx, a, qms.NewMember{Email: "new@acme.test", Name: "New Person", Role: auth.RoleViewer}))(t)
	m := qmstest.Must(svc.ChangeMemberRole(ctx, a, added.Member.UserID, added.Member.Version, auth.RoleAuditor))(t)
	qmstest.Must(svc.RemoveMember(ctx, a, m.UserID, m.Version))(t)

	want := []string{
		"site.create", "site.update", "site.archive", "site.restore",
		"process.create", "process.update", "process.archive", "process.restore",
		"member.add", "member.role_change", "member.remove",
	}
	page := qmstest.Must(svc.AuditTrail(ctx, a, qms.AuditFilter{Limit: 200}))(t)
	var got []string
	for i := len(page.Entries) - 1; i >= 0; i-- { // oldest first
		e := page.Entries[i]
		if e.Action == "member.add" && e.ActorName == "test" {
			continue // the fixture's own set-up
		}
		if e.Action == "organisation.create" || e.Action == "record_type.defaults" {
			continue // creating the organisation, with its default record types
		}
		got = append(got, e.Action)
		if e.ActorName != a.Name {
			t.Errorf("%s was recorded as done by %q, want %q", e.Action, e.ActorName, a.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("trail:\n got %v\nwant %v", got, want)
	}
	// Updates carry the state before and after.
	for _, e := range page.Entries {
		if e.Action == "site.update" && (!strings.Contains(string(e.Before), `"Leeds"`) || !strings.Contains(string(e.After), `"Leeds Plant"`)) {
			t.Errorf("site.update before/after: %s → %s", e.Before, e.After)
		}
	}
}

func TestAuditTrail_OnlyAdminsAndQualityManagersReadIt(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	for role, a := range org.Members() {
		_, err := svc.AuditTrail(context.Background(), a, qms.AuditFilter{})
		allowed := role == auth.RoleAdmin || role == auth.RoleQualityManager
		if allowed && err != nil || !allowed && qms.ErrorKind(err) != qms.KindForbidden {
			// Admins and quality managers read it; everyone else is refused.
			t.Errorf("%s reading the trail: %v", role, err)
		}
	}
}

func TestAuditTrail_PagesBackwardsWithoutGapsOrRepeats(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	for i := range 7 {
		qmstest.Must(svc.CreateSite(ctx, org.Admin, qms.SiteInput{Name: "Site " + string(rune('A'+i))}))(t)
	}
	var seen []int64
	f := qms.AuditFilter{EntityType: "site", Limit: 3}
	for {
		page := qmstest.Must(svc.AuditTrail(ctx, org.Admin, f))(t)
		for _, e := range page.Entries {
			seen = append(seen, e.Seq)
		}
		if page.NextBeforeSeq == 0 {
			break
		}
		f.BeforeSeq = page.NextBeforeSeq
	}
	if len(seen) != 7 {
		t.Fatalf("saw %d entries over the pages, want 7: %v", len(seen), seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("not strictly newest first: %v", seen)
		}
	}
}

func TestAuditTrail_VerifyPassesWhenIntact(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	qmstest.Must(svc.CreateSite(context.Background(), org.Admin, qms.SiteInput{Name: "Leeds"}))(t)
	res := qmstest.Must(svc.VerifyAuditTrail(context.Background(), "acme"))(t)
	if !res.Intact || res.Entries < 6 {
		t.Fatalf("got %+v, want an intact trail", res)
	}
}

func TestAuditTrail_VerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name    string
		sql     string
		wantSeq int64
		problem string
	}{
		{"altered content", `UPDATE audit_log SET summary = 'Nothing happened here' WHERE seq = 3`, 3, "altered"},
		{"altered actor", `UPDATE audit_log SET actor_name = 'Someone else' WHERE seq = 2`, 2, "altered"},
		{"re-hashed entry", `UPDATE audit_log SET summary = 'forged', hash = audit_entry_hash(prev_hash, tenant_id, seq, occurred_at, actor_id, actor_name, action, entity_type, entity_id, 'forged', before, after) WHERE seq = 3`, 4, "link"},
		{"deleted entry", `DELETE FROM audit_log WHERE seq = 4`, 4, "missing"},
		{"deleted tail", `DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)`, 0, "removed from the end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc, db := qmstest.New(t)
			org := qmstest.NewOrg(t, svc, "acme")
			ctx := context.Background()
			qmstest.Must(svc.CreateSite(ctx, org.Admin, qms.SiteInput{Name: "Leeds"}))(t)
			before := qmstest.Must(svc.VerifyAuditTrail(ctx, "acme"))(t)

			conn := qmstest.Must(db.Admin.Acquire(ctx))(t)
			defer conn.Release()
			// The most an attacker with database access can do: the superuser, with the
			// append-only triggers switched off by replica mode.
			if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, tc.sql+` AND tenant_id = $1`, org.ID); err != nil {
				t.Fatal(err)
			}
			res := qmstest.Must(svc.VerifyAuditTrail(ctx, "acme"))(t)
			if res.Intact {
				t.Fatal("verify did not notice")
			}
			want := tc.wantSeq
			if want == 0 {
				want = before.Entries
			}
			if res.BadSeq != want || !strings.Contains(res.Problem, tc.problem) {
				t.Fatalf("got entry %d (%s), want entry %d (%s)", res.BadSeq, res.Problem, want, tc.problem)
			}
		})
	}
}

func TestAuditTrail_IsAppendOnlyEvenForTheOwner(t *testing.T) {
	svc, db := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()

	// The server's role has no UPDATE or DELETE privilege at all.
	err := database.Tx(ctx, db.App, database.Scope{TenantID: org.ID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE audit_log SET summary = 'x' WHERE tenant_id = $1`, org.ID)
		return err
	})
	if database.ErrorCode(err) != database.CodeInsufficientPriv {
		t.Fatalf("server role updating the trail: got %v, want permission denied", err)
	}
	// The owner (here the superuser) is stopped by the trigger.
	for _, sql := range []string{
		`UPDATE audit_log SET summary = 'x' WHERE tenant_id = $1`,
		`DELETE FROM audit_log WHERE tenant_id = $1`,
	} {
		if _, err := db.Admin.Exec(ctx, sql, org.ID); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s as owner: got %v, want refused as append-only", sql, err)
		}
	}
	if _, err := db.Admin.Exec(ctx, `TRUNCATE audit_log CASCADE`); err == nil {
		t.Error("TRUNCATE as owner was allowed")
	}
}
