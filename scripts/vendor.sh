#!/usr/bin/env bash
# Copy the pinned front-end packages from node_modules into static/vendor (served locally).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=src/servicescore/static/vendor
rm -rf "$dest" && mkdir -p "$dest/tabler/css" "$dest/tabler/js"
cp node_modules/@tabler/core/dist/css/tabler.min.css "$dest/tabler/css/"
cp node_modules/@tabler/core/dist/js/tabler.min.js "$dest/tabler/js/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/"
cp node_modules/echarts/dist/echarts.min.js "$dest/"
