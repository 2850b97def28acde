/*
 * test_scenario.c - loading scenarios: like: chains, defaults, overrides.
 *
 * The fixtures under tests/fixtures/scn-*.yaml are small scenarios whose
 * every value and position is known; the tests compare effective values,
 * their canonical text and where they came from against those, check the
 * effective set is exactly the expansion of the registry over the
 * instances, and check --set errors point at the right column. The hash
 * is compared with FNV-1a computed here from the file's bytes.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "util.h"

#include "expect.h"
#include "registry.h"
#include "scenario.h"

#define LIKE "tests/fixtures/scn-like.yaml"
#define NONAME "tests/fixtures/scn-noname.yaml"
#define STAR "tests/fixtures/scn-star.yaml"

static struct scn *load(const char *path, const char *const *sets, size_t nsets)
{
	struct scn *s = NULL;
	char err[1024];
	int rc = scn_load(path, sets, nsets, &s, err, sizeof(err));

	CHECKF(rc == 0, "loading %s: %s", path, err);
	return rc ? NULL : s;
}

static const char *text_of(const struct scn *s, const char *path)
{
	for (size_t i = 0; i < scn_param_count(s); i++) {
		const char *p, *t;

		scn_param_at(s, i, &p, &t);
		if (!strcmp(p, path))
			return t;
	}
	return NULL;
}

static void check_where(const struct scn *s, const char *path, const char *want)
{
	char buf[256];

	scn_where(s, path, buf, sizeof(buf));
	CHECKF(!strcmp(buf, want), "where %s: '%s', want '%s'", path, buf,
	       want);
}

static void check_text(const struct scn *s, const char *path, const char *want)
{
	const char *t = text_of(s, path);

	CHECKF(t && !strcmp(t, want), "%s: '%s', want '%s'", path,
	       t ? t : "(none)", want);
}

static void check_table(const struct scn *s, const char *path, size_t n,
			const double *values, const double *weights)
{
	const struct param_val *v = scn_get(s, path);

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CHECK_EQ_FATAL(v->type, PT_SIZE_TABLE);
	CHECKF(v->u.table->n == n, "%s: %zu rows, want %zu", path,
	       v->u.table->n, n);
	for (size_t i = 0; i < n && i < v->u.table->n; i++) {
		CHECK_EQ(v->u.table->value[i], values[i]);
		CHECK_EQ(v->u.table->weight[i], weights[i]);
	}
}

/* The number of effective parameters the registry implies, checking each
 * one is present. */
static size_t expected_params(const struct scn *s)
{
	const char *const *inst;
	size_t ninst, n = 0;
	char path[256], group[64];

	for (size_t i = 0; i < param_count(); i++) {
		const char *d = param_at(i)->path, *star = strstr(d, ".*.");

		if (!star) {
			CHECKF(scn_get(s, d) != NULL, "missing %s", d);
			n++;
			continue;
		}
		/* GROUP.*.REST: one per instance of the group */
		snprintf(group, sizeof(group), "%.*s", (int)(star - d), d);
		ninst = scn_instances(s, group, &inst);
		for (size_t k = 0; k < ninst; k++) {
			snprintf(path, sizeof(path), "%s.%s.%s", group, inst[k],
				 star + 3);
			CHECKF(scn_get(s, path) != NULL, "missing %s", path);
			n++;
		}
	}
	return n;
}

