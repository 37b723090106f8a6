package qms

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Member is a person in an organisation with their role there.
type Member struct {
	UserID    uuid.UUID `db:"user_id" json:"user_id"`
	Name      string    `db:"name" json:"name"`
	Email     string    `db:"email" json:"email"`
	Role      auth.Role `db:"role" json:"role"`
	Version   int       `db:"version" json:"version"`
	CreatedAt time.Time `db:"created_at" json:"-"`
}

const memberSelect = `
	SELECT m.user_id, u.name, u.email, m.role, m.version, m.created_at
	  FROM memberships m JOIN users u ON u.id = m.user_id`

// Members lists everyone in the actor's organisation by name. Every member may see who else
// is in it: owners, auditors and approvers are chosen from this list.
func (s *Service) Members(ctx context.Context, a Actor) ([]Member, error) {
	var out []Member
	b := &pgx.Batch{}
	keep := s.queueChoices(b, a.OrgID, nil, nil, &out)
	if err := s.readBatch(ctx, a, b); err != nil {
		return nil, err
	}
	keep()
	return out, nil
}

// queueMembers queues the organisation's members by name into out: the choice list of every
// page that assigns work to a person or filters by one.
func queueMembers(b *pgx.Batch, org uuid.UUID, out *[]Member) {
	b.Queue(memberSelect+` WHERE m.tenant_id = $1 ORDER BY u.name, u.email`, org).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Member](rows)
			return err
		})
}

func getMember(ctx context.Context, tx pgx.Tx, org, userID uuid.UUID, lock bool) (Member, error) {
	q := memberSelect + ` WHERE m.tenant_id = $1 AND m.user_id = $2`
	if lock {
		q += ` FOR UPDATE OF m`
	}
	rows, err := tx.Query(ctx, q, org, userID)
	if err != nil {
		return Member{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Member])
	return m, noRows(err, "Member")
}

// NewMember is the input for adding a person to an organisation.
type NewMember struct {
	Email string
	Name  string // used only when the person has no account yet
	Role  auth.Role
}

// AddedMember reports what AddMember did. TemporaryPassword is set when a new account was
// created: the admin passes it on, and the new member must change it at first sign-in.
type AddedMember struct {
	Member            Member
	NewAccount        bool
	TemporaryPassword string
}

// AddMember adds a person to the actor's organisation with a role, creating their account
// if none exists for the email.
func (s *Service) AddMember(ctx context.Context, a Actor, in NewMember) (AddedMember, error) {
	if err := a.Require(auth.PermManageMembers); err != nil {
		return AddedMember{}, err
	}
	in.Email, in.Name = normaliseEmail(in.Email), clean(in.Name)
	c := checks{}
	c.email("email", in.Email)
	c.maxLen("name", in.Name, 200)
	if !in.Role.Valid() {
		c.add("role", "Choose a role.")
	}
	if err := c.err(); err != nil {
		return AddedMember{}, err
	}
	// Hashing takes a noticeable moment, so it happens before the transaction, and only if
	// the account may be needed.
	var res AddedMember
	var existing *User
	if err := database.ReadTx(ctx, s.pool, a.scope(), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, in.Email)
		if err != nil {
			return err
		}
		u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
		if err == nil {
			existing = &u
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		return nil
	}); err != nil {
		return AddedMember{}, err
	}
	var hash string
	if existing == nil {
		if in.Name == "" {
			return AddedMember{}, invalidField("name", "No one has an account with this email yet: enter their name to create one.")
		}
		res.NewAccount = true
		res.TemporaryPassword = temporaryPassword()
		var err error
		if hash, err = auth.HashPassword(res.TemporaryPassword); err != nil {
			return AddedMember{}, err
		}
	}
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var u User
		if existing != nil {
			u = *existing
		} else {
			var err error
			if u, err = insertUser(ctx, tx, in.Email, in.Name, hash, true); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`, a.OrgID, u.ID, in.Role)
		if database.ErrorCode(err) == database.CodeUniqueViolation {
			return invalidField("email", u.Name+" is already a member of this organisation.")
		}
		if err != nil {
			return err
		}
		if res.Member, err = getMember(ctx, tx, a.OrgID, u.ID, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "member.add", EntityType: "member", EntityID: u.ID.String(),
			Summary: "Added " + u.Name + " as " + in.Role.Label(), After: res.Member,
		})
	})
	if err != nil {
		return AddedMember{}, err
	}
	return res, nil
}

// ChangeMemberRole gives a member another role. version is the membership version the admin
// saw; a stale one is a conflict.
func (s *Service) ChangeMemberRole(ctx context.Context, a Actor, userID uuid.UUID, version int, role auth.Role) (Member, error) {
	if err := a.Require(auth.PermManageMembers); err != nil {
		return Member{}, err
	}
	if !role.Valid() {
		return Member{}, invalidField("role", "Choose a role.")
	}
	var after Member
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getMember(ctx, tx, a.OrgID, userID, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("member")
		}
		if before.Role == auth.RoleAdmin && role != auth.RoleAdmin {
			if err := keepOneAdmin(ctx, tx, a.OrgID, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE memberships SET role = $3, version = version + 1, updated_at = now()
			 WHERE tenant_id = $1 AND user_id = $2`, a.OrgID, userID, role); err != nil {
			return err
		}
		if after, err = getMember(ctx, tx, a.OrgID, userID, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{
			Action: "member.role_change", EntityType: "member", EntityID: userID.String(),
			Summary: "Changed " + after.Name + "'s role from " + before.Role.Label() + " to " + role.Label(),
			Before:  before, After: after,
		})
	})
	return after, err
}

// RemoveMember takes a person out of the organisation. Their account, and everything they
// did (which the trail names them for), stays.
func (s *Service) RemoveMember(ctx context.Context, a Actor, userID uuid.UUID, version int) (Member, error) {
	if err := a.Require(auth.PermManageMembers); err != nil {
		return Member{}, err
	}
	var before Member
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		var err error
		before, err = getMember(ctx, tx, a.OrgID, userID, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("member")
		}
		if before.Role == auth.RoleAdmin {
			if err := keepOneAdmin(ctx, tx, a.OrgID, userID); err != nil {
				return err
			}
		}
		owned, err := ownedProcessNames(ctx, tx, a.OrgID, userID)
		if err != nil {
			return err
		}
		if len(owned) > 0 {
			return conflict(before.Name + " owns " + strings.Join(owned, ", ") + ". Give each a new owner first.")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, a.OrgID, userID); err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return conflict(before.Name + " is still named on records of this organisation and cannot be removed.")
			}
			return err
		}
		return record(ctx, tx, a, change{
			Action: "member.remove", EntityType: "member", EntityID: userID.String(),
			Summary: "Removed " + before.Name + " from the organisation", Before: before,
		})
	})
	return before, err
}

// keepOneAdmin refuses a change that would leave the organisation without an admin. It locks
// the admins' rows, so two admins demoting each other at once cannot both succeed.
func keepOneAdmin(ctx context.Context, tx pgx.Tx, org, leaving uuid.UUID) error {
	rows, err := tx.Query(ctx, `SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'admin' FOR UPDATE`, org)
	if err != nil {
		return err
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	for _, id := range admins {
		if id != leaving {
			return nil
		}
	}
	return conflict("An organisation needs at least one admin. Make someone else an admin first.")
}
