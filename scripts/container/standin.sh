#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two base images, for machines that cannot pull
# any image (no registry reachable). Prints the two references, one per line:
#   RUNTIME_IMAGE=<ref>   stands in for gcr.io/distroless/nodejs24-debian12:nonroot
#   BUILD_IMAGE=<ref>     stands in for node:24-bookworm-slim
#
# Both come from the official Node 24 Linux binary as published on the npm registry
# (package node-linux-<arch>), the shared libraries `ldd` lists for it, and the paths the
# real images use: distroless keeps node at /nodejs/bin/node and a `nonroot` user 65532;
# the node image keeps node and npm under /usr/local. Images are tagged with a hash of
# their inputs and reused when already present, so repeated runs cost nothing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
engine="$root/scripts/container/engine.sh"
# The Node 24 that scripts/node24.sh provides (its pin, or STANDIN_NODE_VERSION), so the
# stand-ins run the same node as the tests and benchmarks.
node_bin="$(NODE24_VERSION="${STANDIN_NODE_VERSION:-${NODE24_VERSION:-}}" bash "$root/scripts/node24.sh")"
NODE_VERSION="$("$node_bin" --version)"
NODE_VERSION="${NODE_VERSION#v}"
NPM_VERSION="${STANDIN_NPM_VERSION:-11.19.1}"

case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "standin.sh: no Node binary package for $(uname -m)" >&2; exit 1 ;;
esac

cache="$root/.cache/container"
mkdir -p "$cache"
inputs_hash="$( { cat "${BASH_SOURCE[0]}"; echo "$NODE_VERSION $NPM_VERSION $arch"; } | sha256sum | cut -c1-12)"
runtime_ref="localhost/metering-gate-standin/nodejs24:nonroot-$NODE_VERSION-$inputs_hash"
build_ref="localhost/metering-gate-standin/node24-build:$NODE_VERSION-$inputs_hash"

have() { "$engine" image inspect "$1" >/dev/null 2>&1; }

if have "$runtime_ref" && have "$build_ref"; then
  echo "RUNTIME_IMAGE=$runtime_ref"
  echo "BUILD_IMAGE=$build_ref"
  exit 0
fi

log() { echo "standin.sh: $*" >&2; }

# 1. The Node binary (and npm, for the build image), through npm's own client.
fetch_pkg() { # name version -> path of the unpacked package dir
  local name="$1" version="$2" dir="$cache/pkg/$1-$2"
  if [[ ! -d "$dir/package" ]]; then
    log "fetching $name@$version from the npm registry"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack "$name@$version" --silent >/dev/null 2>&1) \
      || { log "npm pack $name@$version failed"; exit 1; }
    tar -xzf "$dir"/*.tgz -C "$dir" && rm -f "$dir"/*.tgz
  fi
  echo "$dir/package"
}

# Copy a binary's shared libraries (and the dynamic loader) into a root filesystem, same paths.
copy_libs() { # rootfs binary...
  local rootfs="$1"; shift
  local lib bin
  for lib in $(for bin in "$@"; do ldd "$bin"; done | grep -oE '/[^ ]+' | sort -u); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

work="$(mktemp -d "$cache/standin.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 2. Runtime stand-in: what the distroless nodejs24 :nonroot image provides.
if ! have "$runtime_ref"; then
  ctx="$work/runtime"; rootfs="$ctx/rootfs"
  mkdir -p "$rootfs/nodejs/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$ctx/home/nonroot"
  cp "$node_bin" "$rootfs/nodejs/bin/node"
  copy_libs "$rootfs" "$node_bin"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  chmod 1777 "$rootfs/tmp"
  cat >"$ctx/Containerfile" <<CF
FROM scratch
COPY rootfs/ /
COPY --chown=65532:65532 home/ /home/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/nodejs/bin/node"]
LABEL org.opencontainers.image.description="Local stand-in for gcr.io/distroless/nodejs24-debian12:nonroot (Node $NODE_VERSION)"
CF
  log "building $runtime_ref"
  "$engine" build -q -t "$runtime_ref" -f "$ctx/Containerfile" "$ctx" >/dev/null
fi

# 3. Build stand-in: what node:24-bookworm-slim provides to the Dockerfile's build stage.
if ! have "$build_ref"; then
  npm_pkg="$(fetch_pkg npm "$NPM_VERSION")"
  ctx="$work/build"; rootfs="$ctx/rootfs"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/bin" "$rootfs/bin" "$rootfs/tmp" "$rootfs/root" "$rootfs/etc/ssl/certs"
  cp "$node_bin" "$rootfs/usr/local/bin/node"
  cp -a "$npm_pkg" "$rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  cp -L "$(command -v sh)" "$rootfs/bin/sh"
  cp -L "$(command -v env)" "$rootfs/usr/bin/env"
  copy_libs "$rootfs" "$node_bin" "$rootfs/bin/sh" "$rootfs/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$rootfs/etc/group"
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  chmod 1777 "$rootfs/tmp"; chmod 700 "$rootfs/root"
  cat >"$ctx/Containerfile" <<CF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_VERSION=$NODE_VERSION HOME=/root
# The host's CA bundle (copied above) so npm trusts whatever the host trusts, e.g. an egress proxy.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
LABEL org.opencontainers.image.description="Local stand-in for node:24-bookworm-slim (Node $NODE_VERSION, npm $NPM_VERSION)"
CF
  log "building $build_ref"
  "$engine" build -q -t "$build_ref" -f "$ctx/Containerfile" "$ctx" >/dev/null
fi

# Drop stand-ins built from older inputs.
for ref in $("$engine" images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/metering-gate-standin/' || true); do
  [[ "$ref" == "$runtime_ref" || "$ref" == "$build_ref" ]] || "$engine" rmi "$ref" >/dev/null 2>&1 || true
done

echo "RUNTIME_IMAGE=$runtime_ref"
echo "BUILD_IMAGE=$build_ref"
