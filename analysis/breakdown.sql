-- breakdown.sql - mean time spent in each stage of the packet's path, for
-- `usnsim plot breakdown` (stacked bars).
--
-- Stages are the summaries with metric 'stage.NAME' (the sink records
-- stage.queueing and stage.transmission per app; other models add their
-- own). Each bar stacks the stages' means, averaged over the runs of the
-- group; when every packet passes every stage, the bar's height is the
-- mean latency.
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
--   series   the stage (NAME of stage.NAME), one segment of the bar
--   yunit    unit of y (ps)
--   n        runs averaged
--   y        the stage's mean, averaged over the runs
--   npoints  sweep points (and scenario versions, components) behind the
--            segment; usnsim plot refuses more than one
-- Rows come in path order of the stages, which is the order of the
-- segments from the bottom of the bar up.
SELECT CASE :group WHEN '' THEN ''
                   WHEN 'component' THEN s.component
                   WHEN 'scenario' THEN r.scenario
                   WHEN 'point' THEN r.point
                   ELSE pg.value END AS grp,
       substr(s.metric, 7) AS series,
       s.unit AS yunit,
       count(*) AS n,
       avg(s.mean) AS y,
       count(DISTINCT r.hash || ' ' || r.point || ' ' || s.component)
           AS npoints
FROM selected_runs AS r
JOIN summaries AS s ON s.run_id = r.id
LEFT JOIN params AS pg ON pg.run_id = r.id AND pg.path = :group
WHERE r.status = 'ok' AND s.count > 0
  AND substr(s.metric, 1, 6) = 'stage.'
  AND s.component GLOB :component
GROUP BY grp, series, yunit
ORDER BY grp,
         -- the stages in the order a packet passes them (models/sink.c),
         -- others after them by name
         coalesce(nullif(instr(' stack_tx channel_sync flowswitch_tx'
                               || ' qdisc_tx netif_tx'
                               || ' driver_tx doorbell nic_tx_dma'
                               || ' nic_tx_queue wire network nic_rx_dma'
                               || ' notify driver_rx flowswitch_rx wakeup'
                               || ' stack_rx queueing transmission ',
                               ' ' || series || ' '), 0), 100000),
         series;
