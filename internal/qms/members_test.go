package qms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestMembers_OnlyAdminsManageThem(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	for role, a := range org.Members() {
		_, err := svc.AddMember(ctx, a, qms.NewMember{Email: "new-" + string(role) + "@acme.test", Name: "New", Role: auth.RoleViewer})
		if role == auth.RoleAdmin {
			if err != nil {
				t.Errorf("admin could not add a member: %v", err)
			}
		} else if qms.ErrorKind(err) != qms.KindForbidden {
			t.Errorf("%s adding a member: got %v, want forbidden", role, err)
		}
	}
}

func TestMembers_NewAccountGetsATemporaryPasswordToChange(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	added, err := svc.AddMember(ctx, org.Admin, qms.NewMember{Email: "Newbie@Acme.test", Name: "Nora Newbie", Role: auth.RoleProcessOwner})
	if err != nil {
		t.Fatal(err)
	}
	if !added.NewAccount || len(added.TemporaryPassword) < 12 {
		t.Fatalf("got %+v, want a new account with a temporary password", added)
	}
	u, err := svc.SignIn(ctx, "newbie@acme.test", added.TemporaryPassword, "192.0.2.1")
	if err != nil {
		t.Fatalf("temporary password does not sign in: %v", err)
	}
	if !u.MustChangePassword {
		t.Fatal("a new account must change its temporary password")
	}
}

func TestMembers_AddingAnExistingAccountNeedsNoNameAndNoPassword(t *testing.T) {
	svc, _ := qmstest.New(t)
	acme := qmstest.NewOrg(t, svc, "acme")
	globex := qmstest.NewOrg(t, svc, "globex")
	ctx := context.Background()
	// A consultant already in Globex joins Acme too.
	added, err := svc.AddMember(ctx, acme.Admin, qms.NewMember{Email: globex.QualityManager.Email, Role: auth.RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	if added.NewAccount || added.TemporaryPassword != "" {
		t.Fatalf("an existing account got a new password: %+v", added)
	}
	orgs := qmstest.Must(svc.OrganisationsOf(ctx, globex.QualityManager.UserID))(t)
	if len(orgs) != 2 {
		t.Fatalf("the consultant is in %d organisations, want 2", len(orgs))
	}
	_, err = svc.AddMember(ctx, acme.Admin, qms.NewMember{Email: globex.QualityManager.Email, Role: auth.RoleViewer})
	if qms.FieldErrors(err)["email"] == "" {
		t.Fatalf("adding twice: got %v, want an email field error", err)
	}
}

func TestMembers_NewAccountNeedsAName(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	_, err := svc.AddMember(context.Background(), org.Admin, qms.NewMember{Email: "stranger@acme.test", Role: auth.RoleViewer})
	if qms.FieldErrors(err)["name"] == "" {
		t.Fatalf("got %v, want a name field error", err)
	}
}

func TestMembers_TheLastAdminStays(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	me := memberOf(t, svc, org.Admin, org.Admin.UserID)

	_, err := svc.ChangeMemberRole(ctx, org.Admin, me.UserID, me.Version, auth.RoleViewer)
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("demoting the last admin: got %v, want conflict", err)
	}
	_, err = svc.RemoveMember(ctx, org.Admin, me.UserID, me.Version)
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("removing the last admin: got %v, want conflict", err)
	}

	// With a second admin, the first may step down.
	qm := memberOf(t, svc, org.Admin, org.QualityManager.UserID)
	qmstest.Must(svc.ChangeMemberRole(ctx, org.Admin, qm.UserID, qm.Version, auth.RoleAdmin))(t)
	if _, err := svc.ChangeMemberRole(ctx, org.Admin, me.UserID, me.Version, auth.RoleViewer); err != nil {
		t.Fatalf("stepping down with another admin present: %v", err)
	}
}

func TestMembers_RoleChangeWithAStaleVersionIsAConflict(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	m := memberOf(t, svc, org.Admin, org.Viewer.UserID)
	qmstest.Must(svc.ChangeMemberRole(ctx, org.Admin, m.UserID, m.Version, auth.RoleAuditor))(t)
	_, err := svc.ChangeMemberRole(ctx, org.Admin, m.UserID, m.Version, auth.RoleProcessOwner)
	if qms.ErrorKind(err) != qms.KindConflict {
		t.Fatalf("got %v, want conflict", err)
	}
}

func TestMembers_AProcessOwnerCannotBeRemovedUntilHandedOver(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	p := qmstest.Must(svc.CreateProcess(ctx, org.Admin, qms.ProcessInput{Name: "Production", OwnerID: org.ProcessOwner.UserID}))(t)
	m := memberOf(t, svc, org.Admin, org.ProcessOwner.UserID)
	_, err := svc.RemoveMember(ctx, org.Admin, m.UserID, m.Version)
	if qms.ErrorKind(err) != qms.KindConflict || !strings.Contains(qms.ErrorMessage(err), "Production") {
		t.Fatalf("got %v, want a conflict naming the process", err)
	}
	qmstest.Must(svc.UpdateProcess(ctx, org.Admin, p.ID, p.Version, qms.ProcessInput{Name: p.Name, OwnerID: org.QualityManager.UserID}))(t)
	if _, err := svc.RemoveMember(ctx, org.Admin, m.UserID, m.Version); err != nil {
		t.Fatalf("after hand-over: %v", err)
	}
	if _, err := svc.ActorFor(ctx, m.UserID, "acme"); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("a removed member still resolves: %v", err)
	}
}

func memberOf(t *testing.T, svc *qms.Service, a qms.Actor, userID uuid.UUID) qms.Member {
	t.Helper()
	for _, m := range qmstest.Must(svc.Members(context.Background(), a))(t) {
		if m.UserID == userID {
			return m
		}
	}
	t.Fatalf("member %s not found", userID)
	return qms.Member{}
}
