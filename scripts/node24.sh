#!/usr/bin/env bash
# Prints the path of a Node 24 binary, fetching it once if needed: what the image runs, for
# the tests, benchmarks and stand-in base images that must match it. Unpacks the npm
# registry's node-linux-<arch> package (about 50 MB, no install scripts) into .cache/ once.
# NODE24_VERSION picks another 24.x; NODE24_ARCH=x64|arm64 another architecture (for
# `make binary`: a foreign binary is checked by its package's version, not run). Logs go to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
case "${NODE24_ARCH:-$(uname -m)}" in
  x86_64 | amd64 | x64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node24.sh: no Node 24 package for ${NODE24_ARCH:-$(uname -m)}" >&2; exit 1 ;;
esac
case "$(uname -m)" in x86_64 | amd64) native=x64 ;; aarch64 | arm64) native=arm64 ;; *) native="" ;; esac

is_node24() {
  [[ -x "$1" ]] || return 1
  if [[ "$arch" == "$native" ]]; then
    [[ "$("$1" --version 2>/dev/null)" == v24.* ]]
  else
    grep -q '"version": "24\.' "$(dirname "$1")/../package.json" 2>/dev/null
  fi
}

target=".cache/node-v${NODE24_VERSION}-linux-${arch}"
if ! is_node24 "$target/bin/node"; then
  echo "node24.sh: fetching Node ${NODE24_VERSION} (node-linux-${arch} from the npm registry) into ${target}" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-${arch}@${NODE24_VERSION}" >/dev/null)
  rm -rf "$target"
  mkdir -p "$target"
  tar -xzf "$work"/node-linux-"${arch}"-*.tgz -C "$target" --strip-components=1
  is_node24 "$target/bin/node" || { echo "node24.sh: ${target}/bin/node is not Node 24" >&2; exit 1; }
fi
echo "$PWD/$target/bin/node"
