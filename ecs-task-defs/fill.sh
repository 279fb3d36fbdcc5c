#!/usr/bin/env bash
# Fills the ${NAME} placeholders of one of this directory's JSON files from the environment
# and prints the result:
#
#   ecs-task-defs/fill.sh ecs-task-defs/fargate.json > /tmp/taskdef.json
#
# Unlike envsubst, it refuses rather than guesses: a placeholder that is not in the list below
# (a typo), or a variable that is unset or empty, stops it with a one-line error and nothing on
# stdout. Values are written JSON-escaped, so PUBLIC_KEY can be the PEM file as it is.
set -euo pipefail

# Every placeholder the files here use, and nothing else.
VARIABLES=(
  FAMILY ACCOUNT_ID REGION TASK_ROLE_NAME EXECUTION_ROLE_NAME GATE_IMAGE APP_IMAGE
  PRODUCT_CODE PUBLIC_KEY_VERSION PUBLIC_KEY LOG_GROUP CPU_ARCHITECTURE
)

die() { echo "fill.sh: $*" >&2; exit 2; }

[[ $# -eq 1 ]] || die "usage: fill.sh TEMPLATE.json > OUT.json (placeholders: ${VARIABLES[*]})"
template="$1"
[[ -f "$template" && -r "$template" ]] || die "$template: no such readable file"

mapfile -t used < <(grep -oE '[$][{][^}]*[}]' "$template" | sort -u | sed -E 's/^[$][{](.*)[}]$/\1/')
missing=()
for name in "${used[@]}"; do
  [[ "$name" =~ ^[A-Za-z0-9_]+$ && " ${VARIABLES[*]} " == *" $name "* ]] || die "$template uses \${$name}, which is not one of: ${VARIABLES[*]}"
  [[ -n "${!name:-}" ]] || missing+=("$name")
done
((${#missing[@]} == 0)) || die "$template needs ${missing[*]}: unset or empty (export each one; see ecs-task-defs/README.md)"
if [[ " ${used[*]} " == *" CPU_ARCHITECTURE "* && "$CPU_ARCHITECTURE" != X86_64 && "$CPU_ARCHITECTURE" != ARM64 ]]; then
  die "CPU_ARCHITECTURE is '$CPU_ARCHITECTURE'; allowed: X86_64 (Intel/AMD) or ARM64 (Graviton)"
fi
for name in "${used[@]}"; do export "${name?}"; done

# Byte by byte, so that any awk (mawk, gawk, busybox) escapes the same way.
exec awk '
  function esc(s,   out, i, c) {
    out = ""
    for (i = 1; i <= length(s); i++) {
      c = substr(s, i, 1)
      if (c == "\\") out = out "\\\\"
      else if (c == "\"") out = out "\\\""
      else if (c == "\n") out = out "\\n"
      else if (c == "\r") out = out "\\r"
      else if (c == "\t") out = out "\\t"
      else out = out c
    }
    return out
  }
  {
    line = $0; out = ""
    while (match(line, /[$][{][A-Za-z0-9_]+[}]/)) {
      name = substr(line, RSTART + 2, RLENGTH - 3)
      out = out substr(line, 1, RSTART - 1) esc(ENVIRON[name])
      line = substr(line, RSTART + RLENGTH)
    }
    print out line
  }
' "$template"
