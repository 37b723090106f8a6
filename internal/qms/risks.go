package qms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/database"
)

// Risk is an entry of the risk and opportunity register (ISO 9001 6.1): assessed before and
// after its controls, with its current exposure as the exposure rule keeps it.
type Risk struct {
	ID                 uuid.UUID  `db:"id" json:"id"`
	Ref                int        `db:"ref" json:"ref"`
	Kind               string     `db:"kind" json:"kind"`
	Title              string     `db:"title" json:"title"`
	Description        string     `db:"description" json:"description"`
	Cause              string     `db:"cause" json:"cause"`
	Consequence        string     `db:"consequence" json:"consequence"`
	ProcessID          uuid.UUID  `db:"process_id" json:"process_id"`
	ProcessName        string     `db:"process_name" json:"process"`
	SiteID             *uuid.UUID `db:"site_id" json:"site_id"`
	SiteName           string     `db:"site_name" json:"site,omitempty"`
	OwnerID            uuid.UUID  `db:"owner_id" json:"owner_id"`
	OwnerName          string     `db:"owner_name" json:"owner"`
	InherentLikelihood int        `db:"inherent_likelihood" json:"inherent_likelihood"`
	InherentSeverity   int        `db:"inherent_severity" json:"inherent_severity"`
	ExistingControls   string     `db:"existing_controls" json:"existing_controls"`
	ResidualLikelihood int        `db:"residual_likelihood" json:"residual_likelihood"`
	ResidualSeverity   int        `db:"residual_severity" json:"residual_severity"`
	Treatment          string     `db:"treatment" json:"treatment"`
	TreatmentPlan      string     `db:"treatment_plan" json:"treatment_plan"`
	ReviewDate         time.Time  `db:"review_date" json:"review_date"`
	Status             string     `db:"status" json:"status"`
	Exposure           int        `db:"exposure" json:"exposure"`
	ExposureBand       string     `db:"exposure_band" json:"exposure_band"`
	ExposureUpdatedAt  time.Time  `db:"exposure_updated_at" json:"exposure_updated_at"`
	HeatLikelihood     int        `db:"heat_likelihood" json:"-"`
	Version            int        `db:"version" json:"version"`
}

// Reference is the risk's number: RSK-014.
func (r Risk) Reference() string { return RiskRef(r.Ref) }

// InherentScore is likelihood × severity before controls.
func (r Risk) InherentScore() int { return r.InherentLikelihood * r.InherentSeverity }

// ResidualScore is likelihood × severity after controls, where exposure starts.
func (r Risk) ResidualScore() int { return r.ResidualLikelihood * r.ResidualSeverity }

// Opportunity reports whether the entry is an opportunity rather than a risk.
func (r Risk) Opportunity() bool { return r.Kind == RiskKindOpportunity }

// Risk kinds.
const (
	RiskKindRisk        = "risk"
	RiskKindOpportunity = "opportunity"
)

// RiskTreatments lists the treatments of risks, then of opportunities.
var (
	RiskTreatments        = []string{"reduce", "accept", "avoid", "transfer"}
	OpportunityTreatments = []string{"pursue", "not_pursue"}
)

// TreatmentLabel names a treatment.
func TreatmentLabel(t string) string {
	switch t {
	case "reduce":
		return "Reduce"
	case "accept":
		return "Accept"
	case "avoid":
		return "Avoid"
	case "transfer":
		return "Transfer"
	case "pursue":
		return "Pursue"
	case "not_pursue":
		return "Do not pursue"
	}
	return t
}

// riskSelect reads risks of the organisation $1 with their names, looked up in $1 (see
// pageFirst).
const riskSelect = `
	SELECT r.id, r.ref, r.kind, r.title, r.description, r.cause, r.consequence, r.process_id, p.name AS process_name,
	       r.site_id, coalesce(s.name, '') AS site_name, r.owner_id, u.name AS owner_name,
	       r.inherent_likelihood, r.inherent_severity, r.existing_controls, r.residual_likelihood, r.residual_severity,
	       r.treatment, r.treatment_plan, r.review_date, r.status, r.exposure, r.exposure_band, r.exposure_updated_at,
	       ` + heatLikelihoodSQL + ` AS heat_likelihood, r.version
	  FROM risks r
	  JOIN processes p ON p.tenant_id = $1 AND p.id = r.process_id
	  JOIN users u ON u.id = r.owner_id
	  LEFT JOIN sites s ON s.tenant_id = $1 AND s.id = r.site_id`

