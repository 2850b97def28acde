/*
 * units.c - parsing and printing of quantities with units.
 *
 * A number is read into an exact decimal (its significant digits and a
 * power of ten), never through a binary double, so "0.1ns" is exactly
 * 100 ps. Times and sizes are then scaled by the unit in integer arithmetic
 * (powers of ten are a shift of the decimal point, powers of 1024 are
 * exact doublings of the digits) and rounded to nearest, halves away from
 * zero: "2.5ps" is 3 ps. Rates and fractions are doubles: the decimal is
 * handed to strtod() once, with the unit's power of ten folded into the
 * exponent, so the result is the double nearest to the exact value.
 *
 * Assumptions: at most UNITS_DIGITS significant digits (more is -EINVAL);
 * rates above UNITS_RATE_MAX per second are -ERANGE, since no link or
 * source comes near and such a value is a typo ("1e30Gbps").
 *
 * Printing picks the largest unit not above the value and prints the value
 * in it exactly (times) or with the fewest digits that read back to the
 * same double (rates, fractions). Sizes print in the unit giving the
 * shortest exact text with at most two decimals ("1.5KiB", "1.5GB"; MB and
 * up only, so 1500 stays "1500B"), else in bytes. Fractions print as plain
 * numbers ("0.25"), so a stored parameter is directly usable as a number.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "units.h"

#define UNITS_DIGITS 100
#define UNITS_EXP_MAX 100000L
#define UNITS_RATE_MAX 1e21
/* Fraction digits below this many leading zeros cannot change a rounded
 * result, even after scaling by 2^40. */
#define UNITS_FRAC_ZEROS 30

/* value = d[0..n) * 10^exp; n == 0 is zero */
struct units_dec {
	char d[UNITS_DIGITS];
	int n;
	long exp;
	bool neg;
};

struct units_unit {
	const char *name;
	enum unit_kind kind;
	int p10; /* power of ten of the unit in canonical units */
	int p2;	 /* power of two (binary prefixes, and x8 for bytes/s) */
};

static const struct units_unit units_table[] = {
	{ "ps", UNIT_TIME, 0, 0 },
	{ "ns", UNIT_TIME, 3, 0 },
	{ "us", UNIT_TIME, 6, 0 },
	{ "\xc2\xb5s", UNIT_TIME, 6, 0 }, /* U+00B5 micro sign */
	{ "\xce\xbcs", UNIT_TIME, 6, 0 }, /* U+03BC Greek mu */
	{ "ms", UNIT_TIME, 9, 0 },
	{ "s", UNIT_TIME, 12, 0 },
	{ "bps", UNIT_BITRATE, 0, 0 },
	{ "kbps", UNIT_BITRATE, 3, 0 },
	{ "Mbps", UNIT_BITRATE, 6, 0 },
	{ "Gbps", UNIT_BITRATE, 9, 0 },
	{ "Tbps", UNIT_BITRATE, 12, 0 },
	{ "b/s", UNIT_BITRATE, 0, 0 },
	{ "kb/s", UNIT_BITRATE, 3, 0 },
	{ "Mb/s", UNIT_BITRATE, 6, 0 },
	{ "Gb/s", UNIT_BITRATE, 9, 0 },
	{ "Tb/s", UNIT_BITRATE, 12, 0 },
	{ "B/s", UNIT_BITRATE, 0, 3 },
	{ "KB/s", UNIT_BITRATE, 3, 3 },
	{ "MB/s", UNIT_BITRATE, 6, 3 },
	{ "GB/s", UNIT_BITRATE, 9, 3 },
	{ "TB/s", UNIT_BITRATE, 12, 3 },
	{ "KiB/s", UNIT_BITRATE, 0, 13 },
	{ "MiB/s", UNIT_BITRATE, 0, 23 },
	{ "GiB/s", UNIT_BITRATE, 0, 33 },
	{ "pps", UNIT_PKTRATE, 0, 0 },
	{ "kpps", UNIT_PKTRATE, 3, 0 },
	{ "Mpps", UNIT_PKTRATE, 6, 0 },
	{ "Gpps", UNIT_PKTRATE, 9, 0 },
	{ "B", UNIT_SIZE, 0, 0 },
	{ "KB", UNIT_SIZE, 3, 0 },
	{ "MB", UNIT_SIZE, 6, 0 },
	{ "GB", UNIT_SIZE, 9, 0 },
	{ "TB", UNIT_SIZE, 12, 0 },
	{ "KiB", UNIT_SIZE, 0, 10 },
	{ "MiB", UNIT_SIZE, 0, 20 },
	{ "GiB", UNIT_SIZE, 0, 30 },
	{ "TiB", UNIT_SIZE, 0, 40 },
	{ "%", UNIT_FRACTION, -2, 0 },
};

