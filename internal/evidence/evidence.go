// Package evidence stores uploaded files on local disk, outside any served folder, by
// organisation and SHA-256. A file is streamed to disk while it is hashed and measured, never
// held whole in memory; its type is decided by its content, not by its name; and stored
// content is never overwritten, because a path is its own hash.
package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
)

// Store is a folder of evidence files.
type Store struct {
	dir string
}

// Blob is a stored file's content as evidence: its hash, size and sniffed type.
type Blob struct {
	SHA256      string
	Size        int64
	ContentType string
}

var (
	// ErrTooLarge means the file was longer than the limit; nothing was stored.
	ErrTooLarge = errors.New("file larger than the limit")
	// ErrEmpty means the file had no content.
	ErrEmpty = errors.New("empty file")
)

// TypeNotAllowedError names the type the content turned out to be.
type TypeNotAllowedError struct{ Detected string }

func (e *TypeNotAllowedError) Error() string { return "file type not allowed: " + e.Detected }

// Open prepares the store in dir, creating it if needed (only the server's user may read it).
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(abs, ".incoming"), 0o700); err != nil {
		return nil, fmt.Errorf("evidence folder %s: %w", abs, err)
	}
	return &Store{dir: abs}, nil
}

// sniffBytes is how much of the start of a file decides its type. Office formats are zip
// files whose telling entry may sit a few kilobytes in.
const sniffBytes = 64 << 10

// Receive streams r into the organisation's storage. It reads at most limit bytes (more is
// ErrTooLarge), decides the type from the first bytes and refuses types outside Allowed
// before storing anything. The returned blob is stored under its hash when Receive returns.
func (s *Store) Receive(tenant uuid.UUID, r io.Reader, limit int64) (Blob, error) {
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Blob{}, err
	}
	head = head[:n]
	if n == 0 {
		return Blob{}, ErrEmpty
	}
	detected := mimetype.Detect(head)
	if !allowed(detected) {
		return Blob{}, &TypeNotAllowedError{Detected: detected.String()}
	}

	tmp, err := os.CreateTemp(filepath.Join(s.dir, ".incoming"), "upload-*")
	if err != nil {
		return Blob{}, err
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	// One byte past the limit tells "exactly the limit" from "over it" without reading on.
	size, err := io.Copy(w, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), limit+1))
	if err != nil {
		return Blob{}, err
	}
	if size > limit {
		return Blob{}, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Blob{}, err
	}
	if err := tmp.Close(); err != nil {
		return Blob{}, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := s.path(tenant, sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return Blob{}, err
	}
	if _, err := os.Stat(final); err == nil {
		// The same content is already there; the existing copy is kept untouched.
		os.Remove(tmp.Name())
	} else if err := os.Rename(tmp.Name(), final); err != nil {
		return Blob{}, err
	}
	committed = true
	return Blob{SHA256: sum, Size: size, ContentType: detected.String()}, nil
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Open opens a stored file of the organisation for reading.
func (s *Store) Open(tenant uuid.UUID, sha string) (*os.File, error) {
	if !hexSHA256.MatchString(sha) {
		return nil, fmt.Errorf("not a SHA-256: %q", sha)
	}
	return os.Open(s.path(tenant, sha))
}

func (s *Store) path(tenant uuid.UUID, sha string) string {
	return filepath.Join(s.dir, tenant.String(), sha[:2], sha)
}

// Allowed lists the kinds of evidence people upload: documents, spreadsheets, presentations,
// images, plain text and CSV. Anything that a browser would run or render as a page (HTML,
// SVG, scripts) and archives whose content cannot be checked are refused.
var Allowed = []string{
	"application/pdf",
	"image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff",
	"text/plain", "text/csv",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/x-ole-storage", // older Office files that sniff only as their container
	"text/rtf",
}

// AllowedDescription is Allowed as people say it, for messages and hints.
const AllowedDescription = "PDF, Word, Excel, PowerPoint, OpenDocument, images (PNG, JPEG, GIF, WebP, TIFF), text or CSV"

func allowed(m *mimetype.MIME) bool {
	for _, a := range Allowed {
		if m.Is(a) {
			return true
		}
	}
	return false
}