func getRisk(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, lock bool) (Risk, error) {
	q := riskSelect + ` WHERE r.tenant_id = $1 AND r.id = $2`
	if lock {
		q += ` FOR UPDATE OF r`
	}
	rows, err := tx.Query(ctx, q, org, id)
	if err != nil {
		return Risk{}, err
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Risk])
	return r, noRows(err, "Risk")
}

// RiskInput is what a person enters to add or re-assess a risk. Numbers and the date are the
// text entered, so that each mistake is shown next to its field.
type RiskInput struct {
	Kind               string
	Title              string
	Description        string
	Cause              string
	Consequence        string
	ProcessID          uuid.UUID
	SiteID             uuid.UUID // optional
	OwnerID            uuid.UUID
	InherentLikelihood string
	InherentSeverity   string
	ExistingControls   string
	ResidualLikelihood string
	ResidualSeverity   string
	Treatment          string
	TreatmentPlan      string
	ReviewDate         string
	// The linked documents and findings by number ("QP-012", or as the picker offers them,
	// "QP-012 · Final inspection"), one a line or separated by commas.
	Documents string
	Findings  string
}

// splitRefs reads a list of numbers as typed or picked.
func splitRefs(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		part, _, _ = strings.Cut(part, " · ")
		if part = strings.ToUpper(strings.TrimSpace(part)); part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

// resolveRiskLinks finds the documents and findings a risk names, or says which do not exist.
func resolveRiskLinks(ctx context.Context, tx pgx.Tx, org uuid.UUID, in RiskInput) (docs, findings []uuid.UUID, err error) {
	c := checks{}
	docRefs, findingRefs := splitRefs(in.Documents), splitRefs(in.Findings)
	if len(docRefs) > 50 {
		c.add("documents", "Link at most 50 documents.")
	}
	if len(findingRefs) > 100 {
		c.add("findings", "Link at most 100 findings.")
	}
	if err := c.err(); err != nil {
		return nil, nil, err
	}
	lookup := func(field, what, sql string, refs []string) ([]uuid.UUID, error) {
		rows, err := tx.Query(ctx, sql, org, refs)
		if err != nil {
			return nil, err
		}
		found := map[string]uuid.UUID{}
		var id uuid.UUID
		var ref string
		if _, err := pgx.ForEachRow(rows, []any{&id, &ref}, func() error { found[strings.ToUpper(ref)] = id; return nil }); err != nil {
			return nil, err
		}
		var ids []uuid.UUID
		for _, r := range refs {
			x, ok := found[r]
			if !ok {
				c.add(field, "There is no "+what+" "+r+".")
				continue
			}
			ids = append(ids, x)
		}
		return ids, nil
	}
	if docs, err = lookup("documents", "document", `SELECT id, number FROM documents WHERE tenant_id = $1 AND upper(number) = ANY($2)`, docRefs); err != nil {
		return nil, nil, err
	}
	if findings, err = lookup("findings", "finding", `SELECT id, reference FROM findings WHERE tenant_id = $1 AND upper(reference) = ANY($2)`, findingRefs); err != nil {
		return nil, nil, err
	}
	return docs, findings, c.err()
}

type riskValues struct {
	il, is, rl, rs int
	review         time.Time
}

func (in *RiskInput) validate() (riskValues, error) {
	in.Title, in.Description, in.Cause, in.Consequence = clean(in.Title), clean(in.Description), clean(in.Cause), clean(in.Consequence)
	in.ExistingControls, in.TreatmentPlan = clean(in.ExistingControls), clean(in.TreatmentPlan)
	c := checks{}
	var v riskValues
	if in.Kind != RiskKindRisk && in.Kind != RiskKindOpportunity {
		c.add("kind", "Choose risk or opportunity.")
	}
	c.require("title", in.Title, "Name the risk in a few words.")
	c.maxLen("title", in.Title, 200)
	for f, s := range map[string]string{"description": in.Description, "cause": in.Cause, "consequence": in.Consequence,
		"existing_controls": in.ExistingControls, "treatment_plan": in.TreatmentPlan} {
		c.maxLen(f, s, 4000)
	}
	if in.ProcessID == uuid.Nil {
		c.add("process_id", "Choose the process the risk belongs to.")
	}
	if in.OwnerID == uuid.Nil {
		c.add("owner_id", "Choose who owns the risk.")
	}
	score := func(field, s string) int {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 5 {
			c.add(field, "Choose 1 to 5.")
			return 0
		}
		return n
	}
	v.il, v.is = score("inherent_likelihood", in.InherentLikelihood), score("inherent_severity", in.InherentSeverity)
	v.rl, v.rs = score("residual_likelihood", in.ResidualLikelihood), score("residual_severity", in.ResidualSeverity)
	switch {
	case in.Kind == RiskKindOpportunity && !slices.Contains(OpportunityTreatments, in.Treatment):
		c.add("treatment", "Choose whether to pursue the opportunity.")
	case in.Kind == RiskKindRisk && !slices.Contains(RiskTreatments, in.Treatment):
		c.add("treatment", "Choose the treatment: reduce, accept, avoid or transfer.")
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.ReviewDate))
	if err != nil {
		c.add("review_date", "Enter the date of the next review, like 2026-03-31.")
	}
	v.review = d
	return v, c.err()
}

