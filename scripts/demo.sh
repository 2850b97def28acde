#!/bin/sh
# The headline study of `make demo`: runs the bundled queue scenarios into a
# results database and prints measured queueing delay next to theory; then
# runs every study under scenarios/studies/ on every core and draws the
# figures each one names (its figures: block) into FIGDIR as PDF and PNG.
# Usage: demo.sh USNSIM DB [FIGDIR]   (FIGDIR defaults to figures)
set -e
USNSIM=$1
DB=$2
FIGDIR=${3:-figures}
before=0
[ -f "$DB" ] && before=$(sqlite3 "$DB" "SELECT coalesce(max(id), 0) FROM runs" 2>/dev/null || echo 0)
for f in scenarios/md1.yaml scenarios/mm1.yaml; do
	"$USNSIM" run "$f" --db "$DB" --quiet
done
echo
echo "Mean queueing delay on the link at utilization 0.8, over the repetitions just run,"
echo "next to queueing theory (analysis/demo-summary.sql):"
echo
sqlite3 -header -column "$DB" ".param set :first $((before + 1))" ".read analysis/demo-summary.sql"
echo
echo "The md1_load study: 9 utilizations x 5 repetitions on every core"
echo "(scenarios/studies/md1_load.yaml; resumes if interrupted):"
"$USNSIM" sweep scenarios/studies/md1_load.yaml --db "$DB"
echo
sqlite3 -header -column "$DB" ".read analysis/md1-load.sql"
for f in scenarios/studies/*.yaml; do
	[ "$f" = scenarios/studies/md1_load.yaml ] && continue
	echo
	echo "Study $f (resumes if interrupted):"
	"$USNSIM" sweep "$f" --db "$DB"
done
echo
echo "Figures of the studies (usnsim plot --study; docs/guide/figures.md):"
for f in scenarios/studies/*.yaml; do
	if grep -q '^figures:' "$f"; then
		"$USNSIM" plot --study "$f" --db "$DB" -o "$FIGDIR"
	else
		echo "$f: no figures: block"
	fi
done
echo
echo "Results are in $DB (schema: docs/reference/database.md)."
