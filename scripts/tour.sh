#!/usr/bin/env bash
# The README's tour, runnable: a school programme from draft to the regional registry with the
# CLI, against a sync server started with --demo. The e2e test `tour` runs this very script.
#
#   SERVER=http://127.0.0.1:8080 ./scripts/tour.sh     (RAVENSTVO=path/to/ravenstvo optional)
#
# Each person works in their own local replica (RAVENSTVO_DATA_DIR); passwords are the demo's.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${SERVER:-http://127.0.0.1:8080}
ravenstvo=${RAVENSTVO:-target/release/ravenstvo}
work=${TOUR_DIR:-$(mktemp -d)}
as() { # as LOGIN COMMAND…: run the CLI in LOGIN's replica
    local login=$1
    shift
    RAVENSTVO_DATA_DIR="$work/$login" RAVENSTVO_AUTHOR="$login" "$ravenstvo" "$@"
}
for login in editor mentor reviewer coordinator; do
    echo "demo-$login" | as "$login" login --server "$server" --user "$login" --password-stdin
done

echo "== the region identifies its schools by its own method, then confirms the result"
as coordinator identify --template --region lipetsk > "$work/identification-template.csv"
as coordinator identify --region lipetsk --year 2025 sync-server/demo/identification.lipetsk.2025.csv |
    tee "$work/identification.txt"
identification=$(sed -n 's/^Результат № \([0-9]*\) сохранён.*/\1/p' "$work/identification.txt")
as coordinator identify --confirm "$identification"
as editor identify --school krasnoe

echo "== the school's editor drafts the programme offline, with the Lyceum No. 44 as mentor"
doc=$(as editor new school-programme --region lipetsk --mentor lyceum-44 \
    --from forms/examples/school-programme.lipetsk.valid.json)
as editor edit "$doc" -m "срок" set /period/end '"2027-06-30"'
as editor validate "$doc"

echo "== the editor and the mentor's teacher write the causes analysis at once, each offline"
as editor sync --server "$server"
as mentor sync --server "$server" --doc "$doc"
causes=/causes_analysis/internal_causes
as editor edit "$doc" text "$causes" --at 0 --insert "Главное — мотивация. "
as mentor edit "$doc" text "$causes" --at 0 --insert $'Оценка наставника: нужна методическая помощь.\n'
as mentor sync --server "$server"
as editor sync --server "$server"
as editor show "$doc" --json | grep -F -e "Главное — мотивация" -e "Оценка наставника"

echo "== submits it: the server syncs, validates the exact version and records it"
as editor submit "$doc"

echo "== the municipality sees it, returns it with a comment on a field"
as reviewer documents
as reviewer review "$doc" return --comment "/period/end=Продлите программу до конца учебного года"

echo "== the school reads the comment, edits, submits round 2"
as editor status "$doc"
as editor edit "$doc" -m "продлена" set /period/end '"2027-08-31"'
as editor submit "$doc"

echo "== the reviewer sees only what changed since round 1, and approves"
as reviewer changes "$doc"
as reviewer review "$doc" approve

echo "== the region accepts it into the registry and exports the registry"
as coordinator registry
as coordinator collect "$doc"
as coordinator export --format xlsx --output "$work/registry.xlsx"
as coordinator export --format csv --output "$work/registry.csv"
echo "== the region opens this year's campaign and sees who is missing"
today=$(date -u +%F)
campaign=$(as coordinator campaign open --year "${today%%-*}" --title "Программы и договоры (тур)" \
    --submit-by "$today" --decide-by "$today" | tail -n 1)
as coordinator campaign status "$campaign"
as coordinator campaign export "$campaign" --format csv --output "$work/campaign.csv"
echo "tour done: $doc is in the registry; files in $work"
