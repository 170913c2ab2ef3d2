#!/usr/bin/env bash
# Builds the release server and load generator and the limit_server baseline (in a temporary
# copy, outside the workspace), then runs the benchmark suite (scripts/bench.py). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
cargo build --locked --release -p chat-server -p chat-bench
if [ ! -x /tmp/chat-limit-server/target/release/limit_server ]; then
  rm -rf /tmp/chat-limit-server
  cp -r ../shared/baseline/limit_server /tmp/chat-limit-server
  (cd /tmp/chat-limit-server && cargo build --release)
fi
ulimit -n 1000000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 scripts/bench.py "$@"
