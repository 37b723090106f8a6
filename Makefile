# Plumbline — the front door. `make run` serves the demo; `make test` runs every test.
GO  ?= go
BIN := bin/plumbline

.PHONY: run build test generate lint migrate clean bench

## run: set up a local database (or use DATABASE_URL), migrate, seed the demo organisation, serve on :8080
run: build
	./$(BIN) dev

## build: compile the binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/plumbline

## test: the whole suite against real PostgreSQL (TEST_DATABASE_URL) and headless Chromium
test:
	$(GO) test -count=1 -timeout 30m ./...

## bench: build (or reuse) the benchmark data set in its own database, load every main page and print the table (BENCH_FLAGS=--duration=3s ...)
bench:
	$(GO) run ./cmd/bench $(BENCH_FLAGS)

## generate: regenerate the templ components (*_templ.go are committed)
generate:
	$(GO) tool templ generate

## lint: vet, gofmt, staticcheck, and generated code that matches its templates
lint:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) tool staticcheck ./...
	$(GO) tool templ generate
	@if [ -n "$$(git status --porcelain -- '*_templ.go')" ]; then \
	  echo "generated templ code differs from the templates: run make generate and commit"; \
	  git status --porcelain -- '*_templ.go'; exit 1; fi

## migrate: apply pending migrations as MIGRATE_DATABASE_URL (or DATABASE_URL)
migrate: build
	./$(BIN) migrate up

clean:
	rm -rf bin test-output
