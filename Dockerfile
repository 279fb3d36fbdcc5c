# metering-gate container image.
#
#   docker build -t metering-gate .            (or: make image — picks docker or podman; with
#                                               STANDIN=1 and no registry, builds local stand-in
#                                               bases for tests; make release: both platforms)
#
# Build arguments:
#   BUILD_IMAGE    Node 24 + npm, used only to build the bundle (default node:24-bookworm-slim)
#   RUNTIME_IMAGE  shell-less Node 24 runtime whose node is /nodejs/bin/node
#                  (default gcr.io/distroless/nodejs24-debian12:nonroot)
#   VERSION, REVISION, CREATED, SOURCE   recorded in the OCI labels
#
# Nothing here is tied to one CPU architecture: the bundle is plain JavaScript, built on the
# build machine's platform, and both base images are multi-arch. The snapshot stage runs on the
# target platform (emulated under buildx/QEMU when it differs), as a blob only starts on the
# node that made it.
# Pinned by digest (of the multi-arch index, so both platforms resolve from it): a release
# builds from exactly these bytes, and scripts/release/release.sh refuses any base without one.
# To move to newer bases, replace each digest with what
# `docker buildx imagetools inspect <name:tag> --format '{{json .Manifest.Digest}}'` prints.
ARG BUILD_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

# ---- build: one self-contained bundle, dist/metering-gate.mjs ------------------------------
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the bundle needs runs one (esbuild finds its platform binary
# without its postinstall), and exec form keeps this stage free of any shell.
RUN ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
COPY tsconfig.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY scripts/lib/esbuild-plugins.mjs ./scripts/lib/esbuild-plugins.mjs
COPY src ./src
# The commit `metering-gate --version` names (the build context has no .git).
ARG REVISION=unknown
ENV GATE_COMMIT=${REVISION}
RUN ["node", "scripts/build.mjs", "--cli-only"]
# The output directory and the snapshot's input, laid out here because the runtime image has
# no shell to mkdir or cp with.
RUN ["node", "-e", "const fs = require('node:fs'); fs.mkdirSync('/rootfs/volume/metering-gate', { recursive: true }); fs.chmodSync('/rootfs/volume/metering-gate', 0o2775); fs.mkdirSync('/rootfs/snapshot'); fs.copyFileSync('dist/metering-gate.snapshot.cjs', '/rootfs/snapshot/metering-gate.snapshot.cjs')"]
# exec's PID-1 reaper (native/reaper) for the target platform: prebuilt and committed, as the
# bases carry no C compiler. TARGETARCH is Docker's name (amd64, arm64), the file Node's.
ARG TARGETARCH
COPY native/reaper/prebuilt/ ./native/reaper/prebuilt/
RUN ["node", "-e", "const fs = require('node:fs'); const arch = { amd64: 'x64', arm64: 'arm64' }[process.env.TARGETARCH || ''] ?? process.arch; fs.mkdirSync('/rootfs/reaper'); fs.copyFileSync(`native/reaper/prebuilt/reaper-linux-${arch}.node`, '/rootfs/reaper/reaper.node')"]

# ---- snapshot: a V8 startup snapshot of the loaded gate, made by the runtime image's own node
# A blob only starts on the node that built it, hence this stage on the runtime image. It
# saves about a third of every start (BENCHMARKS.md); run as the runtime user, like the gate.
# Built under the ENTRYPOINT's V8 flags, exactly: V8 drops a code cache made under other flags,
# and Node would then compile http, https and tls from source on every start
# (scripts/lib/snapshot.mjs keeps the list; test/container/dockerfile.test.mjs holds both here to it).
FROM ${RUNTIME_IMAGE} AS snapshot
COPY --from=build --chown=65532:65532 /rootfs/snapshot /snapshot
USER 65532:65532
RUN ["/nodejs/bin/node", "--no-maglev", "--no-sparkplug", "--snapshot-blob", "/snapshot/metering-gate.blob", "--build-snapshot", "/snapshot/metering-gate.snapshot.cjs"]

# ---- binary: the single executable, /usr/local/bin/metering-gate (scripts/binary.mjs) --------
# Node 24 with the same startup snapshot inside, for sellers whose product is one image without
# Node (README, "Single-image products"). On the target platform: the snapshot is made by the
# node that goes into the binary, under the flags its SEA configuration runs it with.
FROM ${BUILD_IMAGE} AS binary
WORKDIR /src
COPY --from=build /src/node_modules/postject ./node_modules/postject
COPY --from=build /src/dist/metering-gate.snapshot.cjs ./dist/metering-gate.snapshot.cjs
COPY scripts/binary.mjs ./scripts/binary.mjs
COPY scripts/lib/snapshot.mjs ./scripts/lib/snapshot.mjs
RUN ["node", "scripts/binary.mjs", "--node", "/usr/local/bin/node", "--out", "/src/metering-gate"]
RUN ["/src/metering-gate", "--version"]

# ---- runtime: distroless Node 24, non-root, nothing but node and the bundle ----------------
FROM ${RUNTIME_IMAGE}
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=""
ARG RUNTIME_IMAGE
LABEL org.opencontainers.image.title="metering-gate" \
      org.opencontainers.image.description="Gates a paid container on AWS Marketplace RegisterUsage: registers in the task's own region, verifies the signed token, writes the entitlement to a shared volume and exits with a code that starts or refuses the workload." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# The plain bundle stays in the image: `--entrypoint /nodejs/bin/node IMAGE /app/metering-gate.mjs`
# runs the same gate without the snapshot.
COPY --from=build /src/dist/metering-gate.mjs* /app/
COPY --from=snapshot /snapshot/metering-gate.blob /app/metering-gate.blob
# The single executable, at the path sellers copy it from (BENCHMARKS.md: why it is not yet the
# entrypoint):
#   COPY --from=<this image> /usr/local/bin/metering-gate /usr/local/bin/metering-gate
COPY --from=binary /src/metering-gate /usr/local/bin/metering-gate
# exec's reaper of orphans when it is PID 1, found here by the entrypoint's node + blob and,
# as ../lib/metering-gate/reaper.node, by the binary (sellers copy both: README).
COPY --from=build /rootfs/reaper/reaper.node /usr/local/lib/metering-gate/reaper.node
# Owned by the runtime user so a non-root gate can write its result there, and by group 0 with
# group write (mode 2775, made in the build stage), so that an arbitrary UID in group 0 can too:
# OpenShift's restricted-v2 runs containers that way. Copied as the child of a copied directory,
# since COPY gives the directory it copies into a fresh 0755 but keeps the modes of what is in
# it. Declared a VOLUME:
# Docker/podman give a read-only container a writable volume here, and ECS copies this
# ownership into a task volume mounted at this path.
COPY --from=build --chown=65532:0 /rootfs/volume/ /var/run/
VOLUME ["/var/run/metering-gate"]

USER 65532:65532
# --no-maglev --no-sparkplug: V8's mid-tier and baseline compilers never pay off in a run this
# short, and Maglev costs ~2 MiB of peak memory. The snapshot stage above uses the same flags.
# `--` ends node's options, so the gate's own flags pass through untouched.
ENTRYPOINT ["/nodejs/bin/node", "--no-maglev", "--no-sparkplug", "--snapshot-blob", "/app/metering-gate.blob", "--"]
CMD ["register"]