static void test_like(void)
{
	static const double tv[] = { 64, 1500 }, tw[] = { 7, 1 };
	static const char *const names[] = { "base", "mid", "top", "solo",
					     "empty" };
	const char *const *apps;
	struct scn *s = load(LIKE, NULL, 0);
	const struct param_val *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(scn_name(s), "like-chain");
	CU_ASSERT_STRING_EQUAL(scn_path(s), LIKE);
	CHECK_EQ_FATAL(scn_instances(s, "apps", &apps), 5);
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_STRING_EQUAL(apps[i], names[i]);
	CHECK_EQ(scn_instances(s, "hosts", &apps), 0);

	/* base: its own values */
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.base.pattern"), "cbr");
	v = scn_get(s, "apps.base.rate");
	CU_ASSERT_TRUE(v->per_packet);
	CHECK_EQ(v->u.d, 2e5);
	CHECK_EQ(scn_size(s, "apps.base.size"), 1500);
	check_table(s, "apps.base.size_table", 2, tv, tw);
	/* mid: like base, own size and count */
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.mid.pattern"), "cbr");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.mid.size_dist"), "empirical");
	CHECK_EQ(scn_double(s, "apps.mid.rate"), 2e5);
	CHECK_EQ(scn_size(s, "apps.mid.size"), 512);
	CHECK_EQ(scn_int(s, "apps.mid.count"), 100);
	check_table(s, "apps.mid.size_table", 2, tv, tw);
	/* top: like mid (so like base), own rate as a bit rate */
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.top.pattern"), "cbr");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.top.size_dist"), "empirical");
	v = scn_get(s, "apps.top.rate");
	CU_ASSERT_FALSE(v->per_packet);
	CHECK_EQ(v->u.d, 5e9);
	CHECK_EQ(scn_size(s, "apps.top.size"), 512);
	CHECK_EQ(scn_int(s, "apps.top.count"), 100);
	check_table(s, "apps.top.size_table", 2, tv, tw);
	/* solo and empty: defaults */
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.solo.pattern"), "poisson");
	CHECK_EQ(scn_size(s, "apps.solo.size"), 9216);
	v = scn_get(s, "apps.solo.rate");
	CU_ASSERT_TRUE(v->per_packet);
	CHECK_EQ(v->u.d, 1e5);
	check_table(s, "apps.solo.size_table", 0, NULL, NULL);
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.empty.size_dist"), "fixed");
	CHECK_EQ(scn_size(s, "apps.empty.size_min"), 64);
	CHECK_EQ(scn_size(s, "apps.empty.size_max"), 1500);
	CHECK_EQ(scn_time(s, "apps.empty.start"), 0);
	CHECK_EQ(scn_int(s, "apps.empty.count"), 0);
	/* top level and network */
	CHECK_EQ(scn_time(s, "duration"), 10 * SIM_MS);
	CHECK_EQ(scn_time(s, "warmup"), 0);
	CHECK_EQ(scn_time(s, "sample_interval"), SIM_MS);
	CHECK_EQ(scn_int(s, "seed"), 7);
	CHECK_EQ(scn_int(s, "repetitions"), 1);
	CU_ASSERT_STRING_EQUAL(scn_str(s, "engine"), "auto");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "network.kind"), "link");
	CHECK_EQ(scn_double(s, "network.rate"), 1e9);
	CHECK_EQ(scn_time(s, "network.delay"), 2 * SIM_US);
	CHECK_EQ(scn_int(s, "network.queue_packets"), 1000);
	CHECK_EQ(scn_size(s, "network.queue_bytes"), 0);
	CU_ASSERT_PTR_NULL(scn_get(s, "apps.nobody.rate"));
	CU_ASSERT_PTR_NULL(scn_get(s, "network"));
	scn_destroy(s);
}

static void test_params_sorted_complete(void)
{
	struct scn *s = load(LIKE, NULL, 0);
	const char *prev = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* 13 top-level, 19 network, 43 per app for 5 apps, no hosts, no
	 * stacks */
	CHECK_EQ(scn_param_count(s), 264);
	CHECK_EQ(expected_params(s), scn_param_count(s));
	for (size_t i = 0; i < scn_param_count(s); i++) {
		const char *p, *t;

		scn_param_at(s, i, &p, &t);
		CHECKF(!prev || strcmp(prev, p) < 0, "'%s' before '%s'",
		       prev ? prev : "", p);
		prev = p;
	}
	check_text(s, "apps.top.rate", "5Gbps");
	check_text(s, "apps.mid.rate", "200kpps");
	check_text(s, "apps.base.size_table", "[[64B, 7], [1500B, 1]]");
	check_text(s, "apps.solo.size_table", "[]");
	check_text(s, "apps.solo.size", "9KiB");
	check_text(s, "name", "like-chain");
	check_text(s, "network.delay", "2us");
	check_text(s, "warmup", "0ps");
	check_text(s, "duration", "10ms");
	check_text(s, "seed", "7");
	scn_destroy(s);
}

static void test_where(void)
{
	struct scn *s = load(LIKE, NULL, 0);
	char buf[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	check_where(s, "network.rate", LIKE ":6:9");
	check_where(s, "network.delay", LIKE ":7:10");
	check_where(s, "apps.base.pattern", LIKE ":10:14");
	/* inherited values point where they are written */
	check_where(s, "apps.top.pattern", LIKE ":10:14");
	check_where(s, "apps.top.size", LIKE ":14:28");
	check_where(s, "apps.top.count", LIKE ":14:41");
	check_where(s, "apps.top.rate", LIKE ":17:11");
	check_where(s, "apps.mid.size_table", LIKE ":13:17");
	check_where(s, "apps.solo.size", LIKE ":19:11");
	/* defaults name the file alone */
	check_where(s, "apps.top.start", LIKE);
	check_where(s, "network.kind", LIKE);
	CHECK_EQ(scn_where(s, "apps.nobody.rate", buf, sizeof(buf)), -ENOENT);
	scn_destroy(s);
}

static void test_overrides(void)
{
	static const char *const sets[] = {
		"apps.mid.size=9KiB",
		"duration=20ms",
		"apps.base.pattern=poisson",
		"apps.empty.rate=1.5Gbps",
		"duration=30ms",
	};
	static const char *const tset[] = {
		"apps.solo.size_table=[[64B, 1], [9000B, 2.5]]",
	};
	static const double tv[] = { 64, 9000 }, tw[] = { 1, 2.5 };
	struct scn *s = load(LIKE, sets, 5);
	const struct param_val *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* an override wins over the file */
	CHECK_EQ(scn_size(s, "apps.mid.size"), 9216);
	check_where(s, "apps.mid.size", "--set:1:15");
	/* an override reaches the instances that inherit the value through
	 * like: (top likes mid, mid likes base) */
	CHECK_EQ(scn_size(s, "apps.top.size"), 9216);
	check_where(s, "apps.top.size", "--set:1:15");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.base.pattern"), "poisson");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.mid.pattern"), "poisson");
	CU_ASSERT_STRING_EQUAL(scn_str(s, "apps.top.pattern"), "poisson");
	check_where(s, "apps.top.pattern", "--set:3:19");
	/* but not the ones outside the chain */
	check_where(s, "apps.solo.pattern", LIKE);
	/* the last override of a path wins */
	CHECK_EQ(scn_time(s, "duration"), 30 * SIM_MS);
	check_where(s, "duration", "--set:5:10");
	v = scn_get(s, "apps.empty.rate");
	CU_ASSERT_FALSE(v->per_packet);
	CHECK_EQ(v->u.d, 1.5e9);
	check_text(s, "apps.empty.rate", "1.5Gbps");
	check_where(s, "apps.empty.rate", "--set:4:17");
	scn_destroy(s);

	s = load(LIKE, tset, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	check_table(s, "apps.solo.size_table", 2, tv, tw);
	check_text(s, "apps.solo.size_table", "[[64B, 1], [9000B, 2.5]]");
	check_where(s, "apps.solo.size_table", "--set:1:22");
	scn_destroy(s);
}

