#!/usr/bin/env bash
# Copies Swagger UI's files from the npm package swagger-ui-dist (package.json pins it; `npm ci`
# installs it) into the folder chat-server serves /api/docs from: STATIC_DIR/api-docs, by
# default dist/api-docs. Called by scripts/build-web.sh; run alone after `npm ci` to get
# /api/docs without building the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/api-docs}
src=node_modules/swagger-ui-dist
if [ ! -f "$src/swagger-ui-bundle.js" ]; then
  echo "swagger-ui: $src is missing; run: SCARF_ANALYTICS=false npm ci --no-audit --no-fund" >&2
  exit 1
fi
mkdir -p "$out"
# Only what the page loads (src/http/docs.rs serves exactly these two).
cp "$src/swagger-ui.css" "$src/swagger-ui-bundle.js" "$out/"
echo "swagger-ui: $(node -p 'require("./'"$src"'/package.json").version') in $out"
