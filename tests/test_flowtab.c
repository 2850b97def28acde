/*
 * test_flowtab.c - the flow table and port namespace against a reference.
 *
 * The differential test drives the table and a naive reference (plain
 * arrays searched linearly: the flow found by a key is the last one
 * registered with it) with the same random script of reserves,
 * registrations, teardowns, lookups and TX checks over a small key space,
 * so that duplicates, collisions and re-registrations are frequent; every
 * return value must agree. The other tests pin down the port namespace,
 * the anti-spoofing verdicts, the distinctness of keys differing in one
 * field and growth to 100000 flows. Randomness comes from a local
 * splitmix64 generator with a fixed seed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "flowtab.h"
#include "util.h"

static uint64_t test_state;

static uint64_t next_u64(void)
{
	uint64_t z = (test_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t next_below(uint32_t n)
{
	return (uint32_t)(next_u64() % n);
}

static struct flow_key mkkey(uint32_t laddr, uint16_t lport, uint32_t raddr,
			     uint16_t rport, uint8_t proto)
{
	struct flow_key k;

	/* Garbage in the padding: the table must not look at it. */
	memset(&k, 0xa5 ^ (int)next_below(256), sizeof(k));
	k.laddr = laddr;
	k.lport = lport;
	k.raddr = raddr;
	k.rport = rport;
	k.proto = proto;
	return k;
}

static bool same_key(const struct flow_key *x, const struct flow_key *y)
{
	return x->laddr == y->laddr && x->raddr == y->raddr &&
	       x->lport == y->lport && x->rport == y->rport &&
	       x->proto == y->proto;
}

/* --- the naive reference --- */

#define REF_MAX 20000

struct ref_port {
	uint8_t proto;
	uint16_t port;
	uint32_t owner;
};

struct ref {
	struct flow flows[REF_MAX];
	uint32_t nflows;
	struct ref_port ports[256];
	uint32_t nports;
};

static int ref_reserve(struct ref *r, uint8_t proto, uint16_t port,
		       uint32_t owner)
{
	for (uint32_t i = 0; i < r->nports; i++)
		if (r->ports[i].proto == proto && r->ports[i].port == port)
			return r->ports[i].owner == owner ? 0 : -EADDRINUSE;
	r->ports[r->nports++] = (struct ref_port){ proto, port, owner };
	return 0;
}

static struct flow *ref_lookup(struct ref *r, const struct flow_key *k)
{
	for (uint32_t i = r->nflows; i-- > 0;)
		if (same_key(&r->flows[i].key, k))
			return &r->flows[i];
	return NULL;
}

static int ref_register(struct ref *r, const struct flow_key *k, uint32_t owner,
			uint64_t token, void *endpoint)
{
	struct flow *f = ref_lookup(r, k);
	bool held = false;

	for (uint32_t i = 0; i < r->nports; i++)
		if (r->ports[i].proto == k->proto &&
		    r->ports[i].port == k->lport && r->ports[i].owner == owner)
			held = true;
	if (!held)
		return -EPERM;
	if (f && f->state == FLOW_ST_ACTIVE)
		return -EEXIST;
	f = &r->flows[r->nflows];
	f->key = *k;
	f->id = r->nflows++;
	f->owner = owner;
	f->token = token;
	f->state = FLOW_ST_ACTIVE;
	f->endpoint = endpoint;
	return (int)f->id;
}

static int ref_teardown(struct ref *r, uint32_t id)
{
	if (id >= r->nflows)
		return -ENOENT;
	if (r->flows[id].state == FLOW_ST_TORN_DOWN)
		return -EALREADY;
	r->flows[id].state = FLOW_ST_TORN_DOWN;
	return 0;
}

static enum flow_verdict ref_check_tx(struct ref *r, const struct flow_key *k,
				      uint64_t token, const struct flow **out)
{
	const struct flow *f = ref_lookup(r, k);

	*out = f;
	if (!f)
		return FLOW_NO_FLOW;
	if (f->state == FLOW_ST_TORN_DOWN)
		return FLOW_TORN_DOWN;
	return f->token == token ? FLOW_OK : FLOW_BAD_TOKEN;
}

/* --- differential test --- */

static char endpoints[8];

