package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/plumbline/plumbline/internal/qms"
)

// Password is the password of every user of the data set.
const Password = "bench password one"

// LargeSlug is the large organisation; small ones are small-0001 and up.
const LargeSlug = "large"

// SmallSlug is the slug of the i-th small organisation (from 1).
func SmallSlug(i int) string { return fmt.Sprintf("small-%04d", i) }

// Email is the address of a user of the data set: the first five of each organisation are
// named after their role (quality_manager@small-0001.bench), the others are numbered.
func Email(slug, name string) string { return name + "@" + slug + ".bench" }

var roles = []string{"admin", "quality_manager", "process_owner", "auditor", "viewer"}

// Generate creates the data set through the service (organisations, with their defaults) and
// COPY (everything else) as admin, which is a superuser so row-level security does not apply.
// report, if not nil, hears of progress.
func Generate(ctx context.Context, svc *qms.Service, admin *pgxpool.Pool, sc Scale, report func(string)) error {
	if report == nil {
		report = func(string) {}
	}
	slugs := []string{LargeSlug}
	for i := 1; i <= sc.SmallOrgs; i++ {
		slugs = append(slugs, SmallSlug(i))
	}
	start := time.Now()
	orgs := make([]uuid.UUID, len(slugs))
	// Organisations are created by the service itself, so their defaults (document and record
	// types, checklist questions, exposure weights, the first audit-trail entry) are real.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	next := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o, err := svc.CreateOrganisation(ctx, slugs[i], orgName(slugs[i]), "bench")
				if err != nil {
					select {
					case errs <- fmt.Errorf("creating %s: %w", slugs[i], err):
					default:
					}
					continue
				}
				orgs[i] = o.ID
			}
		}()
	}
	for i := range slugs {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	report(fmt.Sprintf("%d organisations created in %s", len(orgs), time.Since(start).Round(time.Millisecond)))

	// One hash for every user: the same password, at bcrypt's lowest cost, because sign-in is
	// not what is measured.
	h, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	types, err := loadTypes(ctx, admin)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	build := func(i int) *batch {
		size := sc.Small
		if i == 0 {
			size = sc.Large
		}
		b := newBatch()
		g := &orgGen{b: b, slug: slugs[i], org: orgs[i], size: size, hash: string(h), now: now,
			rng: mrand.New(mrand.NewPCG(uint64(i)+1, 42)), text: mrand.New(mrand.NewPCG(uint64(i)+1, 43)), types: types[orgs[i]]}
		g.generate()
		return b
	}
	// The large organisation alone, then the small ones in batches of 50 per transaction.
	t := time.Now()
	if err := build(0).load(ctx, admin); err != nil {
		return fmt.Errorf("loading %s: %w", LargeSlug, err)
	}
	report(fmt.Sprintf("large organisation loaded in %s", time.Since(t).Round(time.Millisecond)))
	t = time.Now()
	const per = 50
	for from := 1; from < len(slugs); from += per {
		b := newBatch()
		for i := from; i < min(from+per, len(slugs)); i++ {
			b.merge(build(i))
		}
		if err := b.load(ctx, admin); err != nil {
			return fmt.Errorf("loading small organisations from %d: %w", from, err)
		}
	}
	report(fmt.Sprintf("%d small organisations loaded in %s", sc.SmallOrgs, time.Since(t).Round(time.Millisecond)))
	t = time.Now()
	// VACUUM as autovacuum would have by now: visibility maps for index-only scans, statistics.
	if _, err := admin.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	report(fmt.Sprintf("analysed in %s", time.Since(t).Round(time.Millisecond)))
	return nil
}

func orgName(slug string) string {
	if slug == LargeSlug {
		return "Large Manufacturing Group"
	}
	return "Small Works " + strings.TrimPrefix(slug, "small-")
}

type orgTypes struct {
	docTypes []docType
	recTypes []recType
}

type docType struct {
	id     uuid.UUID
	prefix string
}

type recType struct {
	id        uuid.UUID
	kind      string
	retention int
}

func loadTypes(ctx context.Context, admin *pgxpool.Pool) (map[uuid.UUID]*orgTypes, error) {
	out := map[uuid.UUID]*orgTypes{}
	get := func(id uuid.UUID) *orgTypes {
		if out[id] == nil {
			out[id] = &orgTypes{}
		}
		return out[id]
	}
	rows, err := admin.Query(ctx, `SELECT tenant_id, id, prefix FROM document_types ORDER BY tenant_id, sort_order`)
	if err != nil {
		return nil, err
	}
	var org uuid.UUID
	var d docType
	if _, err := pgx.ForEachRow(rows, []any{&org, &d.id, &d.prefix}, func() error {
		get(org).docTypes = append(get(org).docTypes, d)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = admin.Query(ctx, `SELECT tenant_id, id, kind, retention_months FROM record_types ORDER BY tenant_id, name`)
	if err != nil {
		return nil, err
	}
	var r recType
	_, err = pgx.ForEachRow(rows, []any{&org, &r.id, &r.kind, &r.retention}, func() error {
		get(org).recTypes = append(get(org).recTypes, r)
		return nil
	})
	return out, err
}

// batch collects rows per table and loads them with COPY in one transaction, in the order the
// foreign keys need.
type batch struct {
	tables map[string]*table
	post   []stmt // counters and other statements run after the COPYs
}

type table struct {
	cols []string
	rows [][]any
}

type stmt struct {
	sql  string
	args []any
}

// loadOrder lists every table the generator fills, parents first.
var loadOrder = []string{
	"users", "memberships", "sites", "processes", "suppliers",
	"documents", "document_versions", "document_clauses",
	"records", "record_revisions",
	"audits", "audit_processes", "audit_sites", "audit_team", "audit_checklist_items", "audit_clauses",
	"findings", "signatures", "capas", "capa_findings", "capa_whys", "capa_actions", "capa_effectiveness_checks",
	"risks", "risk_findings", "risk_documents", "risk_exposure_history", "document_review_flags",
}

func newBatch() *batch { return &batch{tables: map[string]*table{}} }

func (b *batch) add(name string, cols []string, row ...any) {
	t := b.tables[name]
	if t == nil {
		t = &table{cols: cols}
		b.tables[name] = t
	}
	t.rows = append(t.rows, row)
}

func (b *batch) exec(sql string, args ...any) { b.post = append(b.post, stmt{sql, args}) }

func (b *batch) merge(o *batch) {
	for name, t := range o.tables {
		if b.tables[name] == nil {
			b.tables[name] = &table{cols: t.cols}
		}
		b.tables[name].rows = append(b.tables[name].rows, t.rows...)
	}
	b.post = append(b.post, o.post...)
}

func (b *batch) load(ctx context.Context, admin *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, admin, func(tx pgx.Tx) error {
		for _, name := range loadOrder {
			t := b.tables[name]
			if t == nil {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("COPY %s: %w", name, err)
			}
		}
		pb := &pgx.Batch{}
		for _, s := range b.post {
			pb.Queue(s.sql, s.args...)
		}
		return tx.SendBatch(ctx, pb).Close()
	})
}

func newID() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		panic(err)
	}
	return id
}

func randomHex() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