// riskWriteError turns a constraint violation into a message next to the field concerned.
func riskWriteError(err error) error {
	if database.ErrorCode(err) != database.CodeForeignKeyViolation {
		return err
	}
	name := database.ConstraintName(err)
	switch {
	case strings.Contains(name, "process"):
		return invalidField("process_id", "Choose a process of this organisation.")
	case strings.Contains(name, "site"):
		return invalidField("site_id", "Choose a site of this organisation.")
	case strings.Contains(name, "owner"):
		return invalidField("owner_id", "Choose a member of this organisation.")
	case strings.Contains(name, "document"):
		return invalidField("documents", "Choose documents of this organisation.")
	case strings.Contains(name, "finding"):
		return invalidField("findings", "Choose findings of this organisation.")
	}
	return err
}

// setRiskLinks replaces the documents and findings linked to a risk.
func setRiskLinks(ctx context.Context, tx pgx.Tx, org, id uuid.UUID, docs, findings []uuid.UUID) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM risk_documents WHERE tenant_id = $1 AND risk_id = $2`, org, id)
	b.Queue(`DELETE FROM risk_findings WHERE tenant_id = $1 AND risk_id = $2`, org, id)
	b.Queue(`INSERT INTO risk_documents (tenant_id, risk_id, document_id) SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::uuid[])`, org, id, docs)
	b.Queue(`INSERT INTO risk_findings (tenant_id, risk_id, finding_id) SELECT DISTINCT $1::uuid, $2::uuid, unnest($3::uuid[])`, org, id, findings)
	return riskWriteError(tx.SendBatch(ctx, b).Close())
}

// CreateRisk adds a risk or opportunity to the register, scores its exposure at once and
// starts its history.
func (s *Service) CreateRisk(ctx context.Context, a Actor, in RiskInput) (Risk, error) {
	if err := a.Require(auth.PermManageRisks); err != nil {
		return Risk{}, err
	}
	v, err := in.validate()
	if err != nil {
		return Risk{}, err
	}
	var r Risk
	err = s.write(ctx, a, func(tx pgx.Tx) error {
		var ref int
		if err := tx.QueryRow(ctx, `INSERT INTO risk_ref_counters (tenant_id, last_ref) VALUES ($1, 1)
			ON CONFLICT (tenant_id) DO UPDATE SET last_ref = risk_ref_counters.last_ref + 1 RETURNING last_ref`, a.OrgID).Scan(&ref); err != nil {
			return err
		}
		residual := v.rl * v.rs
		var id uuid.UUID
		if err := tx.QueryRow(ctx, `INSERT INTO risks (tenant_id, ref, kind, title, description, cause, consequence, process_id,
				site_id, owner_id, inherent_likelihood, inherent_severity, existing_controls, residual_likelihood,
				residual_severity, treatment, treatment_plan, review_date, exposure, exposure_band, exposure_updated_at,
				created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $21, $21)
			RETURNING id`,
			a.OrgID, ref, in.Kind, in.Title, in.Description, in.Cause, in.Consequence, in.ProcessID, nilIfZero(in.SiteID),
			in.OwnerID, v.il, v.is, in.ExistingControls, v.rl, v.rs, in.Treatment, in.TreatmentPlan, v.review,
			residual, ExposureBandOf(residual), s.now(), a.UserID).Scan(&id); err != nil {
			return riskWriteError(err)
		}
		docs, findings, err := resolveRiskLinks(ctx, tx, a.OrgID, in)
		if err != nil {
			return err
		}
		if err := setRiskLinks(ctx, tx, a.OrgID, id, docs, findings); err != nil {
			return err
		}
		reasons, err := exposureReasons(ctx, tx, a.OrgID, s.now(), []uuid.UUID{id})
		if err != nil {
			return err
		}
		rs := reasons[id]
		if rs == nil {
			rs = []ExposureReason{}
		}
		score := ExposureScore(v.rl, v.rs, rs)
		if _, err := tx.Exec(ctx, `UPDATE risks SET exposure = $3, exposure_band = $4 WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, score, ExposureBandOf(score)); err != nil {
			return err
		}
		if err := insertExposureHistory(ctx, tx, a.OrgID, s.now(), id, nil, nil, score, ExposureBandOf(score),
			RiskRef(ref)+" assessed by "+a.Name, rs); err != nil {
			return err
		}
		if r, err = getRisk(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "risk.create", EntityType: "risk", EntityID: id.String(),
			Summary: "Added " + r.Kind + " " + r.Reference() + " " + r.Title + " on " + r.ProcessName, After: r})
	})
	return r, err
}

