package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var tenant = uuid.MustParse("0193f3b1-0000-7000-8000-000000000001")

func pdf(body string) []byte { return []byte("%PDF-1.7\n" + body + "\n%%EOF\n") }

func TestReceive_StoresByHashAndReadsBack(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := pdf("calibration certificate 4711")
	blob, err := s.Receive(tenant, bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(content)
	if blob.SHA256 != hex.EncodeToString(want[:]) || blob.Size != int64(len(content)) || blob.ContentType != "application/pdf" {
		t.Fatalf("blob %+v", blob)
	}
	f, err := s.Open(tenant, blob.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, content) {
		t.Fatal("read back different bytes")
	}
	// Another organisation's storage does not have it.
	if _, err := s.Open(uuid.New(), blob.SHA256); err == nil {
		t.Fatal("another organisation can open the file")
	}
}

func TestReceive_NeverOverwritesStoredContent(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	content := pdf("same bytes")
	first, err := s.Receive(tenant, bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	path := s.path(tenant, first.SHA256)
	before, _ := os.Stat(path)
	if _, err := s.Receive(tenant, bytes.NewReader(content), 1<<20); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Fatal("the stored copy was replaced")
	}
	if left, _ := os.ReadDir(filepath.Join(dir, ".incoming")); len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

func TestReceive_RefusesWhatItShouldAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir)
	cases := map[string]struct {
		content []byte
		limit   int64
		want    func(error) bool
	}{
		"over the limit": {pdf(strings.Repeat("x", 2000)), 1000, func(err error) bool { return errors.Is(err, ErrTooLarge) }},
		"empty":          {nil, 1000, func(err error) bool { return errors.Is(err, ErrEmpty) }},
		"HTML page":      {[]byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 1 << 20, isTypeError},
		"SVG image":      {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), 1 << 20, isTypeError},
		"executable":     {append([]byte("MZ\x90\x00\x03"), make([]byte, 200)...), 1 << 20, isTypeError},
		"PDF named .txt": {pdf("fine"), 1 << 20, func(err error) bool { return err == nil }},
	}
	for name, tc := range cases {
		_, err := s.Receive(tenant, bytes.NewReader(tc.content), tc.limit)
		if !tc.want(err) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(dir, ".incoming")); len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

func isTypeError(err error) bool {
	var te *TypeNotAllowedError
	return errors.As(err, &te)
}

// endless is a large PDF-looking stream made up on the fly, so the test itself holds none of it.
type endless struct{ left int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > e.left {
		n = e.left
	}
	for i := range p[:n] {
		p[i] = byte('a' + i%26)
	}
	e.left -= n
	return int(n), nil
}

func TestReceive_StreamsWithoutHoldingTheFile(t *testing.T) {
	s, _ := Open(t.TempDir())
	const size = 256 << 20
	r := io.MultiReader(bytes.NewReader([]byte("%PDF-1.7\n")), &endless{left: size})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	blob, err := s.Receive(tenant, r, 1<<30)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if blob.Size != size+9 {
		t.Fatalf("stored %d bytes", blob.Size)
	}
	// Everything allocated while 256 MiB went through: a few buffers, not the file.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8<<20 {
		t.Fatalf("receiving 256 MiB allocated %d MiB", allocated>>20)
	}
}
