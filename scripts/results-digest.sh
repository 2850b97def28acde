#!/bin/sh
# results-digest.sh USNSIM OUTDIR - every bundled scenario's results as text.
#
# Runs every scenario under scenarios/ (every sweep point and repetition)
# with the given usnsim binary into one database per file under OUTDIR,
# then prints, per database, every run's key, seed, engine, event count and
# fingerprint, and every summary and scalar at full precision. Two builds
# that simulate the same thing print the same text, so a refactoring is
# checked with:
#
#   scripts/results-digest.sh old/usnsim /tmp/a > a.txt
#   scripts/results-digest.sh build/usnsim /tmp/b > b.txt
#   diff <(sed 's|/tmp/a|X|' a.txt) <(sed 's|/tmp/b|X|' b.txt)
#
# Run from the repository root; about 15 s on two cores.
set -e
[ $# -eq 2 ] || { echo "usage: $0 USNSIM OUTDIR" >&2; exit 2; }
bin=$1
out=$2
mkdir -p "$out"
for f in scenarios/*.yaml scenarios/*/*.yaml; do
	db="$out/$(echo "$f" | tr / _).db"
	rm -f "$db" "$db-wal" "$db-shm"
	"$bin" sweep "$f" --db "$db" --quiet -j 2 || echo "FAIL $f rc=$?"
done
for db in "$out"/*.db; do
	echo "== $db"
	sqlite3 "$db" "
	SELECT scenario, point, repetition, seed, engine, events, fingerprint
	FROM runs ORDER BY scenario, point, repetition;
	SELECT r.point, r.repetition, s.component, s.metric, s.unit, s.count,
	       printf('%!.17g|%!.17g|%!.17g|%!.17g|%!.17g|%!.17g|%!.17g|%!.17g',
		      s.mean, s.stddev, s.min, s.p50, s.p90, s.p99, s.p999, s.max)
	FROM summaries s JOIN runs r ON r.id = s.run_id
	ORDER BY r.point, r.repetition, s.component, s.metric;
	SELECT r.point, r.repetition, c.component, c.metric,
	       printf('%!.17g', c.value)
	FROM scalars c JOIN runs r ON r.id = c.run_id
	ORDER BY r.point, r.repetition, c.component, c.metric;"
done