// UpdateRisk re-assesses a risk: its wording, scores, treatment and links. Exposure is
// re-scored in the same transaction. version is the one loaded.
func (s *Service) UpdateRisk(ctx context.Context, a Actor, id uuid.UUID, version int, in RiskInput) (Risk, error) {
	if err := a.Require(auth.PermManageRisks); err != nil {
		return Risk{}, err
	}
	v, verr := in.validate()
	var after Risk
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getRisk(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if before.Version != version {
			return staleEdit("risk")
		}
		if before.Status == "retired" {
			return conflict(before.Reference() + " is retired: reinstate it before re-assessing it.")
		}
		if before.Kind != in.Kind {
			return invalidField("kind", "A risk cannot become an opportunity, or the other way round; add a new entry.")
		}
		if _, err := tx.Exec(ctx, `UPDATE risks SET title = $3, description = $4, cause = $5, consequence = $6, process_id = $7,
				site_id = $8, owner_id = $9, inherent_likelihood = $10, inherent_severity = $11, existing_controls = $12,
				residual_likelihood = $13, residual_severity = $14, treatment = $15, treatment_plan = $16, review_date = $17,
				version = version + 1, updated_at = $18
			WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.Title, in.Description, in.Cause, in.Consequence, in.ProcessID, nilIfZero(in.SiteID), in.OwnerID,
			v.il, v.is, in.ExistingControls, v.rl, v.rs, in.Treatment, in.TreatmentPlan, v.review, s.now()); err != nil {
			return riskWriteError(err)
		}
		docs, findings, err := resolveRiskLinks(ctx, tx, a.OrgID, in)
		if err != nil {
			return err
		}
		if err := setRiskLinks(ctx, tx, a.OrgID, id, docs, findings); err != nil {
			return err
		}
		if _, err := s.rescoreRisks(ctx, tx, a.OrgID, []uuid.UUID{id}, before.Reference()+" re-assessed by "+a.Name); err != nil {
			return err
		}
		if after, err = getRisk(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "risk.update", EntityType: "risk", EntityID: id.String(),
			Summary: "Re-assessed " + after.Reference() + " " + after.Title, Before: before, After: after})
	})
	return after, err
}

// SetRiskStatus retires a risk that no longer applies (the process changed, the threat is
// gone) or reinstates a retired one, with the reason kept in the audit trail. A retired risk
// leaves the register's default view and the heat map and is no longer re-scored; a
// reinstated one is re-scored at once from what is happening on its process now.
func (s *Service) SetRiskStatus(ctx context.Context, a Actor, id uuid.UUID, version int, status, reason string) (Risk, error) {
	if err := a.Require(auth.PermManageRisks); err != nil {
		return Risk{}, err
	}
	reason = strings.TrimSpace(reason)
	c := checks{}
	if status != "active" && status != "retired" {
		c.add("status", "Choose to retire the risk or to reinstate it.")
	}
	c.require("reason", reason, "Say why: the reason is kept in the audit trail.")
	c.maxLen("reason", reason, 2000)
	verr := c.err()
	var after Risk
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getRisk(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if before.Version != version {
			return staleEdit("risk")
		}
		if before.Status == status {
			return conflict(before.Reference() + " is already " + status + ".")
		}
		if _, err := tx.Exec(ctx, `UPDATE risks SET status = $3, version = version + 1, updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, a.OrgID, id, status, s.now()); err != nil {
			return err
		}
		verb := "Retired"
		if status == "active" {
			verb = "Reinstated"
			if _, err := s.rescoreRisks(ctx, tx, a.OrgID, []uuid.UUID{id}, before.Reference()+" reinstated by "+a.Name); err != nil {
				return err
			}
		}
		if after, err = getRisk(ctx, tx, a.OrgID, id, false); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "risk.status", EntityType: "risk", EntityID: id.String(),
			Summary: verb + " " + after.Reference() + " " + after.Title + ": " + reason, Before: before, After: after})
	})
	return after, err
}

