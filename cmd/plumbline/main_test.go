package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

func plumbline(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func TestCLI_OrgAndUserCreateThenVerifyTheTrail(t *testing.T) {
	_, db := qmstest.New(t)
	t.Setenv("DATABASE_URL", db.AppURL)

	out, err := plumbline(t, "", "org", "create", "--slug", "acme", "--name", "Acme Ltd")
	if err != nil || !strings.Contains(out, "/o/acme/") {
		t.Fatalf("org create: %v\n%s", err, out)
	}
	out, err = plumbline(t, "a long enough password\n", "user", "create", "--email", "ann@acme.test", "--name", "Ann", "--org", "acme", "--role", "quality_manager", "--password-stdin")
	if err != nil || !strings.Contains(out, "added Ann to Acme Ltd as Quality manager") {
		t.Fatalf("user create: %v\n%s", err, out)
	}
	if _, err := plumbline(t, "short\n", "user", "create", "--email", "bob@acme.test", "--name", "Bob", "--password-stdin"); err == nil || !strings.Contains(describe(err), "--password") {
		t.Fatalf("a short password was accepted or not explained: %v", err)
	}
	out, err = plumbline(t, "", "audit-trail", "verify", "--org", "acme")
	// Creating the organisation (with its default record types) and adding Ann.
	if err != nil || !strings.Contains(out, "intact: 3 entries") {
		t.Fatalf("verify: %v\n%s", err, out)
	}

	// Tamper as the superuser, with the append-only trigger switched off.
	ctx := context.Background()
	conn, err := db.Admin.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica; UPDATE audit_log SET summary = 'nothing to see' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	_, err = plumbline(t, "", "audit-trail", "verify", "--org", "acme")
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("verify after tampering: got %v, want a failure naming entry 2", err)
	}
}

func TestCLI_ServeRefusesARoleThatCouldBypassRowLevelSecurity(t *testing.T) {
	_, db := qmstest.New(t)
	t.Setenv("DATABASE_URL", db.AdminURL) // a superuser
	t.Setenv("PLUMBLINE_ADDR", "127.0.0.1:0")
	_, err := plumbline(t, "", "serve")
	if !errors.Is(err, database.ErrUnsafeRole) {
		t.Fatalf("serve as a superuser: got %v, want it refused", err)
	}
}

func TestCLI_SeedDemoTwiceIsFine(t *testing.T) {
	_, db := qmstest.New(t)
	t.Setenv("PLUMBLINE_DATA_DIR", t.TempDir()) // the demo stores evidence files
	t.Setenv("DATABASE_URL", db.AppURL)
	// The demo keeps an imported file as evidence; it belongs in the test's directory.
	t.Setenv("PLUMBLINE_DATA_DIR", t.TempDir())
	for i := range 2 {
		out, err := plumbline(t, "", "seed", "demo")
		if err != nil {
			t.Fatalf("seed demo, run %d: %v\n%s", i+1, err, out)
		}
		if !strings.Contains(out, "helen.ward@northwind.example") {
			t.Fatalf("run %d does not say how to sign in:\n%s", i+1, out)
		}
	}
	out, err := plumbline(t, "", "audit-trail", "verify", "--org", "northwind")
	if err != nil {
		t.Fatalf("verify the demo's trail: %v\n%s", err, out)
	}
}

func TestCLI_UnknownCommandShowsUsage(t *testing.T) {
	if _, err := plumbline(t, "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "usage: plumbline") {
		t.Fatalf("got %v", err)
	}
}

func TestServe_AnswersThenShutsDownGracefully(t *testing.T) {
	svc, _ := qmstest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, config{Addr: "127.0.0.1:0"}, svc, newLogger(io.Discard, false), func(a string) { addr <- a })
	}()
	res, err := http.Get("http://" + <-addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
