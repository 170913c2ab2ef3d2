#!/usr/bin/env bash
# Bytes on the wire (bodies + response headers) for a cold load of the web app: index.html and
# every file it references (wasm, js, css, favicon), asked for with the Accept-Encoding Chromium
# sends. Usage: scripts/first-load-bytes.sh [base URL] [Accept-Encoding]
#   scripts/first-load-bytes.sh http://127.0.0.1:8080              # as a browser gets it
#   scripts/first-load-bytes.sh http://127.0.0.1:8080 identity     # uncompressed, to compare
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
encoding=${2:-gzip, deflate, br, zstd}
# Attribute values may be quoted or not (trunk minifies the HTML in release builds).
files="/ $(curl -fsS "$base/" | grep -oE '(href|src)="?/[^" >]+' | sed -E 's/^(href|src)="?//' | sort -u)"
total=0
for f in $files; do
  read -r body headers <<<"$(curl -fsS -o /dev/null -H "Accept-Encoding: $encoding" \
    -w '%{size_download} %{size_header}' "$base$f")"
  printf '%-45s %8d body + %4d headers\n' "$f" "$body" "$headers"
  total=$((total + body + headers))
done
echo "total: $total bytes"