/* --set on a like: source reaches its inheritors unless they have a value
 * of their own; a '*' stands for every instance of a group. */
static void test_set_like_wildcard(void)
{
	static const char *const src[] = { "apps.base.rate=100kpps" };
	static const char *const star[] = { "apps.*.size=1KiB",
					    "apps.mid.size=2KiB" };
	static const char *const both[] = { "apps.mid.count=7",
					    "apps.top.count=9" };
	struct scn *s = load(LIKE, src, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_double(s, "apps.base.rate"), 100e3);
	CHECK_EQ(scn_double(s, "apps.mid.rate"), 100e3); /* inherited */
	check_where(s, "apps.mid.rate", "--set:1:16");
	CHECK_EQ(scn_double(s, "apps.top.rate"), 5e9); /* its own */
	check_where(s, "apps.top.rate", LIKE ":17:11");
	check_where(s, "apps.solo.rate", LIKE); /* not in the chain */
	scn_destroy(s);

	/* a sweep point's override sets the path it names only */
	{
		char err[1024];

		CHECK_EQ_FATAL(
			scn_load_point(LIKE, src, 1, 0, &s, err, sizeof(err)),
			0);
		CHECK_EQ(scn_double(s, "apps.base.rate"), 100e3);
		CHECK_EQ(scn_double(s, "apps.mid.rate"), 200e3);
		check_where(s, "apps.mid.rate", LIKE ":11:11");
		scn_destroy(s);
	}

	s = load(LIKE, star, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_size(s, "apps.base.size"), 1024);
	CHECK_EQ(scn_size(s, "apps.solo.size"), 1024); /* over the file's */
	CHECK_EQ(scn_size(s, "apps.empty.size"), 1024);
	check_where(s, "apps.empty.size", "--set:1:13");
	CHECK_EQ(scn_size(s, "apps.mid.size"), 2048);
	/* top has the wildcard's value as its own, so mid's does not reach
	 * it */
	CHECK_EQ(scn_size(s, "apps.top.size"), 1024);
	scn_destroy(s);

	s = load(LIKE, both, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_int(s, "apps.mid.count"), 7);
	CHECK_EQ(scn_int(s, "apps.top.count"), 9);
	scn_destroy(s);
}

/* An expect: item with '*' is one expectation per instance, at the
 * item's position. */
