package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
	"github.com/plumbline/plumbline/internal/demo"
	"github.com/plumbline/plumbline/internal/qms"
)

// operator is how command-line actions are named in the audit trail.
const operator = "operator (command line)"

func cmdMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: plumbline migrate up|down|status")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.MigrateDatabaseURL == "" {
		return errors.New("set MIGRATE_DATABASE_URL (or DATABASE_URL) to a role that owns, or may create, the schema")
	}
	m, err := database.OpenMigrator(cfg.MigrateDatabaseURL, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	switch args[0] {
	case "up":
		res, err := m.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(stdout, "nothing to apply: the database is up to date")
		}
		return err
	case "down":
		r, err := m.Down(ctx)
		if r != nil {
			fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
		}
		return err
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
		for _, s := range st {
			applied := "-"
			if !s.AppliedAt.IsZero() {
				applied = s.AppliedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, applied, s.Source.Path)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown migrate command %q: use up, down or status", args[0])
}

// withService opens the server's kind of connection for an operator command.
func withService(ctx context.Context, fn func(*qms.Service) error) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.requireDatabase(); err != nil {
		return err
	}
	pool, err := openServerPool(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc, err := cfg.newService(pool)
	if err != nil {
		return err
	}
	return fn(svc)
}

func cmdOrg(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(`usage: plumbline org create --slug acme --name "Acme Ltd"`)
	}
	fs := flag.NewFlagSet("org create", flag.ContinueOnError)
	slug := fs.String("slug", "", "short name used in addresses, e.g. acme")
	name := fs.String("name", "", "the organisation's name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withService(ctx, func(svc *qms.Service) error {
		org, err := svc.CreateOrganisation(ctx, *slug, *name, operator)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created organisation %s at /o/%s/\n", org.Name, org.Slug)
		return nil
	})
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(`usage: plumbline user create --email a@b.c --name "Ann" [--org acme --role quality_manager] --password-stdin`)
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "the person's email, used to sign in")
	name := fs.String("name", "", "the person's name")
	org := fs.String("org", "", "add the person to this organisation (slug)")
	role := fs.String("role", "", "their role there: "+roleList())
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !*fromStdin {
		return errors.New("pass --password-stdin and give the password on standard input, so it stays out of the shell history")
	}
	if (*org == "") != (*role == "") {
		return errors.New("--org and --role go together")
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password = strings.TrimRight(password, "\r\n")
	return withService(ctx, func(svc *qms.Service) error {
		u, err := svc.CreateUser(ctx, qms.NewUser{Email: *email, Name: *name, Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created account %s <%s>\n", u.Name, u.Email)
		if *org == "" {
			return nil
		}
		o, err := svc.OrganisationBySlug(ctx, *org)
		if err != nil {
			return err
		}
		m, err := svc.AddMember(ctx, qms.SystemActor(o, operator), qms.NewMember{Email: u.Email, Role: auth.Role(*role)})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s to %s as %s\n", m.Member.Name, o.Name, m.Member.Role.Label())
		return nil
	})
}

func roleList() string {
	var s []string
	for _, r := range auth.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func cmdSeed(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "demo" {
		return errors.New("usage: plumbline seed demo")
	}
	return withService(ctx, func(svc *qms.Service) error {
		return seedAndTell(ctx, svc, stdout)
	})
}

// seedAndTell seeds the demo organisation and prints how to sign in as each demo user.
func seedAndTell(ctx context.Context, svc *qms.Service, stdout io.Writer) error {
	res, err := demo.Seed(ctx, svc)
	if err != nil {
		return fmt.Errorf("seeding the demo organisation: %w", err)
	}
	if res.Created {
		fmt.Fprintf(stdout, "created the demo organisation %s\n", res.Org.Name)
	} else {
		fmt.Fprintf(stdout, "the demo organisation %s is already there\n", res.Org.Name)
	}
	fmt.Fprintf(stdout, "\nSign in as any of these demo users with the password %q:\n", demo.Password)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, u := range demo.People {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Email, u.Role.Label(), u.Title)
	}
	return tw.Flush()
}

func cmdAuditTrail(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: plumbline audit-trail verify --org acme")
	}
	fs := flag.NewFlagSet("audit-trail verify", flag.ContinueOnError)
	org := fs.String("org", "", "the organisation (slug)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("--org is required")
	}
	return withService(ctx, func(svc *qms.Service) error {
		res, err := svc.VerifyAuditTrail(ctx, *org)
		if err != nil {
			return err
		}
		if !res.Intact {
			return fmt.Errorf("the audit trail of %s is NOT intact: entry %d fails: %s", *org, res.BadSeq, res.Problem)
		}
		fmt.Fprintf(stdout, "the audit trail of %s is intact: %d entries, last hash %x\n", *org, res.Entries, res.LastHash)
		return nil
	})
}
