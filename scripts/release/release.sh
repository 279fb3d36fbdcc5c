#!/usr/bin/env bash
# Builds and publishes a release: the image for linux/amd64 and linux/arm64 (docker buildx; the
# snapshot stage runs on each target platform, under QEMU where it is not the builder's), with
# an SBOM and provenance attestation, signed with cosign keyless; and the Helm chart as an OCI
# artifact, signed too. `make release REGISTRY=...` runs it; .github/workflows/release.yml
# runs that on a version tag.
#
#   REGISTRY        where the image goes: <registry>/<namespace>, e.g.
#                   709825985650.dkr.ecr.us-east-1.amazonaws.com/my-seller (required)
#   CHART_REGISTRY  where the chart goes (default: $REGISTRY/charts): helm pushes it as
#                   $CHART_REGISTRY/metering-gate
#   IMAGE_NAME      repository name of the image (default: metering-gate)
#   VERSION         image tag and chart version (default: package.json's version)
#   PLATFORMS       default linux/amd64,linux/arm64
#   DRY_RUN=1       check everything and print the commands instead of running them
#
# It refuses what must never ship: local stand-in bases, and bases not pinned by digest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
die() { echo "release.sh: $*" >&2; exit 2; }
log() { echo "release.sh: $*" >&2; }

[[ -n "${REGISTRY:-}" ]] || die "REGISTRY is not set: give the registry and namespace to push to, e.g. make release REGISTRY=709825985650.dkr.ecr.us-east-1.amazonaws.com/my-seller"
REGISTRY="${REGISTRY%/}"
chart_registry="${CHART_REGISTRY:-$REGISTRY/charts}"
image_name="${IMAGE_NAME:-metering-gate}"
version="${VERSION:-$(node -p "require('./package.json').version")}"
platforms="${PLATFORMS:-linux/amd64,linux/arm64}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "VERSION '$version' is not a semantic version (x.y.z)"

# Bases: the Dockerfile's defaults, or BUILD_IMAGE / RUNTIME_IMAGE when given; each must be
# pinned by digest and none may be a local stand-in (scripts/container/standin.sh).
default_build="$(sed -n 's/^ARG BUILD_IMAGE=//p' Dockerfile)"
default_runtime="$(sed -n 's/^ARG RUNTIME_IMAGE=//p' Dockerfile)"
build_image="${BUILD_IMAGE:-$default_build}"
runtime_image="${RUNTIME_IMAGE:-$default_runtime}"
for ref in "$build_image" "$runtime_image"; do
  [[ "$ref" != localhost/* && "$ref" != *metering-gate-standin* ]] \
    || die "base image $ref is a local stand-in (glibc copied from a build machine, no package inventory): a release builds only on the real bases"
  [[ "$ref" =~ @sha256:[0-9a-f]{64}$ ]] \
    || die "base image $ref is not pinned by digest: use name:tag@sha256:<digest> (see the Dockerfile's ARG lines)"
done

run() { # print, then run unless DRY_RUN=1
  printf '+'; printf ' %q' "$@"; printf '\n'
  [[ "${DRY_RUN:-}" == 1 ]] || "$@"
}

if [[ "${DRY_RUN:-}" != 1 ]]; then
  docker buildx version >/dev/null 2>&1 || die "needs docker with buildx (docker buildx version fails)"
  command -v cosign >/dev/null || die "needs cosign (https://docs.sigstore.dev/cosign/system_config/installation/)"
  command -v helm >/dev/null || die "needs helm 3.8 or later (OCI push)"
fi

image="$REGISTRY/$image_name"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
created="$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)"
source_url="$(node -p "(require('./package.json').repository?.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '')")"
out="$root/.cache/release/$version"
mkdir -p "$out"

# 1. Image: both platforms in one index, SBOM (SPDX, from BuildKit's scanner) and provenance
#    (SLSA, mode=max) attached to it as attestations, pushed by digest.
log "building $image:$version for $platforms"
run docker buildx build \
  --platform "$platforms" \
  --build-arg "BUILD_IMAGE=$build_image" --build-arg "RUNTIME_IMAGE=$runtime_image" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$created" --build-arg "SOURCE=$source_url" \
  --sbom=true --provenance=mode=max \
  --metadata-file "$out/image-metadata.json" \
  --tag "$image:$version" --push \
  --file Dockerfile .
if [[ "${DRY_RUN:-}" == 1 ]]; then
  digest="sha256:<pushed-index-digest>"
else
  digest="$(node -p "require('$out/image-metadata.json')['containerimage.digest']")"
  [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "buildx reported no image digest in $out/image-metadata.json"
fi

# 2. Sign the index by digest, keyless: cosign takes an OIDC identity (GitHub Actions' token in
#    CI) and records the signature in the public transparency log.
run cosign sign --yes "$image@$digest"

# 3. Chart, version and appVersion set to the release, pushed as an OCI artifact and signed.
run helm package helm/metering-gate --version "$version" --app-version "$version" --destination "$out"
if [[ "${DRY_RUN:-}" == 1 ]]; then
  run helm push "$out/metering-gate-$version.tgz" "oci://$chart_registry"
  chart_digest="sha256:<pushed-chart-digest>"
else
  printf '+ helm push %q %q\n' "$out/metering-gate-$version.tgz" "oci://$chart_registry"
  pushed="$(helm push "$out/metering-gate-$version.tgz" "oci://$chart_registry" 2>&1)" || { echo "$pushed" >&2; die "helm push failed"; }
  echo "$pushed"
  chart_digest="$(sed -n 's/^Digest: //p' <<<"$pushed")"
  [[ "$chart_digest" =~ ^sha256:[0-9a-f]{64}$ ]] || die "helm push reported no digest"
fi
run cosign sign --yes "$chart_registry/metering-gate@$chart_digest"

echo "image: $image:$version@$digest"
echo "chart: oci://$chart_registry/metering-gate --version $version (@$chart_digest)"
