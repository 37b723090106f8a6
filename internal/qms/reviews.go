package qms

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// ReviewStatus is where a management review stands.
type ReviewStatus string

const (
	ReviewPlanned       ReviewStatus = "planned"
	ReviewInPreparation ReviewStatus = "in_preparation"
	ReviewHeld          ReviewStatus = "held"
	ReviewSigned        ReviewStatus = "signed"
)

// Label is the status as people say it.
func (s ReviewStatus) Label() string {
	switch s {
	case ReviewPlanned:
		return "Planned"
	case ReviewInPreparation:
		return "In preparation"
	case ReviewHeld:
		return "Held"
	case ReviewSigned:
		return "Signed"
	}
	return string(s)
}

// Tone is the badge colour of the status.
func (s ReviewStatus) Tone() string {
	switch s {
	case ReviewInPreparation:
		return "warn"
	case ReviewHeld:
		return "info"
	case ReviewSigned:
		return "ok"
	}
	return ""
}

// Held reports whether the review has been held: its inputs are frozen.
func (s ReviewStatus) Held() bool { return s == ReviewHeld || s == ReviewSigned }

// OutputKind is one of the outputs of 9.3.3.
type OutputKind string

const (
	OutputDecision     OutputKind = "decision"
	OutputAction       OutputKind = "action"
	OutputResourceNeed OutputKind = "resource_need"
	OutputQMSChange    OutputKind = "qms_change"
)

// OutputKinds lists every kind of output.
var OutputKinds = []OutputKind{OutputDecision, OutputAction, OutputResourceNeed, OutputQMSChange}

// Valid reports whether k is one of OutputKinds.
func (k OutputKind) Valid() bool { return slices.Contains(OutputKinds, k) }

// Label is the kind as people say it.
func (k OutputKind) Label() string {
	switch k {
	case OutputDecision:
		return "Decision"
	case OutputAction:
		return "Action"
	case OutputResourceNeed:
		return "Resource need"
	case OutputQMSChange:
		return "Change to the QMS"
	}
	return string(k)
}

// ReviewMinutesMeaning is what the chair's signature on the minutes means.
const ReviewMinutesMeaning = "Approved the minutes as chair of the management review"

// Review is a management review with its minutes, outputs and (once held) frozen inputs.
type Review struct {
	ID             uuid.UUID    `db:"id" json:"id"`
	Reference      string       `db:"reference" json:"reference"`
	Title          string       `db:"title" json:"title"`
	ScheduledOn    time.Time    `db:"scheduled_on" json:"scheduled_on"`
	ChairID        uuid.UUID    `db:"chair_id" json:"chair_id"`
	ChairName      string       `db:"chair_name" json:"chair"`
	Attendees      string       `db:"attendees" json:"attendees"`
	Status         ReviewStatus `db:"status" json:"status"`
	IssuesChanges  string       `db:"issues_changes" json:"issues_changes"`
	Resources      string       `db:"resources" json:"resources"`
	PreparedAt     *time.Time   `db:"prepared_at" json:"prepared_at"`
	HeldAt         *time.Time   `db:"held_at" json:"held_at"`
	HeldByName     string       `db:"held_by_name" json:"held_by,omitempty"`
	SignatureID    *uuid.UUID   `db:"signature_id" json:"signature_id"`
	Snapshot       []byte       `db:"snapshot" json:"-"`
	Version        int          `db:"version" json:"version"`
	OpenActions    int          `db:"open_actions" json:"-"`
	OverdueActions int          `db:"overdue_actions" json:"-"`
	Year           int          `db:"year" json:"-"`
	Seq            int          `db:"seq" json:"-"`

	// Inputs are the frozen snapshot once held, the live inputs while in preparation, and
	// nil while only planned.
	Inputs    *ReviewInputs           `db:"-" json:"-"`
	Minutes   map[string]ReviewMinute `db:"-" json:"-"`
	Outputs   []ReviewOutput          `db:"-" json:"-"`
	Signature *Signature              `db:"-" json:"-"`
}

