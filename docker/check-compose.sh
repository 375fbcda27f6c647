#!/usr/bin/env bash
# Checks docker/compose.yaml with `docker compose config`, which needs the Compose v2 CLI but no
# Docker engine. Run from anywhere: bash docker/check-compose.sh
#
#   - with dummy POSTGRES_PASSWORD and QUARRY_MASTER_KEY the file must resolve, and define exactly
#     the services postgres, migrate, api and query-runner;
#   - without either of them it must be refused (the `${VAR:?…}` guards work).
#
# Exit status: 0 all checks passed; 1 a check failed; 77 no Compose v2 CLI here (a caller's test
# may report that as skipped). COMPOSE="docker-compose" picks a standalone v2 binary explicitly.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
file="$here/compose.yaml"

if [[ -n "${COMPOSE:-}" ]]; then
  read -r -a compose <<<"$COMPOSE"
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1 && docker-compose version --short 2>/dev/null | grep -Eq '^v?2'; then
  compose=(docker-compose)
else
  echo "check-compose: skipped: no Docker Compose v2 CLI ('docker compose' plugin or docker-compose v2)" >&2
  exit 77
fi

# Hermetic: the guarded variables never come from the caller's shell, and an empty env file stands
# in for a docker/.env that may exist.
empty_env=$(mktemp)
trap 'rm -f "$empty_env"' EXIT
run() {
  env -u POSTGRES_PASSWORD -u QUARRY_MASTER_KEY "$@" \
    "${compose[@]}" --env-file "$empty_env" -f "$file" config "${config_args[@]}"
}
dummy=(POSTGRES_PASSWORD=check-compose-dummy QUARRY_MASTER_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=)
failed=0
fail() {
  echo "check-compose: FAIL: $*" >&2
  failed=1
}

config_args=(--quiet)
if ! errors=$(run "${dummy[@]}" 2>&1); then
  fail "compose.yaml does not resolve with POSTGRES_PASSWORD and QUARRY_MASTER_KEY set:"
  echo "$errors" >&2
fi

config_args=(--services)
services=$(run "${dummy[@]}" 2>/dev/null | sort | tr '\n' ' ')
expected="api migrate postgres query-runner "
[[ "$services" == "$expected" ]] || fail "services are '${services}', expected '${expected}'"

config_args=(--quiet)
for missing in POSTGRES_PASSWORD QUARRY_MASTER_KEY; do
  set_vars=()
  for assignment in "${dummy[@]}"; do
    [[ "$assignment" == "$missing="* ]] || set_vars+=("$assignment")
  done
  if run "${set_vars[@]}" >/dev/null 2>&1; then
    fail "compose.yaml resolves without $missing; it must refuse"
  fi
done

if ((failed)); then
  exit 1
fi
echo "check-compose: docker/compose.yaml OK (${compose[*]} config)"
