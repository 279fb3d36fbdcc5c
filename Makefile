# The README's two commands are `make demo` and `make test`; both install what they need.
SHELL := /bin/bash
NODE ?= node
NPM ?= npm

.PHONY: all install build typecheck test demo clean

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

# The CLI suite also runs against the startup snapshot the image starts from; the full suite
# runs last so that its summary closes the output. (Prerequisites run in order; the build
# they share runs once.)
test: typecheck reaper-check test-cli-snapshot binary-native chart-renderer
	$(NODE) --test --test-concurrency=2 test/

# --- exec's PID-1 reaper (issue 11): native/reaper ---
# Its prebuilds are committed (scripts/reaper.mjs says why); make test checks that they were
# rebuilt after the last change to reaper.c. `make reaper` rebuilds them (cc, and Debian's
# gcc-aarch64-linux-gnu on x86-64).
.PHONY: reaper reaper-check
reaper: install
	$(NODE) scripts/reaper.mjs

reaper-check:
	@$(NODE) scripts/reaper.mjs --check

# --- chart (issue 13): the chart tests render through helm, else tools/helm-render ---
# Builds the renderer once (cached in .cache/); as root with apt, installs Debian's Go packages
# for it first. Without helm, Go or those packages, the chart tests skip and say why.
.PHONY: chart-renderer
chart-renderer:
	@bash scripts/chart/renderer.sh --install >/dev/null || { rc=$$?; [ $$rc = 3 ] || exit $$rc; }

demo: build
	@bash scripts/demo.sh

clean:
	rm -rf dist .cache

# Benchmarks report ratios against a baseline measured in the same run; never part of make test.
.PHONY: bench
bench: bench-startup bench-herd fuzz

# --- resilience (issue 3): bench-herd, fuzz ---
.PHONY: bench-herd fuzz
# 1,000 in-process gates and 50 gate processes against the emulator's 50 (2.5) requests/s
# throttle, beside the same herds through the SDK's default retry; HERD_* env vars resize it.
bench-herd: build
	$(NODE) bench/herd.mjs

# The fuzz suite of make test at full size: 100,000 tokens, 2,000 random answers in-process,
# 200 through the CLI. METERING_GATE_FUZZ_SEED replays a run.
fuzz: build
	METERING_GATE_FUZZ_COUNT=$${METERING_GATE_FUZZ_COUNT:-100000} METERING_GATE_FUZZ_BODIES=$${METERING_GATE_FUZZ_BODIES:-2000} \
	METERING_GATE_FUZZ_CLI_RUNS=$${METERING_GATE_FUZZ_CLI_RUNS:-200} $(NODE) --test test/fuzz/

# --- performance (issue 5): bench-startup ---
# Cold start of `register` against the emulator in a fake ECS task (task metadata and
# container credentials on loopback), next to `node -e 0` on Node 20 and 24 and the AWS CLI,
# and the single executable beside the image's node + blob;
# writes the figures into BENCHMARKS.md. Fetches Node 24 and /usr/bin/time on first use.
.PHONY: bench-startup
BENCH_STARTUP_RUNS ?= 30
bench-startup: build binary-native
	@node24="$$(bash bench/startup-setup.sh)" && \
	  $(NODE) bench/startup.mjs --node24 "$$node24" --binary dist/metering-gate-linux-$$($(NODE) -p process.arch) --runs $(BENCH_STARTUP_RUNS) --write BENCHMARKS.md \
	    --command "make bench-startup BENCH_STARTUP_RUNS=$(BENCH_STARTUP_RUNS)"

