#!/usr/bin/env bash
# Upload throughput and the cost of an image upload: starts a server on an embedded SQLite
# database in a temporary folder, uploads a 24 MiB file of random bytes (stored as it is) and a
# 12-megapixel JPEG (decoded, metadata stripped, thumbnailed) several times each, and
# prints the times curl measured; `bench_image` prints the image steps alone.
# PROFILE=release for production figures (a long build); the default dev profile compiles the
# image crates at opt-level 3 (Cargo.toml), so the image figures are close to release ones, but
# the HTTP path is not.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-dev}
target=${CARGO_TARGET_DIR:-target}
if [ "$profile" = release ]; then out="$target/release"; flag=--release; else out="$target/debug"; flag=; fi
cargo build --locked $flag -p chat-server --bin chat-server --example bench_image
runs=${RUNS:-5}
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT

"$out/examples/bench_image" 4000 3000 "$dir/photo.jpg"
head -c $((24 * 1024 * 1024)) /dev/urandom > "$dir/blob.bin"

DATA_DIR="$dir/data" BIND_ADDR=127.0.0.1:0 STATIC_DIR="$dir/none" JWT_SECRET=$(head -c 48 /dev/urandom | base64) \
  AUTH_RATE_LIMIT=0 REST_WRITE_RATE_LIMIT=0 RUST_LOG=warn "$out/chat-server" > "$dir/server.out" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/server.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^chat-server listening on //p' "$dir/server.out" | head -1)
token=$(curl -sf -X POST "$base/api/auth/register" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"benchmark-password"}' | jq -r .access_token)

upload() { # file content-type name -> seconds
  curl -sf -o /dev/null -w '%{time_total}\n' -X POST "$base/api/uploads?name=$3" \
    -H "authorization: Bearer $token" -H "content-type: $2" --data-binary "@$1"
}
report() { # label bytes times...
  local label=$1 bytes=$2; shift 2
  printf '%s\n' "$@" | sort -n | awk -v label="$label" -v bytes="$bytes" '
    { t[NR] = $1; sum += $1 }
    END { med = t[int((NR + 1) / 2)];
          printf "%s: %d runs, median %.3f s (%.0f MiB/s), min %.3f s, max %.3f s\n",
                 label, NR, med, bytes / 1048576 / med, t[1], t[NR] }'
}
blob=(); photo=()
for _ in $(seq "$runs"); do blob+=("$(upload "$dir/blob.bin" application/octet-stream blob.bin)"); done
for _ in $(seq "$runs"); do photo+=("$(upload "$dir/photo.jpg" image/jpeg photo.jpg)"); done
report "24 MiB file (stored as is)" "$(stat -c %s "$dir/blob.bin")" "${blob[@]}"
report "12 MP upright JPEG (decode, metadata stripped, thumbnail)" "$(stat -c %s "$dir/photo.jpg")" "${photo[@]}"
echo "profile: $profile; cores: $(nproc)"
