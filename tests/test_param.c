/*
 * test_param.c - the parameter registry: lookup, parsing, messages.
 *
 * Every declared default must parse, lie in its range and print back to
 * text that parses to the same value. Messages are compared whole, since
 * they are what a user reads. Types no table uses yet (bool, float,
 * fraction) are checked through declarations made here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "util.h"

#include "param.h"
#include "models.h"
#include "registry.h"

static const struct param_def def_bool = { "t.flag", PT_BOOL, "false", NULL,
					   0,	     0,	      "",      "" };
static const struct param_def def_float = { "t.x", PT_FLOAT, "1", NULL,
					    0,	   10,	     "",  "" };
static const struct param_def def_frac = { "t.share", PT_FRACTION, "0.2", NULL,
					   0,	      1,	   "",	  "" };
static const struct param_def def_pkt = { "t.pps", PT_PKTRATE, "1kpps", NULL,
					  1,	   1e9,	       "",	"" };

static size_t table_len(const struct param_def *t)
{
	size_t n = 0;

	while (t[n].path)
		n++;
	return n;
}

static void test_iterate(void)
{
	const struct param_def *const tables[] = {
		sim_params,	   link_params,	 ns3net_params,
		app_params,	   nic_params,	 driver_params,
		cpu_params,	   stack_params, channel_params,
		flowswitch_params, pool_params,	 mux_params,
		netif_params,	   agent_params, advisory_params,
		tcp_params,
	};
	size_t at = 0;

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		size_t n = table_len(tables[t]);

		for (size_t i = 0; i < n; i++)
			CHECKF(param_at(at + i) == &tables[t][i],
			       "table %zu entry %zu", t, i);
		at += n;
	}
	CHECK_GE(table_len(nic_params), 20);
	/* then the stack profiles' clones of the host's stack, channel and
	 * tcp parameters, in the same order (test_profiles.c compares
	 * them field by field) */
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct param_def *d = tables[t]; d->path; d++) {
			const struct param_def *c = param_at(at);

			if (strncmp(d->path, "hosts.*.stack.", 14) &&
			    strncmp(d->path, "hosts.*.channel.", 16) &&
			    strncmp(d->path, "hosts.*.tcp.", 12))
				continue;
			CHECKF(c && !strncmp(c->path, "stacks.*.", 9) &&
				       !strcmp(c->path + 9, d->path + 8),
			       "entry %zu: %s, want the clone of %s", at,
			       c ? c->path : "none", d->path);
			at++;
		}
	CHECK_EQ(param_count(), at);
	CU_ASSERT_PTR_NULL(param_at(at));
}

static void test_lookup(void)
{
	const struct param_def *d;

	d = param_lookup("apps.rpc.rate");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(d->path, "apps.*.rate");
	d = param_lookup("network.rate");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_STRING_EQUAL(d->path, "network.rate");
	d = param_lookup("duration");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CHECK_EQ(d->type, PT_TIME);
	CU_ASSERT_PTR_NULL(param_lookup("apps.rate"));
	CU_ASSERT_PTR_NULL(param_lookup("apps.rpc.x.rate"));
	CU_ASSERT_PTR_NULL(param_lookup("apps..rate"));
	CU_ASSERT_PTR_NULL(param_lookup("apps.rpc"));
	CU_ASSERT_PTR_NULL(param_lookup("apps.rpc.rate.x"));
	CU_ASSERT_PTR_NULL(param_lookup("network"));
	CU_ASSERT_PTR_NULL(param_lookup("network.*"));
	CU_ASSERT_PTR_NULL(param_lookup("duration.x"));
	CU_ASSERT_PTR_NULL(param_lookup(""));
	CU_ASSERT_TRUE(param_is_group("apps"));
	CU_ASSERT_FALSE(param_is_group("network"));
	CU_ASSERT_FALSE(param_is_group("apps.rpc"));
	CU_ASSERT_FALSE(param_is_group("duration"));
	CU_ASSERT_FALSE(param_is_group("app"));
	CU_ASSERT_FALSE(param_is_group(""));
}

/* Every default parses, is in range, and prints to text that parses to
 * the same canonical text. */
