package qms

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// User is a person's account. Accounts are global; what a user may see depends on their
// memberships.
type User struct {
	ID                 uuid.UUID `db:"id" json:"id"`
	Email              string    `db:"email" json:"email"`
	Name               string    `db:"name" json:"name"`
	MustChangePassword bool      `db:"must_change_password" json:"must_change_password"`
	Version            int       `db:"version" json:"-"`
}

const userColumns = `id, email, name, must_change_password, version`

// NewUser is the input for creating an account.
type NewUser struct {
	Email    string
	Name     string
	Password string
}

func (in *NewUser) validate() error {
	in.Email, in.Name = normaliseEmail(in.Email), clean(in.Name)
	c := checks{}
	c.email("email", in.Email)
	c.require("name", in.Name, "Enter the person's name.")
	c.maxLen("name", in.Name, 200)
	checkNewPassword(c, "password", in.Password)
	return c.err()
}

func checkNewPassword(c checks, field, pw string) {
	switch {
	case len([]rune(pw)) < auth.MinPasswordLength:
		c.add(field, "Use at least 10 characters.")
	case len(pw) > auth.MaxPasswordBytes:
		c.add(field, "Use at most 72 bytes (about 70 letters).")
	}
}

// CreateUser creates an account. It is an operator's or the seed's action; inside an
// organisation, people are added with AddMember.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	if err := in.validate(); err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = database.Tx(ctx, s.pool, database.Scope{}, func(tx pgx.Tx) error {
		u, err = insertUser(ctx, tx, in.Email, in.Name, hash, false)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx pgx.Tx, email, name, hash string, mustChange bool) (User, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO users (id, email, name, password_hash, must_change_password)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+userColumns, mustV7(), email, name, hash, mustChange)
	if err != nil {
		return User{}, err
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if database.ErrorCode(err) == database.CodeUniqueViolation {
		return User{}, invalidField("email", "An account with this email address already exists.")
	}
	return u, err
}

// UserByID loads the account of a signed-in session, in one round trip: every page outside
// an organisation (account, organisation picker) starts with it.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	var (
		u     User
		found bool
	)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+userColumns+` FROM users WHERE id = $1`, id).Query(func(rows pgx.Rows) error {
		list, err := database.CollectRows[User](rows)
		if len(list) == 1 {
			u, found = list[0], true
		}
		return err
	})
	if err := database.ReadBatch(ctx, s.pool, database.Scope{UserID: id}, b); err != nil {
		return User{}, err
	}
	if !found {
		return User{}, notFound("Account")
	}
	return u, nil
}

// Sign-in throttling: failures are counted per account and per client address in a window;
// past the limit, sign-in is refused without checking the password. The counts live in
// PostgreSQL so that every server instance sees the same ones.
const (
	throttleWindow     = 15 * time.Minute
	maxAccountFailures = 5
	maxAddressFailures = 20
)

// ErrBadCredentials is the one answer to a wrong email or a wrong password: telling them
// apart would let anyone find out who has an account.
var ErrBadCredentials = &Error{Kind: KindUnauthenticated, Message: "Email or password is incorrect."}

var errThrottled = &Error{Kind: KindRateLimited,
	Message: "Too many failed sign-in attempts. Wait 15 minutes, then try again."}

