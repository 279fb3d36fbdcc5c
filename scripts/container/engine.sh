#!/usr/bin/env bash
# The one place that decides which container engine the project uses and how it is called.
#
#   engine.sh name          print "docker" or "podman"; exit 1 (with a reason on stderr) if neither works
#   engine.sh ARGS...       run the chosen engine with ARGS (e.g. `engine.sh build ...`, `engine.sh kube play x.yaml`)
#
# "docker" means a working engine (`docker info` succeeds), not merely a CLI. Otherwise podman,
# with the flags this kind of machine needs: vfs storage, runc (crun fails on hybrid cgroups),
# cgroupfs, and a containers.conf without default ulimits (they cannot be set in the sandbox).
# CONTAINER_ENGINE=docker|podman forces the choice.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

detect() {
  local forced="${CONTAINER_ENGINE:-}"
  if [[ -n "$forced" ]]; then
    case "$forced" in
      podman) command -v podman >/dev/null 2>&1 && { echo podman; return 0; }
              echo "engine.sh: CONTAINER_ENGINE=podman but podman is not installed (as root: apt-get install -y podman runc)" >&2; return 1 ;;
      docker) command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && { echo docker; return 0; }
              echo "engine.sh: CONTAINER_ENGINE=docker but there is no working docker engine ('docker info' fails)" >&2; return 1 ;;
      *) echo "engine.sh: CONTAINER_ENGINE must be docker or podman, not '$forced'" >&2; return 1 ;;
    esac
  fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo docker; return 0
  fi
  if command -v podman >/dev/null 2>&1; then
    echo podman; return 0
  fi
  echo "engine.sh: no container engine: no working docker engine ('docker info' fails or no docker CLI) and no podman (as root: apt-get install -y podman runc)" >&2
  return 1
}

engine="$(detect)" || exit 1

if [[ "${1:-}" == "name" ]]; then
  echo "$engine"
  exit 0
fi

if [[ "$engine" == "docker" ]]; then
  exec docker "$@"
fi

export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
podman_flags=(--storage-driver=vfs --cgroup-manager=cgroupfs)
if command -v runc >/dev/null 2>&1; then
  podman_flags+=(--runtime=runc)
fi
exec podman "${podman_flags[@]}" "$@"
