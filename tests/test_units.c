/*
 * test_units.c - units: exact parsing, printing and round trips.
 *
 * The tables give each input with the exact value it must produce (or the
 * error code); rounding is to nearest with halves up. Round trips print
 * random values of every kind and parse them back, which must give the
 * same value bit for bit. Serialization times are checked against values
 * worked out by hand in exact integer arithmetic.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "util.h"

#include "strbuf.h"
#include "units.h"

struct time_case {
	const char *in;
	int rc;
	sim_time ps;
};

static void test_parse_time(void)
{
	static const struct time_case cases[] = {
		{ "1.5us", 0, 1500000 },
		{ "0.1ns", 0, 100 },
		{ "2.5ps", 0, 3 }, /* halves round up */
		{ "2.4999ps", 0, 2 },
		{ "0.0005ns", 0, 1 },
		{ "0.00049ns", 0, 0 },
		{ "450ns", 0, 450000 },
		{ "1s", 0, 1000000000000LL },
		{ "1.5\xc2\xb5s", 0, 1500000 },
		{ "1.5 us", 0, 1500000 },
		{ "  3ms  ", 0, 3000000000LL },
		{ "0", 0, 0 },
		{ "0.0", 0, 0 },
		{ "1e3ns", 0, 1000000 },
		{ "1E-3s", 0, 1000000000LL },
		{ "+2ns", 0, 2000 },
		{ ".5ns", 0, 500 },
		{ "7.ns", 0, 7000 },
		{ "-0ns", 0, 0 },
		{ "1e-400s", 0, 0 },
		{ "1.00000000000000000000000000001s", 0, 1000000000000LL },
		{ "0.4999999999999999999999999999999ps", 0, 0 },
		{ "0.5000000000000000000000000000001ps", 0, 1 },
		{ "9223372036854775807ps", 0, INT64_MAX },
		{ "9223372.036854775807s", 0, INT64_MAX },
		{ "9223372036854775808ps", -ERANGE, 0 },
		{ "9223373s", -ERANGE, 0 },
		{ "1e30s", -ERANGE, 0 },
		{ "-5us", -ERANGE, 0 },
		{ "5", -EINVAL, 0 },
		{ "10xs", -EINVAL, 0 },
		{ "10 s s", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "1..5us", -EINVAL, 0 },
		{ "us", -EINVAL, 0 },
		{ "1e", -EINVAL, 0 },
		{ "10US", -EINVAL, 0 },
		{ "10Gbps", -EDOM, 0 },
		{ "64KiB", -EDOM, 0 },
		{ "30%", -EDOM, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sim_time t = -1;
		int rc = units_parse_time(cases[i].in, &t);

		CHECKF(rc == cases[i].rc, "time '%s': rc %d, want %d",
		       cases[i].in, rc, cases[i].rc);
		if (!cases[i].rc)
			CHECKF(t == cases[i].ps, "time '%s': %lld, want %lld",
			       cases[i].in, (long long)t,
			       (long long)cases[i].ps);
	}
}

struct size_case {
	const char *in;
	int rc;
	uint64_t bytes;
};

