-- The CPU time per packet sent on the client's path up to its driver: the
-- client host's CPU time less its driver's and doorbells' accounts, over
-- the packets the app sent, and the packet rate one core at that cost
-- sustains; one row per study, packet size and stack.batch
-- (scenarios/studies/path_kernel.yaml and path_netmap.yaml).
SELECT r.scenario AS study,
       json_extract(r.point, '$."apps.flow.size"') AS size,
       json_extract(r.point, '$."hosts.client.stack.batch"') AS batch,
       round(avg((t.value - d.value - b.value) / c.value) / 1000, 2)
           AS ns_per_packet,
       round(1e6 / avg((t.value - d.value - b.value) / c.value), 2)
           AS mpps_per_core
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
GROUP BY r.scenario, size, batch
ORDER BY size, study, CAST(batch AS INTEGER);
