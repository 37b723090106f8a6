package qms

import (
	"context"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Organisation is a tenant: everything else belongs to exactly one.
type Organisation struct {
	ID        uuid.UUID `db:"id" json:"id"`
	Slug      string    `db:"slug" json:"slug"`
	Name      string    `db:"name" json:"name"`
	CreatedAt time.Time `db:"created_at" json:"-"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)

// reservedSlugs would make confusing URLs or shadow future top-level pages.
var reservedSlugs = map[string]bool{"new": true, "admin": true, "api": true, "static": true, "login": true, "logout": true, "account": true}

// SystemActor acts for an operator at the command line or for the demo seed: it holds every
// permission in org and its trail entries name who instead of a user.
func SystemActor(org Organisation, who string) Actor {
	return Actor{Name: who, OrgID: org.ID, OrgSlug: org.Slug, OrgName: org.Name, Role: auth.RoleAdmin}
}

// CreateOrganisation registers a new tenant. It is an operator's action (CLI), so it takes no
// actor; the trail entry names the operator.
func (s *Service) CreateOrganisation(ctx context.Context, slug, name, operator string) (Organisation, error) {
	slug, name = clean(slug), clean(name)
	c := checks{}
	switch {
	case slug == "":
		c.add("slug", "Enter a short name for the address, like acme.")
	case !slugPattern.MatchString(slug):
		c.add("slug", "Use 1 to 40 lower-case letters, digits and dashes, starting and ending with a letter or digit.")
	case reservedSlugs[slug]:
		c.add("slug", "This address is reserved; choose another.")
	}
	c.require("name", name, "Enter the organisation's name.")
	c.maxLen("name", name, 200)
	if err := c.err(); err != nil {
		return Organisation{}, err
	}
	org := Organisation{ID: mustV7(), Slug: slug, Name: name}
	err := database.Tx(ctx, s.pool, database.Scope{TenantID: org.ID}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO organisations (id, slug, name) VALUES ($1, $2, $3) RETURNING created_at`,
			org.ID, org.Slug, org.Name).Scan(&org.CreatedAt)
		if database.ErrorCode(err) == database.CodeUniqueViolation {
			return invalidField("slug", "An organisation with this address already exists.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT add_default_exposure_weights($1)`, org.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT add_default_document_types($1)`, org.ID); err != nil {
			return err
		}
		if err := seedQuestionTemplates(ctx, tx, org.ID); err != nil {
			return err
		}
		system := SystemActor(org, operator)
		if err := record(ctx, tx, system, change{
			Action: "organisation.create", EntityType: "organisation", EntityID: org.ID.String(),
			Summary: "Created organisation " + org.Name, After: org,
		}); err != nil {
			return err
		}
		return addDefaultRecordTypes(ctx, tx, system)
	})
	return org, err
}

// OrganisationBySlug finds a tenant for operator commands.
func (s *Service) OrganisationBySlug(ctx context.Context, slug string) (Organisation, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, slug, name, created_at FROM organisations WHERE slug = $1`, slug)
	if err != nil {
		return Organisation{}, err
	}
	org, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Organisation])
	return org, noRows(err, "Organisation")
}

// MyOrganisation is an organisation a user belongs to, with their role there.
type MyOrganisation struct {
	Organisation
	Role auth.Role `db:"role"`
}

// OrganisationsOf lists the organisations userID is a member of, by name.
func (s *Service) OrganisationsOf(ctx context.Context, userID uuid.UUID) ([]MyOrganisation, error) {
	var out []MyOrganisation
	err := database.ReadTx(ctx, s.pool, database.Scope{UserID: userID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT o.id, o.slug, o.name, o.created_at, m.role
			  FROM memberships m JOIN organisations o ON o.id = m.tenant_id
			 WHERE m.user_id = $1
			 ORDER BY o.name`, userID)
		if err != nil {
			return err
		}
		out, err = database.CollectRows[MyOrganisation](rows)
		return err
	})
	return out, err
}

// ActorFor resolves who userID is in the organisation at slug. A user who is not a member gets
// the same not-found answer as for an organisation that does not exist.
func (s *Service) ActorFor(ctx context.Context, userID uuid.UUID, slug string) (Actor, error) {
	// Every organisation page starts here. Who a person is in an organisation is kept until
	// the organisation changes (its memberships, its members' accounts, its own row: see
	// orgCache), so that most pages skip this round trip. A slug not seen before is read
	// without keeping: the ticket that allows keeping is taken before reading, and needs the
	// organisation's id.
	key := "actor/" + userID.String()
	org, known := s.cache.orgWithSlug(slug)
	var ticket cacheTicket
	if known {
		kept, t, ok := s.cache.lookup(org, key)
		if ok && kept.(Actor).OrgSlug == slug {
			return kept.(Actor), nil
		}
		ticket = t
	}
	var a Actor
	b := &pgx.Batch{}
	b.Queue(`
		SELECT u.id, u.name, u.email, o.id, o.slug, o.name, m.role
		  FROM organisations o
		  JOIN memberships m ON m.tenant_id = o.id AND m.user_id = $2
		  JOIN users u ON u.id = m.user_id
		 WHERE o.slug = $1`, slug, userID).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&a.UserID, &a.Name, &a.Email, &a.OrgID, &a.OrgSlug, &a.OrgName, &a.Role)
		})
	if err := database.ReadBatch(ctx, s.pool, database.Scope{UserID: userID}, b); err != nil {
		return a, noRows(err, "Organisation")
	}
	s.cache.noteSlug(slug, a.OrgID)
	if a.OrgID == org {
		s.cache.keep(org, key, ticket, a)
	}
	return a, nil
}

func mustV7() uuid.UUID {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only when the system's random source does, which nothing can recover.
		panic(err)
	}
	return id
}