static void test_defaults(void)
{
	char err[512], text[256], text2[256];
	struct param_val v, v2;

	for (size_t i = 0; i < param_count(); i++) {
		const struct param_def *d = param_at(i);
		int rc;

		CHECKF(d->help && *d->help && d->source && *d->source,
		       "%s: help and source", d->path);
		if (d->type == PT_ENUM)
			CHECKF(d->choices && *d->choices, "%s: choices",
			       d->path);
		if (!d->def)
			continue;
		rc = param_parse(d, d->def, &v, err, sizeof(err));
		CHECKF(rc == 0, "default of %s ('%s'): %s", d->path, d->def,
		       err);
		if (rc)
			continue;
		CHECK_EQ(v.type, d->type);
		param_format(&v, text, sizeof(text));
		if (d->type == PT_SIZE_TABLE)
			continue;
		rc = param_parse(d, text, &v2, err, sizeof(err));
		CHECKF(rc == 0, "%s: canonical '%s' does not parse: %s",
		       d->path, text, err);
		param_format(&v2, text2, sizeof(text2));
		CHECKF(!strcmp(text, text2), "%s: '%s' then '%s'", d->path,
		       text, text2);
	}
}

struct parse_case {
	const char *path; /* declared path, or "t.*" for the local ones */
	const char *in;
	int rc;
	const char *out; /* canonical text, or the whole message */
};

static const struct param_def *find_def(const char *path)
{
	static const struct param_def *const local[] = { &def_bool, &def_float,
							 &def_frac, &def_pkt };

	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!strcmp(local[i]->path, path))
			return local[i];
	for (size_t i = 0; i < param_count(); i++)
		if (!strcmp(param_at(i)->path, path))
			return param_at(i);
	return NULL;
}

