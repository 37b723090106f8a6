package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Options configure a benchmark run.
type Options struct {
	AdminURL string // a superuser of the PostgreSQL server
	DBName   string // the benchmark's own database
	Scale    Scale
	Only     string // one page name, or "" for all
	Explain  bool
	Duration time.Duration // measured time per page and organisation
	Warmup   time.Duration
	Clients  int
	Upload   int64 // bytes of the evidence file uploaded to measure memory; 0 skips it
	OutDir   string
	Log      io.Writer
}

// Targets of the issue: ratios to the baseline and limits on latency.
const (
	TargetListRatio = 0.5
	TargetHomeRatio = 0.33
	TargetP99       = 25 * time.Millisecond
	TargetSizeRatio = 1.2
	TargetUploadRSS = 32 << 20
)

// Result is one measured page in one organisation.
type Result struct {
	Page      string  `json:"page"`
	Kind      string  `json:"kind"`
	Org       string  `json:"org"`
	Path      string  `json:"path"`
	Requests  uint64  `json:"requests"`
	RPS       float64 `json:"rps"`
	P50       float64 `json:"p50_ms"`
	P95       float64 `json:"p95_ms"`
	P99       float64 `json:"p99_ms"`
	Errors    uint64  `json:"errors"`
	PageBytes float64 `json:"page_bytes"`
	Ratio     float64 `json:"ratio_to_baseline"`
	SizeRatio float64 `json:"large_p50_to_small_p50,omitempty"`
	Pass      bool    `json:"pass"`
	Misses    string  `json:"misses,omitempty"`
	Skipped   string  `json:"skipped,omitempty"`
}

// Report is everything a run measured.
type Report struct {
	StartedAt     time.Time `json:"started_at"`
	Scale         string    `json:"scale"`
	Clients       int       `json:"clients"`
	DurationS     float64   `json:"duration_s"`
	CPUs          int       `json:"cpus"`
	DataReused    bool      `json:"data_reused"`
	DataBuildS    float64   `json:"data_build_s"`
	Baseline      []Result  `json:"baseline"`
	BaselineRPS   float64   `json:"baseline_rps"`
	Pages         []Result  `json:"pages"`
	IdleRSS       int64     `json:"idle_rss_bytes"`
	AfterRSS      int64     `json:"after_run_rss_bytes"`
	Upload        *Upload   `json:"upload,omitempty"`
	ExplainDir    string    `json:"explain_dir,omitempty"`
	TotalRuntimeS float64   `json:"total_runtime_s"`
}