static void test_expect_star(void)
{
	struct scn *s = load("tests/fixtures/expect-star.yaml", NULL, 0);
	struct expect *x = NULL;
	char err[1024], where[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ_FATAL(expect_parse(s, &x, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(expect_count(x), 3);
	CU_ASSERT_STRING_EQUAL(expect_text(x, 0), "network.sent > 0");
	CU_ASSERT_STRING_EQUAL(expect_text(x, 1),
			       "apps.src.received == apps.src.sent");
	CU_ASSERT_STRING_EQUAL(expect_text(x, 2),
			       "apps.other.received == apps.other.sent");
	expect_where(x, 2, where, sizeof(where));
	CU_ASSERT_STRING_EQUAL(where, "tests/fixtures/expect-star.yaml:9:5");
	expect_destroy(x);
	scn_destroy(s);
}

struct set_case {
	const char *sets[2];
	const char *err; /* the message, or its start if it ends in '*' */
};

static void test_set_errors(void)
{
	static const struct set_case cases[] = {
		{ { "apps.X.rate=1kpps" },
		  "--set:1:1: no app 'X'; apps: base, mid, top, solo, empty" },
		{ { "apps.tap.rate=1kpps" },
		  "--set:1:1: no app 'tap'; did you mean 'top'?" },
		{ { "duration=1ms", "apps.top.rate=10us" },
		  "--set:2:15: apps.top.rate: '10us' is a time; expected a bit rate*" },
		{ { "seed=x" },
		  "--set:1:6: seed: expected an integer such as 1000, not 'x'" },
		{ { "engine=natve" },
		  "--set:1:8: engine: expected one of auto, native, ns3, not 'natve'; did you mean 'native'?" },
		{ { "nonsense" },
		  "--set:1:1: expected path=value, such as duration=10ms" },
		{ { "=5" },
		  "--set:1:1: expected path=value, such as duration=10ms" },
		{ { "duraton=1s" },
		  "--set:1:1: unknown parameter 'duraton'; did you mean 'duration'?" },
		{ { "apps.top.raet=1kpps" },
		  "--set:1:1: unknown parameter 'apps.top.raet'; did you mean 'apps.top.rate'?" },
		{ { "netwrk.rate=1Gbps" },
		  "--set:1:1: unknown parameter 'netwrk.rate'; did you mean 'network.rate'?" },
		{ { "apps.top.xyzzy=1" },
		  "--set:1:1: unknown parameter 'apps.top.xyzzy'; valid keys: pattern, rate, size, size_dist, size_min, size_max, size_table, start, host, peer, count, burst, on_time, off_time, onoff_dist, stack, profile, transport, bytes, response_size, think, think_dist, timeout, class, ll_rate, ll_entitled, stop_at, surge, surge_at, surge_until, service_class, deadline, expiry, tx_status, reaction, aimd_decrease, aimd_increase, aimd_interval, adaptive, adapt_share, forge, forge_victim, close_at, trace, time_scale, repeat" },
		{ { "network=1Gbps" },
		  "--set:1:1: 'network' is a group of parameters, not a parameter" },
		{ { "apps.top.like=base" },
		  "--set:1:1: unknown parameter 'apps.top.like'; did you mean 'apps.top.size'?" },
		{ { "apps.solo.size_table=[[64B, 1], [9xB, 2]]" },
		  "--set:1:34: apps.solo.size_table row 2, size: unknown unit 'xB' in '9xB'*" },
		{ { "apps.solo.size_table=[[64B, 1], [9B, -2]]" },
		  "--set:1:38: apps.solo.size_table row 2: weight -2 is negative*" },
		{ { "apps.solo.size_table=[[64B, 1]" },
		  "--set:1:*invalid YAML*" },
		{ { "apps.*=1kpps" },
		  "--set:1:1: '*' in 'apps' stands for every instance of a group, as in hosts.*.driver.ipc_cost or apps.*.rate, and must be followed by a parameter" },
		{ { "*.rate=1kpps" },
		  "--set:1:1: '*' in '*' stands for every instance of a group*" },
		{ { "network.*.rate=1kpps" },
		  "--set:1:1: '*' in 'network' stands for every instance*" },
		{ { "hosts.*.driver.ipc_cost=1us" },
		  "--set:1:1: 'hosts.*.driver.ipc_cost' matches nothing: the scenario declares no host" },
		{ { "apps.*.rate=10us" },
		  "--set:1:13: apps.base.rate: '10us' is a time; expected a bit rate*" },
		{ { "apps.solo.size_table=64B" },
		  "--set:1:22: apps.solo.size_table: expected a list of [size, weight] pairs*" },
	};
	char err[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct set_case *c = &cases[i];
		size_t n = c->sets[1] ? 2 : 1;
		struct scn *s = (struct scn *)&err; /* must be reset */
		int rc = scn_load(LIKE, c->sets, n, &s, err, sizeof(err));
		const char *star = strchr(c->err, '*');
		int ok;

		CHECK_EQ(rc, -EINVAL);
		CU_ASSERT_PTR_NULL(s);
		if (!star) {
			ok = !strcmp(err, c->err);
		} else {
			ok = !strncmp(err, c->err, (size_t)(star - c->err));
			/* a second '*' marks a fragment in the middle */
			if (ok && strchr(star + 1, '*')) {
				char frag[128];

				snprintf(
					frag, sizeof(frag), "%.*s",
					(int)(strchr(star + 1, '*') - star - 1),
					star + 1);
				ok = strstr(err, frag) != NULL;
			}
		}
		CHECKF(ok, "'%s': got '%s', want '%s'", c->sets[n - 1], err,
		       c->err);
		CHECKF(!strchr(err, '\n'), "one line: '%s'", err);
	}
}

/* A '*' entry gives defaults to every instance of its group: an
 * instance's own value first, then what like: copies (along the chain),
 * then the entry's, then the registry's default. */
static void test_star_entry(void)
{
	static const char *const names[] = { "base", "mid", "top", "solo" };
	const char *const *inst;
	struct scn *s = load(STAR, NULL, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* the entry is not an instance */
	CHECK_EQ_FATAL(scn_instances(s, "apps", &inst), 4);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_STRING_EQUAL(inst[i], names[i]);
	CHECK_EQ(scn_instances(s, "hosts", &inst), 3);
	CHECK_EQ(scn_param_count(s), expected_params(s));
	for (size_t i = 0; i < scn_param_count(s); i++) {
		const char *p, *t;

		scn_param_at(s, i, &p, &t);
		CHECKF(!strchr(p, '*'), "parameter %s", p);
	}
	/* base: own rate; size and count from '*' */
	CHECK_EQ(scn_double(s, "apps.base.rate"), 200e3);
	check_where(s, "apps.base.rate", STAR ":11:11");
	CHECK_EQ(scn_size(s, "apps.base.size"), 256);
	check_where(s, "apps.base.size", STAR ":8:11");
	CHECK_EQ(scn_int(s, "apps.base.count"), 40);
	/* mid: like base's own rate over '*', its own size */
	CHECK_EQ(scn_double(s, "apps.mid.rate"), 200e3);
	check_where(s, "apps.mid.rate", STAR ":11:11");
	CHECK_EQ(scn_size(s, "apps.mid.size"), 512);
	CHECK_EQ(scn_int(s, "apps.mid.count"), 40);
	/* top: along the chain top -> mid -> base */
	CHECK_EQ(scn_double(s, "apps.top.rate"), 200e3);
	CHECK_EQ(scn_size(s, "apps.top.size"), 512);
	CHECK_EQ(scn_int(s, "apps.top.count"), 40);
	check_where(s, "apps.top.count", STAR ":9:12");
	/* solo: '*' but its own count */
	CHECK_EQ(scn_double(s, "apps.solo.rate"), 50e3);
	check_where(s, "apps.solo.rate", STAR ":7:11");
	CHECK_EQ(scn_size(s, "apps.solo.size"), 256);
	CHECK_EQ(scn_int(s, "apps.solo.count"), 9);
	/* what neither gives: the default */
	check_text(s, "apps.solo.pattern", "poisson");
	check_where(s, "apps.solo.pattern", STAR);
	/* hosts: own 2us, like: 2us, '*' 3us */
	CHECK_EQ(scn_time(s, "hosts.client.driver.ipc_cost"), 2 * SIM_US);
	CHECK_EQ(scn_time(s, "hosts.server.driver.ipc_cost"), 2 * SIM_US);
	CHECK_EQ(scn_time(s, "hosts.third.driver.ipc_cost"), 3 * SIM_US);
	check_where(s, "hosts.third.driver.ipc_cost", STAR ":17:30");
	scn_destroy(s);
}

/* --set wins over a '*' entry; on a like: source it reaches the
 * inheritors whose value came from '*' (like: comes before '*'); a sweep
 * point's override sets its path only. */
static void test_star_set(void)
{
	static const char *const src[] = { "apps.base.count=7",
					   "hosts.client.driver.ipc_cost=5us" };
	static const char *const all[] = { "apps.*.size=1KiB",
					   "hosts.*.driver.ipc_cost=1us" };
	char err[1024];
	struct scn *s = load(STAR, src, 2);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_int(s, "apps.base.count"), 7);
	CHECK_EQ(scn_int(s, "apps.mid.count"), 7);
	CHECK_EQ(scn_int(s, "apps.top.count"), 7);
	check_where(s, "apps.top.count", "--set:1:17");
	CHECK_EQ(scn_int(s, "apps.solo.count"), 9);
	CHECK_EQ(scn_time(s, "hosts.client.driver.ipc_cost"), 5 * SIM_US);
	CHECK_EQ(scn_time(s, "hosts.server.driver.ipc_cost"), 5 * SIM_US);
	CHECK_EQ(scn_time(s, "hosts.third.driver.ipc_cost"), 3 * SIM_US);
	scn_destroy(s);

	s = load(STAR, all, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_size(s, "apps.base.size"), 1024);
	CHECK_EQ(scn_size(s, "apps.mid.size"), 1024); /* over its own */
	CHECK_EQ(scn_size(s, "apps.top.size"), 1024);
	CHECK_EQ(scn_size(s, "apps.solo.size"), 1024);
	CHECK_EQ(scn_time(s, "hosts.client.driver.ipc_cost"), SIM_US);
	CHECK_EQ(scn_time(s, "hosts.server.driver.ipc_cost"), SIM_US);
	CHECK_EQ(scn_time(s, "hosts.third.driver.ipc_cost"), SIM_US);
	scn_destroy(s);

	CHECK_EQ_FATAL(scn_load_point(STAR, src, 1, 0, &s, err, sizeof(err)),
		       0);
	CHECK_EQ(scn_int(s, "apps.base.count"), 7);
	CHECK_EQ(scn_int(s, "apps.mid.count"), 40);
	scn_destroy(s);
}

/* The same values written out per instance simulate the same thing. */
static void test_star_hash(void)
{
	static const char flat[] =
		"name: star\nduration: 10ms\napps:\n"
		"  base: { rate: 200kpps, size: 256B, count: 40 }\n"
		"  mid: { rate: 200kpps, size: 512B, count: 40 }\n"
		"  top: { rate: 200kpps, size: 512B, count: 40 }\n"
		"  solo: { rate: 50kpps, size: 256B, count: 9 }\n"
		"hosts:\n"
		"  client: { driver: { ipc_cost: 2us } }\n"
		"  server: { driver: { ipc_cost: 2us } }\n"
		"  third: { driver: { ipc_cost: 3us } }\n";
	char path[64];
	struct scn *a, *b;

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), flat), 0);
	a = load(STAR, NULL, 0);
	b = load(path, NULL, 0);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(scn_hash(a), scn_hash(b));
	scn_destroy(a);
	scn_destroy(b);
}

