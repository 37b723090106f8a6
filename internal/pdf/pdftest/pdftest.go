// Package pdftest reads back the text of PDFs that package pdf wrote, so tests can check what
// a document says without a PDF toolchain on the machine.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"io"
	"strings"
	"unicode/utf16"
)

// Text returns the text shown on the pages of a PDF written by package pdf, one shown string
// per line. It understands what that package writes (Flate-compressed content streams with
// UTF-16 strings in embedded Unicode fonts), not PDFs in general.
func Text(pdf []byte) string {
	var out []string
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("\nendstream"))
		if j < 0 {
			break
		}
		data := rest[:j]
		rest = rest[j+len("\nendstream"):] // past "endstream", which itself ends in "stream\n"
		if r, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
			if inflated, err := io.ReadAll(r); err == nil {
				data = inflated
			}
		}
		out = append(out, shownStrings(data)...)
	}
	return strings.Join(out, "\n")
}

// shownStrings finds the string operands of text-showing operators in a content stream.
func shownStrings(content []byte) []string {
	if !bytes.Contains(content, []byte("BT")) {
		return nil // fonts, images and metadata
	}
	var out []string
	for i := 0; i < len(content); i++ {
		if content[i] != '(' {
			continue
		}
		s, end := literal(content, i)
		i = end
		after := bytes.TrimLeft(content[end+1:min(end+8, len(content))], " ]")
		if bytes.HasPrefix(after, []byte("Tj")) || bytes.HasPrefix(after, []byte("TJ")) {
			out = append(out, decodeUTF16(s))
		}
	}
	return out
}

// literal reads the PDF string literal that starts at content[start] ('('), returning its
// bytes and the index of its closing parenthesis.
func literal(content []byte, start int) ([]byte, int) {
	var b []byte
	depth := 0
	for i := start + 1; i < len(content); i++ {
		c := content[i]
		switch {
		case c == '\\' && i+1 < len(content):
			i++
			switch e := content[i]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			default:
				if e >= '0' && e <= '7' {
					v, n := 0, 0
					for ; n < 3 && i < len(content) && content[i] >= '0' && content[i] <= '7'; n++ {
						v = v*8 + int(content[i]-'0')
						i++
					}
					i--
					b = append(b, byte(v))
				} else {
					b = append(b, e)
				}
			}
		case c == '(':
			depth++
			b = append(b, c)
		case c == ')' && depth > 0:
			depth--
			b = append(b, c)
		case c == ')':
			return b, i
		default:
			b = append(b, c)
		}
	}
	return b, len(content) - 1
}

func decodeUTF16(b []byte) string {
	if len(b)%2 != 0 {
		return string(b)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}