// ReviewMinute is the minutes of one input.
type ReviewMinute struct {
	Key       string    `db:"input_key" json:"key"`
	Minutes   string    `db:"minutes" json:"minutes"`
	Version   int       `db:"version" json:"version"`
	UpdatedBy string    `db:"updated_by_name" json:"updated_by"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// ReviewOutput is a decision, action, resource need or change to the QMS from a review.
type ReviewOutput struct {
	ID              uuid.UUID  `db:"id" json:"id"`
	ReviewID        uuid.UUID  `db:"review_id" json:"review_id"`
	ReviewReference string     `db:"review_reference" json:"review"`
	Kind            OutputKind `db:"kind" json:"kind"`
	Description     string     `db:"description" json:"description"`
	OwnerID         *uuid.UUID `db:"owner_id" json:"owner_id"`
	OwnerName       string     `db:"owner_name" json:"owner,omitempty"`
	DueDate         *time.Time `db:"due_date" json:"due_date"`
	Status          *string    `db:"status" json:"status"`
	CompletedAt     *time.Time `db:"completed_at" json:"completed_at"`
	CompletedByName string     `db:"completed_by_name" json:"completed_by,omitempty"`
	CompletionNote  string     `db:"completion_note" json:"completion_note"`
	Version         int        `db:"version" json:"version"`
}

// Open reports whether the output is an action still to be done.
func (o ReviewOutput) Open() bool { return o.Status != nil && *o.Status == "open" }

// Overdue reports whether the output is an open action past its due date on today.
func (o ReviewOutput) Overdue(today time.Time) bool {
	return o.Open() && o.DueDate != nil && o.DueDate.Before(today)
}

const reviewSelect = `
	SELECT r.id, r.reference, r.title, r.scheduled_on, r.chair_id, cu.name AS chair_name, r.attendees, r.status,
	       r.issues_changes, r.resources, r.prepared_at, r.held_at, coalesce(hu.name, '') AS held_by_name,
	       r.signature_id, r.snapshot, r.version, r.year, r.seq,
	       (SELECT count(*) FROM review_outputs o WHERE o.tenant_id = r.tenant_id AND o.review_id = r.id AND o.status = 'open')::int AS open_actions,
	       (SELECT count(*) FROM review_outputs o WHERE o.tenant_id = r.tenant_id AND o.review_id = r.id AND o.status = 'open'
	           AND o.due_date < $2)::int AS overdue_actions
	  FROM management_reviews r
	  JOIN users cu ON cu.id = r.chair_id
	  LEFT JOIN users hu ON hu.id = r.held_by`

const reviewOutputSelect = `
	SELECT o.id, o.review_id, r.reference AS review_reference, o.kind, o.description, o.owner_id,
	       coalesce(ou.name, '') AS owner_name, o.due_date, o.status, o.completed_at,
	       coalesce(cu.name, '') AS completed_by_name, o.completion_note, o.version
	  FROM review_outputs o
	  JOIN management_reviews r ON r.tenant_id = o.tenant_id AND r.id = o.review_id
	  LEFT JOIN users ou ON ou.id = o.owner_id
	  LEFT JOIN users cu ON cu.id = o.completed_by`

// getReview loads a review with its minutes, outputs and signature; with live, a review in
// preparation gets its inputs assembled now.
func (s *Service) getReview(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock, live bool) (Review, error) {
	q := reviewSelect + ` WHERE r.tenant_id = $1 AND r.id = $3`
	if lock {
		q += ` FOR UPDATE OF r`
	}
	rows, err := tx.Query(ctx, q, org, s.today(), id)
	if err != nil {
		return Review{}, err
	}
	rv, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Review])
	if err != nil {
		return Review{}, noRows(err, "Management review")
	}
	b := &pgx.Batch{}
	rv.Minutes = map[string]ReviewMinute{}
	b.Queue(`SELECT m.input_key, m.minutes, m.version, u.name AS updated_by_name, m.updated_at
		FROM review_minutes m JOIN users u ON u.id = m.updated_by WHERE m.tenant_id = $1 AND m.review_id = $2`, org, id).
		Query(func(rows pgx.Rows) error {
			ms, err := database.CollectRows[ReviewMinute](rows)
			for _, m := range ms {
				rv.Minutes[m.Key] = m
			}
			return err
		})
	b.Queue(reviewOutputSelect+` WHERE o.tenant_id = $1 AND o.review_id = $2 ORDER BY o.created_at, o.id`, org, id).
		Query(func(rows pgx.Rows) error {
			var err error
			rv.Outputs, err = database.CollectRows[ReviewOutput](rows)
			return err
		})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return Review{}, err
	}
	if rv.SignatureID != nil {
		sigs, err := signaturesOf(ctx, tx, org, "management_review", id)
		if err != nil {
			return Review{}, err
		}
		for i := range sigs {
			if sigs[i].ID == *rv.SignatureID {
				rv.Signature = &sigs[i]
			}
		}
	}
	switch {
	case rv.Status.Held():
		var in ReviewInputs
		if err := json.Unmarshal(rv.Snapshot, &in); err != nil {
			return Review{}, err
		}
		rv.Inputs = &in
	case rv.Status == ReviewInPreparation && live:
		in, err := assembleReviewInputs(ctx, tx, org, rv, s.now().Truncate(time.Microsecond))
		if err != nil {
			return Review{}, err
		}
		rv.Inputs = &in
	}
	return rv, nil
}

// Review loads one management review: while in preparation, with its inputs assembled from
// live data; once held, with the inputs frozen when it was held. Every member may read it.
func (s *Service) Review(ctx context.Context, a Actor, id uuid.UUID) (Review, error) {
	var rv Review
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		rv, err = s.getReview(ctx, tx, a.OrgID, id, false, true)
		return err
	})
	return rv, err
}

// Reviews lists the organisation's management reviews, latest first.
func (s *Service) Reviews(ctx context.Context, a Actor) ([]Review, error) {
	var out []Review
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, reviewSelect+` WHERE r.tenant_id = $1 ORDER BY r.scheduled_on DESC, r.year DESC, r.seq DESC`, a.OrgID, s.today())
		if err != nil {
			return err
		}
		out, err = database.CollectRows[Review](rows)
		return err
	})
	return out, err
}

// ReviewInput is what a person enters to schedule a review.
type ReviewInput struct {
	Title       string
	ScheduledOn string // YYYY-MM-DD
	ChairID     uuid.UUID
	Attendees   string
}

func (in *ReviewInput) validate() (time.Time, error) {
	in.Title, in.ScheduledOn, in.Attendees = clean(in.Title), clean(in.ScheduledOn), clean(in.Attendees)
	c := checks{}
	c.require("title", in.Title, "Give the review a title, such as “Management review 2026 H2”.")
	c.maxLen("title", in.Title, 200)
	on, err := time.Parse("2006-01-02", in.ScheduledOn)
	if err != nil {
		c.add("scheduled_on", "Enter the date of the review.")
	}
	if in.ChairID == uuid.Nil {
		c.add("chair_id", "Choose who chairs the review: a member of top management.")
	}
	c.maxLen("attendees", in.Attendees, 2000)
	return on, c.err()
}

// ScheduleReview plans a management review and gives it the next MR number of its year.
func (s *Service) ScheduleReview(ctx context.Context, a Actor, in ReviewInput) (Review, error) {
	if err := a.Require(auth.PermManageReviews); err != nil {
		return Review{}, err
	}
	on, err := in.validate()
	if err != nil {
		return Review{}, err
	}
	var rv Review
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		ref, seq, err := nextReference(ctx, tx, a.OrgID, "MR", on.Year())
		if err != nil {
			return err
		}
		var id uuid.UUID
		err = tx.QueryRow(ctx, `INSERT INTO management_reviews (tenant_id, reference, year, seq, title, scheduled_on, chair_id, attendees, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			a.OrgID, ref, on.Year(), seq, in.Title, on, in.ChairID, in.Attendees, a.UserID, s.now()).Scan(&id)
		if err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("chair_id", "Choose a member of this organisation as chair.")
			}
			return err
		}
		if rv, err = s.getReview(ctx, tx, a.OrgID, id, false, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.schedule", EntityType: "management_review", EntityID: id.String(),
			Summary: "Scheduled management review " + ref + " for " + on.Format("2 Jan 2006") + ", chaired by " + rv.ChairName, After: rv})
	})
	return rv, err
}