/* a (table) and b (reference) are the same flow, or both NULL. */
static void check_same_flow(const struct flow *a, const struct flow *b,
			    int step, const char *what)
{
	CHECKF(!a == !b, "step %d %s: found %d, reference %d", step, what, !!a,
	       !!b);
	if (!a || !b)
		return;
	CHECKF(a->id == b->id && same_key(&a->key, &b->key) &&
		       a->owner == b->owner && a->token == b->token &&
		       a->state == b->state && a->endpoint == b->endpoint,
	       "step %d %s: flow %u (owner %u token %llu state %d) vs "
	       "reference %u (owner %u token %llu state %d)",
	       step, what, a->id, a->owner, (unsigned long long)a->token,
	       a->state, b->id, b->owner, (unsigned long long)b->token,
	       b->state);
}

static struct flow_key random_key(void)
{
	/* 3 * 4 * 3 * 3 * 2 = 216 keys. */
	return mkkey(1 + next_below(3), (uint16_t)(1 + next_below(4)),
		     0x0a000001u + next_below(3),
		     (uint16_t)(1000 + next_below(3)),
		     next_below(2) ? FLOW_PROTO_TCP : FLOW_PROTO_UDP);
}

/* A hint for key k: the flow the reference found (fb), or any flow; adds
 * 1 to *hinted if it is k's active flow, which the hint path answers
 * alone. */
static const struct flow *pick_hint(const struct flowtab *t,
				    const struct ref *r, const struct flow *fb,
				    const struct flow_key *k, unsigned *hinted)
{
	const struct flow *h =
		fb && next_below(2)
			? flowtab_flow(t, fb->id)
			: flowtab_flow(t, next_below(r->nflows + 1));

	*hinted += h && h->state == FLOW_ST_ACTIVE && same_key(&h->key, k);
	return h;
}

#define STEPS 20000

static void test_differential(void)
{
	struct ref *r = calloc(1, sizeof(*r));
	struct flowtab *t = flowtab_create();
	/* How often each outcome happened, so the script is known to
	 * exercise every path. */
	unsigned n_eperm = 0, n_eexist = 0, n_reg = 0, n_replace = 0;
	unsigned n_inuse = 0, n_enoent = 0, n_ealready = 0, n_down = 0;
	unsigned n_verdict[4] = { 0 }, n_hinted = 0;

	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FATAL(t != NULL);
	test_state = 20240601;
	for (int step = 0; step < STEPS; step++) {
		uint32_t op = next_below(100);
		struct flow_key k = random_key();
		uint32_t owner = next_below(3);
		uint64_t token = 1 + next_below(3);
		const struct flow *fa, *fb;
		int a, b;

		if (op < 5) {
			uint8_t proto =
				next_below(2) ? FLOW_PROTO_TCP : FLOW_PROTO_UDP;
			uint16_t port = (uint16_t)(1 + next_below(5));

			a = flowtab_reserve(t, proto, port, owner);
			b = ref_reserve(r, proto, port, owner);
			CHECKF(a == b, "step %d reserve(%u, %u, %u): %d vs %d",
			       step, proto, port, owner, a, b);
			n_inuse += b == -EADDRINUSE;
		} else if (op < 40) {
			void *ep = &endpoints[next_below(8)];
			bool replace = ref_lookup(r, &k) != NULL;

			a = flowtab_register(t, &k, owner, token, ep);
			b = ref_register(r, &k, owner, token, ep);
			CHECKF(a == b, "step %d register: %d vs %d", step, a,
			       b);
			n_eperm += b == -EPERM;
			n_eexist += b == -EEXIST;
			n_reg += b >= 0;
			n_replace += b >= 0 && replace;
			if (a >= 0 && a == b)
				check_same_flow(flowtab_flow(t, (uint32_t)a),
						&r->flows[b], step, "new flow");
		} else if (op < 55) {
			uint32_t id = next_below(r->nflows + 3);

			a = flowtab_teardown(t, id);
			b = ref_teardown(r, id);
			CHECKF(a == b, "step %d teardown(%u): %d vs %d", step,
			       id, a, b);
			n_enoent += b == -ENOENT;
			n_ealready += b == -EALREADY;
			n_down += b == 0;
		} else if (op < 75) {
			fb = ref_lookup(r, &k);
			check_same_flow(flowtab_lookup(t, &k), fb, step,
					"lookup");
			fa = pick_hint(t, r, fb, &k, &n_hinted);
			check_same_flow(flowtab_lookup_hint(t, fa, &k,
							    flowtab_hash(&k)),
					fb, step, "lookup_hint");
		} else {
			enum flow_verdict va, vb;

			fa = fb = (const struct flow *)&endpoints[0];
			va = flowtab_check_tx(t, &k, token, &fa);
			vb = ref_check_tx(r, &k, token, &fb);
			CHECKF(va == vb, "step %d check_tx: %d vs %d", step, va,
			       vb);
			check_same_flow(fa, fb, step, "check_tx");
			n_verdict[vb]++;
			/* the hint path answers alone when it is the flow */
			fa = pick_hint(t, r, fb, &k, &n_hinted);
			va = flowtab_check_tx_hint(t, fa, &k, token, &fa);
			CHECKF(va == vb, "step %d check_tx_hint: %d vs %d",
			       step, va, vb);
			check_same_flow(fa, fb, step, "check_tx_hint");
		}
		if (step % 1000 == 999) {
			CHECKF(flowtab_count(t) == r->nflows,
			       "step %d count %u vs %u", step, flowtab_count(t),
			       r->nflows);
			for (uint32_t id = 0; id < r->nflows + 2; id++)
				check_same_flow(flowtab_flow(t, id),
						id < r->nflows ? &r->flows[id]
							       : NULL,
						step, "by id");
		}
	}
	CHECK_EQ(flowtab_count(t), r->nflows);
	CHECKF(n_eperm > 100 && n_eexist > 100 && n_reg > 100 &&
		       n_replace > 100,
	       "register: %u EPERM, %u EEXIST, %u new, %u replacing", n_eperm,
	       n_eexist, n_reg, n_replace);
	CHECKF(n_inuse > 10 && n_enoent > 10 && n_ealready > 10 && n_down > 100,
	       "%u EADDRINUSE, %u ENOENT, %u EALREADY, %u torn down", n_inuse,
	       n_enoent, n_ealready, n_down);
	for (int v = 0; v < 4; v++)
		CHECKF(n_verdict[v] > 100, "verdict %d seen %u times", v,
		       n_verdict[v]);
	CHECKF(n_hinted > 200, "the hint answered %u look-ups and checks",
	       n_hinted);
	flowtab_destroy(t);
	free(r);
}

