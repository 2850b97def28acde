-- Mean queueing delay of the md1_load study against utilization, with the
-- 95% confidence interval over repetitions and the M/D/1 closed form
-- Wq = rho S / (2 (1 - rho)), S = 10 us (1250 B at 1 Gb/s).
-- A packet rate of k * 10 kpps is utilization k / 10.
WITH p AS (
  SELECT CAST(json_extract(point, '$."apps.src.rate"') AS REAL) / 100 AS rho,
         mean, mean_ci, p99, n
  FROM summary_ci
  WHERE scenario = 'md1_load' AND component = 'network'
    AND metric = 'queue_delay'
)
SELECT rho,
       n AS runs,
       round(mean / 1e6, 3) AS wq_us,
       round(mean_ci / 1e6, 3) AS ci95_us,
       round(rho * 10 / (2 * (1 - rho)), 3) AS theory_us,
       CASE WHEN abs(mean / 1e6 - rho * 10 / (2 * (1 - rho))) <= mean_ci / 1e6
            THEN 'yes' ELSE 'no' END AS in_ci,
       round(p99 / 1e6, 1) AS p99_us
FROM p
ORDER BY rho;