// RiskFilter narrows the register. Likelihood and Severity (both or neither) pick a heat-map
// cell: the risks the heat map places there. After is the cursor of the page before.
type RiskFilter struct {
	ProcessID  uuid.UUID
	SiteID     uuid.UUID
	OwnerID    uuid.UUID
	Kind       string
	Band       string
	Treatment  string
	Likelihood int
	Severity   int
	Status     string // active (default), retired or all
	After      string
	Limit      int
}

// RiskPage is one page of the register, highest exposure first, and the heat map of every
// risk that matches the filter apart from the cell.
type RiskPage struct {
	Risks   []Risk
	Next    string
	HeatMap [5][5]int
	Total   int
}

// Risks lists the register, highest exposure first, with keyset pagination.
func (s *Service) Risks(ctx context.Context, a Actor, f RiskFilter) (RiskPage, error) {
	var page RiskPage
	b := &pgx.Batch{}
	finish, err := s.queueRisks(b, a.OrgID, f, &page)
	if err != nil {
		return RiskPage{}, err
	}
	if err := s.readBatch(ctx, a, b); err != nil {
		return RiskPage{}, err
	}
	finish()
	return page, nil
}

// RiskList is the register's page: one page of risks with the heat map, and the choices of
// its filter.
type RiskList struct {
	RiskPage
	Processes []Process
	Sites     []Site
	Members   []Member
}

// RiskList reads the register's page (Risks and its filter's choices) in one round trip.
func (s *Service) RiskList(ctx context.Context, a Actor, f RiskFilter) (RiskList, error) {
	var l RiskList
	b := &pgx.Batch{}
	finish, err := s.queueRisks(b, a.OrgID, f, &l.RiskPage)
	if err != nil {
		return RiskList{}, err
	}
	keep := s.queueChoices(b, a.OrgID, &l.Processes, &l.Sites, &l.Members)
	if err := s.readBatch(ctx, a, b); err != nil {
		return RiskList{}, err
	}
	finish()
	keep()
	return l, nil
}

