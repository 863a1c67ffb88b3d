#!/usr/bin/env bash
# The main job on a fresh machine. Until the sync server exists, this builds the `ravenstvo`
# CLI and shows it judging the demo region's documents: a valid Lipetsk programme, then the
# same programme missing what Lipetsk demands.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p ravenstvo-cli
bin=target/release/ravenstvo

"$bin" forms list
echo
invalid=(forms/examples/school-programme.lipetsk.invalid.lipetsk.*.json)
for example in forms/examples/school-programme.lipetsk.valid.json "${invalid[@]:0:2}"; do
    echo "\$ ravenstvo validate --form school-programme --region lipetsk $example"
    "$bin" validate --form school-programme --region lipetsk "$example" || true
    echo
done
