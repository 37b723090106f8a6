// Package qmstest builds the fixtures service, HTTP and browser tests share: a service on a
// fresh database and organisations with one member per role.
package qmstest

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/evidence"
	"github.com/plumbline/plumbline/internal/qms"
)

// Password is the password of every fixture user.
const Password = "correct horse battery"

func init() {
	// Tests sign in thousands of times; the production work factor would make that slow
	// without testing anything more.
	auth.BcryptCost = bcrypt.MinCost
}

// New returns a service on a fresh database, connected as the server's kind of role.
func New(t testing.TB) (*qms.Service, *dbtest.DB) {
	t.Helper()
	db := dbtest.New(t)
	store, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := qms.New(db.App, qms.Options{Evidence: store})
	// Background work (imports) ends before the database is dropped.
	t.Cleanup(svc.Close)
	return svc, db
}

// WithUploadLimit is another service on db whose upload limit is n bytes.
func WithUploadLimit(t testing.TB, db *dbtest.DB, n int64) *qms.Service {
	t.Helper()
	store, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := qms.New(db.App, qms.Options{Evidence: store, MaxUploadBytes: n})
	t.Cleanup(svc.Close)
	return svc
}

// Org is an organisation with one member in each role.
type Org struct {
	qms.Organisation
	Admin, QualityManager, ProcessOwner, Auditor, Viewer qms.Actor
}

// Members returns the fixture's actors by role.
func (o Org) Members() map[auth.Role]qms.Actor {
	return map[auth.Role]qms.Actor{
		auth.RoleAdmin: o.Admin, auth.RoleQualityManager: o.QualityManager,
		auth.RoleProcessOwner: o.ProcessOwner, auth.RoleAuditor: o.Auditor, auth.RoleViewer: o.Viewer,
	}
}

// Email is the fixture email of role in the organisation slug.
func Email(slug string, role auth.Role) string { return string(role) + "@" + slug + ".test" }

// NewOrg creates an organisation named after slug with a member per role.
func NewOrg(t testing.TB, svc *qms.Service, slug string) Org {
	t.Helper()
	ctx := context.Background()
	org, err := svc.CreateOrganisation(ctx, slug, "Org "+slug, "test")
	if err != nil {
		t.Fatalf("creating organisation %s: %v", slug, err)
	}
	o := Org{Organisation: org}
	system := qms.SystemActor(org, "test")
	for _, role := range auth.Roles {
		u, err := svc.CreateUser(ctx, qms.NewUser{Email: Email(slug, role), Name: role.Label() + " of " + slug, Password: Password})
		if err != nil {
			t.Fatalf("creating user: %v", err)
		}
		if _, err := svc.AddMember(ctx, system, qms.NewMember{Email: u.Email, Role: role}); err != nil {
			t.Fatalf("adding member: %v", err)
		}
		a, err := svc.ActorFor(ctx, u.ID, slug)
		if err != nil {
			t.Fatalf("resolving actor: %v", err)
		}
		switch role {
		case auth.RoleAdmin:
			o.Admin = a
		case auth.RoleQualityManager:
			o.QualityManager = a
		case auth.RoleProcessOwner:
			o.ProcessOwner = a
		case auth.RoleAuditor:
			o.Auditor = a
		case auth.RoleViewer:
			o.Viewer = a
		}
	}
	return o
}

// Must takes a call's two results and returns a check that fails the test on the error and
// otherwise yields the value: Must(svc.Sites(ctx, a))(t). It is for steps that set up what a
// test is about, not for the step under test.
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// Eventually waits for cond, which something in the background makes true (an announcement
// heard from the database, a connection made again), for up to ten seconds: long enough on
// any machine, and a test that fails still ends.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
