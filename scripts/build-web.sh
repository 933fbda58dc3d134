#!/usr/bin/env bash
# Builds the Custom UI bundle into forge/static/estimo-ui (type-check, Vite build, and the
# 200 KB gzip budget check). Installs the exact npm packages first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
npm run --silent build
