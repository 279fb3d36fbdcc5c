#!/usr/bin/env bash
# Installs what bench/startup.mjs needs, once, and prints the path of a Node 24 binary:
#   - Node 24: reused from node_modules/node-linux-<arch> when that is 24.x, otherwise the
#     npm registry's node-linux-<arch> package, unpacked into .cache/ (npm pack, no install
#     scripts; about 50 MB to download, once);
#   - /usr/bin/time, which reports a child's peak RSS, from the distribution when missing.
# Everything it prints except the final path goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "bench-startup: no Node 24 package for $(uname -m)" >&2; exit 1 ;;
esac

if [[ ! -x /usr/bin/time ]]; then
  echo "bench-startup: installing /usr/bin/time (measures peak RSS)" >&2
  if command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >&2
  else
    echo "bench-startup: /usr/bin/time is missing and there is no apt-get to install it" >&2
    exit 1
  fi
fi

is_node24() { [[ -x "$1" ]] && [[ "$("$1" --version 2>/dev/null)" == v24.* ]]; }

shared="node_modules/node-linux-${arch}/bin/node"
if is_node24 "$shared"; then
  echo "$PWD/$shared"
  exit 0
fi

target=".cache/node-v${NODE24_VERSION}-linux-${arch}"
if ! is_node24 "$target/bin/node"; then
  echo "bench-startup: fetching Node ${NODE24_VERSION} (node-linux-${arch} from the npm registry) into ${target}" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-${arch}@${NODE24_VERSION}" >/dev/null)
  rm -rf "$target"
  mkdir -p "$target"
  tar -xzf "$work"/node-linux-"${arch}"-*.tgz -C "$target" --strip-components=1
  is_node24 "$target/bin/node" || { echo "bench-startup: ${target}/bin/node is not Node 24" >&2; exit 1; }
fi
echo "$PWD/$target/bin/node"