// UpdateReview changes the title, date, chair or attendees of a review not yet held, on the
// version the editor loaded.
func (s *Service) UpdateReview(ctx context.Context, a Actor, id uuid.UUID, version int, in ReviewInput) (Review, error) {
	if err := a.Require(auth.PermManageReviews); err != nil {
		return Review{}, err
	}
	on, err := in.validate()
	if err != nil {
		return Review{}, err
	}
	var after Review
	err = s.reviewChange(ctx, a, id, version, []ReviewStatus{ReviewPlanned, ReviewInPreparation}, func(tx pgx.Tx, before Review) error {
		_, err := tx.Exec(ctx, `UPDATE management_reviews SET title = $3, scheduled_on = $4, chair_id = $5, attendees = $6,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, in.Title, on, in.ChairID, in.Attendees)
		if err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("chair_id", "Choose a member of this organisation as chair.")
			}
			return err
		}
		if after, err = s.getReview(ctx, tx, a.OrgID, id, false, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.update", EntityType: "management_review", EntityID: id.String(),
			Summary: "Updated management review " + after.Reference + ": " + after.Title + " on " + on.Format("2 Jan 2006") + ", chaired by " + after.ChairName,
			Before:  before, After: after})
	})
	return after, err
}

// anyVersion is reviewChange's version for changes that carry their own (minutes) or add to
// the review without editing it (outputs).
const anyVersion = -1

// reviewChange runs a change of a review that someone with PermManageReviews makes, on the
// version they loaded, when the review is in one of the states allowed.
func (s *Service) reviewChange(ctx context.Context, a Actor, id uuid.UUID, version int, allowed []ReviewStatus, fn func(tx pgx.Tx, rv Review) error) error {
	if err := a.Require(auth.PermManageReviews); err != nil {
		return err
	}
	return s.write(ctx, a, func(tx pgx.Tx) error {
		rv, err := s.getReview(ctx, tx, a.OrgID, id, true, false)
		if err != nil {
			return err
		}
		if version != anyVersion && rv.Version != version {
			return staleEdit("management review")
		}
		if !slices.Contains(allowed, rv.Status) {
			return conflict("Management review " + rv.Reference + " is " + strings.ToLower(rv.Status.Label()) + ": this can no longer be done.")
		}
		return fn(tx, rv)
	})
}

// PrepareReview starts preparing a planned review: from now on its page assembles the 9.3.2
// inputs from live data.
func (s *Service) PrepareReview(ctx context.Context, a Actor, id uuid.UUID, version int) error {
	return s.reviewChange(ctx, a, id, version, []ReviewStatus{ReviewPlanned}, func(tx pgx.Tx, rv Review) error {
		if _, err := tx.Exec(ctx, `UPDATE management_reviews SET status = 'in_preparation', prepared_at = $3,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, s.now()); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.prepare", EntityType: "management_review", EntityID: id.String(),
			Summary: "Started preparing management review " + rv.Reference})
	})
}

