#!/usr/bin/env bash
# Copy the pinned front-end packages (package.json / package-lock.json) into web/static/vendor.
# The copies are committed so `make run` needs no npm; tests/web/test_static.py checks they match.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund >/dev/null
v=web/static/vendor
cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE "$v/htmx/"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/LICENSE "$v/leaflet/"
mkdir -p "$v/leaflet/images"
cp node_modules/leaflet/dist/images/*.png "$v/leaflet/images/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css \
   node_modules/leaflet.markercluster/MIT-LICENCE.txt "$v/markercluster/"
mkdir -p "$v/swagger-ui"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
   node_modules/swagger-ui-dist/LICENSE node_modules/swagger-ui-dist/NOTICE "$v/swagger-ui/"
chmod 644 "$v"/*/*.* "$v"/leaflet/images/*