struct star_case {
	const char *yaml;
	const char *err; /* after "FILE:" */
};

static void test_star_errors(void)
{
	static const struct star_case cases[] = {
		{ "duration: 1ms\napps:\n  \"*\": { rate: 1kpps }\n  a: {}\n"
		  "  b: { like: \"*\" }\n",
		  "5:14: like: '*' is not an app but the defaults of every app of apps, which this app takes already; name an app" },
		{ "duration: 1ms\napps:\n  a: {}\n  \"*\":\n    rat: 1kpps\n",
		  "5:5: unknown key 'rat' in apps.*; did you mean 'rate'?" },
		{ "duration: 1ms\napps: { a: {} }\nhosts:\n  \"*\": { driver: { ipc_cost: 1us } }\n",
		  "4:3: hosts.*: the '*' entry gives defaults to every host, but the scenario declares no host; declare one or remove the entry" },
		{ "duration: 1ms\napps:\n  a: {}\n  \"*\": { like: a }\n",
		  "4:10: apps.*.like: like: belongs to an app; the '*' entry gives defaults to every app of apps" },
		{ "duration: 1ms\napps:\n  a: {}\n  \"*\": 5\n",
		  "4:8: apps.*: expected a mapping of the parameters every app takes, found '5'" },
		{ "duration: 1ms\napps:\n  a: {}\n  \"*\": { rate: 10us }\n",
		  "4:16: apps.*.rate: '10us' is a time; expected a bit rate*" },
		{ "duration: 1ms\napps:\n  a: {}\n  \"*\": {}\n  \"*\": {}\n",
		  "5:3: duplicate key '*' (first at line 4)" },
	};
	char path[64], err[1024], want[1200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct star_case *c = &cases[i];
		struct scn *s = (struct scn *)&err;
		size_t n;
		int rc;

		CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), c->yaml), 0);
		rc = scn_load(path, NULL, 0, &s, err, sizeof(err));
		unlink(path);
		CHECK_EQ(rc, -EINVAL);
		CU_ASSERT_PTR_NULL(s);
		snprintf(want, sizeof(want), "%s:%s", path, c->err);
		n = strlen(want);
		if (want[n - 1] == '*')
			n--;
		CHECKF(!strncmp(err, want, n) &&
			       (n < strlen(want) || strlen(err) == n),
		       "case %zu: got '%s', want '%s'", i, err, want);
	}
}

