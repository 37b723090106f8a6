package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/plumbline/plumbline/internal/qms"
	"github.com/plumbline/plumbline/templates"
)

func (s *Server) showAuditTrail(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r.Context())
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := qms.AuditFilter{EntityType: q.Get("entity"), EntityID: q.Get("id"), BeforeSeq: before}
	page, err := s.svc.AuditTrail(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := templates.AuditTrailPage{
		Chrome:      s.chrome(r, "Audit trail", "settings"),
		Entries:     page.Entries,
		EntityType:  f.EntityType,
		EntityTypes: []templates.Option{{Value: "", Label: "Everything"}},
	}
	for _, t := range qms.AuditEntityTypes {
		p.EntityTypes = append(p.EntityTypes, templates.Option{Value: t.Type, Label: t.Label})
	}
	if page.NextBeforeSeq != 0 {
		next := url.Values{"before": {strconv.FormatInt(page.NextBeforeSeq, 10)}}
		if f.EntityType != "" {
			next.Set("entity", f.EntityType)
		}
		if f.EntityID != "" {
			next.Set("id", f.EntityID)
		}
		p.OlderURL = templates.Path(a.OrgSlug, "settings", "audit-trail") + "?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, templates.AuditTrailView(p))
}
