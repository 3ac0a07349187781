#!/bin/bash
# Builds one variant and prints raw / gzip -9 / brotli -q 11 sizes of the wasm and its glue.
# usage: measure.sh <label> [features]   (NODE_BIN: where wasm-opt and terser are)
set -euo pipefail
cd "$(dirname "$0")"
root=$(git rev-parse --show-toplevel)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
bin=${NODE_BIN:-$root/node_modules/.bin}
label=$1
features=${2:-}
cargo build --release --target wasm32-unknown-unknown ${features:+--features "$features"}
out=$CARGO_TARGET_DIR/core-floor/$label
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/core_floor.wasm"
"$bin/wasm-opt" -Oz "$out/core_floor_bg.wasm" -o "$out/opt.wasm"
"$bin/wasm-opt" -Oz -g "$out/core_floor_bg.wasm" -o "$out/named.wasm" # for twiggy
"$bin/terser" "$out/core_floor.js" --compress --mangle --module -o "$out/glue.min.js"
for file in core_floor_bg.wasm opt.wasm core_floor.js glue.min.js; do
  printf "%-8s %-20s raw %7d  gzip %6d  brotli %6d\n" "$label" "$file" "$(stat -c%s "$out/$file")" \
    "$(gzip -9 -c "$out/$file" | wc -c)" "$(brotli -q 11 -c "$out/$file" | wc -c)"
done
