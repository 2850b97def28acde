-- paired.sql - the difference of a statistic from a baseline, over common
-- repetitions, against a parameter, for `usnsim plot paired`.
--
-- Runs at two sweep points that differ only in the parameter :paired
-- share their random numbers repetition by repetition (common random
-- numbers): the view paired pairs them and gives, per metric, the mean of
-- the per-repetition differences b - a and the 95% half-width of that
-- mean (Student t over the common repetitions). Here a is :baseline, one
-- line per other value b (and --group value), against the parameter :x.
--
-- Parameters, bound by usnsim plot:
--   :metric    METRIC or COMPONENT.METRIC (e.g. latency, apps.a.latency)
--   :stat      mean, p50, p90, p99 or p999
--   :x         the parameter on the x axis
--   :group     '' or a parameter path: one line per value of b and of it
--   :paired    the parameter compared (one of a zipped set will do)
--   :baseline  its value a
-- Runs are read through the temporary view selected_runs; a pair counts
-- if runs of both its points are selected.
--
-- Columns (usnsim plot knows them by name):
--   grp      the line: the value b (and the group's value)
--   xval     the value of :x at the pair's points
--   yunit    unit of y and ci
--   n        repetitions in common
--   y        mean difference b - a
--   ci       its 95% half-width (NULL when n < 2)
--   npoints  pairs behind the row; usnsim plot refuses more than one
WITH p AS (
  SELECT v.*,
         (SELECT pr.value FROM params AS pr JOIN runs AS r ON r.id = pr.run_id
          WHERE r.hash = v.hash AND r.point = v.point_a AND pr.path = :x
          LIMIT 1) AS xval,
         (SELECT pr.value FROM params AS pr JOIN runs AS r ON r.id = pr.run_id
          WHERE r.hash = v.hash AND r.point = v.point_a AND pr.path = :group
          LIMIT 1) AS gval
  FROM paired AS v
  WHERE v.a = :baseline
    AND ',' || v.param || ',' LIKE '%,' || :paired || ',%'
    AND :metric IN (v.metric, v.component || '.' || v.metric)
    AND EXISTS (SELECT 1 FROM selected_runs AS r
                WHERE r.hash = v.hash AND r.point = v.point_a)
    AND EXISTS (SELECT 1 FROM selected_runs AS r
                WHERE r.hash = v.hash AND r.point = v.point_b)
)
SELECT CASE WHEN :group = '' THEN b ELSE b || ', ' || gval END AS grp,
       xval,
       unit AS yunit,
       min(n) AS n,
       avg(CASE :stat WHEN 'mean' THEN mean WHEN 'p50' THEN p50
                      WHEN 'p90' THEN p90 WHEN 'p99' THEN p99
                      WHEN 'p999' THEN p999 END) AS y,
       avg(CASE :stat WHEN 'mean' THEN mean_ci WHEN 'p50' THEN p50_ci
                      WHEN 'p90' THEN p90_ci WHEN 'p99' THEN p99_ci
                      WHEN 'p999' THEN p999_ci END) AS ci,
       count(*) AS npoints
FROM p
WHERE xval IS NOT NULL
GROUP BY grp, xval, unit
ORDER BY grp, xval;
