package qms

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Signature is an electronic signature on something that matters: a document version, a
// record's disposal, an audit report, a CAPA's effectiveness, management review minutes.
type Signature struct {
	ID            uuid.UUID `db:"id" json:"id"`
	EntityType    string    `db:"entity_type" json:"entity_type"`
	EntityID      uuid.UUID `db:"entity_id" json:"entity_id"`
	Meaning       string    `db:"meaning" json:"meaning"`
	SignerID      uuid.UUID `db:"signer_id" json:"signer_id"`
	SignerName    string    `db:"signer_name" json:"signer_name"`
	ContentSHA256 string    `db:"content_sha256" json:"content_sha256"`
	Comment       string    `db:"comment" json:"comment"`
	SignedAt      time.Time `db:"signed_at" json:"signed_at"`
}

const signatureColumns = `id, entity_type, entity_id, meaning, signer_id, signer_name, content_sha256, comment, signed_at`

// ContentHash is the SHA-256 of the parts that make up what is signed (a version's text and
// its files' hashes, say). Each part is length-prefixed, so no two different lists of parts
// hash alike.
func ContentHash(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// errWrongSignaturePassword is the answer to a wrong password at signing: a 422 next to the
// password field, and nothing is signed.
var errWrongSignaturePassword = invalidField("password", "That is not your password, so nothing was signed. Enter the password you sign in with.")

// confirmSigner checks the password a signer re-entered. It runs before the use case's
// transaction (checking a password takes a deliberate moment) and counts failures with
// sign-in's, so signing cannot be used to guess a password.
func (s *Service) confirmSigner(ctx context.Context, a Actor, password string) error {
	if password == "" {
		return invalidField("password", "Enter your password to sign.")
	}
	key := "account:" + a.Email
	var failures int
	err := database.ReadTx(ctx, s.pool, database.Scope{UserID: a.UserID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(max(failures), 0) FROM sign_in_throttle
			WHERE key = $1 AND window_started_at > now() - $2::interval`, key, throttleWindow).Scan(&failures)
	})
	if err != nil {
		return err
	}
	if failures >= maxAccountFailures {
		return errThrottled
	}
	var hash string
	err = database.ReadTx(ctx, s.pool, database.Scope{UserID: a.UserID}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, a.UserID).Scan(&hash)
	})
	if err != nil {
		return noRows(err, "Account")
	}
	if !auth.CheckPassword(hash, password) {
		if err := s.countFailure(ctx, []string{key}); err != nil {
			return err
		}
		return errWrongSignaturePassword
	}
	return nil
}

// recordSignature stores a signature inside the use case's transaction, with its own line in
// the audit trail. The caller has confirmed the signer first.
func recordSignature(ctx context.Context, tx pgx.Tx, a Actor, entityType string, entityID uuid.UUID, meaning, contentHash, comment string) (Signature, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO signatures (tenant_id, entity_type, entity_id, meaning, signer_id, signer_name, content_sha256, comment)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+signatureColumns,
		a.OrgID, entityType, entityID, meaning, a.UserID, a.Name, contentHash, comment)
	if err != nil {
		return Signature{}, err
	}
	sig, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Signature])
	if err != nil {
		return Signature{}, err
	}
	return sig, record(ctx, tx, a, change{
		Action: "signature.sign", EntityType: entityType, EntityID: entityID.String(),
		Summary: a.Name + " signed: " + meaning, After: sig,
	})
}

// Signatures lists the signatures on one thing of the actor's organisation, oldest first.
func (s *Service) Signatures(ctx context.Context, a Actor, entityType string, entityID uuid.UUID) ([]Signature, error) {
	var out []Signature
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		out, err = signaturesOf(ctx, tx, a.OrgID, entityType, entityID)
		return err
	})
	return out, err
}

// signaturesOf lists the signatures on one thing, oldest first.
func signaturesOf(ctx context.Context, tx pgx.Tx, org uuid.UUID, entityType string, entityID uuid.UUID) ([]Signature, error) {
	var out []Signature
	b := &pgx.Batch{}
	queueSignatures(b, org, entityType, entityID, &out)
	err := tx.SendBatch(ctx, b).Close()
	return out, err
}

// queueSignatures queues the signatures of an entity, oldest first, into out.
func queueSignatures(b *pgx.Batch, org uuid.UUID, entityType string, entityID uuid.UUID, out *[]Signature) {
	b.Queue(`SELECT `+signatureColumns+` FROM signatures
		WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3 ORDER BY signed_at, id`, org, entityType, entityID).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[Signature](rows)
			return err
		})
}
