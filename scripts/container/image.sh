#!/usr/bin/env bash
# Builds the metering-gate image from the Dockerfile with whichever engine engine.sh picks.
#
#   image.sh [TAG]        TAG defaults to $CONTAINER_IMAGE_TAG or metering-gate:dev
#
# Base images: BUILD_IMAGE / RUNTIME_IMAGE from the environment if set; else the Dockerfile's
# defaults (pinned by digest) when they are present or can be pulled. When they cannot be, the
# build stops, unless METERING_GATE_STANDIN_BASES=1 asks for local stand-ins (standin.sh):
# those carry glibc copied from this host and no package inventory, so they are for tests
# (scripts/container/testlib.mjs asks for them), never for an image anyone ships. An image
# built on stand-ins carries the label dev.metering-gate.standin-bases=true. The build runs with host networking so its `npm ci` reaches the
# registry wherever the host does. Concurrent callers (parallel test files) are serialised.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
engine="$root/scripts/container/engine.sh"
tag="${1:-${CONTAINER_IMAGE_TAG:-metering-gate:dev}}"
# The Dockerfile's own ARG defaults, read from it so that the two cannot drift apart.
default_build="$(sed -n 's/^ARG BUILD_IMAGE=//p' "$root/Dockerfile")"
default_runtime="$(sed -n 's/^ARG RUNTIME_IMAGE=//p' "$root/Dockerfile")"

"$engine" name >/dev/null # fails with the reason when there is no engine

mkdir -p "$root/.cache/container"
# Taken before building stand-ins or the image, not before deciding on the bases: a refusal
# need not wait for someone else's build.
lock() { exec 9>"$root/.cache/container/image.lock" && flock 9; }

log() { echo "image.sh: $*" >&2; }

available() { # present locally, or pulled now
  "$engine" image inspect "$1" >/dev/null 2>&1 && return 0
  timeout 300 "$engine" pull -q "$1" >/dev/null 2>&1
}

build_image="${BUILD_IMAGE:-}"
runtime_image="${RUNTIME_IMAGE:-}"
standin=false
if [[ -z "$build_image" || -z "$runtime_image" ]]; then
  if available "${build_image:-$default_build}" && available "${runtime_image:-$default_runtime}"; then
    build_image="${build_image:-$default_build}"
    runtime_image="${runtime_image:-$default_runtime}"
  elif [[ "${METERING_GATE_STANDIN_BASES:-}" == 1 ]]; then
    log "the default base images cannot be pulled here; using local stand-ins (METERING_GATE_STANDIN_BASES=1: for tests only)"
    lock
    eval "$("$root/scripts/container/standin.sh")"
    build_image="${build_image:-$BUILD_IMAGE}"
    runtime_image="${runtime_image:-$RUNTIME_IMAGE}"
    standin=true
  else
    log "cannot pull the base images ${build_image:-$default_build} and ${runtime_image:-$default_runtime}: give the engine registry access, or set BUILD_IMAGE and RUNTIME_IMAGE to local copies of them. For a test image on local stand-in bases (glibc copied from this host, no package inventory; never to ship), set METERING_GATE_STANDIN_BASES=1 (make image STANDIN=1)."
    exit 1
  fi
fi

[[ "$standin" == true ]] || lock
version="$(node -p "require('$root/package.json').version")"
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(git -C "$root" log -1 --format=%cI 2>/dev/null || echo unknown)"

# Skip the build when an image with this tag was built from exactly these inputs (vfs storage
# makes even a fully cached build take tens of seconds).
inputs="$(
  cd "$root"
  { echo "$build_image $runtime_image $version $revision"
    find Dockerfile .dockerignore package.json package-lock.json tsconfig*.json scripts/build.mjs scripts/lib/esbuild-plugins.mjs scripts/binary.mjs scripts/lib/snapshot.mjs src -type f -print0 \
      | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-32
)"
if [[ "${FORCE_BUILD:-}" != 1 ]] \
   && [[ "$("$engine" image inspect --format '{{ index .Config.Labels "dev.metering-gate.build-inputs" }}' "$tag" 2>/dev/null)" == "$inputs" ]]; then
  log "$tag is up to date"
  echo "$tag"
  exit 0
fi

log "building $tag (build: $build_image, runtime: $runtime_image)"
buildlog="$root/.cache/container/build.log"
start=$SECONDS
if ! "$engine" build --network=host \
      --build-arg "BUILD_IMAGE=$build_image" \
      --build-arg "RUNTIME_IMAGE=$runtime_image" \
      --build-arg "VERSION=$version" \
      --build-arg "REVISION=$revision" \
      --build-arg "CREATED=$created" \
      --label "dev.metering-gate.build-inputs=$inputs" \
      --label "dev.metering-gate.standin-bases=$standin" \
      -t "$tag" -f "$root/Dockerfile" "$root" >"$buildlog" 2>&1; then
  tail -n 40 "$buildlog" >&2
  log "build failed (full log: $buildlog)"
  exit 1
fi
log "built $tag in $((SECONDS - start))s"
# Superseded images and build-cache layers pile up (vfs stores every layer whole): drop the
# untagged ones after a day, keeping recent build cache for quick rebuilds.
"$engine" image prune -f --filter until=24h >/dev/null 2>&1 || true
echo "$tag"