static void test_parse(void)
{
	static const struct parse_case cases[] = {
		{ "seed", "42", 0, "42" },
		{ "seed", " 7 ", 0, "7" },
		{ "seed", "1.5", -EINVAL,
		  "'1.5' is not an integer; expected an integer such as 1000" },
		{ "seed", "1e6", -EINVAL,
		  "'1e6' is not an integer; expected an integer such as 1000" },
		{ "seed", "ten", -EINVAL,
		  "expected an integer such as 1000, not 'ten'" },
		{ "seed", "99999999999999999999", -ERANGE,
		  "'99999999999999999999' is too large for an integer: the maximum is 9007199254740991" },
		{ "seed", "-3", -ERANGE, "-3 is below the minimum 0" },
		{ "seed", "9007199254740992", -ERANGE,
		  "9007199254740992 is above the maximum 9007199254740991" },
		{ "seed", "9007199254740991", 0, "9007199254740991" },
		{ "repetitions", "0", -ERANGE, "0 is below the minimum 1" },
		{ "repetitions", "", -EINVAL,
		  "missing value; expected an integer such as 1000" },
		{ "network.rate", "0bps", -ERANGE,
		  "0bps is below the minimum 1kbps" },
		{ "network.rate", "2Tbps", -ERANGE,
		  "2Tbps is above the maximum 1.6Tbps" },
		{ "network.rate", "1.25GB/s", 0, "10Gbps" },
		{ "network.rate", "1e30Gbps", -ERANGE,
		  "'1e30Gbps' is too large: the maximum is 1.6Tbps" },
		{ "network.delay", "-5us", -ERANGE,
		  "'-5us' is negative; expected a time such as 450ns (units: ps, ns, us, ms, s)" },
		{ "network.delay", "10xs", -EINVAL,
		  "unknown unit 'xs' in '10xs'; expected a time such as 450ns (units: ps, ns, us, ms, s)" },
		{ "network.delay", "5", -EINVAL,
		  "'5' has no unit; expected a time such as 450ns (units: ps, ns, us, ms, s)" },
		{ "network.delay", "soon", -EINVAL,
		  "expected a time such as 450ns (units: ps, ns, us, ms, s), not 'soon'" },
		{ "network.delay", "0", 0, "0ps" },
		{ "network.delay", "2500ns", 0, "2.5us" },
		{ "duration", "0", -ERANGE, "0ps is below the minimum 1ps" },
		{ "duration", "10Gbps", -EINVAL,
		  "'10Gbps' is a bit rate; expected a time such as 450ns (units: ps, ns, us, ms, s)" },
		{ "network.queue_bytes", "64KiB", 0, "64KiB" },
		{ "network.queue_bytes", "2PB", -EINVAL,
		  "unknown unit 'PB' in '2PB'; expected a size such as 1500B (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB; a bare integer is bytes)" },
		{ "network.queue_bytes", "1001TB", -ERANGE,
		  "1001TB is above the maximum 1000TB" },
		{ "apps.*.size", "0B", -ERANGE, "0B is below the minimum 1B" },
		{ "apps.*.rate", "200kpps", 0, "200kpps" },
		{ "apps.*.rate", "8Gbps", 0, "8Gbps" },
		{ "apps.*.rate", "0pps", -ERANGE,
		  "0pps is below the minimum 0.001pps" },
		{ "apps.*.rate", "20Tbps", -ERANGE,
		  "20Tbps is above the maximum 10Tbps" },
		{ "apps.*.pattern", "cbr", 0, "cbr" },
		{ "apps.*.pattern", "poison", -EINVAL,
		  "expected one of poisson, cbr, rpc, bulk, replay, not 'poison'; did you mean 'poisson'?" },
		{ "apps.*.pattern", "CBR", -EINVAL,
		  "expected one of poisson, cbr, rpc, bulk, replay, not 'CBR'; did you mean 'cbr'?" },
		{ "apps.*.pattern", "uniformly", -EINVAL,
		  "expected one of poisson, cbr, rpc, bulk, replay, not 'uniformly'" },
		{ "apps.*.size_dist", "exponentail", -EINVAL,
		  "expected one of fixed, exponential, uniform, empirical, not 'exponentail'; did you mean 'exponential'?" },
		{ "apps.*.size_table", "[]", 0, "[]" },
		{ "apps.*.size_table", "64B", -EINVAL,
		  "expected a list of [size, weight] pairs such as [[64B, 7], [1500B, 1]], not '64B'" },
		{ "name", "a study", 0, "a study" },
		{ "t.flag", "yes", 0, "true" },
		{ "t.flag", "Off", 0, "false" },
		{ "t.flag", "on", 0, "true" },
		{ "t.flag", "FALSE", 0, "false" },
		{ "t.flag", "maybe", -EINVAL,
		  "expected true or false (or yes/no, on/off), not 'maybe'" },
		{ "t.flag", "1", -EINVAL,
		  "expected true or false (or yes/no, on/off), not '1'" },
		{ "t.x", "2.5", 0, "2.5" },
		{ "t.x", "0.1", 0, "0.1" },
		{ "t.x", "1e-3", 0, "0.001" },
		{ "t.x", "11", -ERANGE, "11 is above the maximum 10" },
		{ "t.x", "-0.5", -ERANGE, "-0.5 is below the minimum 0" },
		{ "t.x", "1e400", -ERANGE,
		  "'1e400' is too large: the maximum is 10" },
		{ "t.x", "inf", -EINVAL,
		  "expected a number such as 0.5, not 'inf'" },
		{ "t.x", "2us", -EINVAL,
		  "expected a number such as 0.5, not '2us'" },
		{ "t.share", "30%", 0, "0.3" },
		{ "t.share", "0.25", 0, "0.25" },
		{ "t.share", "1.5", -ERANGE, "1.5 is above the maximum 1" },
		{ "t.share", "150%", -ERANGE, "150% is above the maximum 1" },
		{ "t.share", "-0.1", -ERANGE,
		  "'-0.1' is negative; expected a fraction between 0 and 1 such as 0.2 or 20%" },
		{ "t.pps", "10Gbps", -EINVAL,
		  "'10Gbps' is a bit rate; expected a packet rate such as 200kpps (units: pps, kpps, Mpps, Gpps)" },
		{ "t.pps", "0.5pps", -ERANGE,
		  "0.5pps is below the minimum 1pps" },
		{ "t.pps", "2Gpps", -ERANGE,
		  "2Gpps is above the maximum 1Gpps" },
	};
	char err[512], text[256];
	struct param_val v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		const struct param_def *d = find_def(c->path);
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		rc = param_parse(d, c->in, &v, err, sizeof(err));
		CHECKF(rc == c->rc, "%s '%s': rc %d, want %d (%s)", c->path,
		       c->in, rc, c->rc, err);
		if (rc != c->rc)
			continue;
		if (rc) {
			CHECKF(!strcmp(err, c->out), "%s '%s': '%s', want '%s'",
			       c->path, c->in, err, c->out);
			continue;
		}
		CHECK_EQ(v.type, d->type);
		param_format(&v, text, sizeof(text));
		CHECKF(!strcmp(text, c->out), "%s '%s': '%s', want '%s'",
		       c->path, c->in, text, c->out);
	}
}