// queueRisks checks f and queues the heat map and the page of risks it selects into page;
// finish, called once b was read, completes the page. The heat map is the same for everyone
// with the same filter, so it is kept until the organisation changes (orgCache).
func (s *Service) queueRisks(b *pgx.Batch, org uuid.UUID, f RiskFilter, page *RiskPage) (finish func(), err error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	c := checks{}
	if f.Band != "" && !ValidBand(f.Band) {
		c.add("band", "Choose a band.")
	}
	if f.Kind != "" && f.Kind != RiskKindRisk && f.Kind != RiskKindOpportunity {
		c.add("kind", "Choose risks or opportunities.")
	}
	if f.Treatment != "" && !slices.Contains(RiskTreatments, f.Treatment) && !slices.Contains(OpportunityTreatments, f.Treatment) {
		c.add("treatment", "Choose a treatment.")
	}
	if f.Likelihood < 0 || f.Likelihood > 5 || f.Severity < 0 || f.Severity > 5 || (f.Likelihood == 0) != (f.Severity == 0) {
		c.add("likelihood", "Choose a cell of the heat map.")
	}
	switch f.Status {
	case "":
		f.Status = "active"
	case "active", "retired", "all":
	default:
		c.add("status", "Choose a status.")
	}
	afterExp, afterRef := 0, 0
	if f.After != "" {
		e, r, ok := strings.Cut(f.After, "-")
		var err1, err2 error
		afterExp, err1 = strconv.Atoi(e)
		afterRef, err2 = strconv.Atoi(r)
		if !ok || err1 != nil || err2 != nil || afterExp < 1 || afterRef < 1 {
			c.add("after", "This page of risks does not exist.")
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	// The WHERE clause holds only the filters that are set, the status as a constant so that
	// the active register's index (partial, on exposure) serves it, and the page is chosen
	// from the risks alone before names are joined: a plan kept for the query's shape suits
	// a register of any size. The heat map counts what the filter keeps, cell apart.
	var w sqlWhere
	w.add("r.tenant_id = $%d", org)
	if f.ProcessID != uuid.Nil {
		w.add("r.process_id = $%d", f.ProcessID)
	}
	if f.SiteID != uuid.Nil {
		w.add("r.site_id = $%d", f.SiteID)
	}
	if f.OwnerID != uuid.Nil {
		w.add("r.owner_id = $%d", f.OwnerID)
	}
	if f.Kind != "" {
		w.add("r.kind = $%d", f.Kind)
	}
	if f.Band != "" {
		w.add("r.exposure_band = $%d", f.Band)
	}
	if f.Treatment != "" {
		w.add("r.treatment = $%d", f.Treatment)
	}
	switch f.Status {
	case "active":
		w.plain("r.status = 'active'")
	case "retired":
		w.plain("r.status = 'retired'")
	}
	heat := sqlWhere{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
	if f.Likelihood != 0 {
		w.add2(heatLikelihoodSQL+" = $%d AND r.residual_severity = $%d", f.Likelihood, f.Severity)
	}
	if f.After != "" {
		w.add2("r.exposure <= $%[1]d AND (r.exposure < $%[1]d OR r.ref > $%[2]d)", afterExp, afterRef)
	}
	const order = " ORDER BY r.exposure DESC, r.ref"
	heatKey := "risk-heat/" + heat.where() + fmt.Sprint(heat.args...)
	kept, ticket, isKept := s.cache.lookup(org, heatKey)
	if isKept {
		page.HeatMap = kept.([5][5]int)
	} else {
		b.Queue(`SELECT `+heatLikelihoodSQL+`, r.residual_severity, count(*) FROM risks r`+heat.where()+` GROUP BY 1, 2`, heat.args...).
			Query(func(rows pgx.Rows) error {
				var l, sev, n int
				_, err := pgx.ForEachRow(rows, []any{&l, &sev, &n}, func() error {
					page.HeatMap[l-1][sev-1] += n
					return nil
				})
				return err
			})
	}
	finish = func() {
		if !isKept {
			s.cache.keep(org, heatKey, ticket, page.HeatMap)
		}
		for l, row := range page.HeatMap {
			for sev, n := range row {
				if f.Likelihood == 0 || (f.Likelihood == l+1 && f.Severity == sev+1) {
					page.Total += n
				}
			}
		}
	}
	pageSQL := "SELECT r.* FROM risks r" + w.where() + order + " LIMIT " + strconv.Itoa(f.Limit+1)
	b.Queue(pageFirst(riskSelect, "risks r", pageSQL, order), w.args...).
		Query(func(rows pgx.Rows) error {
			var err error
			page.Risks, err = database.CollectRows[Risk](rows)
			if len(page.Risks) > f.Limit {
				page.Risks = page.Risks[:f.Limit]
				last := page.Risks[f.Limit-1]
				page.Next = fmt.Sprintf("%d-%d", last.Exposure, last.Ref)
			}
			return err
		})
	return finish, nil
}

// ExposureChange is one row of a risk's exposure history.
type ExposureChange struct {
	At       time.Time        `db:"at"`
	OldScore *int             `db:"old_score"`
	NewScore int              `db:"new_score"`
	OldBand  *string          `db:"old_band"`
	NewBand  string           `db:"new_band"`
	Cause    string           `db:"cause"`
	Reasons  []ExposureReason `db:"reasons"`
}

// RiskDetail is a risk with what explains it: the signals behind its current exposure (those
// stored with its last change), its history, and what it is linked to.
type RiskDetail struct {
	Risk
	Reasons   []ExposureReason
	History   []ExposureChange
	Documents []DocumentRef
	Findings  []FindingRef
}

// DocumentRef names a document briefly.
type DocumentRef struct {
	ID     uuid.UUID `db:"id"`
	Number string    `db:"number"`
	Title  string    `db:"title"`
}

// RiskDetail loads a risk with its reasons, history and links. Every member may read the
// register.
func (s *Service) RiskDetail(ctx context.Context, a Actor, id uuid.UUID) (RiskDetail, error) {
	// Every read is by the risk's id, so they travel in one round trip.
	var d RiskDetail
	b := &pgx.Batch{}
	b.Queue(riskSelect+` WHERE r.tenant_id = $1 AND r.id = $2`, a.OrgID, id).Query(func(rows pgx.Rows) error {
		read, err := database.CollectRows[Risk](rows)
		if len(read) == 1 {
			d.Risk = read[0]
		}
		return err
	})
	b.Queue(`SELECT at, old_score, new_score, old_band, new_band, cause, reasons
		FROM risk_exposure_history WHERE tenant_id = $1 AND risk_id = $2 ORDER BY at, id`, a.OrgID, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.History, err = database.CollectRows[ExposureChange](rows)
			return err
		})
	b.Queue(`SELECT d.id, d.number, d.title FROM risk_documents rd
		JOIN documents d ON d.tenant_id = $1 AND d.id = rd.document_id
		WHERE rd.tenant_id = $1 AND rd.risk_id = $2 ORDER BY d.number`, a.OrgID, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Documents, err = database.CollectRows[DocumentRef](rows)
			return err
		})
	b.Queue(`SELECT f.id, f.reference, f.classification, f.status FROM risk_findings rf
		JOIN findings f ON f.tenant_id = $1 AND f.id = rf.finding_id
		WHERE rf.tenant_id = $1 AND rf.risk_id = $2 ORDER BY f.year, f.seq`, a.OrgID, id).
		Query(func(rows pgx.Rows) error {
			var err error
			d.Findings, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (FindingRef, error) {
				var f FindingRef
				return f, r.Scan(&f.ID, &f.Reference, &f.Classification, &f.Status)
			})
			return err
		})
	if err := s.readBatch(ctx, a, b); err != nil {
		return RiskDetail{}, err
	}
	if d.Risk.ID == uuid.Nil {
		return RiskDetail{}, notFound("Risk")
	}
	if n := len(d.History); n > 0 {
		d.Reasons = d.History[n-1].Reasons
	}
	return d, nil
}

