package qms

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/auth"
)

// AuditReport is an audit's report: everything in AuditDetail, and the organisation it is
// about. Management and the certification body read it, on screen, printed or as a PDF.
type AuditReport struct {
	Organisation string
	AuditDetail
}

// ReportSignatureMeaning is what the lead auditor's signature on a report means.
const ReportSignatureMeaning = "Audit report issued by the lead auditor"

// AuditReport gathers the report of an audit. Every member may read it; before the audit is
// reported it is a draft.
func (s *Service) AuditReport(ctx context.Context, a Actor, id uuid.UUID) (AuditReport, error) {
	r := AuditReport{Organisation: a.OrgName}
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		var err error
		r.AuditDetail, err = auditDetails(ctx, tx, a.OrgID, id)
		return err
	})
	return r, err
}

// reportContent is what the lead auditor's signature covers: the audit as reported, every
// question with its result, notes and evidence (files by their SHA-256), and the findings.
func reportContent(d AuditDetail) (string, error) {
	b, err := json.Marshal(struct {
		Audit     Audit           `json:"audit"`
		Checklist []ChecklistItem `json:"checklist"`
		Findings  []Finding       `json:"findings"`
	}{d.Audit, d.Checklist, d.Findings})
	return string(b), err
}

// ReportInput is what the lead auditor enters when issuing the report.
type ReportInput struct {
	Summary    string
	Conclusion string
	ActualEnd  time.Time // zero: today
	Password   string    // re-entered to sign
}

// IssueAuditReport completes an audit: the lead auditor writes the summary and conclusion and
// signs the report, and the audit becomes reported. Every question needs a result (or "not
// audited") and every nonconformity found its finding first.
func (s *Service) IssueAuditReport(ctx context.Context, a Actor, id uuid.UUID, version int, in ReportInput) (Audit, error) {
	if err := a.Require(auth.PermPerformAudits); err != nil {
		return Audit{}, err
	}
	in.Summary, in.Conclusion = clean(in.Summary), clean(in.Conclusion)
	c := checks{}
	c.require("summary", in.Summary, "Summarise the audit: what was sampled, where and with whom.")
	c.maxLen("summary", in.Summary, 8000)
	c.require("conclusion", in.Conclusion, "Conclude: is the system conforming and effectively implemented for this scope?")
	c.maxLen("conclusion", in.Conclusion, 8000)
	if err := c.err(); err != nil {
		return Audit{}, err
	}
	if in.ActualEnd.IsZero() {
		in.ActualEnd = s.today()
	}
	if err := s.confirmSigner(ctx, a, in.Password); err != nil {
		return Audit{}, err
	}
	var after Audit
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		before, err := getAudit(ctx, tx, a.OrgID, id, true)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleEdit("audit")
		}
		if before.LeadAuditorID != a.UserID {
			return conflict("Only the lead auditor, " + before.LeadAuditorName + ", issues and signs the report of " + before.Reference + ".")
		}
		if before.Status != AuditInProgress {
			return conflict("Audit " + before.Reference + " is " + strings.ToLower(before.Status.Label()) + ": only an audit in progress can be reported.")
		}
		if before.ActualStart != nil && in.ActualEnd.Before(*before.ActualStart) {
			return invalidField("actual_end", "The audit cannot end before it started ("+before.ActualStart.Format("2 Jan 2006")+").")
		}
		items, err := checklistOf(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		if open := TallyOf(items).Open(); open > 0 {
			return conflict(Plural(open, "question has", "questions have") + " no result yet. Record a result for each, or mark it “not audited”, before issuing the report.")
		}
		for _, it := range items {
			if it.NeedsFinding() {
				return conflict("The nonconformity recorded on " + questionName(it) + " has no finding yet. Raise it before issuing the report.")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE audits SET status = 'reported', reported_at = $6, summary = $3, conclusion = $4,
			actual_end = $5, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
			a.OrgID, id, in.Summary, in.Conclusion, in.ActualEnd, s.now()); err != nil {
			return err
		}
		d, err := auditDetails(ctx, tx, a.OrgID, id)
		if err != nil {
			return err
		}
		after = d.Audit
		content, err := reportContent(d)
		if err != nil {
			return err
		}
		if _, err := recordSignature(ctx, tx, a, "audit", id, ReportSignatureMeaning, ContentHash(content), ""); err != nil {
			return err
		}
		t := d.Tally
		return record(ctx, tx, a, change{
			Action: "audit.report", EntityType: "audit", EntityID: id.String(),
			Summary: "Issued the report of " + after.Reference + " " + after.Title + ": " + strconv.Itoa(t.Audited()) + " of " +
				strconv.Itoa(t.Total) + " questions audited, " + Plural(len(d.Findings), "finding", "findings"),
			Before: before, After: after,
		})
	})
	return after, err
}
