package server

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/plumbline/plumbline/internal/qms"
)

// downloadFile sends a file of the organisation as an attachment. The stored type is the one
// sniffed at upload, and nosniff (set for every response) stops the browser guessing another,
// so an upload can never run as a page of this site.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "fileID")
	if !ok {
		s.notFound(w, r)
		return
	}
	f, content, err := s.svc.OpenFile(r.Context(), actorFrom(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer content.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	// The stored hash, so an auditor can check a download against the record (RFC 9530).
	if sum, err := hex.DecodeString(f.SHA256); err == nil {
		h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	http.ServeContent(w, r, "", f.UploadedAt, content)
}

// uploadForm is a multipart form read as a stream: its text fields, and its files already
// received into evidence storage, by field name.
type uploadForm struct {
	Values  url.Values
	Uploads map[string][]qms.Upload
}

// uploadDeadline is how long a request that carries files may take to arrive: a large file
// over a slow line takes a while, and the server's general read timeout is shorter.
const uploadDeadline = time.Hour

// allowUpload lifts a request's body limit to the service's upload limit (plus room for the
// form's other fields) and gives it a longer read deadline.
func (s *Server) allowUpload(w http.ResponseWriter, r *http.Request) {
	if raw, ok := r.Context().Value(keyRawBody).(io.ReadCloser); ok {
		r.Body = http.MaxBytesReader(w, raw, s.svc.MaxUploadBytes()+1<<20)
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadDeadline))
}

// uploadRefusal is the status a refused upload form is shown again with: 413 for a file over
// the limit, 422 for anything else the user can correct. shown is false for errors that are
// not the form's to show.
func uploadRefusal(err error) (status int, shown bool) {
	switch qms.ErrorKind(err) {
	case qms.KindTooLarge:
		return http.StatusRequestEntityTooLarge, true
	case qms.KindInvalid:
		return http.StatusUnprocessableEntity, true
	}
	return 0, false
}

// maxFieldBytes bounds each text field of a multipart form.
const maxFieldBytes = 64 << 10

// readUploadForm reads a multipart form part by part, streaming each file straight into
// evidence storage as it arrives: nothing is held whole in memory or spooled by net/http. A
// refused file (too large, of the wrong kind) stops the reading with the service's error,
// whose field names the file input; the fields read until then are returned with it, which is
// why forms put their file inputs last.
func (s *Server) readUploadForm(w http.ResponseWriter, r *http.Request, a qms.Actor) (uploadForm, error) {
	s.allowUpload(w, r)
	f := uploadForm{Values: url.Values{}, Uploads: map[string][]qms.Upload{}}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, &qms.Error{Kind: qms.KindInvalid, Message: "The form did not arrive as expected; please send it again.", Err: err}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		name := part.FormName()
		if part.FileName() == "" && part.Header.Get("Content-Type") == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return f, err
			}
			if len(b) > maxFieldBytes {
				return f, &qms.Error{Kind: qms.KindInvalid, Message: "Please correct the highlighted fields.",
					Fields: map[string]string{name: "This is longer than " + strconv.Itoa(maxFieldBytes/1024) + " KiB."}}
			}
			f.Values.Add(name, string(b))
			continue
		}
		if part.FileName() == "" {
			continue // a file input left empty
		}
		u, err := s.svc.ReceiveFile(r.Context(), a, name, part.FileName(), part)
		if err != nil {
			return f, err
		}
		f.Uploads[name] = append(f.Uploads[name], u)
	}
}
