// Package pdf writes Plumbline's PDF documents (audit reports, management review minutes):
// A4 pages with a running header and page numbers, headings, paragraphs, label–value fields
// and tables whose rows wrap and break across pages.
//
// The DejaVu Sans fonts are embedded in the binary, so PDFs come out the same on a laptop, in
// a container and in CI, with every character people type (é, ł, €, “quotes”), and without any
// system font installed. Their licence, which allows redistribution, is in fonts/LICENSE.
package pdf

import (
	_ "embed"
	"io"
	"math"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	regularFont []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	boldFont []byte
)

const (
	family     = "DejaVu"
	margin     = 18.0 // mm, on every side
	bodySize   = 9.5  // pt
	lineHeight = 4.6  // mm, for body text
	cellPad    = 1.2  // mm, above and below the text of a table cell
)

// Options describe a document.
type Options struct {
	Title   string    // in the metadata and the running header
	Subject string    // in the metadata
	Author  string    // in the metadata: the organisation
	Header  string    // the running header's text on every page
	Created time.Time // the document's date in its metadata
}

// Document is a PDF being written. Methods add content in reading order; Write finishes it.
type Document struct {
	f      *fpdf.Fpdf
	header string
	// table is the table being drawn, so its header row repeats after a page break.
	table []Column
}

// New starts a document with its first page.
func New(o Options) *Document {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(family, "", regularFont)
	f.AddUTF8FontFromBytes(family, "B", boldFont)
	f.SetMargins(margin, margin+6, margin)
	f.SetAutoPageBreak(true, margin+4)
	f.SetTitle(o.Title, true)
	f.SetSubject(o.Subject, true)
	f.SetAuthor(o.Author, true)
	f.SetCreator("Plumbline", true)
	if !o.Created.IsZero() {
		f.SetCreationDate(o.Created)
		f.SetModificationDate(o.Created)
	}
	f.AliasNbPages("{nb}")
	d := &Document{f: f, header: o.Header}
	f.SetHeaderFunc(func() {
		f.SetFont(family, "", 7.5)
		f.SetTextColor(110, 120, 130)
		f.SetXY(margin, margin-6)
		f.CellFormat(0, 4, d.header, "", 1, "L", false, 0, "")
		f.SetDrawColor(200, 206, 212)
		f.Line(margin, margin-1.5, pageWidth(f)-margin, margin-1.5)
		f.SetXY(margin, margin+6)
		f.SetTextColor(28, 39, 51)
	})
	f.SetFooterFunc(func() {
		f.SetY(-margin + 2)
		f.SetFont(family, "", 7.5)
		f.SetTextColor(110, 120, 130)
		f.CellFormat(0, 4, "Page "+strconv.Itoa(f.PageNo())+" of {nb}", "", 0, "R", false, 0, "")
		f.SetTextColor(28, 39, 51)
	})
	f.AddPage()
	return d
}

func pageWidth(f *fpdf.Fpdf) float64 { w, _ := f.GetPageSize(); return w }

func (d *Document) contentWidth() float64 { return pageWidth(d.f) - 2*margin }

// bottom is the lowest y that content may reach on a page.
func (d *Document) bottom() float64 {
	_, h := d.f.GetPageSize()
	return h - margin - 4
}

// ensureSpace starts a new page unless h mm are left on this one.
func (d *Document) ensureSpace(h float64) {
	if d.f.GetY()+h > d.bottom() {
		d.f.AddPage()
	}
}

// Title is the document's main heading, with an optional line under it.
func (d *Document) Title(title, subtitle string) {
	d.f.SetFont(family, "B", 17)
	d.f.MultiCell(0, 8, title, "", "L", false)
	if subtitle != "" {
		d.f.SetFont(family, "", 11.5)
		d.f.SetTextColor(70, 85, 100)
		d.f.MultiCell(0, 6, subtitle, "", "L", false)
		d.f.SetTextColor(28, 39, 51)
	}
	d.f.Ln(3)
}

// Heading starts a section. It never sits alone at the foot of a page.
func (d *Document) Heading(text string) {
	d.f.Ln(3)
	d.ensureSpace(20)
	d.f.SetFont(family, "B", 12.5)
	d.f.SetTextColor(29, 79, 115)
	d.f.MultiCell(0, 6.5, text, "", "L", false)
	d.f.SetTextColor(28, 39, 51)
	d.f.Ln(1)
}

// Subheading is a heading within a section.
func (d *Document) Subheading(text string) {
	d.f.Ln(1.5)
	d.ensureSpace(14)
	d.f.SetFont(family, "B", 10.5)
	d.f.MultiCell(0, 5.5, text, "", "L", false)
}

// Paragraph is body text; blank lines in it separate paragraphs.
func (d *Document) Paragraph(text string) {
	d.f.SetFont(family, "", bodySize)
	d.f.MultiCell(0, lineHeight, text, "", "L", false)
	d.f.Ln(1.5)
}