/* --- port namespace --- */

static void test_port_namespace(void)
{
	struct flowtab *t = flowtab_create();
	struct flow_key k = mkkey(1, 80, 2, 5000, FLOW_PROTO_TCP);
	struct flow_key ku = mkkey(1, 80, 2, 5000, FLOW_PROTO_UDP);

	CU_ASSERT_FATAL(t != NULL);
	/* Nobody reserved anything. */
	CHECK_EQ(flowtab_register(t, &k, 1, 7, NULL), -EPERM);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 80, 1), 0);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 80, 1), 0);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 80, 2), -EADDRINUSE);
	/* Owner 2 does not hold the port: its register is refused. */
	CHECK_EQ(flowtab_register(t, &k, 2, 7, NULL), -EPERM);
	/* Same port, other protocol: a separate namespace entry. */
	CHECK_EQ(flowtab_register(t, &ku, 1, 7, NULL), -EPERM);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_UDP, 80, 2), 0);
	CHECK_EQ(flowtab_register(t, &ku, 1, 7, NULL), -EPERM);
	CHECK_EQ(flowtab_register(t, &ku, 2, 7, NULL), 0);
	CHECK_EQ(flowtab_register(t, &k, 1, 7, NULL), 1);
	CHECK_EQ(flowtab_register(t, &k, 1, 8, NULL), -EEXIST);
	CHECK_EQ(flowtab_count(t), 2);
	/* Many reservations: the namespace grows. */
	for (uint32_t p = 1000; p < 3000; p++)
		CHECKF(flowtab_reserve(t, FLOW_PROTO_TCP, (uint16_t)p, p) == 0,
		       "reserve %u", p);
	for (uint32_t p = 1000; p < 3000; p++) {
		CHECKF(flowtab_reserve(t, FLOW_PROTO_TCP, (uint16_t)p, p) == 0,
		       "re-reserve %u", p);
		CHECKF(flowtab_reserve(t, FLOW_PROTO_TCP, (uint16_t)p, p + 1) ==
			       -EADDRINUSE,
		       "steal %u", p);
	}
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 80, 2), -EADDRINUSE);
	flowtab_destroy(t);
	flowtab_destroy(NULL);
}

/* --- anti-spoofing --- */

