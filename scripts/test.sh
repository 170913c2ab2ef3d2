#!/usr/bin/env bash
# Runs every test on a fresh machine: installs and starts what the tests need (PostgreSQL,
# Redis, the web toolchain and Chromium), builds the server and the web app, then runs the
# workspace's tests (real servers on loopback, real SQLite files, PostgreSQL, Redis, Chromium).
# PostgreSQL: see scripts/services.sh (TEST_PG_PORT picks the cluster, TEST_DATABASE_URL
# overrides it all).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*" >&2; }

step "services: PostgreSQL and Redis (installed and started if missing: a few minutes the first time)"
bash scripts/services.sh
# Every PostgreSQL test (tests/ and the store's unit tests) reads TEST_DATABASE_URL; by default
# the role services.sh made.
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://chat_test:chat_test@127.0.0.1:${TEST_PG_PORT:-5432}/postgres}"
# The upload tests start private moto_server processes (S3-compatible) from the venv services.sh made.
export MOTO_SERVER="${MOTO_SERVER:-${MOTO_VENV:-/opt/chat-moto}/bin/moto_server}"
if [ -f scripts/build-web.sh ]; then
  step "web app: building (a fresh machine first installs trunk, wasm-bindgen and wasm-opt: about 15-20 min)"
  bash scripts/build-web.sh
fi
step "server: building (about 5 min from a cold cache)"
cargo build --locked -p chat-server
step "every test: cargo test --workspace (about 6-8 min; the e2e tests drive headless Chromium)"
cargo test --workspace --locked
step "fuzzing: schemathesis against the built server on SQLite and PostgreSQL (about 4 min)"
bash scripts/schemathesis.sh