// ExposureWeight is how much one signal adds to exposure.
type ExposureWeight struct {
	Signal        string     `db:"signal"`
	Weight        int        `db:"weight"`
	UpdatedByName string     `db:"updated_by_name"`
	UpdatedAt     time.Time  `db:"updated_at"`
	UpdatedBy     *uuid.UUID `db:"updated_by"`
	Version       int        `db:"version"`
}

// Label names the weight's signal.
func (w ExposureWeight) Label() string { return SignalLabel(w.Signal) }

func exposureWeightRows(ctx context.Context, tx pgx.Tx, org uuid.UUID) ([]ExposureWeight, error) {
	rows, err := tx.Query(ctx, `SELECT w.signal, w.weight, coalesce(u.name, '') AS updated_by_name, w.updated_at, w.updated_by, w.version
		FROM exposure_weights w LEFT JOIN users u ON u.id = w.updated_by WHERE w.tenant_id = $1`, org)
	if err != nil {
		return nil, err
	}
	ws, err := database.CollectRows[ExposureWeight](rows)
	slices.SortFunc(ws, func(a, b ExposureWeight) int {
		return slices.Index(ExposureSignals, a.Signal) - slices.Index(ExposureSignals, b.Signal)
	})
	return ws, err
}

// ExposureWeights lists the weights of the exposure rule. Every member may read them.
func (s *Service) ExposureWeights(ctx context.Context, a Actor) ([]ExposureWeight, error) {
	var ws []ExposureWeight
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		ws, err = exposureWeightRows(ctx, tx, a.OrgID)
		return err
	})
	return ws, err
}

// WeightEdit is a new weight for one signal, with the version of the weight loaded.
type WeightEdit struct {
	Weight  string
	Version int
}

