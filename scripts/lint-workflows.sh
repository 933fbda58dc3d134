#!/usr/bin/env bash
# Validates every GitHub Actions workflow against the Actions schema, and checks that
# referenced jobs exist, with @action-validator/cli. Installs nothing: the package is pinned
# in tools/workflow-lint and installed by scripts/install-test-prerequisites.sh, or by hand:
#   (cd tools/workflow-lint && npm ci --ignore-scripts)
set -euo pipefail
cd "$(dirname "$0")/.."

validator=tools/workflow-lint/node_modules/.bin/action-validator
if [ ! -x "$validator" ]; then
  echo "action-validator is not installed; run: (cd tools/workflow-lint && npm ci --ignore-scripts)" >&2
  exit 1
fi

failed=0
count=0
for workflow in .github/workflows/*.yml .github/workflows/*.yaml; do
  [ -e "$workflow" ] || continue
  count=$((count + 1))
  if "$validator" "$workflow" >/dev/null 2>&1; then
    echo "ok    $workflow"
  else
    echo "FAIL  $workflow"
    "$validator" "$workflow" || true
    failed=$((failed + 1))
  fi
done
echo "workflows: $((count - failed)) valid, $failed invalid"
[ "$failed" -eq 0 ]
