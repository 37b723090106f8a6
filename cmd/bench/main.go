// Command bench is `make bench`: it builds (or reuses) a data set of a thousand small
// organisations and one large one in its own database, serves the real application and a
// Fortunes baseline, drives load at every main page and prints how each page compares with the
// targets. It exits 0 whatever the numbers: it is a benchmark, not a test.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/plumbline/plumbline/internal/bench"
)

func main() {
	scale := flag.String("scale", "full", "data set size: full (1,000 small organisations and a large one) or small")
	only := flag.String("only", "", "measure only this page (floor, home, documents, documents-filtered, documents-search, document, records, audit, findings, capas, capa, risks, risk)")
	explain := flag.Bool("explain", false, "write EXPLAIN ANALYZE of every page's queries in the large organisation")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	duration := flag.Duration("duration", 8*time.Second, "measured time per page and organisation")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up per page and organisation, not measured")
	clients := flag.Int("clients", 16, "concurrent clients")
	upload := flag.Int64("upload", 1<<30, "size of the evidence file uploaded to measure memory (0: skip)")
	dbname := flag.String("db", "plumbline_bench", "the benchmark's own database (never the development database)")
	out := flag.String("out", "bench-results", "folder for the JSON results and query plans")
	flag.Parse()

	sc, ok := bench.Scales[*scale]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scale %q: use full or small\n", *scale)
		os.Exit(2)
	}
	if *dbname == "plumbline" {
		fmt.Fprintln(os.Stderr, "refusing to use the development database plumbline")
		os.Exit(2)
	}
	admin := os.Getenv("BENCH_DATABASE_URL")
	if admin == "" {
		admin = os.Getenv("TEST_DATABASE_URL")
	}
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Run(ctx, bench.Options{
		AdminURL: admin, DBName: *dbname, Scale: sc, Only: *only, Explain: *explain,
		Duration: *duration, Warmup: *warmup, Clients: *clients, Upload: *upload, OutDir: *out, Log: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	fmt.Println()
	bench.Print(os.Stdout, rep)
	if path, err := bench.Save(*out, rep); err != nil {
		fmt.Fprintln(os.Stderr, "saving the results:", err)
	} else {
		fmt.Println("results:", path)
	}
}
