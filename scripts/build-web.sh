#!/usr/bin/env bash
# Builds the web app into dist/ (served by chat-server at /). Idempotent: installs only what is
# missing — the wasm32 target, trunk 0.21.14, wasm-bindgen-cli matching Cargo.lock, and wasm-opt
# 132 from npm (Debian's binaryen 108 produces an app that fails at runtime) — then runs
# `trunk build --release`, writes brotli and gzip siblings of the files, and copies Swagger UI
# (npm swagger-ui-dist) into dist/api-docs/ for /api/docs. Set
# CARGO_TARGET_DIR to keep the wasm build apart from other builds.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14 # 0.22.x requires a newer rustc than this toolchain
WB_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$WB_VERSION" ]; then
  echo "build-web: wasm-bindgen not found in Cargo.lock" >&2
  exit 1
fi
if ! grep -q "wasm_bindgen = \"$WB_VERSION\"" Trunk.toml; then
  echo "build-web: Trunk.toml [tools] wasm_bindgen must be $WB_VERSION (the version in Cargo.lock)" >&2
  exit 1
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown ||
  rustup target add wasm32-unknown-unknown

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  # trunk's own release profile uses fat LTO (26 min on 2 cores); this takes about 10.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install trunk --version "$TRUNK_VERSION" --locked
fi
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WB_VERSION" ]; then
  # Not --locked: its lockfile pins a webpki-roots release the registry here does not serve.
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi
# npm also brings axe-core, which the e2e tests inject into pages, and swagger-ui-dist, served
# at /api/docs (no CDN for either). SCARF_ANALYTICS: swagger-ui-dist's dependency @scarf/scarf
# would report the install.
if [ "$(node_modules/.bin/wasm-opt --version 2>/dev/null || true)" != "wasm-opt version 132 (version_132)" ] ||
  [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ]; then
  SCARF_ANALYTICS=false npm ci --no-audit --no-fund
fi
export PATH="$PWD/node_modules/.bin:$PATH"

# Size over speed for the wasm; these apply to this cargo invocation only.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_PANIC=abort
export TRUNK_SKIP_VERSION_CHECK=true
trunk build --release --locked=true
test -f dist/index.html
bash scripts/swagger-ui.sh dist/api-docs
# Precompressed siblings (app.wasm.br, app.wasm.gz) for chat-server to send to clients that
# accept them: the wasm is 3-4 times smaller, and compressing once here at the best level
# costs nothing per request. Node's zlib has both (node is here for wasm-opt already).
node -e '
  const fs = require("fs"), zlib = require("zlib"), path = require("path");
  for (const name of fs.readdirSync("dist")) {
    if (!/\.(wasm|js|css|svg|html)$/.test(name)) continue;
    const file = path.join("dist", name), raw = fs.readFileSync(file);
    const br = zlib.brotliCompressSync(raw, { params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    const gz = zlib.gzipSync(raw, { level: 9 });
    // Only where it pays: a sibling larger than the file would only cost bytes.
    if (br.length < raw.length) fs.writeFileSync(file + ".br", br);
    if (gz.length < raw.length) fs.writeFileSync(file + ".gz", gz);
  }
'
echo "build-web: dist/ ready ($(du -sh dist | cut -f1))"