# Issue 10's A/B of the credential chain in the image's configuration (Node 24 snapshot, image
# flags, over HTTPS): the hand-built chain (3b901ca), fromNodeProviderChain (2304123), the same
# with its modules in the snapshot (ac098eb), its last revision before the SDK's providers took
# their settings from the gate's environment facts (222af48), and this checkout, each old
# revision exported and built once into .cache/credential-chain-ab/ against this checkout's
# node_modules.
.PHONY: bench-credential-chain
AB_RUNS ?= 40
AB_RSS_RUNS ?= 8
bench-credential-chain: build
	@node24="$$(bash bench/startup-setup.sh)" && \
	  $(NODE) bench/credential-chain-ab.mjs --node24 "$$node24" --runs $(AB_RUNS) --rss-runs $(AB_RSS_RUNS) \
	    --build hand-chain=3b901ca --build fromNodeProviderChain=2304123 --build fromNodeProviderChain+preload=ac098eb \
	    --build fromNodeProviderChain-last=222af48 --build this-checkout=.

# The CLI tests again, with the gate started on Node 24 from its startup snapshot (built here
# as an image build does), then the checks the tests cannot make: same request on the wire as
# the plain bundle, and no nonce or invocation id repeated across starts.
.PHONY: test-cli-snapshot
test-cli-snapshot: build
	@node24="$$(bash scripts/node24.sh)" && dir="$$(mktemp -d)" && trap 'rm -rf "$$dir"' EXIT && \
	  launcher="$$($(NODE) scripts/lib/snapshot.mjs --node "$$node24" --blob "$$dir/metering-gate.blob")" && \
	  METERING_GATE_TEST_LAUNCHER="$$launcher" $(NODE) --test test/cli/ && \
	  $(NODE) bench/startup-snapshot-check.mjs --node24 "$$node24" --blob "$$dir/metering-gate.blob"

# --- single executable (issue 14): binary ---
# dist/metering-gate-linux-<arch>: Node 24 with the startup snapshot inside, one file, nothing
# beside it at run time (scripts/binary.mjs). `binary` adds the other architecture where it can
# be built here (arm64 on x64: qemu-user-static and Debian's libc6-arm64-cross,
# libstdc++6-arm64-cross) and says why not otherwise; make test needs only this machine's.
.PHONY: binary binary-native
binary: build
	$(NODE) scripts/binary.mjs --arch all

binary-native: build
	@$(NODE) scripts/binary.mjs --arch native >/dev/null

# --- containers (issue 4): image, smoke, e2e ---
# Engine: a working docker engine, else podman (scripts/container/engine.sh decides; force with
# CONTAINER_ENGINE=docker|podman). Bases that cannot be pulled stop `make image` unless STANDIN=1;
# the tests ask for local stand-ins themselves.
.PHONY: image smoke e2e
IMAGE ?= metering-gate:dev

# STANDIN=1: local stand-in bases when the real ones cannot be pulled (tests only, never to ship).
image:
	@CONTAINER_IMAGE_TAG=$(IMAGE) $(if $(STANDIN),METERING_GATE_STANDIN_BASES=$(STANDIN)) bash scripts/container/image.sh

smoke: build
	@CONTAINER_IMAGE_TAG=$(IMAGE) $(NODE) --test test/container/smoke.test.mjs

e2e: build
	@CONTAINER_IMAGE_TAG=$(IMAGE) $(NODE) --test test/container/kube-play.test.mjs test/container/workload-pieces.test.mjs test/chart/ test/ecs/

# --- release (issue 13): make release REGISTRY=... ---
# Both platforms with buildx, SBOM and provenance, cosign keyless, image and chart (OCI) pushed
# to $(REGISTRY); refuses stand-in or unpinned bases. DRY_RUN=1 prints the commands.
# .github/workflows/release.yml runs it on a version tag. See the README's "Release".
.PHONY: release image-arm64
release:
	@bash scripts/release/release.sh

# The linux/arm64 image built with podman --platform on x86-64 (snapshot stage under Debian's
# qemu-user-static via binfmt_misc), then run emulated against the emulator. Minutes; not in make test.
image-arm64: build
	@bash scripts/container/image-arm64.sh $(IMAGE)-arm64
