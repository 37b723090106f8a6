package qms

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Site is a location of the organisation: a plant, an office, a warehouse.
type Site struct {
	ID         uuid.UUID  `db:"id" json:"id"`
	Name       string     `db:"name" json:"name"`
	Code       string     `db:"code" json:"code"`
	Address    string     `db:"address" json:"address"`
	ArchivedAt *time.Time `db:"archived_at" json:"archived_at"`
	Version    int        `db:"version" json:"version"`
	UpdatedAt  time.Time  `db:"updated_at" json:"-"`
}

// Archived reports whether the site is no longer in use. Archived sites stay on the records
// that name them but are not offered for new ones.
func (s Site) Archived() bool { return s.ArchivedAt != nil }

// SiteInput is what a person enters for a site.
type SiteInput struct {
	Name    string
	Code    string
	Address string
}

func (in *SiteInput) validate() error {
	in.Name, in.Code, in.Address = clean(in.Name), clean(in.Code), clean(in.Address)
	c := checks{}
	c.require("name", in.Name, "Enter the site's name.")
	c.maxLen("name", in.Name, 120)
	c.maxLen("code", in.Code, 20)
	c.maxLen("address", in.Address, 500)
	return c.err()
}

const siteColumns = `id, name, code, address, archived_at, version, updated_at`

// Sites lists the organisation's sites by name, archived ones last.
func (s *Service) Sites(ctx context.Context, a Actor) ([]Site, error) {
	var out []Site
	b := &pgx.Batch{}
	keep := s.queueChoices(b, a.OrgID, nil, &out, nil)
	if err := s.readBatch(ctx, a, b); err != nil {
		return nil, err
	}
	keep()
	return out, nil
}

// queueSites queues the organisation's sites by name, archived ones last, into out.
func queueSites(b *pgx.Batch, org uuid.UUID, out *[]Site) {
	b.Queue(`SELECT `+siteColumns+` FROM sites WHERE tenant_id = $1
		ORDER BY archived_at IS NOT NULL, lower(name)`, org).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Site](rows)
			return err
		})
}

// Site loads one site.
func (s *Service) Site(ctx context.Context, a Actor, id uuid.UUID) (Site, error) {
	var out Site
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = getSite(ctx, tx, a.OrgID, id, false)
		return err
	})
	return out, err
}

func getSite(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Site, error) {
	q := `SELECT ` + siteColumns + ` FROM sites WHERE tenant_id = $1 AND id = $2`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Site{}, err
	}
	site, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Site])
	return site, noRows(err, "Site")
}

func siteNameTaken(err error) error {
	if database.ErrorCode(err) == database.CodeUniqueViolation {
		return invalidField("name", "Another site already has this name.")
	}
	return err
}

// CreateSite adds a site.
func (s *Service) CreateSite(ctx context.Context, a Actor, in SiteInput) (Site, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Site{}, err
	}
	if err := in.validate(); err != nil {
		return Site{}, err
	}
	var site Site
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO sites (tenant_id, name, code, address) VALUES ($1, $2, $3, $4)
			RETURNING `+siteColumns, a.OrgID, in.Name, in.Code, in.Address)
		if err != nil {
			return err
		}
		if site, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Site]); err != nil {
			return siteNameTaken(err)
		}
		return record(ctx, tx, a, change{
			Action: "site.create", EntityType: "site", EntityID: site.ID.String(),
			Summary: "Created site " + site.Name, After: site,
		})
	})
	return site, err
}

// UpdateSite changes a site's details. version is the one the editor loaded.
func (s *Service) UpdateSite(ctx context.Context, a Actor, id uuid.UUID, version int, in SiteInput) (Site, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Site{}, err
	}
	if err := in.validate(); err != nil {
		return Site{}, err
	}
	return s.changeSite(ctx, a, id, version, "site.update",
		`name = $3, code = $4, address = $5`, in.Name, in.Code, in.Address)
}

// SetSiteArchived archives a site no longer in use, or brings it back.
func (s *Service) SetSiteArchived(ctx context.Context, a Actor, id uuid.UUID, version int, archived bool) (Site, error) {
	if err := a.Require(auth.PermManageStructure); err != nil {
		return Site{}, err
	}
	action := "site.restore"
	if archived {
		action = "site.archive"
	}
	return s.changeSite(ctx, a, id, version, action,
		`archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END`, archived)
}

// changeSite is the shared shape of every site edit: lock, check the version, apply assign
// (whose parameters start at $3), record.
func (s *Service) changeSite(ctx context.Context, a Actor, id uuid.UUID, version int, action string,
	assign string, args ...any) (Site, error) {
	var after Site
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getSite(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("site")
		}
		rows, err := tx.Query(ctx, `UPDATE sites SET `+assign+`, version = version + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2 RETURNING `+siteColumns, append([]any{a.OrgID, id}, args...)...)
		if err != nil {
			return err
		}
		if after, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Site]); err != nil {
			return siteNameTaken(err)
		}
		return record(ctx, tx, a, change{
			Action: action, EntityType: "site", EntityID: id.String(),
			Summary: siteSummary(action, before, after), Before: before, After: after,
		})
	})
	return after, err
}

func siteSummary(action string, before, after Site) string {
	switch action {
	case "site.archive":
		return "Archived site " + after.Name
	case "site.restore":
		return "Restored site " + after.Name
	}
	if before.Name != after.Name {
		return "Renamed site " + before.Name + " to " + after.Name
	}
	return "Updated site " + after.Name
}
