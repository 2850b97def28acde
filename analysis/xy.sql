-- xy.sql - one metric against another, for `usnsim plot xy`.
--
-- Each run gives one value of each metric: a statistic of a histogram
-- metric (mean, p50, p90, p99 or p999 of its summary, when the stat is
-- set) or a scalar (a counter, an end-of-run scalar or a gauge statistic
-- such as network.utilization.mean, when the stat is ''). The runs are
-- grouped into points, one per group and value of the order parameter
-- (the offered load, say), and each point is the average of both values
-- over its runs with the half-width of their 95% confidence intervals,
-- t * s / sqrt(n) with s the sample standard deviation across runs and t
-- the 0.975 quantile of Student's t with n - 1 degrees of freedom, as in
-- percentile.sql and scalar.sql. The points of a group are one line, in
-- the order of the parameter's values.
--
-- Parameters, bound by usnsim plot:
--   :metric, :stat    the y metric, METRIC or COMPONENT.METRIC, and its
--                     statistic ('' for a scalar)
--   :xmetric, :xstat  the x metric and its statistic, the same way
--   :order            the parameter whose values are the points of a line
--                     (e.g. apps.src.rate), or '' for one point per group
--   :group   one line per value of: a parameter path, 'component',
--            'scenario', 'point', or '' for a single line
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp      the line
--   ord      the order parameter's value, with its unit (e.g. 20kpps)
--   xunit    unit of x and xci (ps for a statistic, else scalars.unit)
--   yunit    unit of y and ci
--   n        runs averaged
--   x, y     the two values averaged over the runs
--   ci, xci  their 95% half-widths (NULL when n < 2)
--   npoints  sweep points (and scenario versions, components) behind the
--            row; usnsim plot refuses to average over more than one
WITH val AS (
  SELECT 'y' AS axis, s.run_id AS run, s.component AS comp, s.unit AS unit,
         CASE :stat WHEN 'mean' THEN s.mean WHEN 'p50' THEN s.p50
                    WHEN 'p90' THEN s.p90 WHEN 'p99' THEN s.p99
                    WHEN 'p999' THEN s.p999 END AS v
  FROM summaries AS s
  WHERE :stat <> '' AND s.count > 0
    AND :metric IN (s.metric, s.component || '.' || s.metric)
  UNION ALL
  SELECT 'y', s.run_id, s.component, s.unit, s.value
  FROM scalars AS s
  WHERE :stat = '' AND s.value IS NOT NULL
    AND :metric IN (s.metric, s.component || '.' || s.metric)
  UNION ALL
  SELECT 'x', s.run_id, s.component, s.unit,
         CASE :xstat WHEN 'mean' THEN s.mean WHEN 'p50' THEN s.p50
                     WHEN 'p90' THEN s.p90 WHEN 'p99' THEN s.p99
                     WHEN 'p999' THEN s.p999 END
  FROM summaries AS s
  WHERE :xstat <> '' AND s.count > 0
    AND :xmetric IN (s.metric, s.component || '.' || s.metric)
  UNION ALL
  SELECT 'x', s.run_id, s.component, s.unit, s.value
  FROM scalars AS s
  WHERE :xstat = '' AND s.value IS NOT NULL
    AND :xmetric IN (s.metric, s.component || '.' || s.metric)
),
v AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN yv.comp
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         coalesce(po.value, '') AS ord,
         xv.unit AS xunit, yv.unit AS yunit,
         r.hash || ' ' || r.point || ' ' || xv.comp || ' ' || yv.comp
           AS src,
         xv.v AS xv, yv.v AS yv
  FROM selected_runs AS r
  JOIN val AS yv ON yv.run = r.id AND yv.axis = 'y'
  JOIN val AS xv ON xv.run = r.id AND xv.axis = 'x'
  LEFT JOIN params AS po ON po.run_id = r.id AND po.path = :order
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok'
),
d AS (
  SELECT v.*,
         avg(xv) OVER (PARTITION BY grp, ord, xunit, yunit) AS xa,
         avg(yv) OVER (PARTITION BY grp, ord, xunit, yunit) AS ya
  FROM v
),
g AS (
  SELECT grp, ord, xunit, yunit, count(*) AS n, avg(xv) AS x,
         avg(yv) AS y, sum((xv - xa) * (xv - xa)) AS xss,
         sum((yv - ya) * (yv - ya)) AS yss,
         count(DISTINCT src) AS npoints
  FROM d
  GROUP BY grp, ord, xunit, yunit
)
SELECT g.grp, g.ord, g.xunit, g.yunit, g.n, g.x, g.y,
       CASE WHEN g.n > 1 THEN
         coalesce(t.t975, 1.959964) * sqrt(g.yss / (g.n - 1.0) / g.n)
       END AS ci,
       CASE WHEN g.n > 1 THEN
         coalesce(t.t975, 1.959964) * sqrt(g.xss / (g.n - 1.0) / g.n)
       END AS xci,
       g.npoints
FROM g LEFT JOIN t_quantiles AS t ON t.df = g.n - 1
ORDER BY g.grp, g.ord;
