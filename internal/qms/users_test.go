package qms_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func TestSignIn_RightPasswordSignsIn(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	u, err := svc.SignIn(context.Background(), "  Admin@ACME.test ", qmstest.Password, "192.0.2.1")
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	if u.ID != org.Admin.UserID {
		t.Fatalf("signed in as %v, want the admin %v", u.ID, org.Admin.UserID)
	}
}

// A session's account is read with its name and email; an account that no longer exists is
// not found, so the session is sent to sign in again.
func TestUserByID_ReadsTheAccountOrSaysItIsGone(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	u, err := svc.UserByID(ctx, org.Auditor.UserID)
	if err != nil || u.ID != org.Auditor.UserID || u.Email != qmstest.Email("acme", auth.RoleAuditor) || u.Name == "" {
		t.Fatalf("read %+v, %v", u, err)
	}
	if _, err := svc.UserByID(ctx, uuid.New()); qms.ErrorKind(err) != qms.KindNotFound {
		t.Fatalf("an unknown account: %v, want not found", err)
	}
}

func TestSignIn_WrongPasswordAndUnknownEmailGetTheSameAnswer(t *testing.T) {
	svc, _ := qmstest.New(t)
	qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	_, wrongPassword := svc.SignIn(ctx, qmstest.Email("acme", auth.RoleAdmin), "not the password", "192.0.2.1")
	_, unknownEmail := svc.SignIn(ctx, "nobody@acme.test", qmstest.Password, "192.0.2.1")
	for name, err := range map[string]error{"wrong password": wrongPassword, "unknown email": unknownEmail} {
		if qms.ErrorKind(err) != qms.KindUnauthenticated || qms.ErrorMessage(err) != "Email or password is incorrect." {
			t.Errorf("%s: got %v, want the one generic answer", name, err)
		}
	}
}

func TestSignIn_AccountIsThrottledAfterFiveFailures(t *testing.T) {
	svc, _ := qmstest.New(t)
	qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	email := qmstest.Email("acme", auth.RoleViewer)
	for i := range 5 {
		// Different addresses: the account's own count must trip, not the address's.
		if _, err := svc.SignIn(ctx, email, "wrong password", "192.0.2."+string(rune('1'+i))); qms.ErrorKind(err) != qms.KindUnauthenticated {
			t.Fatalf("attempt %d: got %v", i+1, err)
		}
	}
	_, err := svc.SignIn(ctx, email, qmstest.Password, "198.51.100.7")
	if qms.ErrorKind(err) != qms.KindRateLimited {
		t.Fatalf("after 5 failures the right password got %v, want rate limited", err)
	}
	// Another account is not affected.
	if _, err := svc.SignIn(ctx, qmstest.Email("acme", auth.RoleAdmin), qmstest.Password, "198.51.100.7"); err != nil {
		t.Fatalf("another account was throttled too: %v", err)
	}
}

func TestSignIn_AddressIsThrottledAfterTwentyFailures(t *testing.T) {
	svc, _ := qmstest.New(t)
	qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	for i := range 20 {
		// Twenty different (unknown) accounts from one address.
		email := "guess" + string(rune('a'+i)) + "@acme.test"
		if _, err := svc.SignIn(ctx, email, "guess", "203.0.113.9"); qms.ErrorKind(err) != qms.KindUnauthenticated {
			t.Fatalf("attempt %d: got %v", i+1, err)
		}
	}
	if _, err := svc.SignIn(ctx, qmstest.Email("acme", auth.RoleAdmin), qmstest.Password, "203.0.113.9"); qms.ErrorKind(err) != qms.KindRateLimited {
		t.Fatalf("the address was not throttled: %v", err)
	}
	if _, err := svc.SignIn(ctx, qmstest.Email("acme", auth.RoleAdmin), qmstest.Password, "203.0.113.10"); err != nil {
		t.Fatalf("another address was throttled too: %v", err)
	}
}

func TestSignIn_SuccessClearsTheAccountsFailures(t *testing.T) {
	svc, _ := qmstest.New(t)
	qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	email := qmstest.Email("acme", auth.RoleAuditor)
	for range 4 {
		_, _ = svc.SignIn(ctx, email, "wrong password", "192.0.2.1")
	}
	if _, err := svc.SignIn(ctx, email, qmstest.Password, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_, _ = svc.SignIn(ctx, email, "wrong password", "192.0.2.1")
	}
	if _, err := svc.SignIn(ctx, email, qmstest.Password, "192.0.2.1"); err != nil {
		t.Fatalf("failures before a success still counted: %v", err)
	}
}

func TestCreateUser_ValidatesEveryField(t *testing.T) {
	svc, _ := qmstest.New(t)
	_, err := svc.CreateUser(context.Background(), qms.NewUser{Email: "not-an-email", Name: " ", Password: "short"})
	fields := qms.FieldErrors(err)
	for _, f := range []string{"email", "name", "password"} {
		if fields[f] == "" {
			t.Errorf("no message for %s in %v", f, fields)
		}
	}
}

func TestCreateUser_EmailIsUniqueWhateverItsCase(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx := context.Background()
	qmstest.Must(svc.CreateUser(ctx, qms.NewUser{Email: "ann@example.com", Name: "Ann", Password: qmstest.Password}))(t)
	_, err := svc.CreateUser(ctx, qms.NewUser{Email: "ANN@example.com", Name: "Ann again", Password: qmstest.Password})
	if qms.FieldErrors(err)["email"] == "" {
		t.Fatalf("got %v, want an email field error", err)
	}
}

func TestChangePassword(t *testing.T) {
	svc, _ := qmstest.New(t)
	org := qmstest.NewOrg(t, svc, "acme")
	ctx := context.Background()
	id := org.Viewer.UserID

	err := svc.ChangePassword(ctx, id, "wrong current", "a brand new password", "a brand new password")
	if qms.FieldErrors(err)["current"] == "" {
		t.Fatalf("wrong current password: got %v", err)
	}
	err = svc.ChangePassword(ctx, id, qmstest.Password, "a brand new password", "a different one!!")
	if qms.FieldErrors(err)["confirm"] == "" {
		t.Fatalf("mismatched confirmation: got %v", err)
	}
	if err := svc.ChangePassword(ctx, id, qmstest.Password, "a brand new password", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, org.Viewer.Email, "a brand new password", "192.0.2.1"); err != nil {
		t.Fatalf("new password does not sign in: %v", err)
	}
	if _, err := svc.SignIn(ctx, org.Viewer.Email, qmstest.Password, "192.0.2.1"); qms.ErrorKind(err) != qms.KindUnauthenticated {
		t.Fatalf("old password still signs in: %v", err)
	}
	trail := qmstest.Must(svc.AuditTrail(ctx, org.Admin, qms.AuditFilter{EntityType: "user"}))(t)
	if len(trail.Entries) != 1 || trail.Entries[0].Action != "user.password_change" {
		t.Fatalf("trail has %+v, want one password change", trail.Entries)
	}
}
