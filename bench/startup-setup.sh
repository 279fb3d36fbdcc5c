#!/usr/bin/env bash
# Installs what bench/startup.mjs needs, once, and prints the path of a Node 24 binary:
#   - Node 24, through scripts/node24.sh (fetched once into .cache/);
#   - /usr/bin/time, which reports a child's peak RSS, from the distribution when missing.
# Everything it prints except the final path goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]]; then
  echo "bench-startup: installing /usr/bin/time (measures peak RSS)" >&2
  if command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >&2
  else
    echo "bench-startup: /usr/bin/time is missing and there is no apt-get to install it" >&2
    exit 1
  fi
fi

bash scripts/node24.sh