// Note is a paragraph set apart: a warning or a remark about the document.
func (d *Document) Note(text string) {
	d.f.SetFont(family, "", bodySize)
	d.f.SetFillColor(255, 243, 214)
	d.f.MultiCell(0, lineHeight+0.4, text, "", "L", true)
	d.f.Ln(2)
}

// Field is a label and its value.
type Field struct {
	Label string
	Value string
}

// Fields lists labels and values in two columns; empty values are left out.
func (d *Document) Fields(fields []Field) {
	const labelWidth = 42.0
	for _, fl := range fields {
		if fl.Value == "" {
			continue
		}
		d.f.SetFont(family, "", bodySize)
		lines := d.f.SplitText(fl.Value, d.contentWidth()-labelWidth)
		d.ensureSpace(float64(min(len(lines), 3)) * lineHeight)
		y := d.f.GetY()
		d.f.SetFont(family, "B", bodySize)
		d.f.SetXY(margin, y)
		d.f.CellFormat(labelWidth, lineHeight, fl.Label, "", 0, "L", false, 0, "")
		d.f.SetFont(family, "", bodySize)
		d.f.SetXY(margin+labelWidth, y)
		d.f.MultiCell(d.contentWidth()-labelWidth, lineHeight, fl.Value, "", "L", false)
		d.f.SetX(margin)
	}
	d.f.Ln(1.5)
}

// Column is a table column. Width is in mm; 0 shares the width left over.
type Column struct {
	Header string
	Width  float64
	Right  bool // align right, for numbers
}

// Table draws a table. Long cells wrap; a row that does not fit goes on to the next page,
// where the header row repeats.
func (d *Document) Table(cols []Column, rows [][]string) {
	cols = d.widths(cols)
	d.table = cols
	d.ensureSpace(3 * (lineHeight + 2*cellPad))
	d.headerRow()
	for _, row := range rows {
		d.row(row, false)
	}
	d.table = nil
	d.f.Ln(2)
}

// TableTotal draws a table whose last row is a total, in bold.
func (d *Document) TableTotal(cols []Column, rows [][]string, total []string) {
	cols = d.widths(cols)
	d.table = cols
	d.ensureSpace(3 * (lineHeight + 2*cellPad))
	d.headerRow()
	for _, row := range rows {
		d.row(row, false)
	}
	d.row(total, true)
	d.table = nil
	d.f.Ln(2)
}

func (d *Document) widths(cols []Column) []Column {
	out := append([]Column(nil), cols...)
	fixed, flexible := 0.0, 0
	for _, c := range out {
		if c.Width > 0 {
			fixed += c.Width
		} else {
			flexible++
		}
	}
	if flexible > 0 {
		share := math.Max(15, (d.contentWidth()-fixed)/float64(flexible))
		for i := range out {
			if out[i].Width == 0 {
				out[i].Width = share
			}
		}
	}
	return out
}

func (d *Document) headerRow() {
	d.f.SetFillColor(238, 242, 246)
	d.drawRow(headerCells(d.table), "B", true)
}

func (d *Document) row(cells []string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	d.drawRow(cells, style, false)
}

// drawRow draws one row, in chunks when it is taller than what is left of the page.
func (d *Document) drawRow(cells []string, style string, fill bool) {
	f := d.f
	f.SetFont(family, style, bodySize-0.5)
	lines := make([][]string, len(d.table))
	most := 1
	for i, c := range d.table {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		lines[i] = f.SplitText(text, c.Width)
		most = max(most, len(lines[i]))
	}
	// Drawing lines one by one, the automatic page break would split the row's cells
	// apart; the row breaks pages itself instead.
	f.SetAutoPageBreak(false, margin+4)
	defer f.SetAutoPageBreak(true, margin+4)
	for start := 0; start < most; {
		room := int((d.bottom() - f.GetY() - 2*cellPad) / lineHeight)
		if room < 1 || (start == 0 && room < min(most, 3)) {
			f.AddPage()
			if !fill { // repeat the header on the new page
				f.SetFont(family, "B", bodySize-0.5)
				f.SetFillColor(238, 242, 246)
				d.drawRow(headerCells(d.table), "B", true)
				f.SetFont(family, style, bodySize-0.5)
			}
			continue
		}
		n := min(room, most-start)
		h := float64(n)*lineHeight + 2*cellPad
		y, x := f.GetY(), margin
		f.SetDrawColor(200, 206, 212)
		for i, c := range d.table {
			if fill {
				f.Rect(x, y, c.Width, h, "FD")
			} else {
				f.Rect(x, y, c.Width, h, "D")
			}
			align := "L"
			if c.Right {
				align = "R"
			}
			for j := start; j < start+n && j < len(lines[i]); j++ {
				f.SetXY(x, y+cellPad+float64(j-start)*lineHeight)
				f.CellFormat(c.Width, lineHeight, lines[i][j], "", 0, align, false, 0, "")
			}
			x += c.Width
		}
		f.SetXY(margin, y+h)
		start += n
	}
}

func headerCells(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Header
	}
	return out
}

// Write finishes the document and writes it to w.
func (d *Document) Write(w io.Writer) error {
	return d.f.Output(w)
}
