package qms_test

import (
	"context"
	"testing"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestSites_OnlyAdminsChangeThem(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	for role, a := range org.Members() {
		_, err := svc.CreateSite(context.Background(), a, qms.SiteInput{Name: "Site of " + string(role)})
		if role == auth.RoleAdmin {
			if err != nil {
				t.Errorf("admin creating a site: %v", err)
			}
		} else if qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s creating a site: got %v, want forbidden", role, err)
		}
	}
}

func TestSites_InputIsValidatedFieldByField(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	long := string(make([]byte, 30))
	_, err := svc.CreateSite(context.Background(), org.Admin, qms.SiteInput{Name: "   ", Code: long})
	fields := qms.FieldErrors(err)
	if qms.ErrorKind(err) != qms.KindInvalid || fields["name"] == "" || fields["code"] == "" {
		t.Fatalf("got %v %v, want name and code errors", err, fields)
	}
}

func TestSites_NamesAreUniqueWithinAnOrganisationOnly(t *testing.T) {
	svc, _ := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	ctx := context.Background()
	qmstest.Must(svc.CreateSite(ctx, acme.Admin, qms.SiteInput{Name: "Leeds"}))(t)
	if _, err := svc.CreateSite(ctx, acme.Admin, qms.SiteInput{Name: "LEEDS"}); qms.FieldErrors(err)["name"] == "" {
		t.Fatalf("duplicate name: got %v, want a name field error", err)
	}
	if _, err := svc.CreateSite(ctx, globex.Admin, qms.SiteInput{Name: "Leeds"}); err != nil {
		t.Fatalf("the same name in another organisation: %v", err)
	}
}

func TestSites_AStaleEditIsAConflictAndChangesNothing(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	site := qmstest.Must(svc.CreateSite(ctx, org.Admin, qms.SiteInput{Name: "Leeds"}))(t)
	qmstest.Must(svc.UpdateSite(ctx, org.Admin, site.ID, site.Version, qms.SiteInput{Name: "Leeds Plant"}))(t)

	_, err := svc.UpdateSite(ctx, org.Admin, site.ID, site.Version, qms.SiteInput{Name: "Leeds Works"})
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("got %v, want conflict", err)
	}
	now := qmstest.Must(svc.Site(ctx, org.Admin, site.ID))(t)
	if now.Name != "Leeds Plant" || now.Version != site.Version+1 {
		t.Fatalf("the stale edit changed the site: %+v", now)
	}
}

func TestSites_ArchiveAndRestore(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	site := qmstest.Must(svc.CreateSite(ctx, org.Admin, qms.SiteInput{Name: "Bradford"}))(t)
	archived := qmstest.Must(svc.SetSiteArchived(ctx, org.Admin, site.ID, site.Version, true))(t)
	if !archived.Archived() {
		t.Fatal("not archived")
	}
	restored := qmstest.Must(svc.SetSiteArchived(ctx, org.Admin, site.ID, archived.Version, false))(t)
	if restored.Archived() {
		t.Fatal("not restored")
	}
}

func TestSites_AnotherOrganisationsSiteIsNotFound(t *testing.T) {
	svc, _ := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	ctx := context.Background()
	theirs := qmstest.Must(svc.CreateSite(ctx, globex.Admin, qms.SiteInput{Name: "Springfield"}))(t)
	if _, err := svc.Site(ctx, acme.Admin, theirs.ID); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("reading: got %v, want not found", err)
	}
	if _, err := svc.UpdateSite(ctx, acme.Admin, theirs.ID, theirs.Version, qms.SiteInput{Name: "Mine now"}); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("updating: got %v, want not found", err)
	}
}

func TestProcesses_TheOwnerMustBeAMemberOfTheSameOrganisation(t *testing.T) {
	svc, _ := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	_, err := svc.CreateProcess(context.Background(), acme.Admin, qms.ProcessInput{Name: "Sales", OwnerID: globex.ProcessOwner.UserID})
	if qms.FieldErrors(err)["owner_user_id"] == "" {
		t.Fatalf("got %v, want an owner field error", err)
	}
	_, err = svc.CreateProcess(context.Background(), acme.Admin, qms.ProcessInput{Name: "Sales"})
	if qms.FieldErrors(err)["owner_user_id"] == "" {
		t.Fatalf("no owner: got %v, want an owner field error", err)
	}
}

func TestProcesses_HandOverIsRecordedWithBothNames(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	p := qmstest.Must(svc.CreateProcess(ctx, org.Admin, qms.ProcessInput{Name: "Production", OwnerID: org.ProcessOwner.UserID}))(t)
	qmstest.Must(svc.UpdateProcess(ctx, org.Admin, p.ID, p.Version, qms.ProcessInput{Name: "Production", OwnerID: org.QualityManager.UserID}))(t)
	trail := qmstest.Must(svc.AuditTrail(ctx, org.Admin, qms.AuditFilter{EntityType: "process", EntityID: p.ID.String()}))(t)
	if len(trail.Entries) != 2 {
		t.Fatalf("%d entries, want 2", len(trail.Entries))
	}
	want := "Handed process Production from " + org.ProcessOwner.Name + " to " + org.QualityManager.Name
	if trail.Entries[0].Summary != want {
		t.Fatalf("summary %q, want %q", trail.Entries[0].Summary, want)
	}
}
