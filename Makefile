# The README's two commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
NODE ?= node
NPM ?= npm

.PHONY: all install build typecheck test test-unit demo clean

all: build

# npm ci only when the lockfile changed since the last install, so repeated runs stay quick.
node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.installed

build: install
	$(NPM) run --silent build

typecheck: install
	$(NPM) run --silent typecheck

test: build typecheck
	$(NODE) --test --test-concurrency=2 test/

demo: build
	@bash scripts/demo.sh

clean:
	rm -rf dist .cache

# Benchmarks report ratios against a baseline measured in the same run; never part of make test.
.PHONY: bench
bench: build
	$(MAKE) --no-print-directory bench-startup bench-herd fuzz

# --- resilience (issue 3): bench-herd, fuzz ---

# --- performance (issue 5): bench-startup ---

# --- containers (issue 4): image, smoke, e2e ---
