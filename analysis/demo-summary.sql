-- Mean queueing delay on the link per bundled queue scenario, next to the
-- closed form of queueing theory (utilization 0.8, service time 10 us):
--   M/D/1  Wq = rho / (2 mu (1 - rho)) = 20 us
--   M/M/1  Wq = rho / (mu - lambda)    = 40 us
-- Parameter :first is the first run id to include (runs of this demo only).
SELECT r.scenario AS scenario,
       count(*) AS runs,
       round(avg(s.mean) / 1e6, 3) AS wq_us,
       t.theory_us,
       round(100.0 * (avg(s.mean) / 1e6 / t.theory_us - 1), 2) AS error_pct,
       round(avg(s.p99) / 1e6, 1) AS p99_us,
       sum(r.events) AS events,
       round(sum(r.wall_s), 2) AS wall_s
FROM runs r
JOIN summaries s ON s.run_id = r.id
JOIN (SELECT 'md1' AS scenario, 20.0 AS theory_us
      UNION ALL SELECT 'mm1', 40.0) t ON t.scenario = r.scenario
WHERE r.id >= :first AND s.component = 'network' AND s.metric = 'queue_delay'
GROUP BY r.scenario
ORDER BY r.scenario;
