-- rate.sql - the rate of a cumulative time series over time, for
-- `usnsim plot rate` (e.g. apps.NAME.received_bytes: an app's goodput).
--
-- A counter's time series holds its value at each sample time; its rate
-- over a sample interval is the increase over the interval's length, per
-- second (bytes become bits: a series in B gives bit/s, one in packets
-- packets/s). At each sample time the rates of the components the metric
-- matches are added up within a run (all apps' received_bytes: their
-- total goodput), then averaged over the runs of the group. The first
-- sample of a run has no interval before it and is left out.
--
-- Parameters, bound by usnsim plot:
--   :metric  METRIC or COMPONENT.METRIC of table timeseries (e.g.
--            apps.a.received_bytes)
--   :group   one line per value of: a parameter path, 'component',
--            'scenario', 'point', or '' for one line
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp      the line
--   x        sample time (end of the interval)
--   xunit    unit of x (ps)
--   yunit    unit of the rate (bps for a series in B, pps for packets,
--            '' otherwise: per second)
--   rate     the rate over the interval, summed over the components of a
--            run, averaged over the runs
--   npoints  sweep points (and scenario versions) behind the
--            row; usnsim plot refuses more than one
WITH v AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN t.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         r.id AS run, t.t_ps, t.unit, t.value,
         lag(t.t_ps) OVER w AS t0, lag(t.value) OVER w AS v0,
         r.hash || ' ' || r.point AS src
  FROM selected_runs AS r
  JOIN timeseries AS t ON t.run_id = r.id
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok'
    AND :metric IN (t.metric, t.component || '.' || t.metric)
  WINDOW w AS (PARTITION BY r.id, t.component, t.metric ORDER BY t.t_ps)
),
s AS (
  SELECT grp, run, t_ps, unit, src,
         sum((value - v0) * (CASE unit WHEN 'B' THEN 8.0 ELSE 1.0 END)
             * 1e12 / (t_ps - t0)) AS rate
  FROM v
  WHERE t0 IS NOT NULL AND t_ps > t0
  GROUP BY grp, run, t_ps, unit, src
)
SELECT grp, t_ps AS x, 'ps' AS xunit,
       CASE unit WHEN 'B' THEN 'bps' WHEN 'packets' THEN 'pps'
                 ELSE '' END AS yunit,
       avg(rate) AS rate,
       count(DISTINCT src) AS npoints
FROM s
GROUP BY grp, t_ps, unit
ORDER BY grp, t_ps;
