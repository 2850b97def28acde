-- memory.sql - memory reserved and in use over time, for
-- `usnsim plot memory`.
--
-- Pool models sample two time series per component, in bytes:
-- 'mem.reserved' (memory set aside for the pool) and 'mem.in_use' (the
-- part holding packets). At each sample time the values are averaged over
-- the runs of the group.
--
-- Parameters, bound by usnsim plot:
--   :group      one pair of lines per value of: a parameter path,
--               'component', 'scenario', 'point', or '' for one pair
--   :component  GLOB pattern of the components to include ('*': all)
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp       the pair of lines
--   x         sample time
--   xunit     unit of x (ps)
--   yunit     unit of in_use and reserved (B)
--   in_use    memory in use, averaged over the runs (NULL if not sampled)
--   reserved  memory reserved, averaged over the runs (NULL if not
--             sampled)
--   npoints   sweep points (and scenario versions, components) behind the
--             row; usnsim plot refuses more than one
WITH v AS (
  SELECT CASE :group WHEN '' THEN ''
                     WHEN 'component' THEN t.component
                     WHEN 'scenario' THEN r.scenario
                     WHEN 'point' THEN r.point
                     ELSE pg.value END AS grp,
         t.t_ps, t.unit, t.metric, t.value,
         r.hash || ' ' || r.point || ' ' || t.component AS src
  FROM selected_runs AS r
  JOIN timeseries AS t ON t.run_id = r.id
  LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
  WHERE r.status = 'ok' AND t.metric IN ('mem.in_use', 'mem.reserved')
    AND t.component GLOB :component
)
SELECT grp, t_ps AS x, 'ps' AS xunit, unit AS yunit,
       avg(CASE WHEN metric = 'mem.in_use' THEN value END) AS in_use,
       avg(CASE WHEN metric = 'mem.reserved' THEN value END) AS reserved,
       count(DISTINCT src) AS npoints
FROM v
GROUP BY grp, t_ps, unit
ORDER BY grp, t_ps;
