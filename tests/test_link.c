/*
 * test_link.c - the native link alone, built without a scenario: three
 * 1250 B packets at time 0 into a 1 Gb/s link (10 us each on the wire)
 * with a 1 us propagation delay and room for one waiting packet. The
 * first arrives at 11 us, the second waits 10 us and arrives at 21 us,
 * the third finds the queue full and is dropped.
 */
#include <CUnit/CUnit.h>

#include "util.h"

#include "link.h"
#include "pkt.h"
#include "stats.h"

struct sink {
	struct sim *sim;
	struct pkt_pool *pool;
	sim_time at[3];
	int n;
};

static void delivered(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;

	k->at[k->n++] = sim_now(k->sim);
	pkt_free(k->pool, p);
}

static void dropped(void *owner, struct sim_pkt *p)
{
	struct sink *k = owner;

	k->at[k->n++] = -1;
	pkt_free(k->pool, p);
}

static void test_three_packets(void)
{
	struct link_cfg cfg = { .rate_bps = 1e9,
				.delay_ps = SIM_US,
				.limit_pkts = 1 };
	struct sink k = { .sim = sim_create("native") };
	struct stats *st = stats_create(k.sim, 0, 0);
	struct model_env env = { .sim = k.sim, .st = st, .component = "net" };
	struct stat_info qd;
	struct link *l;
	char err[128];

	k.pool = pkt_pool_create();
	CHECK_EQ_FATAL(link_create(&cfg, &env, &l, err, sizeof(err)), 0);
	link_connect(l, (struct sim_port){ delivered, &k },
		     (struct sim_port){ dropped, &k });
	for (int i = 0; i < 3; i++) {
		struct sim_pkt *p = pkt_alloc(k.pool);
		struct sim_port in = link_input(l);

		p->len_bytes = 1250;
		sim_port_send(&in, p);
	}
	CHECK_EQ(link_in_flight(l), 2);
	sim_run(k.sim, SIM_MS);
	CHECK_EQ(k.n, 3);
	CHECK_EQ(k.at[0], -1); /* the third, dropped at once */
	CHECK_EQ(k.at[1], 11 * SIM_US);
	CHECK_EQ(k.at[2], 21 * SIM_US);
	CHECK_EQ_FATAL(stats_find(st, "net", "queue_delay", &qd), 0);
	CHECK_EQ(qd.u.hist->hist.count, 2); /* the two that went */
	CHECK_EQ(qd.u.hist->hist.max, 10 * SIM_US);
	link_ops.destroy(l);
	pkt_pool_destroy(k.pool);
	stats_destroy(st);
	sim_destroy(k.sim);
}

int suite_link(void)
{
	CU_pSuite s = CU_add_suite("link", NULL, NULL);

	if (!s || !CU_add_test(s, "three packets", test_three_packets))
		return CU_get_error();
	return 0;
}
