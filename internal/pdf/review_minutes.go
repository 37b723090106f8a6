package pdf

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

// ReviewMinutes writes the minutes of a management review: its particulars, every input of
// ISO 9001 9.3.2 with its numbers, their change since the previous review and the minutes on
// it, the outputs of 9.3.3, and the chair's signature.
func ReviewMinutes(w io.Writer, organisation string, r qms.Review, today time.Time) error {
	created := r.ScheduledOn
	if r.HeldAt != nil {
		created = *r.HeldAt
	}
	d := New(Options{
		Title:   "Management review " + r.Reference + ": " + r.Title,
		Subject: "Management review minutes (ISO 9001 9.3)",
		Author:  organisation,
		Header:  organisation + " · Management review " + r.Reference,
		Created: created,
	})
	d.Title("Management review "+r.Reference, r.Title)
	if !r.Status.Held() {
		d.Note("Draft: this review has not been held yet. The inputs below are live and will change until it is held.")
	} else if r.Status != qms.ReviewSigned {
		d.Note("These minutes have not been signed by the chair yet.")
	}
	fields := []Field{
		{"Organisation", organisation},
		{"Status", r.Status.Label()},
		{"Scheduled for", date(r.ScheduledOn)},
		{"Chair", r.ChairName},
		{"Attendees", r.Attendees},
	}
	if r.HeldAt != nil {
		fields = append(fields, Field{"Held", r.HeldAt.UTC().Format("2 January 2006 15:04 UTC")})
	}
	if in := r.Inputs; in != nil {
		period := date(in.Since) + " to " + date(in.Until)
		if in.PreviousReference != "" {
			period += " (since " + in.PreviousReference + ")"
		}
		fields = append(fields, Field{"Period reviewed", period})
	}
	d.Fields(fields)

	d.Heading("Inputs (9.3.2)")
	if r.Inputs == nil {
		d.Paragraph("The inputs are assembled when the review is prepared.")
	}
	if in := r.Inputs; in != nil {
		for _, sec := range in.Sections {
			d.Subheading(sec.Clause + " " + sec.Title)
			if sec.Key == "b" || sec.Key == "d" {
				text := sec.Text
				if text == "" {
					text = "Nothing entered."
				}
				d.Paragraph(text)
			}
			if len(sec.Metrics) > 0 {
				var rows [][]string
				for _, m := range sec.Metrics {
					prev := "–"
					if m.Previous != nil {
						prev = strconv.Itoa(*m.Previous)
					}
					rows = append(rows, []string{m.Label, strconv.Itoa(m.Value), prev, orDash(m.DeltaText())})
				}
				d.Table([]Column{{Header: "Measure"}, {Header: "Now", Width: 18, Right: true},
					{Header: "Last review", Width: 24, Right: true}, {Header: "Change", Width: 22, Right: true}}, rows)
			}
			if len(sec.Items) > 0 {
				var rows [][]string
				for _, it := range sec.Items {
					rows = append(rows, []string{it.Ref, strings.TrimSpace(it.Text + "\n" + it.Note), it.Status})
				}
				d.Table([]Column{{Header: "Ref.", Width: 32}, {Header: "Item"}, {Header: "Status", Width: 38}}, rows)
			}
			minutes := r.Minutes[sec.Key].Minutes
			if minutes == "" {
				minutes = "No minutes recorded."
			}
			d.Fields([]Field{{"Minutes", minutes}})
		}
	}

	d.Heading("Outputs (9.3.3)")
	if len(r.Outputs) == 0 {
		d.Paragraph("No outputs recorded.")
	} else {
		var rows [][]string
		for _, o := range r.Outputs {
			owner, due, status := "", "", ""
			if o.Kind == qms.OutputAction {
				owner = o.OwnerName
				if o.DueDate != nil {
					due = date(*o.DueDate)
				}
				switch {
				case o.CompletedAt != nil:
					status = "Done " + date(*o.CompletedAt)
				case o.Overdue(today):
					status = "Overdue"
				default:
					status = "Open"
				}
			}
			rows = append(rows, []string{o.Kind.Label(), o.Description, owner, due, status})
		}
		d.Table([]Column{{Header: "Kind", Width: 28}, {Header: "Description"}, {Header: "Owner", Width: 30},
			{Header: "Due", Width: 24}, {Header: "Status", Width: 24}}, rows)
	}

	d.Heading("Signature")
	if sg := r.Signature; sg == nil {
		d.Paragraph("Not signed yet.")
	} else {
		d.Fields([]Field{
			{"Signed by", sg.SignerName + " (chair)"},
			{"Meaning", sg.Meaning},
			{"Signed at", sg.SignedAt.UTC().Format("2 January 2006 15:04 UTC")},
			{"SHA-256 of minutes", sg.ContentSHA256},
		})
	}
	return d.Write(w)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
