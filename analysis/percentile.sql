-- percentile.sql - a statistic of a histogram metric against a parameter,
-- for `usnsim plot percentile`.
--
-- For every group and value of the x parameter: the average over the
-- repetitions of the statistic (mean, p50, p90, p99 or p999 of each run's
-- summary) and the half-width of its 95% confidence interval, t * s / sqrt(n)
-- with s the sample standard deviation across runs and t the 0.975 quantile
-- of Student's t with n - 1 degrees of freedom: the summary_ci view's
-- formula, here over the runs that pass --where.
--
-- Parameters, bound by usnsim plot:
--   :metric  METRIC or COMPONENT.METRIC (e.g. latency, network.queue_delay)
--   :stat    mean, p50, p90, p99 or p999
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
--   yunit    unit of y and ci (ps)
--   n        runs averaged
--   y        the statistic averaged over the runs
--   ci       95% half-width (NULL when n < 2)
--   npoints  sweep points (and scenario versions, components) behind the
--            row; usnsim plot refuses to average over more than one
WITH v AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN s.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         px.value AS xval,
         s.unit AS yunit,
         r.hash || ' ' || r.point || ' ' || s.component AS src,
         CASE :stat WHEN 'mean' THEN s.mean WHEN 'p50' THEN s.p50
                    WHEN 'p90' THEN s.p90 WHEN 'p99' THEN s.p99
                    WHEN 'p999' THEN s.p999 END AS v
  FROM selected_runs AS r
  JOIN summaries AS s ON s.run_id = r.id
  JOIN params AS px ON px.run_id = r.id AND px.path = :x
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok' AND s.count > 0
    AND :metric IN (s.metric, s.component || '.' || s.metric)
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
