package qms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// change is one audit-trail entry as a use case describes it. Before and After are the
// entity's state as JSON (nil: it did not exist / no longer exists).
type change struct {
	Action     string // verb-like, e.g. "site.update"
	EntityType string // e.g. "site"
	EntityID   string
	Summary    string // one line a person can read, e.g. "Renamed site Leeds to Leeds Plant"
	Before     any
	After      any
}

// record appends c to the audit trail inside the use case's transaction, so the change and its
// entry commit together or not at all. The database assigns the sequence number, the time and
// the hash chain (see migrations/00001_foundation.sql).
func record(ctx context.Context, tx pgx.Tx, a Actor, c change) error {
	before, err := jsonOrNil(c.Before)
	if err != nil {
		return err
	}
	after, err := jsonOrNil(c.After)
	if err != nil {
		return err
	}
	var actorID *uuid.UUID
	if a.UserID != uuid.Nil {
		actorID = &a.UserID
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_log (tenant_id, actor_id, actor_name, action, entity_type, entity_id, summary, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.OrgID, actorID, a.Name, c.Action, c.EntityType, c.EntityID, c.Summary, before, after)
	if err != nil {
		return fmt.Errorf("audit trail: %w", err)
	}
	return nil
}

func jsonOrNil(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

// AuditEntry is one line of the audit trail as people read it.
type AuditEntry struct {
	Seq        int64           `db:"seq"`
	OccurredAt time.Time       `db:"occurred_at"`
	ActorName  string          `db:"actor_name"`
	Action     string          `db:"action"`
	EntityType string          `db:"entity_type"`
	EntityID   string          `db:"entity_id"`
	Summary    string          `db:"summary"`
	Before     json.RawMessage `db:"before"`
	After      json.RawMessage `db:"after"`
}

// AuditFilter narrows the trail. BeforeSeq pages backwards: entries older than it.
type AuditFilter struct {
	EntityType string
	EntityID   string
	BeforeSeq  int64
	Limit      int
}

// AuditPage is one page of the trail, newest first.
type AuditPage struct {
	Entries []AuditEntry
	// NextBeforeSeq is the cursor for the next (older) page; 0 when this is the last page.
	NextBeforeSeq int64
}

// AuditEntityTypes are the kinds of thing the trail records, with the names the filter shows.
// Every entity type a use case writes must be listed here.
var AuditEntityTypes = []struct{ Type, Label string }{
	{"organisation", "Organisation"},
	{"member", "Members"},
	{"site", "Sites"},
	{"process", "Processes"},
	{"user", "User accounts"},
	{"document", "Documents"},
	{"document_version", "Document approvals"},
	{"document_type", "Document types"},
	{"objective", "Quality objectives"},
	{"objective_measurement", "Objective measurements"},
	{"record", "Records"},
	{"record_type", "Record types"},
	{"supplier", "Suppliers"},
	{"record_import", "Record imports"},
	{"audit", "Audits"},
	{"finding", "Findings"},
	{"checklist_template", "Checklist templates"},
	{"capa", "CAPAs"},
}

// AuditTrail lists the organisation's trail, newest first, with keyset pagination.
func (s *Service) AuditTrail(ctx context.Context, a Actor, f AuditFilter) (AuditPage, error) {
	if err := a.Require(auth.PermViewAuditTrail); err != nil {
		return AuditPage{}, err
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var page AuditPage
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT seq, occurred_at, actor_name, action, entity_type, entity_id, summary, before, after
			  FROM audit_log
			 WHERE tenant_id = $1
			   AND ($2 = '' OR entity_type = $2)
			   AND ($3 = '' OR entity_id = $3)
			   AND ($4 = 0 OR seq < $4)
			 ORDER BY seq DESC
			 LIMIT $5`, a.OrgID, f.EntityType, f.EntityID, f.BeforeSeq, f.Limit+1)
		if err != nil {
			return err
		}
		page.Entries, err = database.CollectRows[AuditEntry](rows)
		return err
	})
	if err != nil {
		return AuditPage{}, err
	}
	if len(page.Entries) > f.Limit {
		page.Entries = page.Entries[:f.Limit]
		page.NextBeforeSeq = page.Entries[f.Limit-1].Seq
	}
	return page, nil
}

// VerifyResult is the outcome of checking an organisation's hash chain.
type VerifyResult struct {
	Entries  int64
	Intact   bool
	BadSeq   int64  // the first entry that does not verify (0 when intact)
	Problem  string // what is wrong with it
	LastHash []byte
}

// VerifyAuditTrail recomputes the hash chain of one organisation from its first entry and
// reports the first entry that was altered, removed or inserted out of order. It is an
// operator's command, not a member's use case, so it takes the organisation by slug.
func (s *Service) VerifyAuditTrail(ctx context.Context, orgSlug string) (VerifyResult, error) {
	org, err := s.OrganisationBySlug(ctx, orgSlug)
	if err != nil {
		return VerifyResult{}, err
	}
	res := VerifyResult{Intact: true}
	err = database.ReadTx(ctx, s.pool, database.Scope{TenantID: org.ID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT seq, prev_hash, hash,
			       audit_entry_hash(prev_hash, tenant_id, seq, occurred_at, actor_id, actor_name,
			                        action, entity_type, entity_id, summary, before, after)
			  FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, org.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev := make([]byte, 32) // the genesis hash: 32 zero bytes
		var want int64 = 1
		for rows.Next() {
			var seq int64
			var prevHash, hash, recomputed []byte
			if err := rows.Scan(&seq, &prevHash, &hash, &recomputed); err != nil {
				return err
			}
			res.Entries++
			switch {
			case seq != want:
				res.fail(want, fmt.Sprintf("entry %d is missing (the next entry is %d)", want, seq))
			case !bytes.Equal(prevHash, prev):
				res.fail(seq, "it does not link to the entry before it")
			case !bytes.Equal(hash, recomputed):
				res.fail(seq, "its content no longer matches its hash (it was altered)")
			}
			if !res.Intact {
				return nil
			}
			prev, want = hash, seq+1
		}
		if err := rows.Err(); err != nil {
			return err
		}
		res.LastHash = prev
		var headSeq int64
		var headHash []byte
		err = tx.QueryRow(ctx, `SELECT last_seq, last_hash FROM audit_chain_heads WHERE tenant_id = $1`, org.ID).
			Scan(&headSeq, &headHash)
		if err == pgx.ErrNoRows {
			headSeq, headHash = 0, make([]byte, 32)
		} else if err != nil {
			return err
		}
		if headSeq != want-1 || !bytes.Equal(headHash, prev) {
			res.fail(want, fmt.Sprintf("the trail ends at entry %d but %d entries were written (entries were removed from the end)", want-1, headSeq))
		}
		return nil
	})
	return res, err
}

func (r *VerifyResult) fail(seq int64, problem string) {
	r.Intact, r.BadSeq, r.Problem = false, seq, problem
}