// ReviewEntries are the inputs people enter: 9.3.2 b) and d).
type ReviewEntries struct {
	IssuesChanges string
	Resources     string
}

// UpdateReviewEntries saves the entered inputs of a review not yet held.
func (s *Service) UpdateReviewEntries(ctx context.Context, a Actor, id uuid.UUID, version int, e ReviewEntries) error {
	e.IssuesChanges, e.Resources = clean(e.IssuesChanges), clean(e.Resources)
	c := checks{}
	c.maxLen("issues_changes", e.IssuesChanges, 8000)
	c.maxLen("resources", e.Resources, 8000)
	if err := c.err(); err != nil {
		return err
	}
	return s.reviewChange(ctx, a, id, version, []ReviewStatus{ReviewPlanned, ReviewInPreparation}, func(tx pgx.Tx, rv Review) error {
		if _, err := tx.Exec(ctx, `UPDATE management_reviews SET issues_changes = $3, resources = $4,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, e.IssuesChanges, e.Resources); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.entries", EntityType: "management_review", EntityID: id.String(),
			Summary: "Updated the issues and resources of management review " + rv.Reference,
			Before:  ReviewEntries{rv.IssuesChanges, rv.Resources}, After: e})
	})
}

// HoldReview records that the review was held now: its inputs are assembled one last time and
// frozen, so that later changes to the data never change what the review saw.
func (s *Service) HoldReview(ctx context.Context, a Actor, id uuid.UUID, version int) error {
	return s.reviewChange(ctx, a, id, version, []ReviewStatus{ReviewInPreparation}, func(tx pgx.Tx, rv Review) error {
		// PostgreSQL keeps microseconds: the snapshot's end is exactly the stored holding time.
		now := s.now().Truncate(time.Microsecond)
		in, err := assembleReviewInputs(ctx, tx, a.OrgID, rv, now)
		if err != nil {
			return err
		}
		snap, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE management_reviews SET status = 'held', snapshot = $3, previous_review_id = $4,
			held_at = $5, held_by = $6, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, snap, in.PreviousID, now, a.UserID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.hold", EntityType: "management_review", EntityID: id.String(),
			Summary: "Held management review " + rv.Reference + "; its inputs are frozen"})
	})
}

// SaveReviewMinutes records the minutes of one input. version is the version of those minutes
// as loaded, 0 when there were none yet; a different one is a conflict, never an overwrite.
func (s *Service) SaveReviewMinutes(ctx context.Context, a Actor, id uuid.UUID, key string, version int, text string) error {
	text = clean(text)
	title := reviewInputTitle(key)
	if title == "" {
		return notFound("Input")
	}
	c := checks{}
	c.maxLen("minutes_"+key, text, 8000)
	if err := c.err(); err != nil {
		return err
	}
	return s.reviewChange(ctx, a, id, anyVersion, []ReviewStatus{ReviewInPreparation, ReviewHeld}, func(tx pgx.Tx, rv Review) error {
		before, had := rv.Minutes[key]
		var tag pgconn.CommandTag
		var err error
		if version == 0 {
			tag, err = tx.Exec(ctx, `INSERT INTO review_minutes (tenant_id, review_id, input_key, minutes, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, a.OrgID, id, key, text, a.UserID, s.now())
		} else {
			tag, err = tx.Exec(ctx, `UPDATE review_minutes SET minutes = $4, updated_by = $5, updated_at = $6, version = version + 1
				WHERE tenant_id = $1 AND review_id = $2 AND input_key = $3 AND version = $7`, a.OrgID, id, key, text, a.UserID, s.now(), version)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &Error{Kind: KindConflict, Message: "Someone else changed the minutes of " + title +
				" while you were editing them. Their minutes are shown; yours are kept in the form so you can apply them again."}
		}
		ch := change{Action: "review.minutes", EntityType: "management_review", EntityID: id.String(),
			Summary: "Minuted " + title + " in " + rv.Reference, After: text}
		if had {
			ch.Before = before.Minutes
		}
		return record(ctx, tx, a, ch)
	})
}

