#!/bin/sh
# The headline study of `make demo`: runs the bundled queue scenarios into a
# results database and prints measured queueing delay next to theory.
# Usage: demo.sh USNSIM DB
set -e
USNSIM=$1
DB=$2
before=0
[ -f "$DB" ] && before=$(sqlite3 "$DB" "SELECT coalesce(max(id), 0) FROM runs" 2>/dev/null || echo 0)
for f in scenarios/md1.yaml scenarios/mm1.yaml; do
	"$USNSIM" run "$f" --db "$DB" --quiet
done
echo
echo "Mean queueing delay on the link, utilization 0.8, over the repetitions"
echo "just run (theory: M/D/1 rho/(2 mu (1-rho)) = 20 us; M/M/1 rho/(mu-lambda) = 40 us):"
echo
sqlite3 -header -column "$DB" "
SELECT r.scenario AS scenario,
       count(*) AS runs,
       round(avg(s.mean) / 1e6, 3) AS wq_us,
       CASE r.scenario WHEN 'md1' THEN 20.0 WHEN 'mm1' THEN 40.0 END AS theory_us,
       round(100.0 * (avg(s.mean) / 1e6 /
             CASE r.scenario WHEN 'md1' THEN 20.0 WHEN 'mm1' THEN 40.0 END - 1), 2)
             AS error_pct,
       round(avg(s.p99) / 1e6, 1) AS p99_us,
       sum(r.events) AS events,
       round(sum(r.wall_s), 2) AS wall_s
FROM runs r JOIN summaries s ON s.run_id = r.id
WHERE r.id > $before AND s.component = 'network' AND s.metric = 'queue_delay'
GROUP BY r.scenario ORDER BY r.scenario;"
echo
echo "Results are in $DB (schema: README.md, 'Results database')."
