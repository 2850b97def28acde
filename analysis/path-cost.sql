-- The CPU time per packet sent on the client's path up to its driver: the
-- client host's CPU time less its driver's and doorbells' accounts, over
-- the packets the app sent; one row per study and packet size
-- (scenarios/studies/path_kernel.yaml and path_netmap.yaml).
SELECT r.scenario AS study,
       json_extract(r.point, '$."apps.flow.size"') AS size,
       round(avg((t.value - d.value - b.value) / c.value) / 1000, 2)
           AS ns_per_packet
FROM runs r
JOIN scalars t ON t.run_id = r.id AND t.component = 'hosts.client.cpu'
     AND t.metric = 'time'
JOIN scalars d ON d.run_id = r.id AND d.component = 'hosts.client.cpu'
     AND d.metric = 'time.driver'
JOIN scalars b ON b.run_id = r.id AND b.component = 'hosts.client.cpu'
     AND b.metric = 'time.doorbell'
JOIN scalars c ON c.run_id = r.id AND c.component = 'apps.flow'
     AND c.metric = 'sent'
WHERE r.scenario IN ('path_kernel', 'path_netmap')
GROUP BY r.scenario, size
ORDER BY size, study;