// OutputInput is what a person enters to record an output of a review.
type OutputInput struct {
	Kind        OutputKind
	Description string
	OwnerID     uuid.UUID // actions only
	DueDate     string    // actions only, YYYY-MM-DD
}

// AddReviewOutput records a decision, action, resource need or change to the QMS. An action
// needs an owner and a due date, and is then tracked until done.
func (s *Service) AddReviewOutput(ctx context.Context, a Actor, id uuid.UUID, in OutputInput) (ReviewOutput, error) {
	in.Description, in.DueDate = clean(in.Description), clean(in.DueDate)
	c := checks{}
	if !in.Kind.Valid() {
		c.add("kind", "Choose what kind of output this is.")
	}
	c.require("description", in.Description, "Describe the output.")
	c.maxLen("description", in.Description, 2000)
	var due *time.Time
	if in.Kind == OutputAction {
		if in.OwnerID == uuid.Nil {
			c.add("owner_id", "An action needs an owner.")
		}
		d, err := time.Parse("2006-01-02", in.DueDate)
		if err != nil {
			c.add("due_date", "An action needs a due date.")
		} else {
			due = &d
		}
	}
	if err := c.err(); err != nil {
		return ReviewOutput{}, err
	}
	var out ReviewOutput
	err := s.reviewChange(ctx, a, id, anyVersion, []ReviewStatus{ReviewInPreparation, ReviewHeld}, func(tx pgx.Tx, rv Review) error {
		var owner *uuid.UUID
		var status *string
		if in.Kind == OutputAction {
			owner = &in.OwnerID
			open := "open"
			status = &open
		}
		var oid uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO review_outputs (tenant_id, review_id, kind, description, owner_id, due_date, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			a.OrgID, id, in.Kind, in.Description, owner, due, status, a.UserID, s.now()).Scan(&oid)
		if err != nil {
			if database.ErrorCode(err) == database.CodeForeignKeyViolation {
				return invalidField("owner_id", "Choose a member of this organisation as owner.")
			}
			return err
		}
		if out, err = getReviewOutput(ctx, tx, a.OrgID, id, oid, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.output", EntityType: "management_review", EntityID: id.String(),
			Summary: "Recorded " + strings.ToLower(in.Kind.Label()) + " in " + rv.Reference + ": " + excerpt(in.Description, 120), After: out})
	})
	return out, err
}

