-- drops.sql - packets dropped, by reason, against a parameter, for
-- `usnsim plot drops`.
--
-- Drops are counters in scalars with metric 'drops.REASON' (the link
-- records drops.queue_full; other models add their reasons). In each run
-- the counters of one reason are added up over the components; then, for
-- every value of the x parameter, averaged over the runs, with the
-- half-width of the 95% confidence interval (t * s / sqrt(n), as in the
-- summary_ci view).
--
-- Parameters, bound by usnsim plot:
--   :x          the parameter on the x axis (e.g. apps.src.rate)
--   :group      besides the reason, one line per value of: a parameter
--               path, 'component', 'scenario', 'point', or '' (none)
--   :component  GLOB pattern of the components to include ('*': all)
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   series   the reason (REASON of drops.REASON)
--   grp      the group value ('' without --group)
--   xval     the parameter's value, with its unit (e.g. 20kpps)
--   yunit    unit of y and ci (packets)
--   n        runs averaged
--   y        drops per run, averaged over the runs
--   ci       95% half-width (NULL when n < 2)
--   npoints  sweep points (and scenario versions) behind the row;
--            usnsim plot refuses to average over more than one
WITH v AS (
  SELECT substr(s.metric, 7) AS series,
         CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN s.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         px.value AS xval,
         s.unit AS yunit,
         r.hash || ' ' || r.point AS src,
         sum(s.value) AS v
  FROM selected_runs AS r
  JOIN scalars AS s ON s.run_id = r.id
  JOIN params AS px ON px.run_id = r.id AND px.path = :x
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok' AND substr(s.metric, 1, 6) = 'drops.'
    AND s.component GLOB :component
  GROUP BY r.id, series, grp, xval, yunit
),
d AS (
  SELECT v.*, avg(v) OVER (PARTITION BY series, grp, xval, yunit) AS a
  FROM v
),
g AS (
  SELECT series, grp, xval, yunit, count(*) AS n, avg(v) AS y,
         sum((v - a) * (v - a)) AS ss, count(DISTINCT src) AS npoints
  FROM d
  GROUP BY series, grp, xval, yunit
)
SELECT g.series, g.grp, g.xval, g.yunit, g.n, g.y,
       CASE WHEN g.n > 1 THEN
         coalesce(t.t975, 1.959964) * sqrt(g.ss / (g.n - 1.0) / g.n)
       END AS ci,
       g.npoints
FROM g LEFT JOIN t_quantiles AS t ON t.df = g.n - 1
ORDER BY g.series, g.grp, g.xval;
