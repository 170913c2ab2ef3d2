#!/usr/bin/env bash
# Fuzzes the live server against docs/openapi.json with schemathesis (PyPI), on SQLite and then
# on PostgreSQL: no 5xx, every response a documented status with a body matching the document,
# and every undocumented method on a documented path a 405 with `Allow`. Fails on any finding.
#
# Uses the server binary as built (${CARGO_TARGET_DIR:-target}/debug/chat-server; run
# `cargo build -p chat-server` first), installs schemathesis into a venv at
# ${SCHEMATHESIS_VENV:-target/schemathesis-venv} once, and makes a throwaway PostgreSQL
# database on the cluster of TEST_DATABASE_URL (dropped at the end).
# Knobs: SCHEMATHESIS_EXAMPLES (examples per operation in the fuzzing phase, default 150), SCHEMATHESIS_BACKENDS
# ("sqlite postgres"), SCHEMATHESIS_SEED (fixed by default, so a run can be repeated),
# SCHEMATHESIS_SERVER_LOG (the server's RUST_LOG, default error; the log is kept in
# $target/schemathesis-<backend>.log).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
target=${CARGO_TARGET_DIR:-target}
server=$target/debug/chat-server
venv=${SCHEMATHESIS_VENV:-$target/schemathesis-venv}
examples=${SCHEMATHESIS_EXAMPLES:-150}
seed=${SCHEMATHESIS_SEED:-16}
pg_url=${TEST_DATABASE_URL:-postgres://chat_test:chat_test@127.0.0.1:5432/postgres}

[ -x "$server" ] || { echo "schemathesis: $server missing; cargo build -p chat-server" >&2; exit 1; }
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null || true)" != "schemathesis, version $VERSION" ]; then
  # Debian splits venv's pip bootstrap into python3-venv.
  if ! python3 -c 'import ensurepip' 2>/dev/null; then
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi

work=$(mktemp -d)
pid=
pg_db=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$pg_url" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Starts the server on DATABASE_URL $1 with every rate limit off (the fuzzer is one user
# sending as fast as it can; 429 is documented, but would hide what the calls really do).
start_server() {
  BIND_ADDR=127.0.0.1:0 DATABASE_URL=$1 DATA_DIR=$work/data STATIC_DIR=$work/no-web-app \
    JWT_SECRET=schemathesis-only-secret-of-at-least-32-bytes RUST_LOG=${SCHEMATHESIS_SERVER_LOG:-error} WORKERS=2 \
    MESSAGE_RATE_LIMIT=0 AUTH_RATE_LIMIT=0 REST_WRITE_RATE_LIMIT=0 SEARCH_RATE_LIMIT=0 \
    REFRESH_RATE_LIMIT=0 COMMAND_RATE_LIMIT=0 \
    "$server" >"$work/server.out" 2>"$work/server.err" &
  pid=$!
  for _ in $(seq 100); do
    base=$(sed -n 's|^chat-server listening on \(http://.*\)$|\1|p' "$work/server.out")
    [ -n "$base" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "schemathesis: the server did not start:" >&2
  cat "$work/server.err" >&2
  exit 1
}

stop_server() {
  kill "$pid"
  wait "$pid" || true
  pid=
  # Without the colours tracing writes even into a file, so ' ERROR ' can be found.
  sed 's/\x1b\[[0-9;]*m//g' "$work/server.err" >"$target/schemathesis-$1.log"
  # An error the server logged (a 500's cause) is a finding even when the answer conformed.
  # Only the server's own: actix-http logs a request it cannot parse (a NUL byte in a header,
  # which schemathesis probes for) as an error, but that is the client's and gets a 400.
  if grep -q ' ERROR chat_server' "$target/schemathesis-$1.log"; then
    echo "schemathesis: the server logged errors:" >&2
    grep ' ERROR chat_server' "$target/schemathesis-$1.log" | head -20 >&2
    return 1
  fi
}

# A user for the fuzzer's bearer token, with a contact and a group chat, so that ids the fuzzer
# reads back from GET answers lead it past 404s to the real work.
token() {
  python3 - "$base" <<'PY'
import json, sys, urllib.request, uuid
base = sys.argv[1]
def call(path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, json.dumps(body).encode(), headers)
    return json.load(urllib.request.urlopen(req))
def register():
    name = "fuzz" + uuid.uuid4().hex[:8]
    return call("/api/auth/register", {"username": name, "password": "fuzzing-password-1"})
me, peer = register(), register()
token = me["access_token"]
call("/api/contacts", {"username": peer["user"]["username"]}, token)
call("/api/chats", {"members": [peer["user"]["username"]], "name": "fuzz"}, token)
print(token)
PY
}

# A folder name for a pass's report: main, api-auth-logout, api-sessions-id.
label() {
  local name=${1#/}
  name=${name//[\{\}]/}
  echo "${name//\//-}"
}

run_on() {
  local name=$1 url=$2 start
  start=$(date +%s)
  start_server "$url"
  echo "schemathesis: $name at $base"
  # /ws is excluded: a valid upgrade is answered 101 and the socket stays open, which an HTTP
  # fuzzer cannot use; tests/realtime.rs and tests/openapi.rs cover it.
  # --phases: examples, coverage and fuzzing; not stateful (its links are not in the document).
  # Logout ends the session of the token it is called with, and DELETE /api/sessions/{id}
  # does when the fuzzer reuses an id GET /api/sessions showed it: each runs after the rest,
  # alone, with a token of its own, or it would leave every later call a 401.
  local status=0 pass ending=(/api/auth/logout '/api/sessions/{id}')
  for pass in main "${ending[@]}"; do
    local scope=(--exclude-path /ws)
    if [ "$pass" = main ]; then
      for path in "${ending[@]}"; do scope+=(--exclude-path "$path"); done
    else
      scope=(--include-path "$pass")
    fi
    "$venv/bin/schemathesis" run docs/openapi.json --url "$base" \
      --header "Authorization: Bearer $(token)" "${scope[@]}" \
      --checks not_a_server_error,response_schema_conformance,status_code_conformance,unsupported_method \
      --phases examples,coverage,fuzzing --max-examples "$examples" --seed "$seed" \
      --workers 2 --request-timeout 10 \
      --report junit --report-dir "$target/schemathesis-$name/$(label "$pass")" || status=$?
  done
  stop_server "$name" || status=1
  echo "schemathesis: $name took $(($(date +%s) - start)) s"
  return "$status"
}

failed=0
for backend in ${SCHEMATHESIS_BACKENDS:-sqlite postgres}; do
  case $backend in
    sqlite) run_on sqlite "sqlite://$work/chat.db" || failed=1 ;;
    postgres)
      pg_db=chat_schemathesis_$$
      psql -q "$pg_url" -c "CREATE DATABASE $pg_db"
      run_on postgres "${pg_url%/*}/$pg_db" || failed=1
      ;;
    *) echo "schemathesis: unknown backend $backend" >&2; exit 2 ;;
  esac
done
exit "$failed"