#define UNITS_NTABLE (sizeof(units_table) / sizeof(units_table[0]))

/* Reads a decimal number at s; returns the end of it, or NULL if there is
 * no number or it has too many significant digits. */
static const char *units_scan_number(const char *s, struct units_dec *v)
{
	long zeros = 0, frac = 0, e = 0;
	bool any = false, point = false, eneg = false;

	memset(v, 0, sizeof(*v));
	if (*s == '+' || *s == '-')
		v->neg = *s++ == '-';
	for (;; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			break;
		any = true;
		frac += point;
		if (*s == '0') {
			zeros += v->n > 0;
			continue;
		}
		if (v->n + zeros >= UNITS_DIGITS)
			return NULL;
		memset(v->d + v->n, '0', zeros);
		v->n += zeros;
		zeros = 0;
		v->d[v->n++] = *s;
	}
	if (!any)
		return NULL;
	if ((*s == 'e' || *s == 'E') &&
	    (isdigit((unsigned char)s[1]) ||
	     ((s[1] == '+' || s[1] == '-') && isdigit((unsigned char)s[2])))) {
		s++;
		if (*s == '+' || *s == '-')
			eneg = *s++ == '-';
		for (; isdigit((unsigned char)*s); s++)
			if (e < UNITS_EXP_MAX)
				e = e * 10 + (*s - '0');
		if (eneg)
			e = -e;
	}
	v->exp = v->n ? zeros + e - frac : 0;
	return s;
}

/* Splits s into a number and a unit. *unit is NULL for a bare number.
 * Returns 0 or -EINVAL (no number, or an unknown unit). */
