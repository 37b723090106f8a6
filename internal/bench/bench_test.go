package bench

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/database/dbtest"
	"github.com/plumbline/plumbline/internal/qms/qmstest"
)

// TestSmallScale runs the harness at the small scale: the data set must satisfy the schema
// (COPY checks every constraint) and the service's rules, and every benchmarked page that
// exists on this build must answer 200 for its user. Nothing here is timed.
func TestSmallScale(t *testing.T) {
	ctx := context.Background()
	svc, db := qmstest.New(t)
	sc := Scales["small"]
	if err := Generate(ctx, svc, db.Admin, sc, nil); err != nil {
		t.Fatalf("generating: %v", err)
	}
	if err := ensureFortunes(ctx, db.Admin); err != nil {
		t.Fatal(err)
	}

	t.Run("sizes", func(t *testing.T) {
		for _, c := range []struct {
			table string
			want  int
		}{
			{"documents", sc.Large.Documents},
			{"records", sc.Large.Records},
			{"audits", sc.Large.Audits},
			{"findings", sc.Large.Findings},
			{"capas", sc.Large.CAPAs},
			{"risks", sc.Large.Risks},
			{"memberships", sc.Large.Users},
		} {
			var n int
			if err := db.Admin.QueryRow(ctx, `SELECT count(*) FROM `+c.table+` t JOIN organisations o ON o.id = t.tenant_id WHERE o.slug = $1`, LargeSlug).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Errorf("%s of the large organisation: %d, want %d", c.table, n, c.want)
			}
		}
		var orgs int
		if err := db.Admin.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE slug LIKE 'small-%'`).Scan(&orgs); err != nil {
			t.Fatal(err)
		}
		if orgs != sc.SmallOrgs {
			t.Errorf("%d small organisations, want %d", orgs, sc.SmallOrgs)
		}
	})

	t.Run("rules", func(t *testing.T) { checkRules(t, db) })

	// The large organisation is lived in: its documents and audits name clauses and sites, and
	// risks that rose have flagged documents for review, some still open.
	t.Run("links", func(t *testing.T) {
		for _, q := range []string{
			`document_clauses`,
			`audit_clauses`,
			`audit_sites`,
			`document_review_flags WHERE t.resolved_at IS NULL`,
			`document_review_flags WHERE t.resolved_at IS NOT NULL`,
		} {
			table, cond, _ := strings.Cut(q, " WHERE ")
			if cond == "" {
				cond = "true"
			}
			var n int
			if err := db.Admin.QueryRow(ctx, `SELECT count(*) FROM `+table+` t JOIN organisations o ON o.id = t.tenant_id
				WHERE o.slug = $1 AND `+cond, LargeSlug).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("the large organisation has none: %s", q)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		app, err := StartApp(db.App)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		for _, x := range [][2]string{{"large", LargeSlug}, {"small", SmallSlug(1)}} {
			o, err := LoadTarget(ctx, db.Admin, x[0], x[1])
			if err != nil {
				t.Fatal(err)
			}
			cookies := map[string]*http.Cookie{}
			for _, p := range Pages {
				c := cookies[p.Role]
				if c == nil {
					if c, err = app.SignIn(ctx, Email(o.Slug, p.Role)); err != nil {
						t.Fatal(err)
					}
					cookies[p.Role] = c
				}
				status, size, err := app.Get(ctx, p.Path(o), c)
				if err != nil {
					t.Fatal(err)
				}
				if p.Optional && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) {
					t.Logf("%s is not on this build (%d)", p.Name, status)
					continue
				}
				if status != http.StatusOK || size == 0 {
					t.Errorf("%s %s as %s: status %d, %d bytes", p.Name, p.Path(o), p.Role, status, size)
				}
			}
		}
		// The baseline answers too, with the row added at request time, escaped.
		res, err := http.Get(app.BaselineURL + "/fortunes")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			body.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if res.StatusCode != http.StatusOK || strings.Count(body.String(), "<tr>") != len(fortuneRows)+2 ||
			!strings.Contains(body.String(), "Additional fortune added at request time.") ||
			strings.Contains(body.String(), "<script>") {
			t.Errorf("baseline: status %d, body:\n%s", res.StatusCode, body.String())
		}
	})
}

// checkRules asserts the rules of the service layer on the generated data: each query counts
// the rows that break one rule.
func checkRules(t *testing.T, db *dbtest.DB) {
	ctx := context.Background()
	for _, c := range []struct{ rule, sql string }{
		{"a closed CAPA has an effective, signed check of its last round", `
			SELECT count(*) FROM capas c WHERE c.status = 'closed' AND NOT EXISTS (
				SELECT 1 FROM capa_effectiveness_checks e JOIN signatures s ON s.tenant_id = e.tenant_id AND s.id = e.signature_id
				 WHERE e.tenant_id = c.tenant_id AND e.capa_id = c.id AND e.round = c.round AND e.result = 'effective')`},
		{"a CAPA awaiting its check has every action done and a pending check", `
			SELECT count(*) FROM capas c WHERE c.status = 'awaiting_check' AND (
				EXISTS (SELECT 1 FROM capa_actions a WHERE a.tenant_id = c.tenant_id AND a.capa_id = c.id AND a.status = 'open')
				OR NOT EXISTS (SELECT 1 FROM capa_effectiveness_checks e WHERE e.tenant_id = c.tenant_id AND e.capa_id = c.id AND e.round = c.round AND e.result IS NULL))`},
		{"open actions belong to open CAPAs", `
			SELECT count(*) FROM capa_actions a JOIN capas c ON c.tenant_id = a.tenant_id AND c.id = a.capa_id
			 WHERE a.status = 'open' AND c.status <> 'open'`},
		{"a closed major nonconformity has a closed CAPA", `
			SELECT count(*) FROM findings f WHERE f.status = 'closed' AND f.classification = 'major_nc' AND NOT EXISTS (
				SELECT 1 FROM capa_findings cf JOIN capas c ON c.tenant_id = cf.tenant_id AND c.id = cf.capa_id
				 WHERE cf.tenant_id = f.tenant_id AND cf.finding_id = f.id AND c.status = 'closed')`},
		{"a closed minor nonconformity has a correction, a CAPA decision and, if required, a closed CAPA", `
			SELECT count(*) FROM findings f WHERE f.status = 'closed' AND f.classification = 'minor_nc' AND (
				f.correction = '' OR f.capa_decision IS NULL OR (f.capa_decision = 'required' AND NOT EXISTS (
				SELECT 1 FROM capa_findings cf JOIN capas c ON c.tenant_id = cf.tenant_id AND c.id = cf.capa_id
				 WHERE cf.tenant_id = f.tenant_id AND cf.finding_id = f.id AND c.status = 'closed')))`},
		{"CAPAs are opened for nonconformities only", `
			SELECT count(*) FROM capa_findings cf JOIN findings f ON f.tenant_id = cf.tenant_id AND f.id = cf.finding_id
			 WHERE f.classification NOT IN ('major_nc', 'minor_nc') OR f.capa_decision IS DISTINCT FROM 'required'`},
		{"an issued current document has exactly one effective version", `
			SELECT count(*) FROM documents d WHERE d.obsoleted_at IS NULL
			   AND EXISTS (SELECT 1 FROM document_versions v WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id AND v.state <> 'draft')
			   AND (SELECT count(*) FROM document_versions v WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id AND v.state = 'effective') <> 1`},
		{"an obsolete document has no effective version", `
			SELECT count(*) FROM documents d WHERE d.obsoleted_at IS NOT NULL AND EXISTS (
				SELECT 1 FROM document_versions v WHERE v.tenant_id = d.tenant_id AND v.document_id = d.id AND v.state = 'effective')`},
		{"revisions follow each other in time", `
			SELECT count(*) FROM document_versions v JOIN document_versions n
			    ON n.tenant_id = v.tenant_id AND n.document_id = v.document_id AND n.revision = v.revision + 1
			 WHERE v.state = 'superseded' AND n.effective_from IS NOT NULL AND v.effective_until <> n.effective_from`},
		{"an approved version was approved by someone other than its author", `
			SELECT count(*) FROM document_versions WHERE approved_by IS NOT NULL AND approved_by = author_id`},
		{"records are final, with a final current revision", `
			SELECT count(*) FROM records r JOIN record_revisions v ON v.tenant_id = r.tenant_id AND v.id = r.current_revision_id
			 WHERE r.state <> 'final' OR v.state <> 'final' OR v.record_id <> r.id OR v.revision <> r.revision_count`},
		{"a closed audit was reported, and findings come from audits that took place", `
			SELECT (SELECT count(*) FROM audits WHERE status = 'closed' AND (reported_at IS NULL OR actual_end IS NULL))
			     + (SELECT count(*) FROM findings f JOIN audits a ON a.tenant_id = f.tenant_id AND a.id = f.audit_id WHERE a.status NOT IN ('reported', 'closed'))`},
		{"numbering counters are ahead of every number handed out", `
			SELECT (SELECT count(*) FROM findings f WHERE NOT EXISTS (SELECT 1 FROM audit_numbering n WHERE n.tenant_id = f.tenant_id AND n.series = 'F' AND n.year = f.year AND n.last_seq >= f.seq))
			     + (SELECT count(*) FROM capas c WHERE NOT EXISTS (SELECT 1 FROM audit_numbering n WHERE n.tenant_id = c.tenant_id AND n.series = 'CA' AND n.year = c.year AND n.last_seq >= c.seq))
			     + (SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM record_ref_counters n WHERE n.tenant_id = r.tenant_id AND n.last_ref >= r.ref))
			     + (SELECT count(*) FROM risks r WHERE NOT EXISTS (SELECT 1 FROM risk_ref_counters n WHERE n.tenant_id = r.tenant_id AND n.last_ref >= r.ref))`},
		{"a risk's exposure band matches its score and its last history entry", `
			SELECT count(*) FROM risks r WHERE r.exposure_band <> CASE WHEN r.exposure >= 17 THEN 'critical' WHEN r.exposure >= 10 THEN 'high' WHEN r.exposure >= 5 THEN 'medium' ELSE 'low' END
			    OR r.exposure <> (SELECT h.new_score FROM risk_exposure_history h WHERE h.tenant_id = r.tenant_id AND h.risk_id = r.id ORDER BY h.at DESC LIMIT 1)`},
		{"residual risk does not exceed inherent risk", `
			SELECT count(*) FROM risks WHERE residual_likelihood > inherent_likelihood OR residual_severity > inherent_severity`},
		{"a risk flags a document for review only when its exposure rose a band, and only a linked document in force", `
			SELECT count(*) FROM document_review_flags f JOIN documents d ON d.tenant_id = f.tenant_id AND d.id = f.document_id
			 WHERE f.source_type <> 'risk' OR d.obsoleted_at IS NOT NULL
			    OR NOT EXISTS (SELECT 1 FROM risk_documents rd WHERE rd.tenant_id = f.tenant_id AND rd.risk_id = f.source_id AND rd.document_id = f.document_id)
			    OR NOT EXISTS (SELECT 1 FROM risk_exposure_history h WHERE h.tenant_id = f.tenant_id AND h.risk_id = f.source_id
			                      AND h.at = f.raised_at AND h.old_band IS NOT NULL AND h.new_band <> h.old_band)`},
		{"an audit covers the clauses its checklist asks about", `
			SELECT count(*) FROM audit_checklist_items i WHERE NOT EXISTS (
				SELECT 1 FROM audit_clauses c WHERE c.tenant_id = i.tenant_id AND c.audit_id = i.audit_id AND c.clause_number = i.clause_number)`},
	} {
		var n int
		if err := db.Admin.QueryRow(ctx, c.sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows break it", c.rule, n)
		}
	}
}
