/*
 * param.h - parameter declarations and typed values.
 *
 * Every scenario parameter is declared once, by its owner (a model's
 * X_params.c, or the run's sim_params.c), in a table of struct param_def
 * that ends with an entry whose path is NULL. A declaration gives the
 * dotted path, the type (which fixes the unit), the default as it would be
 * written in a scenario, the valid range in canonical units, one line of
 * meaning and the public source of the default. The scenario loader
 * validates against it (sim/scenario/registry.h finds a declaration by
 * path), `usnsim params` prints it, and docs/reference/parameters.md is
 * generated from it.
 *
 * A '*' in a path stands for an instance name chosen by the scenario, e.g.
 * "apps.*.rate" matches "apps.rpc.rate". The path before the '*' ("apps")
 * is an instance group.
 */
#ifndef USNSIM_PARAM_H
#define USNSIM_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"
#include "units.h"

enum param_type {
	PT_STRING,     /* free text */
	PT_ENUM,       /* one of def->choices, "a|b|c" */
	PT_BOOL,       /* true/false, yes/no, on/off */
	PT_INT,	       /* signed integer, no unit */
	PT_FLOAT,      /* real number, no unit */
	PT_TIME,       /* ps; "450ns" */
	PT_BITRATE,    /* bit/s; "10Gbps", "1.25GB/s" */
	PT_PKTRATE,    /* packets/s; "200kpps" */
	PT_RATE,       /* a bit rate or a packet rate, either is accepted */
	PT_SIZE,       /* bytes; "64KiB", "1500B" */
	PT_FRACTION,   /* [0, 1]; "0.2" or "20%" */
	PT_SIZE_TABLE, /* a list of [size, weight] pairs */
};

struct param_def {
	const char *path; /* "apps.*.rate" */
	enum param_type type;
	const char *def; /* default as written in a scenario; NULL: required */
	const char *choices; /* PT_ENUM: "poisson|cbr"; PT_TIME: "auto" if
				the word auto is accepted too, read as
				PARAM_TIME_AUTO; else NULL */
	double min, max;     /* inclusive range in canonical units */
	const char *help;    /* one line of meaning */
	const char *source;  /* where the default comes from */
};

/* The value of a PT_TIME parameter given as auto (see choices). */
#define PARAM_TIME_AUTO ((sim_time)-1)

struct param_table {
	size_t n;
	double *value; /* canonical unit of the table (bytes for sizes) */
	double *weight;
};

struct param_val {
	enum param_type type;
	bool per_packet; /* PT_RATE: true if given as a packet rate */
	union {
		int64_t i;     /* PT_INT, PT_BOOL (0/1) */
		double d;      /* PT_FLOAT, PT_FRACTION, PT_*RATE */
		sim_time t;    /* PT_TIME */
		uint64_t size; /* PT_SIZE */
		const char *s; /* PT_STRING, PT_ENUM (owned by the scenario) */
		const struct param_table *table; /* PT_SIZE_TABLE */
	} u;
};

/* Levenshtein distance between a and b, for "did you mean" hints. */
size_t param_distance(const char *a, const char *b);

/* Parses a scalar into out. Returns 0, or -EINVAL / -ERANGE with a message
 * in err such as "expected a time such as 450ns (units: ps, ns, us, ms, s)"
 * or "1.5 is above the maximum 1". PT_STRING/PT_ENUM values point into text
 * (the caller keeps it alive). PT_SIZE_TABLE cannot be parsed from a
 * scalar: -EINVAL, except the empty list "[]" (how a default is written). */
int param_parse(const struct param_def *def, const char *text,
		struct param_val *out, char *err, size_t errlen);
/* Canonical text of a value (what the database stores), e.g. "1.5us". */
int param_format(const struct param_val *val, char *buf, size_t n);

/* A value as a quantity for expressions (where:, expect:): its unit kind
 * and its number in canonical units (ps, B, bit/s, packets/s, fraction;
 * int and bool as plain numbers), or *str for a string or enum. Returns 0,
 * or -EDOM for a size table, which is no quantity. */
int param_quantity(const struct param_val *pv, enum unit_kind *kind,
		   double *num, const char **str);

const char *param_type_name(enum param_type type); /* "time", "size" .. */
/* Unit shown to users: "ps" for time, "B" for size, "bps or pps" ... */
const char *param_unit(enum param_type type);
/* Range as text in the parameter's own units ("0 .. 1", ">= 1B"), or ""
 * when unbounded; for `usnsim params`. */
int param_range_text(const struct param_def *def, char *buf, size_t n);

/*
 * Where a model's config loader reads effective values: a view of the
 * loaded scenario that the run layer hands down (scn_source()), so that no
 * model sees the scenario loader. get returns the value of a concrete
 * path, or NULL if none is declared; where writes the value's position
 * ("file:line:col", "--set:N:COL", or the file name for a default) for
 * errors found in a combination of values; instances lists the instance
 * names of a group ("apps") in file order and returns their number.
 */
struct param_src {
	const void *ctx;
	const struct param_val *(*get)(const void *ctx, const char *path);
	int (*where)(const void *ctx, const char *path, char *buf, size_t n);
	size_t (*instances)(const void *ctx, const char *group,
			    const char *const **names);
	/* whether path's value was given (in the file, by like: or by
	 * --set) rather than left at its default; NULL: never */
	bool (*given)(const void *ctx, const char *path);
};

/* Typed reads of prefix.key (key alone when prefix is NULL or ""). They
 * abort() on a path that is not declared with a matching type, since that
 * is a bug in the caller, not bad input. */
const struct param_val *param_get(const struct param_src *src,
				  const char *prefix, const char *key);
sim_time param_time(const struct param_src *src, const char *prefix,
		    const char *key);
/* float, fraction, bit rate, packet rate, rate */
double param_double(const struct param_src *src, const char *prefix,
		    const char *key);
uint64_t param_size(const struct param_src *src, const char *prefix,
		    const char *key);
/* int, bool */
int64_t param_int(const struct param_src *src, const char *prefix,
		  const char *key);
/* string, enum (valid while the scenario lives) */
const char *param_str(const struct param_src *src, const char *prefix,
		      const char *key);
/* Whether prefix.key was given rather than left at its default (false
 * for a source without param_src.given). */
bool param_given(const struct param_src *src, const char *prefix,
		 const char *key);
/* Position of prefix.key's value, as param_src.where; returns its length. */
int param_where(const struct param_src *src, const char *prefix,
		const char *key, char *buf, size_t n);

#endif