// SignIn checks an email and password. clientAddr is the caller's network address (without
// port), used for per-address throttling.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string) (User, error) {
	email = normaliseEmail(email)
	keys := []string{"account:" + email, "address:" + clientAddr}
	var (
		u    User
		hash string
	)
	err := database.Tx(ctx, s.pool, database.Scope{}, func(tx pgx.Tx) error {
		var accountFailures, addressFailures int
		err := tx.QueryRow(ctx, `
			SELECT coalesce(max(failures) FILTER (WHERE key = $1), 0),
			       coalesce(max(failures) FILTER (WHERE key = $2), 0)
			  FROM sign_in_throttle
			 WHERE key IN ($1, $2) AND window_started_at > now() - $3::interval`,
			keys[0], keys[1], throttleWindow).Scan(&accountFailures, &addressFailures)
		if err != nil {
			return err
		}
		if accountFailures >= maxAccountFailures || addressFailures >= maxAddressFailures {
			return errThrottled
		}
		err = tx.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email).
			Scan(&u.ID, &u.Email, &u.Name, &u.MustChangePassword, &u.Version, &hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return User{}, err
	}
	if hash == "" {
		auth.SpendPasswordCheck(password)
	}
	if hash == "" || !auth.CheckPassword(hash, password) {
		if err := s.countFailure(ctx, keys); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	err = database.Tx(ctx, s.pool, database.Scope{}, func(tx pgx.Tx) error {
		// A success clears the account's count; old rows of anyone are swept at the same time.
		_, err := tx.Exec(ctx, `DELETE FROM sign_in_throttle WHERE key = $1 OR window_started_at < now() - interval '1 day'`, keys[0])
		return err
	})
	return u, err
}

func (s *Service) countFailure(ctx context.Context, keys []string) error {
	return database.Tx(ctx, s.pool, database.Scope{}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO sign_in_throttle AS t (key, window_started_at, failures)
			SELECT k, now(), 1 FROM unnest($1::text[]) AS k
			ON CONFLICT (key) DO UPDATE SET
			    failures = CASE WHEN t.window_started_at > now() - $2::interval THEN t.failures + 1 ELSE 1 END,
			    window_started_at = CASE WHEN t.window_started_at > now() - $2::interval THEN t.window_started_at ELSE now() END`,
			keys, throttleWindow)
		return err
	})
}

// ChangePassword sets a new password after checking the current one, and clears a pending
// "must change" from an account created with a temporary password. The change is recorded in
// the trail of every organisation the user belongs to.
func (s *Service) ChangePassword(ctx context.Context, userID uuid.UUID, current, next, confirm string) error {
	c := checks{}
	c.require("current", current, "Enter your current password.")
	checkNewPassword(c, "new", next)
	if next != confirm {
		c.add("confirm", "The two new passwords differ.")
	}
	if next != "" && next == current {
		c.add("new", "Choose a password different from the current one.")
	}
	if err := c.err(); err != nil {
		return err
	}
	var hash string
	err := database.ReadTx(ctx, s.pool, database.Scope{UserID: userID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&hash)
	})
	if err != nil {
		return noRows(err, "Account")
	}
	if !auth.CheckPassword(hash, current) {
		return invalidField("current", "This is not your current password.")
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return database.Tx(ctx, s.pool, database.Scope{UserID: userID}, func(tx pgx.Tx) error {
		var u User
		err := tx.QueryRow(ctx, `
			UPDATE users SET password_hash = $2, must_change_password = false, version = version + 1, updated_at = now()
			 WHERE id = $1 RETURNING id, email, name`, userID, newHash).Scan(&u.ID, &u.Email, &u.Name)
		if err != nil {
			return noRows(err, "Account")
		}
		return recordInEveryOrganisation(ctx, tx, u, change{
			Action: "user.password_change", EntityType: "user", EntityID: u.ID.String(),
			Summary: u.Name + " changed their password",
		})
	})
}

// recordInEveryOrganisation writes an account-level change into the trail of each of the
// user's organisations, switching the transaction's tenant for each one.
func recordInEveryOrganisation(ctx context.Context, tx pgx.Tx, u User, c change) error {
	rows, err := tx.Query(ctx, `SELECT tenant_id FROM memberships WHERE user_id = $1`, u.ID)
	if err != nil {
		return err
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	for _, org := range orgs {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, org.String()); err != nil {
			return err
		}
		if err := record(ctx, tx, Actor{UserID: u.ID, Name: u.Name, OrgID: org}, c); err != nil {
			return err
		}
	}
	return nil
}

// temporaryPassword makes a password an admin passes on to a new member, who must change it
// at their first sign-in: 60 random bits in groups that are easy to read out.
func temporaryPassword() string {
	t := rand.Text() // base32: no look-alike 0/O or 1/I
	return t[0:4] + "-" + t[4:8] + "-" + t[8:12]
}
