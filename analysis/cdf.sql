-- cdf.sql - the cumulative distribution of a histogram metric, for
-- `usnsim plot cdf`.
--
-- The histogram buckets of the metric (table histograms: [lower, upper)
-- and a count) are added up over the runs of each group, and each bucket's
-- upper bound is paired with the fraction of the group's samples below it.
--
-- Parameters, bound by usnsim plot:
--   :metric  METRIC or COMPONENT.METRIC (e.g. latency, apps.src.latency)
--   :group   one line per value of: a parameter path, 'component',
--            'scenario', 'point', or '' for a single line
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp      the line
--   xunit    unit of x (ps)
--   x        upper bound of a bucket (and, with y = 0, the lower bound
--            of the first bucket)
--   y        fraction of the group's samples below x
--   npoints  sweep points (and scenario versions, components) merged into
--            the line; usnsim plot refuses more than one
WITH b AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN h.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         h.unit, h.lower, h.upper, h.count,
         r.hash || ' ' || r.point || ' ' || h.component AS src
  FROM selected_runs AS r
  JOIN histograms AS h ON h.run_id = r.id
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok'
    AND :metric IN (h.metric, h.component || '.' || h.metric)
),
m AS (
  SELECT grp, unit, lower, upper, sum(count) AS count
  FROM b
  GROUP BY grp, unit, lower, upper
),
k AS (
  SELECT grp, count(DISTINCT src) AS npoints FROM b GROUP BY grp
)
SELECT m.grp, m.unit AS xunit, m.upper AS x,
       1.0 * sum(m.count) OVER (PARTITION BY m.grp ORDER BY m.lower
                                ROWS UNBOUNDED PRECEDING)
           / sum(m.count) OVER (PARTITION BY m.grp) AS y,
       k.npoints
FROM m JOIN k ON k.grp = m.grp
UNION ALL
-- each line starts at 0 at the lower bound of its first bucket
SELECT m.grp, m.unit, min(m.lower), 0.0, k.npoints
FROM m JOIN k ON k.grp = m.grp
GROUP BY m.grp, m.unit
ORDER BY 1, 3, 4;
