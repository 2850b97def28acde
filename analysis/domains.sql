-- domains.sql - a host's memory by domain over time, for
-- `usnsim plot domains`.
--
-- A host whose memory is modelled samples, under hosts.NAME.memory, one
-- time series per domain, in bytes: 'mem.device' (device-mapped: the
-- device pool's buffers), 'mem.kernel' (kernel-only: pool metadata),
-- 'mem.user' (mapped into a process: channel pools' buffers and user
-- metadata) and 'mem.sockbuf' (the in-kernel stack's socket buffers);
-- they sum to 'mem.reserved'. At each sample time the values are
-- averaged over the runs of the group.
--
-- Parameters, bound by usnsim plot:
--   :group      one set of lines per value of: a parameter path,
--               'component', 'scenario', 'point', or '' for one set
--   :component  GLOB pattern of the components to include ('*': all)
-- Runs are read through the temporary view selected_runs (the runs that
-- pass --where); in the sqlite3 shell, create it first:
--   CREATE TEMP VIEW selected_runs AS SELECT * FROM runs AS r;
--
-- Columns (usnsim plot knows them by name):
--   grp       the set of lines
--   x         sample time
--   xunit     unit of x (ps)
--   yunit     unit of the domains (B)
--   device, kernel, user, sockbuf   the domains, averaged over the runs
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
  WHERE r.status = 'ok'
    AND t.metric IN ('mem.device', 'mem.kernel', 'mem.user', 'mem.sockbuf')
    AND t.component GLOB :component
)
SELECT grp, t_ps AS x, 'ps' AS xunit, unit AS yunit,
       avg(CASE WHEN metric = 'mem.device' THEN value END) AS device,
       avg(CASE WHEN metric = 'mem.kernel' THEN value END) AS kernel,
       avg(CASE WHEN metric = 'mem.user' THEN value END) AS user,
       avg(CASE WHEN metric = 'mem.sockbuf' THEN value END) AS sockbuf,
       count(DISTINCT src) AS npoints
FROM v
GROUP BY grp, t_ps, unit
ORDER BY grp, t_ps;
