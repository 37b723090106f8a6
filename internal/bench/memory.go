package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RSS is the resident set size of this process (VmRSS), in bytes; 0 where /proc is missing.
func RSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Upload is what uploading one large evidence file did to memory.
type Upload struct {
	Bytes       int64   `json:"bytes"`
	Status      int     `json:"status"`
	Seconds     float64 `json:"seconds"`
	BeforeRSS   int64   `json:"before_rss_bytes"`
	PeakRSS     int64   `json:"peak_rss_bytes"`
	GrowthBytes int64   `json:"growth_bytes"`
}

// textSource produces n bytes of plain text without holding them: the upload's body.
type textSource struct {
	left int64
	line []byte
	pos  int
}

func (t *textSource) Read(p []byte) (int, error) {
	if t.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && t.left > 0 {
		chunk := t.line[t.pos:]
		if int64(len(chunk)) > t.left {
			chunk = chunk[:t.left]
		}
		c := copy(p[n:], chunk)
		n += c
		t.left -= int64(c)
		t.pos = (t.pos + c) % len(t.line)
	}
	return n, nil
}

// MeasureUpload raises a finding with one evidence file of size bytes through the real form
// handler, streaming the body from a generator, and samples RSS while it travels.
func MeasureUpload(ctx context.Context, app *App, org *OrgTarget, cookie *http.Cookie, size int64) (*Upload, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fields := [][2]string{{"classification", "observation"}, {"source", "other"},
			{"statement", "Bulk test data kept as evidence."}, {"process_id", org.Process.String()}}
		for _, f := range fields {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		w, err := mw.CreateFormFile("evidence_files", "measurements.txt")
		if err == nil {
			_, err = io.CopyBuffer(w, &textSource{left: size, line: []byte("2026-11-23;gauge G-104;bore 12.003 mm;within tolerance;inspector 7\n")}, make([]byte, 64<<10))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, app.URL+"/o/"+org.Slug+"/findings", pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", app.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(cookie)

	settle()
	u := &Upload{Bytes: size, BeforeRSS: RSS()}
	var peak atomic.Int64
	peak.Store(u.BeforeRSS)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if r := RSS(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	start := time.Now()
	client := &http.Client{CheckRedirect: noRedirect.CheckRedirect}
	res, err := client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		u.Status = res.StatusCode
	}
	u.Seconds = time.Since(start).Seconds()
	close(stop)
	<-done
	if r := RSS(); r > peak.Load() {
		peak.Store(r)
	}
	u.PeakRSS = peak.Load()
	u.GrowthBytes = u.PeakRSS - u.BeforeRSS
	if err != nil {
		return u, err
	}
	if u.Status != http.StatusSeeOther {
		return u, fmt.Errorf("the upload answered %d", u.Status)
	}
	return u, nil
}