static void test_anti_spoofing(void)
{
	struct flowtab *t = flowtab_create();
	struct flow_key a =
		mkkey(0x0a000001, 4000, 0x0a000002, 80, FLOW_PROTO_TCP);
	struct flow_key b =
		mkkey(0x0a000001, 4001, 0x0a000003, 53, FLOW_PROTO_UDP);
	struct flow_key x;
	const struct flow *f;
	int ea, eb;

	CU_ASSERT_FATAL(t != NULL);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 4000, 1), 0);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_UDP, 4001, 2), 0);
	CHECK_EQ(flowtab_register(t, &a, 1, 0x1111, &ea), 0);
	CHECK_EQ(flowtab_register(t, &b, 2, 0x2222, &eb), 1);

	/* Forged local address. */
	x = a;
	x.laddr = 0x0a000009;
	f = flowtab_flow(t, 0);
	CHECK_EQ(flowtab_check_tx(t, &x, 0x1111, &f), FLOW_NO_FLOW);
	CU_ASSERT_PTR_NULL(f);
	/* Forged local port: b's port, a's token (and b's token). */
	x = a;
	x.lport = 4001;
	f = flowtab_flow(t, 0);
	CHECK_EQ(flowtab_check_tx(t, &x, 0x1111, &f), FLOW_NO_FLOW);
	CU_ASSERT_PTR_NULL(f);
	CHECK_EQ(flowtab_check_tx(t, &x, 0x2222, &f), FLOW_NO_FLOW);
	/* Forged protocol. */
	x = a;
	x.proto = FLOW_PROTO_UDP;
	CHECK_EQ(flowtab_check_tx(t, &x, 0x1111, &f), FLOW_NO_FLOW);
	CU_ASSERT_PTR_NULL(f);
	/* The right 5-tuple with another flow's token. */
	CHECK_EQ(flowtab_check_tx(t, &a, 0x2222, &f), FLOW_BAD_TOKEN);
	CU_ASSERT_PTR_EQUAL(f, flowtab_flow(t, 0));
	/* The right 5-tuple and token. */
	CHECK_EQ(flowtab_check_tx(t, &b, 0x2222, &f), FLOW_OK);
	CU_ASSERT_FATAL(f != NULL);
	CHECK_EQ(f->id, 1);
	CHECK_EQ(f->owner, 2);
	CU_ASSERT_PTR_EQUAL(f->endpoint, &eb);
	CHECK_EQ(flowtab_check_tx(t, &a, 0x1111, &f), FLOW_OK);
	CU_ASSERT_FATAL(f != NULL);
	CHECK_EQ(f->id, 0);
	CU_ASSERT_PTR_EQUAL(f->endpoint, &ea);

	/* Torn down: told apart from unknown, whatever the token. */
	CHECK_EQ(flowtab_teardown(t, 0), 0);
	CHECK_EQ(flowtab_teardown(t, 0), -EALREADY);
	CHECK_EQ(flowtab_teardown(t, 2), -ENOENT);
	CHECK_EQ(flowtab_check_tx(t, &a, 0x1111, &f), FLOW_TORN_DOWN);
	CU_ASSERT_PTR_EQUAL(f, flowtab_flow(t, 0));
	CHECK_EQ(flowtab_check_tx(t, &a, 0x9999, &f), FLOW_TORN_DOWN);
	CHECK_EQ(flowtab_check_tx(t, &b, 0x2222, &f), FLOW_OK);

	/* Re-registering the key: a new id, the old flow is not found by key
	 * any more but keeps its id and state. */
	CHECK_EQ(flowtab_register(t, &a, 1, 0x3333, &eb), 2);
	CHECK_EQ(flowtab_check_tx(t, &a, 0x1111, &f), FLOW_BAD_TOKEN);
	CHECK_EQ(flowtab_check_tx(t, &a, 0x3333, &f), FLOW_OK);
	CU_ASSERT_FATAL(f != NULL);
	CHECK_EQ(f->id, 2);
	CU_ASSERT_PTR_EQUAL(f->endpoint, &eb);
	CU_ASSERT_PTR_EQUAL(flowtab_lookup(t, &a), flowtab_flow(t, 2));
	CHECK_EQ(flowtab_flow(t, 0)->state, FLOW_ST_TORN_DOWN);
	CHECK_EQ(flowtab_flow(t, 0)->token, 0x1111);
	CU_ASSERT_PTR_NULL(flowtab_flow(t, 3));
	CHECK_EQ(flowtab_count(t), 3);
	flowtab_destroy(t);
}