// Run builds or reuses the data set, serves the application and the baseline, drives load at
// every page and writes the report. It returns an error only when it cannot measure at all.
func Run(ctx context.Context, o Options) (*Report, error) {
	began := time.Now()
	rep := &Report{StartedAt: began.UTC(), Scale: o.Scale.Name, Clients: o.Clients, DurationS: o.Duration.Seconds(), CPUs: runtime.NumCPU()}
	db, err := Prepare(ctx, o.AdminURL, o.DBName, o.Scale, o.Log)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep.DataReused, rep.DataBuildS = db.Reused, db.GenerateFor.Seconds()
	if err := ensureFortunes(ctx, db.Admin); err != nil {
		return nil, err
	}
	app, err := StartApp(db.App)
	if err != nil {
		return nil, err
	}
	defer app.Close()

	orgs := []*OrgTarget{}
	for _, x := range [][2]string{{"large", LargeSlug}, {"small", SmallSlug(1)}} {
		t, err := LoadTarget(ctx, db.Admin, x[0], x[1])
		if err != nil {
			return nil, err
		}
		orgs = append(orgs, t)
	}
	// Each of the clients signs in once per organisation and role: its own session.
	sessions := map[string][]*http.Cookie{}
	for _, org := range orgs {
		for _, p := range Pages {
			k := org.Slug + "/" + p.Role
			if sessions[k] != nil {
				continue
			}
			for i := 0; i < o.Clients; i++ {
				c, err := app.SignIn(ctx, Email(org.Slug, p.Role))
				if err != nil {
					return nil, err
				}
				sessions[k] = append(sessions[k], c)
			}
		}
	}
	settle()
	rep.IdleRSS = RSS()
	fmt.Fprintf(o.Log, "serving on %s, baseline on %s; idle RSS %s\n", app.URL, app.BaselineURL, mib(rep.IdleRSS))

	baseline := func() {
		r := attack(app.BaselineURL+"/fortunes", nil, o)
		r.Page, r.Kind, r.Org = "fortunes (baseline)", "baseline", "-"
		rep.Baseline = append(rep.Baseline, r)
		fmt.Fprintf(o.Log, "  %-22s %-6s %8.0f req/s  p99 %6.2f ms\n", r.Page, "", r.RPS, r.P99)
	}
	baseline()
	var pages []Page
	for _, p := range Pages {
		if o.Only == "" || o.Only == p.Name {
			pages = append(pages, p)
		}
	}
	for i, p := range pages {
		for _, org := range orgs {
			path := p.Path(org)
			cookies := sessions[org.Slug+"/"+p.Role]
			status, _, err := app.Get(ctx, path, cookies[0])
			r := Result{Page: p.Name, Kind: p.Kind, Org: org.Size, Path: path}
			switch {
			case err != nil:
				r.Skipped = "request failed: " + err.Error()
			case p.Optional && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed):
				r.Skipped = fmt.Sprintf("not on this build (%d)", status)
			case status != http.StatusOK:
				r.Skipped = fmt.Sprintf("answers %d", status)
			}
			if r.Skipped == "" {
				m := attack(app.URL+path, cookies, o)
				m.Page, m.Kind, m.Org, m.Path = r.Page, r.Kind, r.Org, r.Path
				r = m
				fmt.Fprintf(o.Log, "  %-22s %-6s %8.0f req/s  p99 %6.2f ms  errors %d  %5.1f KiB a page\n", r.Page, r.Org, r.RPS, r.P99, r.Errors, r.PageBytes/1024)
			} else {
				fmt.Fprintf(o.Log, "  %-22s %-6s skipped: %s\n", r.Page, r.Org, r.Skipped)
			}
			rep.Pages = append(rep.Pages, r)
		}
		if i == len(pages)/2 {
			baseline()
		}
	}
	baseline()
	rep.AfterRSS = RSS()
	score(rep)

	if o.Upload > 0 {
		small := orgs[1]
		up, err := MeasureUpload(ctx, app, small, sessions[small.Slug+"/quality_manager"][0], o.Upload)
		if err != nil {
			fmt.Fprintf(o.Log, "upload: %v\n", err)
		} else {
			rep.Upload = up
		}
	}
	if o.Explain {
		dir := filepath.Join(o.OutDir, "explain-"+began.UTC().Format("20060102-150405"))
		if err := Explain(ctx, db, orgs[0], pages, dir); err != nil {
			fmt.Fprintf(o.Log, "explain: %v\n", err)
		} else {
			rep.ExplainDir = dir
		}
	}
	rep.TotalRuntimeS = time.Since(began).Seconds()
	return rep, nil
}

