package demo

import (
	"bytes"
	"fmt"
	"strings"
)

// pdfText keeps what the standard Helvetica font of a PDF can show: ASCII, with PDF string
// delimiters escaped.
func pdfText(s string) string {
	s = strings.NewReplacer("–", "-", "—", "-", "’", "'", "‘", "'", "“", `"`, "”", `"`, "×", "x", "±", "+/-", "°", " deg", "µ", "u", "€", "EUR", "£", "GBP").Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 32 && r < 127:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// tinyPDF writes a valid one-page PDF with a title and lines of text, small enough to seed
// dozens of them in a moment. Offsets in the cross-reference table are computed, so readers
// open it without repair.
func tinyPDF(title string, lines ...string) []byte {
	var stream strings.Builder
	stream.WriteString("BT /F1 15 Tf 56 780 Td 20 TL (" + pdfText(title) + ") Tj T* /F1 10 Tf 14 TL\n")
	for _, l := range lines {
		stream.WriteString("(" + pdfText(l) + ") Tj T*\n")
	}
	stream.WriteString("ET")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", stream.Len(), stream.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
