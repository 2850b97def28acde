/*
 * test_derive.c - derived parameters ("= EXPR" values), computed at every
 * sweep point from the point's values, checked for kind, range and
 * cycles, and stored with each run like any parameter.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "scenario.h"
#include "sweep.h"
#include "util.h"

#define FIX "tests/fixtures/"

/* Loads text as a scenario with the overrides sets; NULL with the message
 * in err on failure. */
static struct scn *load_text(const char *text, const char *const *sets,
			     size_t nsets, char *err, size_t errlen)
{
	char path[256];
	struct scn *s = NULL;

	CU_ASSERT_FATAL(tu_write_tmp(path, sizeof(path), text) == 0);
	if (scn_load(path, sets, nsets, &s, err, errlen))
		s = NULL;
	remove(path);
	return s;
}

/* The rate of the fixture's apps at each point: the load's share of
 * 10 Gb/s in frames of size + 20 B, as a packet rate, the value computed
 * as expr.c does (bit/s to B/s is an exact division by 8). */
static void test_points(void)
{
	static const double load[] = { 0.1, 0.5, 0.9 };
	const char *const *sets;
	struct sweep *sw = NULL;
	struct scn *base = NULL, *s;
	char err[512];
	size_t n;

	CHECK_EQ_FATAL(scn_load(FIX "derive-load.yaml", NULL, 0, &base, err,
				sizeof(err)),
		       0);
	/* outside the sweep the undeclared variable takes its first value */
	CHECK_EQ(scn_double(base, "vars.load.value"), 0.1);
	CU_ASSERT_STRING_EQUAL(
		scn_expr(base, "apps.a.rate"),
		" vars.load * network.rate / (apps.a.size + 20B)");
	CU_ASSERT_PTR_NULL(scn_expr(base, "apps.a.size"));
	CHECK_EQ_FATAL(sweep_expand(base, &sw, err, sizeof(err)), 0);
	CHECK_EQ_FATAL(sweep_count(sw), 3);
	for (size_t i = 0; i < 3; i++) {
		char want[64];

		n = sweep_point_sets(sw, i, &sets);
		CHECK_EQ_FATAL(n, 1);
		snprintf(want, sizeof(want), "vars.load.value=%g", load[i]);
		CU_ASSERT_STRING_EQUAL(sets[0], want);
		CHECK_EQ_FATAL(scn_load_point(FIX "derive-load.yaml", sets, n,
					      0, &s, err, sizeof(err)),
			       0);
		CHECK_EQ(scn_double(s, "apps.a.rate"),
			 load[i] * 1e10 / 8 / 1500);
		/* b is like: a, so it takes a's expression, which names
		 * apps.a.size: the same rate in smaller packets */
		CHECK_EQ(scn_double(s, "apps.b.rate"),
			 load[i] * 1e10 / 8 / 1500);
		CHECK_EQ(scn_size(s, "apps.b.size"), 64);
		CHECK_EQ(scn_get(s, "apps.a.rate")->per_packet, true);
		/* 2 ms / 8, exactly */
		CHECK_EQ(scn_time(s, "warmup"), 250 * SIM_US);
		scn_destroy(s);
	}
	/* at 0.5: 5e9 / 8 / 1500 = 416666.66... packets/s, as stored */
	n = sweep_point_sets(sw, 1, &sets);
	CHECK_EQ_FATAL(scn_load_point(FIX "derive-load.yaml", sets, n, 0, &s,
				      err, sizeof(err)),
		       0);
	CU_ASSERT_STRING_EQUAL(scn_text(s, "apps.a.rate"),
			       "416.6666666666667kpps");
	CU_ASSERT_STRING_NOT_EQUAL(scn_hash(s), scn_hash(base));
	scn_destroy(s);
	sweep_destroy(sw);
	scn_destroy(base);
}

