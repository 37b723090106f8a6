package qms

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/plumbline/plumbline/internal/evidence"
)

// Upload is a file received into evidence storage but not yet part of anything: a use case
// that takes uploads records them (insertFile) in its own transaction, or they stay unused.
type Upload struct {
	evidence.Blob
	Filename string
}

// File is a stored upload: evidence attached to a document version, record, audit or CAPA.
type File struct {
	ID          uuid.UUID  `db:"id" json:"id"`
	SHA256      string     `db:"sha256" json:"sha256"`
	Size        int64      `db:"size_bytes" json:"size_bytes"`
	ContentType string     `db:"content_type" json:"content_type"`
	Filename    string     `db:"filename" json:"filename"`
	UploadedBy  *uuid.UUID `db:"uploaded_by" json:"-"`
	UploadedAt  time.Time  `db:"uploaded_at" json:"uploaded_at"`
}

const fileColumns = `id, sha256, size_bytes, content_type, filename, uploaded_by, uploaded_at`

// ReceiveFile streams one uploaded file into the organisation's evidence storage, refusing it
// when it is too large or of a type that is not allowed. It is the first half of any use case
// that takes files; field is the form field to report problems against.
func (s *Service) ReceiveFile(ctx context.Context, a Actor, field, filename string, r io.Reader) (Upload, error) {
	if s.opts.Evidence == nil {
		return Upload{}, errors.New("no evidence storage is configured")
	}
	name := cleanFilename(filename)
	if name == "" {
		return Upload{}, invalidField(field, "Choose a file to upload.")
	}
	blob, err := s.opts.Evidence.Receive(a.OrgID, r, s.opts.MaxUploadBytes)
	var notAllowed *evidence.TypeNotAllowedError
	switch {
	case errors.Is(err, evidence.ErrTooLarge):
		return Upload{}, &Error{Kind: KindTooLarge, Message: "Please correct the highlighted fields.", Fields: map[string]string{
			field: name + " is larger than " + HumanSize(s.opts.MaxUploadBytes) + ", the largest file accepted.",
		}}
	case errors.Is(err, evidence.ErrEmpty):
		return Upload{}, invalidField(field, name+" is empty.")
	case errors.As(err, &notAllowed):
		return Upload{}, invalidField(field, name+" is not a kind of file accepted here ("+notAllowed.Detected+"). Upload "+evidence.AllowedDescription+".")
	case err != nil:
		return Upload{}, err
	}
	return Upload{Blob: blob, Filename: name}, nil
}

// insertFile records an upload in the organisation's file list, inside a use case.
func insertFile(ctx context.Context, tx pgx.Tx, a Actor, u Upload) (File, error) {
	var uploader *uuid.UUID
	if a.UserID != uuid.Nil {
		uploader = &a.UserID
	}
	rows, err := tx.Query(ctx, `INSERT INTO files (tenant_id, sha256, size_bytes, content_type, filename, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+fileColumns,
		a.OrgID, u.SHA256, u.Size, u.ContentType, u.Filename, uploader)
	if err != nil {
		return File{}, err
	}
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[File])
}

// OpenFile finds a file of the actor's organisation and opens its content. Any member may
// read the organisation's evidence.
func (s *Service) OpenFile(ctx context.Context, a Actor, id uuid.UUID) (File, *os.File, error) {
	var f File
	err := s.read(ctx, a, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+fileColumns+` FROM files WHERE tenant_id = $1 AND id = $2`, a.OrgID, id)
		if err != nil {
			return err
		}
		f, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[File])
		return err
	})
	if err != nil {
		return File{}, nil, noRows(err, "File")
	}
	if s.opts.Evidence == nil {
		return File{}, nil, errors.New("no evidence storage is configured")
	}
	content, err := s.opts.Evidence.Open(a.OrgID, f.SHA256)
	if err != nil {
		return File{}, nil, err // the row exists but the bytes do not: an operator's problem
	}
	return f, content, nil
}

// cleanFilename keeps the last element of what the browser sent, without control characters
// or quotes, at most 255 characters.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" {
		return ""
	}
	if r := []rune(name); len(r) > 255 {
		name = string(r[len(r)-255:])
	}
	return name
}

// HumanSize writes a byte count as people read it: 50 MiB, 1.5 KiB, 12 bytes.
func HumanSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			v := strconv.FormatFloat(float64(n)/float64(u.size), 'f', 1, 64)
			return strings.TrimSuffix(v, ".0") + " " + u.name
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