// attack drives load at url from o.Clients workers, each request signed in with one of the
// cookies in turn, first for the warm-up (discarded), then for the measured duration.
func attack(url string, cookies []*http.Cookie, o Options) Result {
	var n atomic.Uint64
	headers := make([]http.Header, max(len(cookies), 1))
	for i := range headers {
		headers[i] = http.Header{}
		if len(cookies) > 0 {
			headers[i].Set("Cookie", cookies[i].Name+"="+cookies[i].Value)
		}
	}
	targeter := func(t *vegeta.Target) error {
		i := n.Add(1)
		t.Method, t.URL, t.Header = http.MethodGet, url, headers[i%uint64(len(headers))]
		return nil
	}
	run := func(d time.Duration) (vegeta.Metrics, uint64) {
		atk := vegeta.NewAttacker(vegeta.Workers(uint64(o.Clients)), vegeta.MaxWorkers(uint64(o.Clients)),
			vegeta.Redirects(vegeta.NoFollow), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
		var m vegeta.Metrics
		var bad uint64
		for res := range atk.Attack(targeter, vegeta.ConstantPacer{}, d, "bench") {
			if res.Code != http.StatusOK {
				bad++
			}
			m.Add(res)
		}
		m.Close()
		return m, bad
	}
	if o.Warmup > 0 {
		run(o.Warmup)
	}
	m, bad := run(o.Duration)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Result{Path: url, Requests: m.Requests, RPS: m.Throughput, P50: ms(m.Latencies.P50),
		P95: ms(m.Latencies.P95), P99: ms(m.Latencies.P99), Errors: bad, PageBytes: m.BytesIn.Mean}
}

// score works out the ratios and checks every result against the targets.
func score(rep *Report) {
	var sum float64
	for _, b := range rep.Baseline {
		sum += b.RPS
	}
	if len(rep.Baseline) > 0 {
		rep.BaselineRPS = sum / float64(len(rep.Baseline))
	}
	small := map[string]float64{}
	for _, r := range rep.Pages {
		if r.Org == "small" && r.Skipped == "" {
			small[r.Page] = r.P50
		}
	}
	for i := range rep.Pages {
		r := &rep.Pages[i]
		if r.Skipped != "" {
			continue
		}
		var misses []string
		if rep.BaselineRPS > 0 {
			r.Ratio = r.RPS / rep.BaselineRPS
		}
		if r.Kind == "reference" {
			continue
		}
		target := TargetListRatio
		if r.Kind == "home" {
			target = TargetHomeRatio
		}
		if r.Ratio < target {
			misses = append(misses, fmt.Sprintf("ratio<%.2f", target))
		}
		if r.P99 > float64(TargetP99.Milliseconds()) {
			misses = append(misses, "p99>25ms")
		}
		if r.Errors > 0 {
			misses = append(misses, "errors")
		}
		if s, ok := small[r.Page]; ok && r.Org == "large" && s > 0 {
			r.SizeRatio = r.P50 / s
			if r.SizeRatio > TargetSizeRatio {
				misses = append(misses, "large/small>1.2")
			}
		}
		r.Misses = strings.Join(misses, ", ")
		r.Pass = len(misses) == 0
	}
	for i := range rep.Baseline {
		rep.Baseline[i].Ratio = rep.Baseline[i].RPS / rep.BaselineRPS
	}
}

// Print writes the table.
func Print(w io.Writer, rep *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page\torg\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\t÷ baseline\tlarge÷small p50\tresult\t")
	line := func(r Result, verdict string) {
		sr := ""
		if r.SizeRatio > 0 {
			sr = fmt.Sprintf("%.2f", r.SizeRatio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%.2f\t%s\t%s\t\n", r.Page, r.Org, r.RPS, r.P50, r.P95, r.P99, r.Errors, r.Ratio, sr, verdict)
	}
	for _, b := range rep.Baseline {
		line(b, "")
	}
	for _, r := range rep.Pages {
		switch {
		case r.Skipped != "":
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t\t\t\t\tskipped: %s\t\n", r.Page, r.Org, r.Skipped)
		case r.Kind == "reference":
			line(r, "reference")
		case r.Pass:
			line(r, "PASS")
		default:
			line(r, "MISS ("+r.Misses+")")
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nbaseline (Fortunes) mean: %.0f req/s; %d clients, %s per page, %d CPUs\n", rep.BaselineRPS, rep.Clients, time.Duration(rep.DurationS*float64(time.Second)), rep.CPUs)
	fmt.Fprintf(w, "server RSS: idle %s, after the run %s (the process also runs the load generator)\n", mib(rep.IdleRSS), mib(rep.AfterRSS))
	if u := rep.Upload; u != nil {
		verdict := "PASS"
		if u.GrowthBytes > TargetUploadRSS {
			verdict = "MISS"
		}
		fmt.Fprintf(w, "upload of %s through the finding form: status %d in %s, RSS %s → peak %s, growth %s (target ≤ 32 MiB): %s\n",
			mib(u.Bytes), u.Status, time.Duration(u.Seconds*float64(time.Second)).Round(time.Millisecond), mib(u.BeforeRSS), mib(u.PeakRSS), mib(u.GrowthBytes), verdict)
	}
	if rep.DataReused {
		fmt.Fprintf(w, "data set reused (built earlier in %.1fs)\n", rep.DataBuildS)
	} else {
		fmt.Fprintf(w, "data set built in %.1fs\n", rep.DataBuildS)
	}
	if rep.ExplainDir != "" {
		fmt.Fprintf(w, "query plans: %s\n", rep.ExplainDir)
	}
	fmt.Fprintf(w, "total run time %.0fs\n", rep.TotalRuntimeS)
}

// Save writes the report as JSON into dir and returns the file's path.
func Save(dir string, rep *Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+rep.StartedAt.Format("20060102-150405")+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	return path, os.WriteFile(filepath.Join(dir, "latest.json"), b, 0o644)
}

// settle returns freed memory to the system, so RSS readings compare like with like.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