/* Exact values of each kind, through --set and vars: shorthands. */
static void test_kinds(void)
{
	static const char *const text =
		"duration: 1ms\n"
		"vars: { n: 3 }\n"
		"network: { rate: 10Gbps, delay: = 1500B / network.rate }\n"
		"apps:\n"
		"  a: { size: = network.rate * 1.2us, rate: 1Gbps }\n"
		"  b: { rate: = apps.a.rate * 2, size: 100B }\n"
		"repetitions: = vars.n * 2 + 1\n";
	const char *sets[] = { "vars.n=4", "apps.a.rate== 10Gbps / 4" };
	char err[512];
	struct scn *s = load_text(text, NULL, 0, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_time(s, "network.delay"), 1200000); /* 1.2 us */
	CHECK_EQ(scn_size(s, "apps.a.size"), 1500);
	CHECK_EQ(scn_double(s, "apps.b.rate"), 2e9);
	CHECK_EQ(scn_get(s, "apps.b.rate")->per_packet, false);
	CHECK_EQ(scn_int(s, "repetitions"), 7);
	scn_destroy(s);
	/* a --set of the variable reaches what is derived from it, and a
	 * --set may itself derive */
	s = load_text(text, sets, 2, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CHECK_EQ(scn_int(s, "repetitions"), 9);
	CHECK_EQ(scn_double(s, "apps.a.rate"), 2.5e9);
	CHECK_EQ(scn_double(s, "apps.b.rate"), 5e9);
	CHECK_EQ(scn_size(s, "apps.a.size"), 1500);
	scn_destroy(s);
}

struct bad_case {
	const char *text;
	const char *msg; /* the whole message after the file name */
};

static void test_refused(void)
{
	static const struct bad_case cs[] = {
		{ "apps:\n  a: { rate: = 2 * apps.b.rate }\n"
		  "  b: { rate: = apps.a.rate / 2 }\n",
		  ":3:14: apps.b.rate: derived parameters form a cycle: "
		  "apps.b.rate uses apps.a.rate, which needs apps.b.rate" },
		{ "apps:\n  a: { rate: = apps.a.rate * 2 }\n",
		  ":2:14: apps.a.rate: the expression uses apps.a.rate itself" },
		{ "duration: = warmup * 2\nwarmup: = duration / 2\n",
		  ":2:9: warmup: derived parameters form a cycle: warmup "
		  "uses duration, which needs warmup" },
		{ "apps:\n  a: { rate: = 1500B / network.rate }\n",
		  ":2:14: apps.a.rate: the expression gives a time, but "
		  "apps.a.rate is a bit rate or a packet rate" },
		{ "duration: = 1ms * 1Gbps\n",
		  ":1:11: duration: the expression gives a size, but duration "
		  "is a time" },
		{ "duration: = 1ms * 1ms\n",
		  ":1:11: duration: the expression gives a quantity in s^2, "
		  "but duration is a time" },
		{ "repetitions: = 5 / 2\n",
		  ":1:14: repetitions: the expression gives 2.5, but "
		  "repetitions is a whole number" },
		{ "repetitions: = 1 - 3\n",
		  ":1:14: repetitions: the expression gives -2: -2 is below "
		  "the minimum 1" },
		{ "apps:\n  a: { rate: \"= network.rate / (apps.a.size + 20)\" }\n",
		  ":2:47: apps.a.rate: 20 has no unit, but the other side of "
		  "'+' is a size; did you mean 20B?" },
		{ "network: { kind: = 1 }\n",
		  ":1:18: network.kind: '= ...' derives a number from an "
		  "expression, but network.kind is an enum; give its value" },
	};

	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		char path[256], err[512], *at;
		struct scn *s = NULL;

		CU_ASSERT_FATAL(tu_write_tmp(path, sizeof(path), cs[i].text) ==
				0);
		CHECK_EQ(scn_load(path, NULL, 0, &s, err, sizeof(err)),
			 -EINVAL);
		CU_ASSERT_PTR_NULL(s);
		at = strncmp(err, path, strlen(path)) ? err
						      : err + strlen(path);
		CHECKF(!strncmp(at, cs[i].msg, strlen(cs[i].msg)),
		       "case %zu: '%s', want '%s'", i, at, cs[i].msg);
		remove(path);
	}
}

/* The derived value and the variable are stored with every run: the
 * run_params view has them, so plots and exports can use them. */
static void test_stored(void)
{
	char dir[256], db[300];
	const char *argv[] = { tu_usnsim(), "sweep", FIX "derive-load.yaml",
			       "--db",	    db,	     "-j",
			       "1",	    NULL };
	struct tu_proc p = { 0 };
	sqlite3 *h;
	char buf[64];

	CU_ASSERT_FATAL(tu_mkdtemp(dir, sizeof(dir), "derive") == 0);
	snprintf(db, sizeof(db), "%s/d.db", dir);
	CHECK_EQ_FATAL(tu_run(&p, argv, 0), 0);
	CHECK_EQ_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	CHECK_EQ(tu_sql_int(h, "SELECT count(*) FROM runs"), 3);
	tu_sql_text(h, buf, sizeof(buf),
		    "SELECT b.value FROM run_params a JOIN run_params b "
		    "ON a.run_id = b.run_id WHERE a.path = 'vars.load.value' "
		    "AND a.value = '0.9' AND b.path = 'apps.a.rate'");
	CU_ASSERT_STRING_EQUAL(buf, "750kpps"); /* 0.9 * 1e10 / 8 / 1500 */
	tu_sql_text(h, buf, sizeof(buf),
		    "SELECT b.value FROM run_params a JOIN run_params b "
		    "ON a.run_id = b.run_id WHERE a.path = 'vars.load.value' "
		    "AND a.value = '0.1' AND b.path = 'apps.b.rate'");
	CU_ASSERT_STRING_EQUAL(buf, "83.33333333333333kpps");
	/* the packets the app sent at 750 kpps (cbr) in 2 ms: one every
	 * 4/3 us from t = 0 to t = 2 ms, 1501 */
	CHECK_EQ(tu_sql_int(h,
			    "SELECT s.value FROM scalars s JOIN run_params a "
			    "ON a.run_id = s.run_id WHERE a.path = "
			    "'vars.load.value' AND a.value = '0.9' AND "
			    "s.component = 'apps.a' AND s.metric = 'sent'"),
		 1501);
	sqlite3_close(h);
	tu_proc_free(&p);
	tu_rmtree(dir);
}

int suite_derive(void)
{
	CU_pSuite s = CU_add_suite("derive", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "derived at every point", test_points) ||
	    !CU_add_test(s, "each kind, --set and vars", test_kinds) ||
	    !CU_add_test(s, "refused with position", test_refused) ||
	    !CU_add_test(s, "stored with every run", test_stored))
		return CU_get_error();
	return 0;
}