static int units_split(const char *s, struct units_dec *v,
		       const struct units_unit **unit)
{
	const char *p, *end;
	size_t len;

	*unit = NULL;
	while (isspace((unsigned char)*s))
		s++;
	p = units_scan_number(s, v);
	if (!p)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - p);
	if (len == 0)
		return 0;
	for (size_t i = 0; i < UNITS_NTABLE; i++) {
		if (strlen(units_table[i].name) == len &&
		    memcmp(units_table[i].name, p, len) == 0) {
			*unit = &units_table[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* Splits s and checks the unit is of kind want (or absent). */
static int units_split_kind(const char *s, enum unit_kind want,
			    struct units_dec *v, const struct units_unit **unit)
{
	int err = units_split(s, v, unit);

	if (err)
		return err;
	if (*unit && (*unit)->kind != want)
		return -EDOM;
	if (v->neg && v->n)
		return -ERANGE;
	return 0;
}

/* Doubles the decimal fraction 0.f[0..n) in place; returns the carry. */
static int units_frac_double(char *f, int n)
{
	int carry = 0;

	for (int i = n - 1; i >= 0; i--) {
		int x = (f[i] - '0') * 2 + carry;

		f[i] = (char)('0' + x % 10);
		carry = x / 10;
	}
	return carry;
}

/* *out = round(v * 10^p10 * 2^p2), halves away from zero; -ERANGE above
 * max. */
static int units_dec_to_u64(const struct units_dec *v, int p10, int p2,
			    uint64_t max, uint64_t *out)
{
	char f[UNITS_FRAC_ZEROS + UNITS_DIGITS];
	long e = v->exp + p10, ilen = v->n + e;
	uint64_t ip = 0;
	int fl = 0;

	if (!v->n) {
		*out = 0;
		return 0;
	}
	if (ilen > 20)
		return -ERANGE;
	for (long i = 0; i < ilen; i++) {
		unsigned dgt = i < v->n ? (unsigned)(v->d[i] - '0') : 0;

		if (ip > (UINT64_MAX - dgt) / 10)
			return -ERANGE;
		ip = ip * 10 + dgt;
	}
	if (ilen >= -UNITS_FRAC_ZEROS) {
		for (long i = ilen; i < 0; i++)
			f[fl++] = '0';
		for (long i = ilen > 0 ? ilen : 0; i < v->n; i++)
			f[fl++] = v->d[i];
	}
	for (int k = 0; k < p2; k++) {
		if (ip > UINT64_MAX / 2)
			return -ERANGE;
		ip = ip * 2 + (uint64_t)units_frac_double(f, fl);
	}
	if (fl > 0 && f[0] >= '5') {
		if (ip == UINT64_MAX)
			return -ERANGE;
		ip++;
	}
	if (ip > max)
		return -ERANGE;
	*out = ip;
	return 0;
}

/* *out = the double nearest to v * 10^p10 * 2^p2. */
static int units_dec_to_double(const struct units_dec *v, int p10, int p2,
			       double *out)
{
	char buf[UNITS_DIGITS + 32];
	double x;

	if (!v->n) {
		*out = 0;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%.*se%ld", v->n, v->d, v->exp + p10);
	x = ldexp(strtod(buf, NULL), p2);
	if (!isfinite(x))
		return -ERANGE;
	*out = x;
	return 0;
}

int units_parse_time(const char *s, sim_time *ps)
{
	const struct units_unit *u;
	struct units_dec v;
	uint64_t x;
	int err;

	err = units_split_kind(s, UNIT_TIME, &v, &u);
	if (err)
		return err;
	if (!u && v.n)
		return -EINVAL;
	err = units_dec_to_u64(&v, u ? u->p10 : 0, 0, INT64_MAX, &x);
	if (err)
		return err;
	*ps = (sim_time)x;
	return 0;
}

static int units_parse_rate(const char *s, enum unit_kind kind, double *out)
{
	const struct units_unit *u;
	struct units_dec v;
	double x;
	int err;

	err = units_split_kind(s, kind, &v, &u);
	if (err)
		return err;
	if (!u)
		return -EINVAL;
	err = units_dec_to_double(&v, u->p10, u->p2, &x);
	if (err)
		return err;
	if (x > UNITS_RATE_MAX)
		return -ERANGE;
	*out = x;
	return 0;
}

int units_parse_bitrate(const char *s, double *bps)
{
	return units_parse_rate(s, UNIT_BITRATE, bps);
}

int units_parse_pktrate(const char *s, double *pps)
{
	return units_parse_rate(s, UNIT_PKTRATE, pps);
}

int units_parse_size(const char *s, uint64_t *bytes)
{
	const struct units_unit *u;
	struct units_dec v;
	int err;

	err = units_split_kind(s, UNIT_SIZE, &v, &u);
	if (err)
		return err;
	if (!u && v.exp < 0)
		return -EINVAL; /* a bare number must be a whole byte count */
	return units_dec_to_u64(&v, u ? u->p10 : 0, u ? u->p2 : 0, UINT64_MAX,
				bytes);
}

int units_parse_fraction(const char *s, double *f)
{
	const struct units_unit *u;
	struct units_dec v;
	int err;

	err = units_split_kind(s, UNIT_FRACTION, &v, &u);
	if (err)
		return err;
	if (u)
		v.exp += u->p10;
	/* above 1 unless below 1 (n + exp <= 0) or exactly "1" */
	if (v.n && v.n + v.exp > 0 && !(v.n == 1 && v.d[0] == '1' && !v.exp))
		return -ERANGE;
	return units_dec_to_double(&v, 0, 0, f);
}

enum unit_kind units_kind_of(const char *s)
{
	const struct units_unit *u;
	struct units_dec v;

	if (units_split(s, &v, &u))
		return (enum unit_kind) - 1;
	return u ? u->kind : UNIT_NONE;
}

/* Prints whole + rem / div, div a power of ten, trailing zeros dropped. */
static int units_fmt_exact(char *buf, size_t n, const char *sign,
			   uint64_t whole, uint64_t rem, uint64_t div,
			   const char *unit)
{
	char fr[24];
	int len = 0;
	size_t off;

	fr[0] = '\0';
	if (rem) {
		fr[len++] = '.';
		for (uint64_t d = div / 10; d && rem; d /= 10) {
			fr[len++] = (char)('0' + rem / d);
			rem %= d;
		}
		fr[len] = '\0';
	}
	off = strbuf_put(buf, n, 0, sign);
	off = strbuf_put_u64(buf, n, off, whole);
	off = strbuf_put(buf, n, off, fr);
	return (int)strbuf_put(buf, n, off, unit);
}

int units_fmt_time(char *buf, size_t n, sim_time ps)
{
	static const struct {
		const char *name;
		uint64_t ps;
	} tu[] = { { "s", 1000000000000ULL },
		   { "ms", 1000000000ULL },
		   { "us", 1000000ULL },
		   { "ns", 1000ULL } };
	uint64_t m = ps < 0 ? 0 - (uint64_t)ps : (uint64_t)ps;
	const char *sign = ps < 0 ? "-" : "";
	size_t off;

	for (size_t i = 0; i < sizeof(tu) / sizeof(tu[0]); i++)
		if (m >= tu[i].ps)
			return units_fmt_exact(buf, n, sign, m / tu[i].ps,
					       m % tu[i].ps, tu[i].ps,
					       tu[i].name);
	off = strbuf_put(buf, n, 0, sign);
	off = strbuf_put_u64(buf, n, off, m);
	return (int)strbuf_put(buf, n, off, "ps");
}

/* Prints bytes / unit if that has at most two decimals; 0 if it has not. */
static int units_fmt_size_in(char *buf, size_t n, uint64_t bytes, uint64_t unit,
			     const char *name)
{
	uint64_t rem = bytes % unit;

	if (bytes < unit || (rem * 100) % unit)
		return 0;
	return units_fmt_exact(buf, n, "", bytes / unit, rem * 100 / unit, 100,
			       name);
}

int units_fmt_size(char *buf, size_t n, uint64_t bytes)
{
	static const struct {
		const char *name;
		uint64_t bytes;
	} su[] = { { "TiB", 1ULL << 40 },      { "GiB", 1ULL << 30 },
		   { "MiB", 1ULL << 20 },      { "KiB", 1ULL << 10 },
		   { "TB", 1000000000000ULL }, { "GB", 1000000000ULL },
		   { "MB", 1000000ULL } };
	char best[48] = "", tmp[48];

	/* the shortest text among the units that give at most two
	 * decimals; bytes only when no unit does */
	for (size_t i = 0; i < sizeof(su) / sizeof(su[0]); i++) {
		if (!units_fmt_size_in(tmp, sizeof(tmp), bytes, su[i].bytes,
				       su[i].name))
			continue;
		if (!best[0] || strlen(tmp) < strlen(best))
			memcpy(best, tmp, sizeof(best));
	}
	if (best[0])
		return (int)strbuf_put(buf, n, 0, best);
	return (int)strbuf_put(buf, n, strbuf_put_u64(buf, n, 0, bytes), "B");
}

/* The fewest significant digits of v that read back to v: v equals
 * digits * 10^(*exp). Returns the number of digits (0 for zero). */
static int units_shortest(double v, char *digits, long *exp)
{
	char tmp[40], *p = tmp;
	int nd = 0;
	long e;

	if (v == 0) {
		*exp = 0;
		return 0;
	}
	for (int prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "d.ddde+XX" */
	for (; *p && *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	e = strtol(p + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	*exp = e - (nd - 1);
	return nd;
}

/* Prints digits * 10^exp / 10^p10 in plain notation when that is short,
 * else with an exponent. */
static int units_fmt_digits(char *buf, size_t n, const char *sign,
			    const char *digits, int nd, long exp,
			    const char *unit)
{
	char out[64];
	long point = nd + exp; /* digits before the decimal point */
	int len = 0;

	if (!nd)
		return snprintf(buf, n, "%s0%s", sign, unit);
	if (point > 21 || point < -6) {
		out[len++] = digits[0];
		if (nd > 1)
			out[len++] = '.';
		memcpy(out + len, digits + 1, (size_t)nd - 1);
		len += nd - 1;
		len += snprintf(out + len, sizeof(out) - (size_t)len, "e%ld",
				point - 1);
	} else if (point <= 0) {
		out[len++] = '0';
		out[len++] = '.';
		for (long i = point; i < 0; i++)
			out[len++] = '0';
		memcpy(out + len, digits, (size_t)nd);
		len += nd;
	} else {
		for (long i = 0; i < point; i++)
			out[len++] = i < nd ? digits[i] : '0';
		if (nd > point) {
			out[len++] = '.';
			memcpy(out + len, digits + point, (size_t)(nd - point));
			len += nd - (int)point;
		}
	}
	out[len] = '\0';
	return snprintf(buf, n, "%s%s%s", sign, out, unit);
}

static int units_fmt_rate(char *buf, size_t n, double v,
			  const char *const *names, int nunits)
{
	const char *sign = v < 0 ? "-" : "";
	char digits[20];
	int nd, k = nunits - 1;
	long exp;

	if (isnan(v))
		return snprintf(buf, n, "nan");
	if (isinf(v))
		return snprintf(buf, n, "%sinf", sign);
	nd = units_shortest(fabs(v), digits, &exp);
	/* the largest unit, 10^(3k), not above the value */
	while (k > 0 && (!nd || nd - 1 + exp < 3 * k))
		k--;
	return units_fmt_digits(buf, n, sign, digits, nd, exp - 3 * k,
				names[k]);
}

int units_fmt_bitrate(char *buf, size_t n, double bps)
{
	static const char *const names[] = { "bps", "kbps", "Mbps", "Gbps",
					     "Tbps" };

	return units_fmt_rate(buf, n, bps, names, 5);
}

int units_fmt_pktrate(char *buf, size_t n, double pps)
{
	static const char *const names[] = { "pps", "kpps", "Mpps", "Gpps" };

	return units_fmt_rate(buf, n, pps, names, 4);
}

int units_fmt_fraction(char *buf, size_t n, double f)
{
	char digits[20];
	long exp;
	int nd;

	if (isnan(f))
		return snprintf(buf, n, "nan");
	if (isinf(f))
		return snprintf(buf, n, "%sinf", f < 0 ? "-" : "");
	nd = units_shortest(fabs(f), digits, &exp);
	return units_fmt_digits(buf, n, f < 0 ? "-" : "", digits, nd, exp, "");
}

const char *units_canonical(enum unit_kind kind)
{
	switch (kind) {
	case UNIT_TIME:
		return "ps";
	case UNIT_BITRATE:
		return "bps";
	case UNIT_PKTRATE:
		return "pps";
	case UNIT_SIZE:
		return "B";
	default:
		return "";
	}
}

const char *units_accepted(enum unit_kind kind)
{
	switch (kind) {
	case UNIT_TIME:
		return "ps, ns, us, ms, s";
	case UNIT_BITRATE:
		return "bps, kbps, Mbps, Gbps, Tbps, b/s .. Tb/s, "
		       "B/s, KB/s, MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s";
	case UNIT_PKTRATE:
		return "pps, kpps, Mpps, Gpps";
	case UNIT_SIZE:
		return "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB";
	case UNIT_FRACTION:
		return "a plain number or %";
	default:
		return "none";
	}
}

sim_time units_tx_time(uint64_t len_bytes, double rate_bps)
{
	long double t;

	if (!(rate_bps > 0))
		return SIM_TIME_MAX;
#ifdef __SIZEOF_INT128__
	if (rate_bps == floor(rate_bps) && rate_bps < 18446744073709551616.0) {
		unsigned __int128 r = (unsigned __int128)(uint64_t)rate_bps;
		unsigned __int128 q;

		/* both terms below 2^63: the same quotient in 64 bits, which
		 * divides several times faster (every packet's hop) */
		if (len_bytes < (UINT64_MAX / 2) / 8000000000000ULL &&
		    rate_bps < 9223372036854775808.0) {
			uint64_t r64 = (uint64_t)rate_bps;

			return (sim_time)((len_bytes * 8000000000000ULL +
					   r64 / 2) /
					  r64);
		}
		q = ((unsigned __int128)len_bytes * 8 * 1000000000000ULL +
		     r / 2) /
		    r;
		return q > INT64_MAX ? SIM_TIME_MAX : (sim_time)q;
	}
#endif
	t = roundl((long double)len_bytes * 8.0L * 1e12L / rate_bps);
	return t >= (long double)INT64_MAX ? SIM_TIME_MAX : (sim_time)t;
}

int units_fmt_time_approx(char *buf, size_t n, double ps, int digits)
{
	static const struct {
		const char *name;
		double ps;
	} tu[] = { { "s", 1e12 }, { "ms", 1e9 }, { "us", 1e6 }, { "ns", 1e3 } };
	double m = ps < 0 ? -ps : ps;

	for (size_t i = 0; i < sizeof(tu) / sizeof(tu[0]); i++)
		if (m >= tu[i].ps)
			return snprintf(buf, n, "%.*g%s", digits, ps / tu[i].ps,
					tu[i].name);
	return snprintf(buf, n, "%.*gps", digits, ps);
}

const char *units_kind_name(enum unit_kind kind)
{
	switch (kind) {
	case UNIT_TIME:
		return "a time";
	case UNIT_BITRATE:
		return "a bit rate";
	case UNIT_PKTRATE:
		return "a packet rate";
	case UNIT_SIZE:
		return "a size";
	case UNIT_FRACTION:
		return "a fraction";
	default:
		return "a plain number";
	}
}
