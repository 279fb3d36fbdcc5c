#!/usr/bin/env bash
# Prints the command that renders the chart as Helm does: `helm` when it is on PATH, else
# tools/helm-render built (once, cached under .cache/) from Debian's Go packages of the
# libraries Helm 3 is made of. With --install, as root with apt-get, installs those packages
# when missing (make test and .ci/run do this); without it, or when that is impossible, exits 3
# with the reason on stderr so that the chart tests can skip saying why.
# METERING_GATE_CHART_RENDERER=helm-render uses the renderer even where helm is installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
install=false
[[ "${1:-}" == --install ]] && install=true

if [[ "${METERING_GATE_CHART_RENDERER:-}" != helm-render ]] && command -v helm >/dev/null; then
  command -v helm
  exit 0
fi

gopath=/usr/share/gocode
packages=(golang-go golang-github-masterminds-sprig-dev golang-github-xeipuuv-gojsonschema-dev golang-gopkg-yaml.v2-dev)
missing() {
  command -v go >/dev/null || return 0
  for p in github.com/Masterminds/sprig github.com/xeipuuv/gojsonschema gopkg.in/yaml.v2; do
    [[ -d "$gopath/src/$p" ]] || return 0
  done
  return 1
}
if missing; then
  if $install && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "renderer.sh: installing ${packages[*]} for the chart tests" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "neither helm nor Go with Debian's ${packages[*]} is installed (run make test or .ci/run as root to install them): chart rendering skipped" >&2
    exit 3
  fi
fi

src="$root/tools/helm-render"
out="$root/.cache/helm-render"
stamp="$( { go version; cat "$src"/*.go; } | sha256sum | cut -c1-16)"
bin="$out/helm-render-$stamp"
if [[ ! -x "$bin" ]]; then
  mkdir -p "$out"
  tmp="$(mktemp "$out/.build.XXXXXX")"
  # GOPATH mode, offline: Debian's packages live in /usr/share/gocode/src.
  (cd "$src" && GO111MODULE=off GOPATH="$gopath" GOFLAGS= GOPROXY=off \
    GOCACHE="$root/.cache/go-build" go build -o "$tmp" .) >&2
  mv -f "$tmp" "$bin"
fi
echo "$bin"
