#!/usr/bin/env bash
# The main job on a fresh machine: builds the binaries and runs the sync server with its
# embedded SQLite database under ./data on 127.0.0.1:8080 (override with LISTEN=… DATA_DIR=…),
# loaded with the demo region (users of every role, documents in every state). Before serving it
# shows the CLI judging a demo document of the Lipetsk region.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --bins
bin=target/release

echo "== ravenstvo validate: the demo Lipetsk programme"
"$bin/ravenstvo" validate --form school-programme --region lipetsk \
    forms/examples/school-programme.lipetsk.valid.json || true
echo
echo "== the same programme without what Lipetsk demands"
"$bin/ravenstvo" validate --form school-programme --region lipetsk \
    forms/examples/school-programme.lipetsk.invalid.lipetsk.coach-teams.json || true
echo
echo "== sync server with the demo region (Ctrl+C stops it and flushes everything)."
echo "   In another terminal: SERVER=http://${LISTEN:-127.0.0.1:8080} ./scripts/tour.sh"
echo "   walks a programme from draft to the regional registry with the CLI."
exec "$bin/sync-server" --listen "${LISTEN:-127.0.0.1:8080}" --data-dir "${DATA_DIR:-./data}" \
    --forms-dir forms --demo
