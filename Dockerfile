# metering-gate container image.
#
#   docker build -t metering-gate .            (or: make image — picks docker or podman and,
#                                               when no base image can be pulled, builds local
#                                               stand-ins and passes them as the two build args)
#
# Build arguments:
#   BUILD_IMAGE    Node 24 + npm, used only to build the bundle (default node:24-bookworm-slim)
#   RUNTIME_IMAGE  shell-less Node 24 runtime whose node is /nodejs/bin/node
#                  (default gcr.io/distroless/nodejs24-debian12:nonroot)
#   VERSION, REVISION, CREATED, SOURCE   recorded in the OCI labels
#
# Nothing here is tied to one CPU architecture: the bundle is plain JavaScript, built on the
# build machine's platform, and both base images are multi-arch.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# ---- build: one self-contained bundle, dist/metering-gate.mjs ------------------------------
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: nothing the bundle needs runs one (esbuild finds its platform binary
# without its postinstall), and exec form keeps this stage free of any shell.
RUN ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
COPY tsconfig*.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
RUN ["node", "scripts/build.mjs"]
# The output directory, made here because the runtime image has no shell to mkdir with.
RUN ["node", "-e", "require('node:fs').mkdirSync('/rootfs/var/run/metering-gate', { recursive: true })"]

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

COPY --from=build /src/dist/metering-gate.mjs* /app/
# Owned by the runtime user so a non-root gate can write its result there. Declared a VOLUME:
# Docker/podman give a read-only container a writable volume here, and ECS copies this
# ownership into a task volume mounted at this path.
COPY --from=build --chown=65532:65532 /rootfs/var/run/metering-gate /var/run/metering-gate
VOLUME ["/var/run/metering-gate"]

USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "/app/metering-gate.mjs"]
CMD ["register"]