// UpdateExposureWeights changes weights and re-scores every active risk with them. A weight
// someone else changed meanwhile is a conflict: nothing is saved.
func (s *Service) UpdateExposureWeights(ctx context.Context, a Actor, edits map[string]WeightEdit) ([]ExposureWeight, error) {
	if err := a.Require(auth.PermManageExposureWeights); err != nil {
		return nil, err
	}
	c := checks{}
	values := map[string]int{}
	for sig, e := range edits {
		if !slices.Contains(ExposureSignals, sig) {
			return nil, notFound("Signal")
		}
		n, err := strconv.Atoi(strings.TrimSpace(e.Weight))
		if err != nil || n < 0 || n > MaxExposure {
			c.add(sig, "Enter a whole number from 0 to 25.")
			continue
		}
		values[sig] = n
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	var after []ExposureWeight
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := exposureWeightRows(ctx, tx, a.OrgID)
		if err != nil {
			return err
		}
		var changed []string
		for _, w := range before {
			e, ok := edits[w.Signal]
			if !ok {
				continue
			}
			if e.Version != w.Version {
				return staleEdit("exposure weights")
			}
			if values[w.Signal] == w.Weight {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE exposure_weights SET weight = $3, updated_by = $4, updated_at = $5, version = version + 1
				WHERE tenant_id = $1 AND signal = $2`, a.OrgID, w.Signal, values[w.Signal], a.UserID, s.now()); err != nil {
				return err
			}
			changed = append(changed, SignalLabel(w.Signal)+" "+strconv.Itoa(w.Weight)+" → "+strconv.Itoa(values[w.Signal]))
		}
		if len(changed) == 0 {
			after = before
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT id FROM risks WHERE tenant_id = $1 AND status = 'active' ORDER BY ref FOR UPDATE`, a.OrgID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		if _, err := s.rescoreRisks(ctx, tx, a.OrgID, ids, "Exposure weights changed by "+a.Name); err != nil {
			return err
		}
		if after, err = exposureWeightRows(ctx, tx, a.OrgID); err != nil {
			return err
		}
		return record(ctx, tx, a, change{Action: "exposure_weights.update", EntityType: "exposure_weights", EntityID: a.OrgID.String(),
			Summary: "Changed exposure weights: " + strings.Join(changed, ", "), Before: before, After: after})
	})
	return after, err
}

// RiskRise is a risk of the actor's that rose a band lately, for their home page.
type RiskRise struct {
	ID       uuid.UUID
	Ref      int
	Title    string
	OldBand  string
	NewBand  string
	Exposure int
	At       time.Time
	Cause    string
}

// Reference is the risk's number.
func (r RiskRise) Reference() string { return RiskRef(r.Ref) }

// riskRiseDays is how long a rise stays on the owner's home page.
const riskRiseDays = 30

// queueMyRisksRose adds to the home batch the actor's risks that rose a band in the last
// riskRiseDays days and have not fallen back since.
func queueMyRisksRose(b *pgx.Batch, a Actor, today time.Time, out *[]RiskRise) {
	b.Queue(`SELECT DISTINCT ON (r.id) r.id, r.ref, r.title, h.old_band, h.new_band, r.exposure, h.at, h.cause
		  FROM risks r JOIN risk_exposure_history h ON h.tenant_id = r.tenant_id AND h.risk_id = r.id
		 WHERE r.tenant_id = $1 AND r.owner_id = $2 AND r.status = 'active' AND h.at >= $3
		   AND h.old_band IS NOT NULL AND h.new_band = r.exposure_band
		   AND array_position(ARRAY['low','medium','high','critical'], h.new_band) > array_position(ARRAY['low','medium','high','critical'], h.old_band)
		 ORDER BY r.id, h.at DESC`, a.OrgID, a.UserID, today.AddDate(0, 0, -riskRiseDays)).
		Query(func(rows pgx.Rows) error {
			var err error
			*out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RiskRise, error) {
				var r RiskRise
				return r, row.Scan(&r.ID, &r.Ref, &r.Title, &r.OldBand, &r.NewBand, &r.Exposure, &r.At, &r.Cause)
			})
			slices.SortFunc(*out, func(x, y RiskRise) int { return y.At.Compare(x.At) })
			return err
		})
}

// RecheckExposure re-scores the active risks of the given processes (none: every process) as
// of the service clock, with cause as the reason in their history: for a quality manager who
// wants the register to reflect today, and for the demo seed that replays its year.
func (s *Service) RecheckExposure(ctx context.Context, a Actor, processIDs []uuid.UUID, cause string) ([]RiskExposureChange, error) {
	if err := a.Require(auth.PermManageRisks); err != nil {
		return nil, err
	}
	var changed []RiskExposureChange
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM risks WHERE tenant_id = $1 AND status = 'active'
			AND (cardinality($2::uuid[]) = 0 OR process_id = ANY($2)) ORDER BY ref FOR UPDATE`, a.OrgID, processIDs)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		changed, err = s.rescoreRisks(ctx, tx, a.OrgID, ids, cause)
		return err
	})
	return changed, err
}

// RiskInputOf is a risk as the form to re-assess it starts: as it is now.
func RiskInputOf(d RiskDetail) RiskInput {
	var site uuid.UUID
	if d.SiteID != nil {
		site = *d.SiteID
	}
	var docs, findings []string
	for _, x := range d.Documents {
		docs = append(docs, x.Number)
	}
	for _, x := range d.Findings {
		findings = append(findings, x.Reference)
	}
	return RiskInput{
		Kind: d.Kind, Title: d.Title, Description: d.Description, Cause: d.Cause, Consequence: d.Consequence,
		ProcessID: d.ProcessID, SiteID: site, OwnerID: d.OwnerID,
		InherentLikelihood: strconv.Itoa(d.InherentLikelihood), InherentSeverity: strconv.Itoa(d.InherentSeverity),
		ExistingControls: d.ExistingControls, ResidualLikelihood: strconv.Itoa(d.ResidualLikelihood),
		ResidualSeverity: strconv.Itoa(d.ResidualSeverity), Treatment: d.Treatment, TreatmentPlan: d.TreatmentPlan,
		ReviewDate: d.ReviewDate.Format(time.DateOnly), Documents: strings.Join(docs, "\n"), Findings: strings.Join(findings, "\n"),
	}
}
