#!/usr/bin/env bash
# Builds the web app and the server (release) and runs the product on http://127.0.0.1:8080
# with the embedded SQLite database under ./data. Extra arguments go to chat-server
# (see `chat-server --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! dpkg -s libpq-dev >/dev/null 2>&1; then
  echo "installing libpq-dev (needed to build the PostgreSQL driver)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libpq-dev
  else sudo apt-get update -qq && sudo apt-get install -y -qq libpq-dev; fi
fi
step() { printf '\n==> %s\n' "$*" >&2; }

if [ -f scripts/build-web.sh ]; then
  step "web app: building into dist/ (on a fresh machine this first installs trunk, wasm-bindgen and wasm-opt: about 15-20 min on 2 cores; afterwards about 1-2 min)"
  if ! bash scripts/build-web.sh; then
    cat >&2 <<'WARN'

!!! ================================================================================== !!!
!!!  THE WEB APP COULD NOT BE BUILT (see the errors above). The server starts anyway:   !!!
!!!  the REST API and the WebSocket work, and http://127.0.0.1:8080/ shows a page that   !!!
!!!  says how to build the web app (bash scripts/build-web.sh, then restart).            !!!
!!! ================================================================================== !!!

WARN
  fi
fi
step "server: building (release; about 5 min the first time) and starting on http://127.0.0.1:8080 (data in ./data)"
exec cargo run --locked --release -p chat-server -- "$@"