static void test_noname(void)
{
	struct scn *s = load(NONAME, NULL, 0);
	const char *const *apps = (const char *const *)&s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(scn_name(s), "scn-noname");
	check_text(s, "name", "scn-noname");
	CHECK_EQ(scn_instances(s, "apps", &apps), 0);
	CU_ASSERT_PTR_NULL(apps);
	CHECK_EQ(scn_param_count(s), 34);
	CHECK_EQ(expected_params(s), 34);
	CHECK_EQ(scn_time(s, "duration"), SIM_MS);
	check_where(s, "duration", NONAME ":2:11");
	check_where(s, "network.rate", NONAME);
	CHECK_EQ(scn_double(s, "network.rate"), 1e10);
	scn_destroy(s);
}

static void test_missing_file(void)
{
	struct scn *s = NULL;
	char err[256];

	CHECK_EQ(scn_load("tests/fixtures/no-such-file.yaml", NULL, 0, &s, err,
			  sizeof(err)),
		 -ENOENT);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_STRING_EQUAL(
		err,
		"tests/fixtures/no-such-file.yaml: No such file or directory (give the path of a scenario file, e.g. scenarios/md1.yaml)");
	scn_destroy(NULL);
}

/* FNV-1a 64 over "path=text" and a NUL for every effective parameter in
 * order (this scenario has no sweep: block), computed here from the
 * parameters the loader reports. */
