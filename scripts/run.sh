#!/usr/bin/env bash
# The main job on a fresh machine: builds the binaries and runs the sync server with its
# embedded SQLite database under ./data on 127.0.0.1:8080 (override with LISTEN=… DATA_DIR=…),
# loaded with the demo region (users of every role, documents in every state), serving the web
# app (built here first) at /. Before serving it
# shows the CLI judging a demo document of the Lipetsk region.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --bins
bin=target/release

# The web app (web/dist), served by the server at /. Packages are installed when the lockfile
# changed and the app is built when any of its sources (or forms/) is newer than the build.
web=web
if command -v npm >/dev/null; then
  if ! cmp -s "$web/package-lock.json" "$web/node_modules/.installed-package-lock.json"; then
    echo "== npm ci (web)"
    npm ci --prefix "$web" --no-audit --no-fund --loglevel=error
    cp "$web/package-lock.json" "$web/node_modules/.installed-package-lock.json"
  fi
  if [ ! -f "$web/dist/index.html" ] || [ -n "$(find "$web/src" "$web/sw" "$web/index.html" \
      "$web/vite.config.ts" "$web/package-lock.json" forms -newer "$web/dist/index.html" \
      -print -quit)" ]; then
    echo "== npm run build (web)"
    npm run --prefix "$web" build
  fi
else
  echo "npm is missing (Node.js 20 or later): the web app is not built; the server explains how" >&2
fi

echo "== ravenstvo validate: the demo Lipetsk programme"
"$bin/ravenstvo" validate --form school-programme --region lipetsk \
    forms/examples/school-programme.lipetsk.valid.json || true
echo
echo "== the same programme without what Lipetsk demands"
"$bin/ravenstvo" validate --form school-programme --region lipetsk \
    forms/examples/school-programme.lipetsk.invalid.lipetsk.coach-teams.json || true
echo
echo "== sync server with the demo region (Ctrl+C stops it and flushes everything)."
echo "   The web app: open http://${LISTEN:-127.0.0.1:8080}/ and log in as editor / demo-editor"
echo "   (the README lists every demo user)."
echo "   In another terminal: SERVER=http://${LISTEN:-127.0.0.1:8080} ./scripts/tour.sh"
echo "   walks a programme from draft to the regional registry with the CLI."
exec "$bin/sync-server" --listen "${LISTEN:-127.0.0.1:8080}" --data-dir "${DATA_DIR:-./data}" \
    --forms-dir forms --web-dir "$web/dist" --demo