/* --- keys differing in one field --- */

static void test_single_field(void)
{
	struct flowtab *t = flowtab_create();
	struct flow_key base =
		mkkey(0x01020304, 7000, 0x05060708, 9000, FLOW_PROTO_TCP);
	struct flow_key k[6];

	CU_ASSERT_FATAL(t != NULL);
	for (int i = 0; i < 6; i++)
		k[i] = base;
	k[1].laddr ^= 1;
	k[2].lport ^= 1;
	k[3].raddr ^= 0x80000000u;
	k[4].rport ^= 0x8000;
	k[5].proto = FLOW_PROTO_UDP;
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 7000, 0), 0);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_TCP, 7001, 0), 0);
	CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_UDP, 7000, 0), 0);
	for (int i = 0; i < 6; i++)
		CHECKF(flowtab_register(t, &k[i], 0, 100 + (uint64_t)i, NULL) ==
			       i,
		       "register key %d", i);
	for (int i = 0; i < 6; i++) {
		const struct flow *f = flowtab_lookup(t, &k[i]);

		CHECKF(f && f->id == (uint32_t)i &&
			       f->token == 100 + (uint64_t)i &&
			       same_key(&f->key, &k[i]),
		       "lookup key %d: id %d", i, f ? (int)f->id : -1);
		CHECKF(flowtab_register(t, &k[i], 0, 1, NULL) == -EEXIST,
		       "re-register key %d", i);
	}
	/* Tearing one down leaves the others alone. */
	CHECK_EQ(flowtab_teardown(t, 3), 0);
	for (int i = 0; i < 6; i++) {
		const struct flow *f;
		enum flow_verdict v =
			flowtab_check_tx(t, &k[i], 100 + (uint64_t)i, &f);

		CHECKF(v == (i == 3 ? FLOW_TORN_DOWN : FLOW_OK) && f &&
			       f->id == (uint32_t)i,
		       "check key %d: verdict %d", i, v);
	}
	CHECK_EQ(flowtab_count(t), 6);
	flowtab_destroy(t);
}

/* --- growth --- */

#define NGROW 100000

static struct flow_key grow_key(uint32_t i)
{
	/* Structured keys (consecutive addresses and ports) that a weak hash
	 * would cluster. */
	return mkkey(0x0a000000u + (i & 7), (uint16_t)(5000 + (i & 3)),
		     0xc0a80000u + (i >> 5), (uint16_t)(i >> 3 & 3),
		     FLOW_PROTO_UDP);
}

static void test_growth(void)
{
	struct flowtab *t = flowtab_create();
	unsigned bad = 0;

	CU_ASSERT_FATAL(t != NULL);
	for (uint16_t p = 5000; p < 5004; p++)
		CHECK_EQ(flowtab_reserve(t, FLOW_PROTO_UDP, p, 9), 0);
	for (uint32_t i = 0; i < NGROW; i++) {
		struct flow_key k = grow_key(i);

		bad += flowtab_register(t, &k, 9, (uint64_t)i * 31 + 1, NULL) !=
		       (int)i;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(flowtab_count(t), NGROW);
	for (uint32_t i = 0; i < NGROW; i++) {
		struct flow_key k = grow_key(i);
		const struct flow *f = flowtab_lookup(t, &k);

		bad += !f || f->id != i || !same_key(&f->key, &k) ||
		       f->token != (uint64_t)i * 31 + 1 ||
		       flowtab_flow(t, i) != f;
	}
	CHECK_EQ(bad, 0);
	/* Keys never registered are not found. */
	for (uint32_t i = NGROW; i < NGROW + 10000; i++) {
		struct flow_key k = grow_key(i);

		bad += flowtab_lookup(t, &k) != NULL;
	}
	CHECK_EQ(bad, 0);
	CU_ASSERT_PTR_NULL(flowtab_flow(t, NGROW));
	flowtab_destroy(t);
}

int suite_flowtab(void)
{
	CU_pSuite s = CU_add_suite("flowtab", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "differential vs naive", test_differential) ||
	    !CU_add_test(s, "port namespace", test_port_namespace) ||
	    !CU_add_test(s, "anti-spoofing", test_anti_spoofing) ||
	    !CU_add_test(s, "single-field keys", test_single_field) ||
	    !CU_add_test(s, "growth to 100000", test_growth))
		return CU_get_error();
	return 0;
}