func getReviewOutput(ctx context.Context, tx pgx.Tx, org, reviewID, id uuid.UUID, lock bool) (ReviewOutput, error) {
	q := reviewOutputSelect + ` WHERE o.tenant_id = $1 AND o.review_id = $2 AND o.id = $3`
	if lock {
		q += ` FOR UPDATE OF o`
	}
	rows, err := tx.Query(ctx, q, org, reviewID, id)
	if err != nil {
		return ReviewOutput{}, err
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ReviewOutput])
	return out, noRows(err, "Review output")
}

// CompleteReviewAction marks a review action done, with a note of what was done. Its owner or
// someone who manages reviews may complete it, also after the minutes were signed: signing
// approves what was decided, not how the actions went.
func (s *Service) CompleteReviewAction(ctx context.Context, a Actor, reviewID, id uuid.UUID, version int, note string) (ReviewOutput, error) {
	note = clean(note)
	c := checks{}
	c.require("completion_note", note, "Say what was done.")
	c.maxLen("completion_note", note, 4000)
	if err := c.err(); err != nil {
		return ReviewOutput{}, err
	}
	var after ReviewOutput
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getReviewOutput(ctx, tx, a.OrgID, reviewID, id, true)
		if err != nil {
			return err
		}
		if before.Kind != OutputAction {
			return notFound("Review action")
		}
		if (before.OwnerID == nil || *before.OwnerID != a.UserID) && !a.Can(auth.PermManageReviews) {
			return forbidden()
		}
		if before.Version != version {
			return staleEdit("action")
		}
		if !before.Open() {
			return conflict("This action is already done.")
		}
		if _, err := tx.Exec(ctx, `UPDATE review_outputs SET status = 'done', completed_at = $4, completed_by = $5, completion_note = $6,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND review_id = $2 AND id = $3`,
			a.OrgID, reviewID, id, s.now(), a.UserID, note); err != nil {
			return err
		}
		if after, err = getReviewOutput(ctx, tx, a.OrgID, reviewID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.action_done", EntityType: "management_review", EntityID: reviewID.String(),
			Summary: "Completed review action of " + after.ReviewReference + ": " + excerpt(after.Description, 120), Before: before, After: after})
	})
	return after, err
}

// SignReview is the chair's electronic signature on the minutes of a held review. Only the
// chair may sign; a wrong password signs nothing. The signature keeps the SHA-256 of the exact
// minutes (ReviewMinutesText), which are frozen from then on.
func (s *Service) SignReview(ctx context.Context, a Actor, id uuid.UUID, version int, password string) (Review, error) {
	var rv Review
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		rv, err = s.getReview(ctx, tx, a.OrgID, id, false, false)
		return err
	})
	if err != nil {
		return Review{}, err
	}
	if rv.ChairID != a.UserID {
		return Review{}, &Error{Kind: KindForbidden, Message: "Only the chair of the review, " + rv.ChairName + ", signs its minutes."}
	}
	if err := s.confirmSigner(ctx, a, password); err != nil {
		return Review{}, err
	}
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		cur, err := s.getReview(ctx, tx, a.OrgID, id, true, false)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return staleEdit("management review")
		}
		if cur.Status != ReviewHeld {
			return conflict("Management review " + cur.Reference + " is " + strings.ToLower(cur.Status.Label()) + ": only a held review's minutes are signed.")
		}
		sig, err := recordSignature(ctx, tx, a, "management_review", id, ReviewMinutesMeaning, ContentHash(ReviewMinutesText(cur)), "")
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE management_reviews SET status = 'signed', signature_id = $3,
			version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, sig.ID); err != nil {
			return err
		}
		if rv, err = s.getReview(ctx, tx, a.OrgID, id, false, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "review.sign", EntityType: "management_review", EntityID: id.String(),
			Summary: a.Name + " signed the minutes of management review " + rv.Reference})
	})
	return rv, err
}

