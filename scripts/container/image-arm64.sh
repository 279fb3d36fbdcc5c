#!/usr/bin/env bash
# Builds the image for linux/arm64 on an x86-64 machine with podman, as `make release` does
# with buildx: the bundle is built natively, the startup-snapshot stage runs on an arm64 node
# under QEMU (Debian's qemu-user-static through binfmt_misc). Then it runs the arm64 image,
# emulated, against the emulator. `make image-arm64`; not part of make test (minutes of QEMU).
#
#   image-arm64.sh [TAG]     TAG defaults to metering-gate:dev-arm64
#
# Bases: no registry here, so an arm64 runtime stand-in (Node 24 linux-arm64 from the npm
# registry, the aarch64 glibc and libstdc++ of Debian's libc6-arm64-cross and
# libstdc++6-arm64-cross) and the native build stand-in. Test images only, never to ship.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
engine="$root/scripts/container/engine.sh"
tag="${1:-metering-gate:dev-arm64}"
log() { echo "image-arm64.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[[ "$(uname -m)" == x86_64 ]] || die "meant for x86-64 hosts (this is $(uname -m)): build natively with make image"
[[ "$("$engine" name)" == podman ]] || die "uses podman's --platform build; with docker use make release's buildx"

# 1. QEMU through binfmt_misc, with the F flag so the interpreter works inside containers.
binfmt=/proc/sys/fs/binfmt_misc
if [[ ! -e "$binfmt/register" ]]; then
  [[ "$(id -u)" == 0 ]] || die "binfmt_misc is not mounted at $binfmt (as root: mount -t binfmt_misc binfmt_misc $binfmt)"
  mount -t binfmt_misc binfmt_misc "$binfmt" || die "cannot mount binfmt_misc at $binfmt"
fi
if [[ ! -e "$binfmt/qemu-aarch64" ]]; then
  conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [[ -f "$conf" ]] || die "no $conf: apt-get install -y qemu-user-static"
  [[ "$(id -u)" == 0 ]] || die "qemu-aarch64 is not registered with binfmt_misc (as root: cat $conf > $binfmt/register)"
  cat "$conf" >"$binfmt/register" || die "registering $conf with binfmt_misc failed"
  log "registered qemu-aarch64 with binfmt_misc"
fi
grep -q '^enabled' "$binfmt/qemu-aarch64" || die "$binfmt/qemu-aarch64 is disabled"
grep -q '^flags:.*F' "$binfmt/qemu-aarch64" || die "$binfmt/qemu-aarch64 lacks the F flag: containers cannot find the interpreter"

# 2. The arm64 runtime stand-in, same paths as distroless (node at /nodejs/bin/node, user 65532).
sysroot=/usr/aarch64-linux-gnu
[[ -e "$sysroot/lib/libc.so.6" && -e "$sysroot/lib/libstdc++.so.6" ]] \
  || die "no aarch64 glibc/libstdc++ in $sysroot (apt-get install -y libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)"
node_arm64="$(NODE24_ARCH=arm64 bash "$root/scripts/node24.sh")"
node_version="$("$sysroot/lib/ld-linux-aarch64.so.1" --library-path "$sysroot/lib" "$node_arm64" --version 2>/dev/null || true)"
cache="$root/.cache/container"
mkdir -p "$cache"
inputs_hash="$( { cat "${BASH_SOURCE[0]}"; sha256sum "$node_arm64"; } | sha256sum | cut -c1-12)"
runtime_ref="localhost/metering-gate-standin/nodejs24-arm64:nonroot-$inputs_hash"
if ! "$engine" image inspect "$runtime_ref" >/dev/null 2>&1; then
  ctx="$(mktemp -d "$cache/arm64.XXXXXX")"
  trap 'rm -rf "$ctx"' EXIT
  rootfs="$ctx/rootfs"
  mkdir -p "$rootfs/nodejs/bin" "$rootfs/lib/aarch64-linux-gnu" "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$ctx/home/nonroot"
  cp "$node_arm64" "$rootfs/nodejs/bin/node"
  cp -L "$sysroot/lib/ld-linux-aarch64.so.1" "$rootfs/lib/"
  for lib in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 libgcc_s.so.1 libstdc++.so.6; do
    cp -L "$sysroot/lib/$lib" "$rootfs/lib/aarch64-linux-gnu/"
  done
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  chmod 1777 "$rootfs/tmp"
  cat >"$ctx/Containerfile" <<CF
FROM scratch
COPY rootfs/ /
COPY --chown=65532:65532 home/ /home/
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/nodejs/bin/node"]
LABEL org.opencontainers.image.description="Local arm64 stand-in for gcr.io/distroless/nodejs24-debian12:nonroot (Node $node_version)"
CF
  log "building $runtime_ref"
  "$engine" build -q --platform linux/arm64/v8 -t "$runtime_ref" -f "$ctx/Containerfile" "$ctx" >/dev/null
fi

# 3. The image, for linux/arm64: build stage on the native build stand-in, snapshot under QEMU.
eval "$("$root/scripts/container/standin.sh" | grep '^BUILD_IMAGE=')"
log "building $tag for linux/arm64 (runtime $runtime_ref; the snapshot stage runs under QEMU)"
start=$SECONDS
buildlog="$cache/build-arm64.log"
# BUILDPLATFORM given explicitly: podman 4.3 leaves it empty, and the build stage's
# `FROM --platform=$BUILDPLATFORM` would then ask for an arm64 build base. --pull=never: it
# looks for an arm64 base in a registry even when one of that name and platform is local.
if ! "$engine" build --platform linux/arm64/v8 --pull=never --network=host --build-arg BUILDPLATFORM=linux/amd64 \
      --build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg "RUNTIME_IMAGE=$runtime_ref" \
      --label dev.metering-gate.standin-bases=true \
      -t "$tag" -f "$root/Dockerfile" "$root" >"$buildlog" 2>&1; then
  tail -n 30 "$buildlog" >&2
  die "arm64 build failed (log: $buildlog)"
fi
log "built $tag in $((SECONDS - start))s"

# 4. Run it, emulated: the image reports arm64 and registers against the emulator on the host.
arch="$("$engine" image inspect --format '{{.Architecture}}' "$tag")"
[[ "$arch" == arm64 ]] || die "$tag is $arch, not arm64"
[[ -f "$root/dist/metering-gate.mjs" ]] || (cd "$root" && node scripts/build.mjs >/dev/null)
work="$(mktemp -d)"
node "$root/dist/metering-gate.mjs" emulator --port 0 --key-out "$work/key.pem" >"$work/emulator.out" 2>/dev/null &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; rm -rf "$work" "${ctx:-}"' EXIT
for _ in $(seq 100); do grep -q '"url"' "$work/emulator.out" 2>/dev/null && break; sleep 0.1; done
url="$(node -p "JSON.parse(require('fs').readFileSync('$work/emulator.out', 'utf8').split('\n')[0]).url")"
chmod 0755 "$work" && chmod 0644 "$work/key.pem"
start=$SECONDS
out="$("$engine" run --rm --platform linux/arm64 --network=host --read-only --cap-drop ALL \
  -v "$work/key.pem:/etc/metering-gate/key.pem:ro" \
  -e METERING_GATE_PRODUCT_CODE=arm64check -e METERING_GATE_PUBLIC_KEY_FILE=/etc/metering-gate/key.pem \
  -e METERING_GATE_ENDPOINT_URL="$url" -e AWS_REGION=us-east-1 \
  -e AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE -e AWS_SECRET_ACCESS_KEY=placeholder "$tag" 2>&1)" \
  || die "the arm64 image did not register (exit $?): $out"
grep -q '"status":"ENTITLED"' <<<"$out" || die "the arm64 image did not print ENTITLED: $out"
log "the arm64 image registered against the emulator under QEMU: ENTITLED, exit 0 ($((SECONDS - start))s)"
echo "$tag"
