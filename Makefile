# xrdp-harness. The two commands a newcomer needs:
#   make run    the default scenarios against the default xrdp images (builds what is missing)
#   make test   every test: unit, fuzz seeds, and the suites that boot real xrdp in containers
SHELL := /bin/bash
GO ?= go
# The harness cleans up by its own labels; Ryuk's image cannot be pulled here.
export TESTCONTAINERS_RYUK_DISABLED := true
export CGO_ENABLED ?= 0

BIN := bin
GINKGO := $(GO) tool ginkgo
# Extra flags for `make test`, e.g. GINKGO_FLAGS='--label-filter=!slow'.
GINKGO_FLAGS ?=
# Specs of a suite run on TEST_PROCS ginkgo processes at once (each boots
# its own containers, labelled by its pid; image builds are locked across
# processes): most specs wait on xrdp, not on a core. 1: one at a time.
TEST_PROCS ?= 2
RUN_FLAGS ?=

.PHONY: run test unit deps test-deps build images clean vet fmt bench fuzz

run: deps build
	./$(BIN)/xrdp-harness run $(RUN_FLAGS)

# JUNIT_REPORT: ginkgo's own JUnit file of the test run (for CI's test view).
JUNIT_REPORT ?= out/test-junit.xml

test: test-deps build vet
	@mkdir -p $(dir $(JUNIT_REPORT))
	$(GINKGO) -r --keep-going --procs=$(TEST_PROCS) --timeout=85m --poll-progress-after=5m --poll-progress-interval=5m \
		--output-interceptor-mode=none --junit-report=$(abspath $(JUNIT_REPORT)) $(GINKGO_FLAGS) ./...

# Tests that need no Docker (parsers, checkers, encoders).
unit:
	$(GINKGO) -r --label-filter='!docker' ./...

# What the main job needs (debootstrap); test-deps adds what the tests use.
deps:
	@ci/install-deps.sh

test-deps:
	@ci/install-deps.sh test

build:
	$(GO) build -trimpath -o $(BIN)/xrdp-harness-agent ./cmd/xrdp-harness-agent
	$(GO) build -buildvcs=true -o $(BIN)/xrdp-harness ./cmd/xrdp-harness

images: deps build
	./$(BIN)/xrdp-harness images

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for FUZZTIME (default 20s).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

# Removes the containers and networks of dead runs only (their process gone
# here, or their lease expired): other runs on a shared engine keep theirs.
# `./bin/xrdp-harness clean --all` removes every labelled one, explicitly.
clean:
	@if [ -x ./$(BIN)/xrdp-harness ]; then ./$(BIN)/xrdp-harness clean; fi
	rm -rf $(BIN)