static void fnv_expect(const struct scn *s, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < scn_param_count(s); i++) {
		const char *path, *text;
		char line[512];
		size_t n;

		scn_param_at(s, i, &path, &text);
		n = (size_t)snprintf(line, sizeof(line), "%s=%s", path, text);
		for (size_t j = 0; j <= n; j++) {
			h ^= (unsigned char)line[j];
			h *= 0x100000001b3ULL;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void test_hash(void)
{
	static const char *const a[] = { "duration=2ms", "seed=3" };
	static const char *const b[] = { "duration=2ms", "seed=4" };
	static const char *const c[] = { "duration=2ms" };
	static const char *const same[] = { "seed=7", "duration=10ms" };
	struct scn *s0 = load(LIKE, NULL, 0), *sa = load(LIKE, a, 2);
	struct scn *sa2 = load(LIKE, a, 2), *sb = load(LIKE, b, 2);
	struct scn *sc = load(LIKE, c, 1), *ss = load(LIKE, same, 2);
	struct scn *sr = load("tests/fixtures/scn-like-same.yaml", NULL, 0);
	char want[17];

	CU_ASSERT_PTR_NOT_NULL_FATAL(s0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ss);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sr);
	CHECK_EQ(strlen(scn_hash(s0)), 16);
	fnv_expect(s0, want);
	CU_ASSERT_STRING_EQUAL(scn_hash(s0), want);
	fnv_expect(sa, want);
	CU_ASSERT_STRING_EQUAL(scn_hash(sa), want);
	CU_ASSERT_STRING_EQUAL(scn_hash(sa), scn_hash(sa2));
	CU_ASSERT_STRING_NOT_EQUAL(scn_hash(sa), scn_hash(sb));
	CU_ASSERT_STRING_NOT_EQUAL(scn_hash(sa), scn_hash(sc));
	CU_ASSERT_STRING_NOT_EQUAL(scn_hash(s0), scn_hash(sc));
	/* overrides equal to the file's values, and the same scenario written
	 * differently, are the same simulation */
	CU_ASSERT_STRING_EQUAL(scn_hash(ss), scn_hash(s0));
	CU_ASSERT_STRING_EQUAL(scn_hash(sr), scn_hash(s0));
	scn_destroy(s0);
	scn_destroy(sa);
	scn_destroy(sa2);
	scn_destroy(sb);
	scn_destroy(sc);
	scn_destroy(ss);
	scn_destroy(sr);
}

/* Runs fn on s in a child; true if the child died of SIGABRT. */
static int aborts(void (*fn)(const struct scn *), const struct scn *s)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(s);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void time_of_int(const struct scn *s)
{
	scn_time(s, "seed");
}

static void time_of_missing(const struct scn *s)
{
	scn_time(s, "apps.nobody.start");
}

static void str_of_rate(const struct scn *s)
{
	scn_str(s, "network.rate");
}

static void size_of_size(const struct scn *s)
{
	scn_size(s, "network.queue_bytes");
}

static void test_typed_abort(void)
{
	struct scn *s = load(LIKE, NULL, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	fflush(NULL);
	CU_ASSERT_TRUE(aborts(time_of_int, s));
	CU_ASSERT_TRUE(aborts(time_of_missing, s));
	CU_ASSERT_TRUE(aborts(str_of_rate, s));
	CU_ASSERT_FALSE(aborts(size_of_size, s));
	scn_destroy(s);
}

/*
 * A generated scenario of BIG_APPS apps: the loader's look-up structures
 * (values and instances by hash, each instance's values and inheritors)
 * against a naive reference computed here from the rules. App i > 0 is
 * like: a(i - 1), except every 100th, like: a0 (chains up to 99 long);
 * every 7th (i % 7 == 3) has its own rate, every 11th (i % 11 == 5) its own
 * size; the '*' entry gives every app size 300B. --set apps.a0.rate
 * reaches, through like:, every app whose chain to a0 meets no own rate.
 */
#define BIG_APPS 2000
#define BIG_HOSTS 10

static long big_like(long i)
{
	return i == 0 ? -1 : i % 100 ? i - 1 : 0;
}

/* The first app on i's like: chain (i included) for which own(j) holds,
 * or -1. */
static long big_first(long i, bool (*own)(long))
{
	for (long j = i; j >= 0; j = big_like(j))
		if (own(j))
			return j;
	return -1;
}

static bool big_own_rate(long i)
{
	return i % 7 == 3 || i == 0;
}

static bool big_own_size(long i)
{
	return i % 11 == 5;
}

static char *big_text(void)
{
	size_t cap = 128 * (BIG_APPS + BIG_HOSTS) + 256, n = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	n += (size_t)snprintf(t + n, cap - n,
			      "name: big\nduration: 1ms\nhosts:\n"
			      "  '*': { nic: { rx_mode: poll } }\n");
	for (int h = 0; h < BIG_HOSTS; h++)
		n += (size_t)snprintf(t + n, cap - n, "  h%d: {}\n", h);
	n += (size_t)snprintf(
		t + n, cap - n,
		"network: { kind: link, rate: 10Gbps }\napps:\n"
		"  '*': { size: 300B }\n"
		"  a0: { host: h0, peer: h1, pattern: poisson, rate: 1Mbps }\n");
	for (long i = 1; i < BIG_APPS; i++) {
		n += (size_t)snprintf(t + n, cap - n,
				      "  a%ld: { like: a%ld, host: h%ld", i,
				      big_like(i), i % BIG_HOSTS);
		if (big_own_rate(i))
			n += (size_t)snprintf(t + n, cap - n, ", rate: 3Mbps");
		if (big_own_size(i))
			n += (size_t)snprintf(t + n, cap - n, ", size: 700B");
		n += (size_t)snprintf(t + n, cap - n, " }\n");
	}
	return t;
}

static void test_big(void)
{
	const char *sets[] = { "apps.a0.rate=2Mbps" };
	char path[256], key[64], *text = big_text();
	const char *const *names;
	size_t bad_rate = 0, bad_size = 0, bad_host = 0, n2 = 0;
	struct scn *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL_FATAL(tu_write_tmp(path, sizeof(path), text), 0);
	free(text);
	s = load(path, sets, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_instances(s, "apps", &names), BIG_APPS);
	CHECK_EQ(scn_instances(s, "hosts", NULL), BIG_HOSTS);
	for (long i = 0; names && i < BIG_APPS; i++) {
		snprintf(key, sizeof(key), "a%ld", i);
		CHECKF(!strcmp(names[i], key), "app %ld is %s", i, names[i]);
	}
	CHECK_EQ(expected_params(s), scn_param_count(s));
	for (long i = 0; i < BIG_APPS; i++) {
		long r = big_first(i, big_own_rate);
		long z = big_first(i, big_own_size);
		const char *want_rate = r == 0 ? "2Mbps" : "3Mbps";
		const char *t;

		n2 += r == 0;
		snprintf(key, sizeof(key), "apps.a%ld.rate", i);
		t = scn_text(s, key);
		bad_rate += !t || strcmp(t, want_rate);
		snprintf(key, sizeof(key), "apps.a%ld.size", i);
		t = scn_text(s, key);
		bad_size += !t || strcmp(t, z >= 0 ? "700B" : "300B");
		snprintf(key, sizeof(key), "apps.a%ld.host", i);
		t = scn_text(s, key);
		snprintf(path + 128, 64, "h%ld", i ? i % BIG_HOSTS : 0);
		bad_host += !t || strcmp(t, path + 128);
	}
	CHECK_EQ(bad_rate, 0);
	CHECK_EQ(bad_size, 0);
	CHECK_EQ(bad_host, 0);
	/* a0, a1, a2 (a3 has its own), then per chain of 100 the apps
	 * before the first i % 7 == 3: the reference counts them. */
	CHECKF(n2 > 3 && n2 < BIG_APPS / 2, "%zu apps at 2Mbps", n2);
	check_text(s, "hosts.h7.nic.rx_mode", "poll");
	scn_destroy(s);
	unlink(path);
}

/* A duplicate key in a mapping larger than the loader compares pairwise
 * (found by sorting): reported at the second, naming the first's line. */
static void test_big_duplicate(void)
{
	char path[256], want[320], err[1024], text[4096];
	struct scn *s = NULL;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "apps:\n");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  a%d: { rate: 1Mbps }\n", i);
	snprintf(text + n, sizeof(text) - n, "  a17: { rate: 2Mbps }\n");
	CU_ASSERT_EQUAL_FATAL(tu_write_tmp(path, sizeof(path), text), 0);
	CHECK_EQ(scn_load(path, NULL, 0, &s, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	/* line 1 is "apps:", a17 is on line 19, the duplicate on line 42 */
	snprintf(want, sizeof(want),
		 "%s:42:3: duplicate key 'a17' (first at line 19)", path);
	CHECKF(!strcmp(err, want), "got '%s', want '%s'", err, want);
	unlink(path);
}

/* Each distinct canonical text is stored once: the hosts' equal values,
 * defaults or written, share it; a different value has its own. */
static void test_texts_once(void)
{
	static const char yaml[] = "name: texts\nduration: 1ms\n"
				   "hosts:\n"
				   "  h0: { driver: { ipc_cost: 2us } }\n"
				   "  h1: { driver: { ipc_cost: 2000ns } }\n"
				   "  h2: { driver: { ipc_cost: 3us } }\n";
	char path[64];
	struct scn *s;
	const char *a, *b, *c;

	CHECK_EQ_FATAL(tu_write_tmp(path, sizeof(path), yaml), 0);
	s = load(path, NULL, 0);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	a = scn_text(s, "hosts.h0.driver.ipc_cost");
	b = scn_text(s, "hosts.h1.driver.ipc_cost");
	c = scn_text(s, "hosts.h2.driver.ipc_cost");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(a, "2us");
	CU_ASSERT_STRING_EQUAL(c, "3us");
	CU_ASSERT(a == b); /* 2us and 2000ns: one canonical text, once */
	CU_ASSERT(a != c);
	a = scn_text(s, "hosts.h0.driver.sq_slots");
	b = scn_text(s, "hosts.h2.driver.sq_slots");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a, "512");
	CU_ASSERT(a == b); /* a default */
	scn_destroy(s);
}

int suite_scenario(void)
{
	CU_pSuite s = CU_add_suite("scenario", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "like: chains and defaults", test_like) ||
	    !CU_add_test(s, "parameters sorted and complete",
			 test_params_sorted_complete) ||
	    !CU_add_test(s, "where values come from", test_where) ||
	    !CU_add_test(s, "--set overrides", test_overrides) ||
	    !CU_add_test(s, "--set errors", test_set_errors) ||
	    !CU_add_test(s, "--set through like: and wildcards",
			 test_set_like_wildcard) ||
	    !CU_add_test(s, "expect: with '*'", test_expect_star) ||
	    !CU_add_test(s, "'*' entries: precedence", test_star_entry) ||
	    !CU_add_test(s, "'*' entries and --set", test_star_set) ||
	    !CU_add_test(s, "'*' entries: same hash as written out",
			 test_star_hash) ||
	    !CU_add_test(s, "'*' entries: errors", test_star_errors) ||
	    !CU_add_test(s, "name from the file name", test_noname) ||
	    !CU_add_test(s, "missing file", test_missing_file) ||
	    !CU_add_test(s, "hash of what is simulated", test_hash) ||
	    !CU_add_test(s, "typed getters abort on misuse",
			 test_typed_abort) ||
	    !CU_add_test(s, "2,000 apps: like:, '*' and --set", test_big) ||
	    !CU_add_test(s, "canonical texts stored once", test_texts_once) ||
	    !CU_add_test(s, "duplicate key in a large mapping",
			 test_big_duplicate))
		return CU_get_error();
	return 0;
}