// MinutesIntact reports whether the minutes still hash to what the chair signed.
func (r Review) MinutesIntact() bool {
	return r.Signature != nil && r.Signature.ContentSHA256 == ContentHash(ReviewMinutesText(r))
}

// ReviewMinutesText is the minutes of a held review as plain text: what the chair signs,
// hashed exactly. It holds the review's particulars, every input as frozen with the minutes
// on it, and the outputs as decided (not how far the actions have got since).
func ReviewMinutesText(r Review) string {
	var b strings.Builder
	line := func(parts ...string) {
		b.WriteString(strings.Join(parts, ""))
		b.WriteByte('\n')
	}
	line("Management review ", r.Reference, ": ", r.Title)
	line("Scheduled: ", r.ScheduledOn.Format("2006-01-02"))
	if r.HeldAt != nil {
		line("Held: ", r.HeldAt.UTC().Format(time.RFC3339))
	}
	line("Chair: ", r.ChairName)
	line("Attendees: ", r.Attendees)
	if r.Inputs != nil {
		line("Period: ", r.Inputs.Since.UTC().Format(time.RFC3339), " to ", r.Inputs.Until.UTC().Format(time.RFC3339))
		if r.Inputs.PreviousReference != "" {
			line("Compared with: ", r.Inputs.PreviousReference)
		}
		for _, sec := range r.Inputs.Sections {
			line()
			line(sec.Clause, " ", sec.Title)
			if sec.Text != "" {
				line(sec.Text)
			}
			for _, m := range sec.Metrics {
				d := m.DeltaText()
				if d != "" {
					d = " (" + d + ")"
				}
				line("- ", m.Label, ": ", strconv.Itoa(m.Value), d)
			}
			for _, it := range sec.Items {
				line("* ", it.Ref, " ", it.Text, " ", it.Note, " ", it.Status)
			}
			line("Minutes: ", r.Minutes[sec.Key].Minutes)
		}
	}
	line()
	line("Outputs")
	for _, o := range r.Outputs {
		if o.Kind == OutputAction && o.DueDate != nil {
			line("- ", o.Kind.Label(), ": ", o.Description, " (owner ", o.OwnerName, ", due ", o.DueDate.Format("2006-01-02"), ")")
		} else {
			line("- ", o.Kind.Label(), ": ", o.Description)
		}
	}
	return b.String()
}

// MyReviewAction is review work of the person looking, for their home: an open action they
// own (Kind "action"), or a held review they chair whose minutes await their signature
// (Kind "sign", Description the review's title and DueDate its date).
type MyReviewAction struct {
	Kind            string    `db:"kind"`
	ID              uuid.UUID `db:"id"`
	ReviewID        uuid.UUID `db:"review_id"`
	ReviewReference string    `db:"review_reference"`
	Description     string    `db:"description"`
	DueDate         time.Time `db:"due_date"`
}

// queueMyReviewActions adds the actor's review work to the home page's batch.
func queueMyReviewActions(b *pgx.Batch, a Actor, out *[]MyReviewAction) {
	b.Queue(`SELECT 'action' AS kind, o.id, o.review_id, r.reference AS review_reference, o.description, o.due_date
		   FROM review_outputs o JOIN management_reviews r ON r.tenant_id = o.tenant_id AND r.id = o.review_id
		  WHERE o.tenant_id = $1 AND o.owner_id = $2 AND o.status = 'open'
		 UNION ALL
		 SELECT 'sign', r.id, r.id, r.reference, r.title, r.scheduled_on
		   FROM management_reviews r WHERE r.tenant_id = $1 AND r.chair_id = $2 AND r.status = 'held'
		  ORDER BY 1 DESC, 6, 2 LIMIT 20`, a.OrgID, a.UserID).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = database.CollectRows[MyReviewAction](rows)
			return err
		})
}