static void test_parse_size(void)
{
	static const struct size_case cases[] = {
		{ "64KiB", 0, 65536 },
		{ "1KB", 0, 1000 },
		{ "1500B", 0, 1500 },
		{ "1536", 0, 1536 },
		{ "1e3", 0, 1000 },
		{ "1.5KiB", 0, 1536 },
		{ "0.5B", 0, 1 },
		{ "0.49B", 0, 0 },
		{ "1.0009765625KiB", 0, 1025 },
		{ "0.00048828125KiB", 0, 1 }, /* exactly 0.5 B */
		{ "0.0004882812KiB", 0, 0 },  /* just below */
		{ "1MiB", 0, 1048576 },
		{ "2GB", 0, 2000000000ULL },
		{ "16TiB", 0, 16ULL << 40 },
		{ "2.5 MB", 0, 2500000 },
		{ "18446744073709551615B", 0, UINT64_MAX },
		{ "18446744073709551616B", -ERANGE, 0 },
		{ "16777216TiB", -ERANGE, 0 },
		{ "-1B", -ERANGE, 0 },
		{ "1.5", -EINVAL, 0 },
		{ "1500b", -EINVAL, 0 },
		{ "1PiB", -EINVAL, 0 },
		{ "10Gbps", -EDOM, 0 },
		{ "1us", -EDOM, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t b = 7;
		int rc = units_parse_size(cases[i].in, &b);

		CHECKF(rc == cases[i].rc, "size '%s': rc %d, want %d",
		       cases[i].in, rc, cases[i].rc);
		if (!cases[i].rc)
			CHECKF(b == cases[i].bytes,
			       "size '%s': %llu, want %llu", cases[i].in,
			       (unsigned long long)b,
			       (unsigned long long)cases[i].bytes);
	}
}

struct dbl_case {
	const char *in;
	int rc;
	double v;
};

static void check_dbl(const char *what, int (*parse)(const char *, double *),
		      const struct dbl_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double v = -1;
		int rc = parse(cases[i].in, &v);

		CHECKF(rc == cases[i].rc, "%s '%s': rc %d, want %d", what,
		       cases[i].in, rc, cases[i].rc);
		if (!cases[i].rc)
			CHECKF(v == cases[i].v, "%s '%s': %.17g, want %.17g",
			       what, cases[i].in, v, cases[i].v);
	}
}

static void test_parse_rates(void)
{
	static const struct dbl_case bit[] = {
		{ "10Gbps", 0, 1e10 },	    { "1.25GB/s", 0, 1e10 },
		{ "100Mb/s", 0, 1e8 },	    { "0.1Gbps", 0, 1e8 },
		{ "1.5kbps", 0, 1500 },	    { "1KiB/s", 0, 8192 },
		{ "2MiB/s", 0, 16777216 },  { "3B/s", 0, 24 },
		{ "1.6Tbps", 0, 1.6e12 },   { "1e21bps", 0, 1e21 },
		{ "1e30Gbps", -ERANGE, 0 }, { "1.1e21bps", -ERANGE, 0 },
		{ "-1Gbps", -ERANGE, 0 },   { "5", -EINVAL, 0 },
		{ "10gbps", -EINVAL, 0 },   { "200kpps", -EDOM, 0 },
		{ "1us", -EDOM, 0 },
	};
	static const struct dbl_case pkt[] = {
		{ "200kpps", 0, 2e5 }, { "1.5Mpps", 0, 1.5e6 },
		{ "2Gpps", 0, 2e9 },   { "0.001pps", 0, 0.001 },
		{ "10 pps", 0, 10 },   { "10Gbps", -EDOM, 0 },
		{ "10", -EINVAL, 0 },  { "-1pps", -ERANGE, 0 },
	};
	static const struct dbl_case frac[] = {
		{ "30%", 0, 0.3 },
		{ "0.25", 0, 0.25 },
		{ "12.5 %", 0, 0.125 },
		{ "1", 0, 1 },
		{ "1.000", 0, 1 },
		{ "100%", 0, 1 },
		{ "0", 0, 0 },
		{ "0%", 0, 0 },
		{ "1e-3", 0, 0.001 },
		{ "100.0000001%", -ERANGE, 0 },
		{ "1.0000000000000000000001", -ERANGE, 0 },
		{ "1.5", -ERANGE, 0 },
		{ "-0.1", -ERANGE, 0 },
		{ "5us", -EDOM, 0 },
		{ "abc", -EINVAL, 0 },
	};

	check_dbl("bitrate", units_parse_bitrate, bit,
		  sizeof(bit) / sizeof(bit[0]));
	check_dbl("pktrate", units_parse_pktrate, pkt,
		  sizeof(pkt) / sizeof(pkt[0]));
	check_dbl("fraction", units_parse_fraction, frac,
		  sizeof(frac) / sizeof(frac[0]));
}

