-- scalar.sql - a scalar metric against a parameter, for
-- `usnsim plot scalar`.
--
-- The metric is one row of scalars per run and component: a counter (e.g.
-- network.delivered), an end-of-run scalar (e.g. a core's utilization) or
-- one statistic of a gauge, which is stored as three rows METRIC.mean,
-- METRIC.min and METRIC.max (e.g. network.utilization.mean). For every
-- group and value of the x parameter: the average of the value over the
-- repetitions and the half-width of its 95% confidence interval,
-- t * s / sqrt(n) with s the sample standard deviation across runs and t
-- the 0.975 quantile of Student's t with n - 1 degrees of freedom, as in
-- percentile.sql. A NULL value (a gauge that never sampled) is left out.
--
-- Parameters, bound by usnsim plot:
--   :metric  METRIC or COMPONENT.METRIC (e.g. delivered,
--            network.utilization.mean), or a pattern with '*' over
--            COMPONENT.METRIC, whose matches are added up within each run
--            (e.g. hosts.server.tcp.*.goodput: the goodput of every flow)
--   :x       the parameter on the x axis (e.g. apps.src.rate)
--   :group   one line per value of: a parameter path, 'component',
--            'scenario', 'point', or '' for a single line
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp      the line
--   xval     the parameter's value, with its unit (e.g. 20kpps)
--   yunit    unit of y and ci (scalars.unit: ps, packets, B, or '' for a
--            plain number such as a utilization)
--   n        runs averaged
--   y        the value averaged over the runs
--   ci       95% half-width (NULL when n < 2)
--   npoints  sweep points (and scenario versions, components) behind the
--            row; usnsim plot refuses to average over more than one
WITH m AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN s.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         px.value AS xval,
         s.unit AS yunit,
         r.hash || ' ' || r.point ||
           CASE WHEN instr(:metric, '*') > 0 THEN ''
                ELSE ' ' || s.component END AS src,
         r.id AS run,
         sum(s.value) AS v
  FROM selected_runs AS r
  JOIN scalars AS s ON s.run_id = r.id
  JOIN params AS px ON px.run_id = r.id AND px.path = :x
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok' AND s.value IS NOT NULL
    AND (:metric IN (s.metric, s.component || '.' || s.metric)
         OR (instr(:metric, '*') > 0
             AND s.component || '.' || s.metric GLOB :metric))
  GROUP BY grp, xval, yunit, src, run
),
v AS (
  SELECT grp, xval, yunit, src, v FROM m
),
d AS (
  SELECT v.*, avg(v) OVER (PARTITION BY grp, xval, yunit) AS a FROM v
),
g AS (
  SELECT grp, xval, yunit, count(*) AS n, avg(v) AS y,
         sum((v - a) * (v - a)) AS ss, count(DISTINCT src) AS npoints
  FROM d
  GROUP BY grp, xval, yunit
)
SELECT g.grp, g.xval, g.yunit, g.n, g.y,
       CASE WHEN g.n > 1 THEN
         coalesce(t.t975, 1.959964) * sqrt(g.ss / (g.n - 1.0) / g.n)
       END AS ci,
       g.npoints
FROM g LEFT JOIN t_quantiles AS t ON t.df = g.n - 1
ORDER BY g.grp, g.xval;
