#!/bin/sh
# Rebuilds the item body editor's vendored Tiptap from the pinned packages:
#   ../tiptap.min.js  one IIFE exposing window.SanshenTiptap (see entry.js)
#   ../LICENSES.txt   the licence of every bundled package
#   ../SHA256SUMS     their checksums (tests/web/test_editor_vendor.py checks them)
# Needs node and npm (the npm registry); not run by make. See docs/web.md.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx esbuild entry.js --bundle --format=iife --global-name=SanshenTiptap --minify \
  --target=es2020 --legal-comments=none --charset=utf8 --metafile=meta.json \
  --outfile=../tiptap.min.js
node licences.js > ../LICENSES.txt
rm -f meta.json
cd ..
sha256sum tiptap.min.js LICENSES.txt > SHA256SUMS
cat SHA256SUMS