static void test_kind_of(void)
{
	static const struct {
		const char *in;
		int kind;
	} cases[] = {
		{ "10Gbps", UNIT_BITRATE },
		{ "1.25GB/s", UNIT_BITRATE },
		{ "5kpps", UNIT_PKTRATE },
		{ "5", UNIT_NONE },
		{ "5%", UNIT_FRACTION },
		{ "1us", UNIT_TIME },
		{ "64KiB", UNIT_SIZE },
		{ " 2 ms ", UNIT_TIME },
		{ "abc", -1 },
		{ "5furlongs", -1 },
		{ "", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF((int)units_kind_of(cases[i].in) == cases[i].kind,
		       "kind of '%s': %d, want %d", cases[i].in,
		       (int)units_kind_of(cases[i].in), cases[i].kind);
}

static void test_format(void)
{
	static const struct {
		sim_time ps;
		const char *out;
	} times[] = {
		{ 1500000, "1.5us" },
		{ 1, "1ps" },
		{ 0, "0ps" },
		{ 1000, "1ns" },
		{ 999, "999ps" },
		{ 1234567, "1.234567us" },
		{ 1000000000000LL, "1s" },
		{ 60000000000000LL, "60s" },
		{ 2500000000LL, "2.5ms" },
		{ -1500, "-1.5ns" },
		{ 1000000000001LL, "1.000000000001s" },
	};
	static const struct {
		uint64_t b;
		const char *out;
	} sizes[] = {
		{ 1536, "1.5KiB" },
		{ 1500, "1500B" },
		{ 65536, "64KiB" },
		{ 1048576, "1MiB" },
		{ 1000, "1000B" },
		{ 2000000, "2MB" },
		{ 1500000000, "1.5GB" },
		{ 0, "0B" },
		{ 1025, "1025B" },
		{ 1049600, "1025KiB" },
		{ 1280, "1.25KiB" },
		{ 1234567, "1234567B" },
		{ 10240000, "10.24MB" },
		{ 3072000, "3000KiB" },
		{ 1000000, "1MB" },
		{ UINT64_MAX, "18446744073709551615B" },
	};
	static const struct {
		double v;
		int pkt;
		const char *out;
	} rates[] = {
		{ 1e10, 0, "10Gbps" },
		{ 1.5e9, 0, "1.5Gbps" },
		{ 1234.5, 0, "1.2345kbps" },
		{ 0.5, 0, "0.5bps" },
		{ 1e13, 0, "10Tbps" },
		{ 1e16, 0, "10000Tbps" },
		{ 0, 0, "0bps" },
		{ 999, 0, "999bps" },
		{ 0.001, 0, "0.001bps" },
		{ 2e5, 1, "200kpps" },
		{ 1e12, 1, "1000Gpps" },
		{ 80000, 1, "80kpps" },
		{ 1e30, 1, "1e21Gpps" },
	};
	static const struct {
		double f;
		const char *out;
	} fracs[] = {
		{ 0.25, "0.25" },
		{ 0.3, "0.3" },
		{ 1, "1" },
		{ 0, "0" },
		{ 1e-9, "1e-9" },
		{ 0.000001, "0.000001" },
		{ 0.1 + 0.2, "0.30000000000000004" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		units_fmt_time(buf, sizeof(buf), times[i].ps);
		CHECKF(!strcmp(buf, times[i].out), "time %lld: '%s', want '%s'",
		       (long long)times[i].ps, buf, times[i].out);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		units_fmt_size(buf, sizeof(buf), sizes[i].b);
		CHECKF(!strcmp(buf, sizes[i].out), "size %llu: '%s', want '%s'",
		       (unsigned long long)sizes[i].b, buf, sizes[i].out);
	}
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		if (rates[i].pkt)
			units_fmt_pktrate(buf, sizeof(buf), rates[i].v);
		else
			units_fmt_bitrate(buf, sizeof(buf), rates[i].v);
		CHECKF(!strcmp(buf, rates[i].out),
		       "rate %.17g: '%s', want '%s'", rates[i].v, buf,
		       rates[i].out);
	}
	for (size_t i = 0; i < sizeof(fracs) / sizeof(fracs[0]); i++) {
		units_fmt_fraction(buf, sizeof(buf), fracs[i].f);
		CHECKF(!strcmp(buf, fracs[i].out),
		       "fraction %.17g: '%s', want '%s'", fracs[i].f, buf,
		       fracs[i].out);
	}
	/* the count is snprintf's, even when the buffer is too small */
	CHECK_EQ(units_fmt_time(buf, 3, 1500000), 5);
	CU_ASSERT_STRING_EQUAL(buf, "1.");
}

/* xorshift64*: a fixed sequence, so failures reproduce. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* A random value with a random number of digits and trailing zeros, so
 * that every unit is exercised. */
static uint64_t rnd_int(uint64_t *s, uint64_t max)
{
	uint64_t v = rnd(s), p = 1;
	int digits = (int)(rnd(s) % 20), zeros = (int)(rnd(s) % 13);

	for (int i = 0; i < digits; i++)
		p *= 10;
	if (digits < 20)
		v %= p;
	if (rnd(s) % 4 == 0)
		v <<= rnd(s) % 41; /* binary sizes */
	for (int i = 0; i < zeros && v <= max / 10; i++)
		v *= 10;
	return v > max ? v % max : v;
}

static double rnd_double(uint64_t *s)
{
	double m = (double)(rnd(s) >> 11) / 9007199254740992.0 * 10;
	int e = (int)(rnd(s) % 24) - 4;
	double p = 1;

	if (rnd(s) % 3 == 0) /* a short decimal such as 12.5e6 */
		m = (double)(rnd(s) % 1000) / 10;
	for (int i = 0; i < e; i++)
		p *= 10;
	for (int i = 0; i > e; i--)
		p /= 10;
	return m * p;
}

static void test_round_trip(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	char buf[64];

	for (int i = 0; i < 20000; i++) {
		sim_time t = (sim_time)rnd_int(&s, INT64_MAX), t2 = -1;
		uint64_t b = rnd_int(&s, UINT64_MAX), b2 = 0;
		double r = rnd_double(&s), r2 = -1, f, f2 = -1;

		units_fmt_time(buf, sizeof(buf), t);
		CHECKF(!units_parse_time(buf, &t2) && t2 == t,
		       "time %lld -> '%s' -> %lld", (long long)t, buf,
		       (long long)t2);
		units_fmt_size(buf, sizeof(buf), b);
		CHECKF(!units_parse_size(buf, &b2) && b2 == b,
		       "size %llu -> '%s' -> %llu", (unsigned long long)b, buf,
		       (unsigned long long)b2);
		units_fmt_bitrate(buf, sizeof(buf), r);
		CHECKF(!units_parse_bitrate(buf, &r2) && r2 == r,
		       "bitrate %.17g -> '%s' -> %.17g", r, buf, r2);
		units_fmt_pktrate(buf, sizeof(buf), r);
		CHECKF(!units_parse_pktrate(buf, &r2) && r2 == r,
		       "pktrate %.17g -> '%s' -> %.17g", r, buf, r2);
		f = (double)(rnd(&s) >> 11) / 9007199254740992.0;
		if (i % 5 == 0)
			f = (double)(rnd(&s) % 101) / 100;
		units_fmt_fraction(buf, sizeof(buf), f);
		CHECKF(!units_parse_fraction(buf, &f2) && f2 == f,
		       "fraction %.17g -> '%s' -> %.17g", f, buf, f2);
	}
}

static void test_tx_time(void)
{
	/* 1500 B at 10 Gb/s is 1.2 us; 64 B at 400 Gb/s is 1.28 ns */
	CHECK_EQ(units_tx_time(1500, 1e10), 1200000);
	CHECK_EQ(units_tx_time(64, 400e9), 1280);
	/* 8e12 / 3 = 2666666666666.67 */
	CHECK_EQ(units_tx_time(1, 3), 2666666666667LL);
	/* 8e12 / 16e12 = 0.5 ps rounds up; 8e12 / 17e12 down */
	CHECK_EQ(units_tx_time(1, 16e12), 1);
	CHECK_EQ(units_tx_time(1, 17e12), 0);
	/* 1e9 B at 1000000007 bps: 8e21 / 1000000007 = 7999999944000.0004 */
	CHECK_EQ(units_tx_time(1000000000, 1000000007), 7999999944000LL);
	/* 9000 B at 999999999999 bps: 7.2e16 / 999999999999 =
	 * 72000.000000072 */
	CHECK_EQ(units_tx_time(9000, 999999999999.0), 72000);
	/* a rate that is not a whole number: 8e12 / 2.5 */
	CHECK_EQ(units_tx_time(1, 2.5), 3200000000000LL);
	CHECK_EQ(units_tx_time(0, 1e9), 0);
	CHECK_EQ(units_tx_time(1ULL << 40, 1), SIM_TIME_MAX);
	CHECK_EQ(units_tx_time(1, 0), SIM_TIME_MAX);
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(units_canonical(UNIT_TIME), "ps");
	CU_ASSERT_STRING_EQUAL(units_canonical(UNIT_BITRATE), "bps");
	CU_ASSERT_STRING_EQUAL(units_canonical(UNIT_PKTRATE), "pps");
	CU_ASSERT_STRING_EQUAL(units_canonical(UNIT_SIZE), "B");
	CU_ASSERT_STRING_EQUAL(units_canonical(UNIT_FRACTION), "");
	CU_ASSERT_STRING_EQUAL(units_accepted(UNIT_TIME), "ps, ns, us, ms, s");
	CU_ASSERT_STRING_EQUAL(units_accepted(UNIT_PKTRATE),
			       "pps, kpps, Mpps, Gpps");
	CU_ASSERT_PTR_NOT_NULL(strstr(units_accepted(UNIT_BITRATE), "GB/s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(units_accepted(UNIT_SIZE), "KiB"));
}

static void test_format_approx(void)
{
	static const struct {
		double ps;
		const char *want;
	} c[] = {
		{ 20604227.0, "20.6us" }, { 1280.0, "1.28ns" },
		{ 999.0, "999ps" },	  { 0.0, "0ps" },
		{ 2.5e12, "2.5s" },	  { 105644032.0, "105.6us" },
		{ -3e9, "-3ms" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		units_fmt_time_approx(buf, sizeof(buf), c[i].ps, 4);
		CU_ASSERT_STRING_EQUAL(buf, c[i].want);
	}
}

/* strbuf_put() and strbuf_put_u64() write what snprintf's "%s" and "%llu"
 * write, and return the same offsets, at every buffer size from 0 to past
 * the text's length and at offsets inside and beyond the buffer. */
static void test_put_like_snprintf(void)
{
	static const char *const texts[] = { "", "a", "hosts.h1023",
					     "stage.nic_tx_dma" };
	static const uint64_t nums[] = { 0, 7, 10, 1000000000000ULL,
					 UINT64_MAX };
	char a[32], b[32];
	unsigned checked = 0;

	for (size_t n = 0; n <= 24; n++)
		for (size_t off = 0; off <= 26; off++) {
			for (size_t i = 0; i < 4 + 5; i++) {
				size_t ra, rb;
				int len;

				memset(a, '#', sizeof(a));
				memset(b, '#', sizeof(b));
				if (i < 4) {
					ra = strbuf_put(a, n, off, texts[i]);
					len = snprintf(off < n ? b + off : NULL,
						       off < n ? n - off : 0,
						       "%s", texts[i]);
				} else {
					ra = strbuf_put_u64(a, n, off,
							    nums[i - 4]);
					len = snprintf(off < n ? b + off : NULL,
						       off < n ? n - off : 0,
						       "%llu",
						       (unsigned long long)
							       nums[i - 4]);
				}
				rb = off + (size_t)len;
				CHECKF(ra == rb && !memcmp(a, b, sizeof(a)),
				       "n %zu, off %zu, case %zu", n, off, i);
				checked++;
			}
		}
	CHECK_EQ(checked, 25 * 27 * 9);
}

int suite_units(void)
{
	CU_pSuite s = CU_add_suite("units", NULL, NULL);

	if (!s)
		return CU_get_error();
	if (!CU_add_test(s, "parse time", test_parse_time) ||
	    !CU_add_test(s, "parse size", test_parse_size) ||
	    !CU_add_test(s, "parse rates and fractions", test_parse_rates) ||
	    !CU_add_test(s, "kind of a quantity", test_kind_of) ||
	    !CU_add_test(s, "format", test_format) ||
	    !CU_add_test(s, "format for people", test_format_approx) ||
	    !CU_add_test(s, "format/parse round trip", test_round_trip) ||
	    !CU_add_test(s, "serialization time", test_tx_time) ||
	    !CU_add_test(s, "unit names", test_names) ||
	    !CU_add_test(s, "appends like snprintf", test_put_like_snprintf))
		return CU_get_error();
	return 0;
}
