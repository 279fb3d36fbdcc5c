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

# --- containers (issue 4): image, smoke, e2e ---
