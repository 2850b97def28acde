-- cpu.sql - CPU time per packet by domain, for `usnsim plot cpu` (stacked
-- bars).
--
-- The CPU model records, per domain (component 'cpu.DOMAIN', e.g.
-- cpu.kernel, cpu.user), the scalar 'cpu.per_packet': CPU time spent in
-- that domain per packet delivered, in ps. Each bar stacks the domains'
-- values, averaged over the runs of the group.
--
-- Parameters, bound by usnsim plot:
--   :group      one bar per value of: a parameter path, 'component',
--               'scenario', 'point', or '' for a single bar
--   :component  GLOB pattern of the components to include ('*': all)
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp      the bar
--   series   the domain (DOMAIN of cpu.DOMAIN), one segment of the bar
--   yunit    unit of y (ps)
--   n        runs averaged
--   y        CPU time per packet, averaged over the runs
--   npoints  sweep points (and scenario versions) behind the segment;
--            usnsim plot refuses more than one
SELECT CASE :group WHEN '' THEN ''
                   WHEN 'component' THEN s.component
                   WHEN 'scenario' THEN r.scenario
                   WHEN 'point' THEN r.point
                   ELSE pg.value END AS grp,
       substr(s.component, 5) AS series,
       s.unit AS yunit,
       count(*) AS n,
       avg(s.value) AS y,
       count(DISTINCT r.hash || ' ' || r.point) AS npoints
FROM selected_runs AS r
JOIN scalars AS s ON s.run_id = r.id
LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
WHERE r.status = 'ok' AND s.metric = 'cpu.per_packet'
  AND substr(s.component, 1, 4) = 'cpu.'
  AND s.component GLOB :component
GROUP BY grp, series, yunit
ORDER BY grp, series;
