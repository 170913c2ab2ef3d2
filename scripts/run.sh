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
if [ -f scripts/build-web.sh ]; then
  bash scripts/build-web.sh
fi
exec cargo run --locked --release -p chat-server -- "$@"