static void test_values(void)
{
	const struct param_def *rate = param_lookup("apps.x.rate");
	struct param_val v;
	char err[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
	CHECK_EQ(param_parse(rate, "200kpps", &v, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(v.per_packet);
	CHECK_EQ(v.u.d, 2e5);
	CHECK_EQ(param_parse(rate, "1.25GB/s", &v, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(v.per_packet);
	CHECK_EQ(v.u.d, 1e10);
	CHECK_EQ(param_parse(&def_bool, "yes", &v, err, sizeof(err)), 0);
	CHECK_EQ(v.u.i, 1);
	CHECK_EQ(param_parse(param_lookup("duration"), "1.5us", &v, err,
			     sizeof(err)),
		 0);
	CHECK_EQ(v.u.t, 1500000);
	CHECK_EQ(param_parse(param_lookup("apps.a.size"), "1.5KiB", &v, err,
			     sizeof(err)),
		 0);
	CHECK_EQ(v.u.size, 1536);
	CHECK_EQ(param_parse(param_lookup("apps.a.size_table"), "[]", &v, err,
			     sizeof(err)),
		 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.u.table);
	CHECK_EQ(v.u.table->n, 0);
	/* a string or enum points into the text given */
	{
		const char *text = "cbr";

		CHECK_EQ(param_parse(param_lookup("apps.a.pattern"), text, &v,
				     err, sizeof(err)),
			 0);
		CU_ASSERT_PTR_EQUAL(v.u.s, text);
	}
}

static void test_format(void)
{
	double sizes[] = { 64, 1500, 9216 }, weights[] = { 7, 1, 0.25 };
	struct param_table t = { 3, sizes, weights };
	struct param_val v = { .type = PT_SIZE_TABLE, .u.table = &t };
	char buf[128];

	CHECK_EQ(param_format(&v, buf, sizeof(buf)), 36);
	CU_ASSERT_STRING_EQUAL(buf, "[[64B, 7], [1500B, 1], [9KiB, 0.25]]");
	/* truncated, but the count is the whole length */
	CHECK_EQ(param_format(&v, buf, 10), 36);
	CU_ASSERT_STRING_EQUAL(buf, "[[64B, 7]");
	v = (struct param_val){ .type = PT_RATE,
				.per_packet = true,
				.u.d = 1.5e6 };
	param_format(&v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1.5Mpps");
	v.per_packet = false;
	param_format(&v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "1.5Mbps");
	v = (struct param_val){ .type = PT_TIME, .u.t = 450000 };
	param_format(&v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "450ns");
	v = (struct param_val){ .type = PT_BOOL, .u.i = 0 };
	param_format(&v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "false");
	v = (struct param_val){ .type = PT_INT, .u.i = -12 };
	param_format(&v, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-12");
}

static void test_range_text(void)
{
	static const struct {
		const char *path;
		const char *text;
	} cases[] = {
		{ "network.rate", "1kbps .. 1.6Tbps" },
		{ "duration", ">= 1ps" },
		{ "warmup", ">= 0ps" },
		{ "engine", "" },
		{ "name", "" },
		{ "apps.*.rate",
		  "0.001bps .. 10Tbps or 0.001pps .. 10000Gpps" },
		{ "repetitions", "1 .. 1000000" },
		{ "network.queue_bytes", "0B .. 1000TB" },
		{ "apps.*.size", "1B .. 1GB" },
		{ "apps.*.size_table", "" },
		{ "t.share", "0 .. 1" },
		{ "t.x", "0 .. 10" },
		{ "t.flag", "" },
		{ "t.pps", "1pps .. 1Gpps" },
	};
	char buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct param_def *d = find_def(cases[i].path);

		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		param_range_text(d, buf, sizeof(buf));
		CHECKF(!strcmp(buf, cases[i].text), "%s: '%s', want '%s'",
		       cases[i].path, buf, cases[i].text);
	}
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(param_type_name(PT_TIME), "time");
	CU_ASSERT_STRING_EQUAL(param_type_name(PT_SIZE), "size");
	CU_ASSERT_STRING_EQUAL(param_type_name(PT_RATE), "rate");
	CU_ASSERT_STRING_EQUAL(param_type_name(PT_SIZE_TABLE), "size table");
	CU_ASSERT_STRING_EQUAL(param_unit(PT_TIME), "ps");
	CU_ASSERT_STRING_EQUAL(param_unit(PT_SIZE), "B");
	CU_ASSERT_STRING_EQUAL(param_unit(PT_RATE), "bps or pps");
	CU_ASSERT_STRING_EQUAL(param_unit(PT_INT), "");
	CHECK_EQ(param_distance("kitten", "sitting"), 3);
	CHECK_EQ(param_distance("", "abc"), 3);
	CHECK_EQ(param_distance("abc", ""), 3);
	CHECK_EQ(param_distance("same", "same"), 0);
	CHECK_EQ(param_distance("duraton", "duration"), 1);
	CHECK_EQ(param_distance("ab", "ba"), 2);
}

int suite_param(void)
{
	CU_pSuite s = CU_add_suite("param", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "iteration order", test_iterate) ||
	    !CU_add_test(s, "lookup with '*'", test_lookup) ||
	    !CU_add_test(s, "every default parses", test_defaults) ||
	    !CU_add_test(s, "parse and messages", test_parse) ||
	    !CU_add_test(s, "parsed values", test_values) ||
	    !CU_add_test(s, "format", test_format) ||
	    !CU_add_test(s, "range text", test_range_text) ||
	    !CU_add_test(s, "names and distance", test_names))
		return CU_get_error();
	return 0;
}
