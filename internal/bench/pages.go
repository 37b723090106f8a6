package bench

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Page is one benchmarked page: a name, its kind (which sets its target), who asks for it and
// how to build its address in an organisation. Optional pages belong to areas that may not
// exist on this build: a 404 or 405 skips them with a note instead of counting as errors.
type Page struct {
	Name     string
	Kind     string // "home", "list", "detail", or "reference" (measured, held to no target)
	Role     string
	Path     func(o *OrgTarget) string
	Optional bool
}

// OrgTarget is an organisation of the data set with the entities its detail pages show.
type OrgTarget struct {
	Size     string // "large" or "small"
	Slug     string
	ID       uuid.UUID
	Document uuid.UUID
	Process  uuid.UUID
	Audit    uuid.UUID
	CAPA     uuid.UUID
	Risk     uuid.UUID
}

func (o *OrgTarget) path(rest string) string { return "/o/" + o.Slug + rest }

// Pages is the table of benchmarked pages. The first is a reference: the lightest page a
// signed-in person can open (the session, the account and a three-field form, no
// organisation data), which shows what any signed-in page costs before it reads or renders
// anything of its own.
var Pages = []Page{
	{Name: "floor", Kind: "reference", Role: "quality_manager", Path: func(*OrgTarget) string { return "/account/password" }},
	{Name: "home", Kind: "home", Role: "quality_manager", Path: func(o *OrgTarget) string { return o.path("/") }},
	{Name: "documents", Kind: "list", Role: "quality_manager", Path: func(o *OrgTarget) string { return o.path("/documents") }},
	{Name: "documents-filtered", Kind: "list", Role: "quality_manager", Path: func(o *OrgTarget) string {
		return o.path("/documents?process=" + o.Process.String() + "&status=effective")
	}},
	{Name: "documents-search", Kind: "list", Role: "quality_manager", Path: func(o *OrgTarget) string {
		return o.path("/documents?q=calibration")
	}},
	{Name: "document", Kind: "detail", Role: "quality_manager", Path: func(o *OrgTarget) string {
		return o.path("/documents/" + o.Document.String())
	}},
	{Name: "records", Kind: "list", Role: "quality_manager", Path: func(o *OrgTarget) string { return o.path("/records") }},
	{Name: "audit", Kind: "detail", Role: "quality_manager", Path: func(o *OrgTarget) string {
		return o.path("/audits/" + o.Audit.String())
	}},
	{Name: "findings", Kind: "list", Role: "quality_manager", Path: func(o *OrgTarget) string { return o.path("/findings") }},
	{Name: "capas", Kind: "list", Role: "quality_manager", Optional: true, Path: func(o *OrgTarget) string { return o.path("/capas") }},
	{Name: "capa", Kind: "detail", Role: "quality_manager", Optional: true, Path: func(o *OrgTarget) string {
		return o.path("/capas/" + o.CAPA.String())
	}},
	{Name: "risks", Kind: "list", Role: "quality_manager", Optional: true, Path: func(o *OrgTarget) string { return o.path("/risks") }},
	{Name: "risk", Kind: "detail", Role: "quality_manager", Optional: true, Path: func(o *OrgTarget) string {
		return o.path("/risks/" + o.Risk.String())
	}},
}

// LoadTarget finds the organisation slug and the entities its detail pages show: the busiest
// ones, so a detail page is measured at its heaviest.
func LoadTarget(ctx context.Context, admin *pgxpool.Pool, size, slug string) (*OrgTarget, error) {
	o := &OrgTarget{Size: size, Slug: slug}
	if err := admin.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = $1`, slug).Scan(&o.ID); err != nil {
		return nil, fmt.Errorf("organisation %s: %w", slug, err)
	}
	queries := []struct {
		dst *uuid.UUID
		sql string
	}{
		{&o.Document, `SELECT d.id FROM documents d WHERE d.tenant_id = $1 AND d.obsoleted_at IS NULL
			ORDER BY (SELECT count(*) FROM document_versions v WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id) DESC, d.number LIMIT 1`},
		{&o.Process, `SELECT process_id FROM documents WHERE tenant_id = $1 GROUP BY process_id ORDER BY count(*) DESC, process_id LIMIT 1`},
		{&o.Audit, `SELECT audit_id FROM findings WHERE tenant_id = $1 AND audit_id IS NOT NULL GROUP BY audit_id ORDER BY count(*) DESC, audit_id LIMIT 1`},
		{&o.CAPA, `SELECT id FROM capas WHERE tenant_id = $1 ORDER BY round DESC, (status = 'closed') DESC, reference LIMIT 1`},
		{&o.Risk, `SELECT r.id FROM risks r WHERE r.tenant_id = $1
			ORDER BY (SELECT count(*) FROM risk_exposure_history h WHERE h.tenant_id = r.tenant_id AND h.risk_id = r.id) DESC, r.ref LIMIT 1`},
	}
	for _, q := range queries {
		if err := admin.QueryRow(ctx, q.sql, o.ID).Scan(q.dst); err != nil {
			return nil, fmt.Errorf("sample for %s: %w", slug, err)
		}
	}
	return o, nil
}
