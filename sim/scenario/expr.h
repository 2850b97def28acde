/*
 * expr.h - small expressions over named quantities, for `where:` in sweeps
 * and (later) `expect:` assertions.
 *
 * Grammar (lowest precedence first):
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | cmp
 *   cmp     := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
 *   sum     := product (("+" | "-") product)*
 *   product := unary (("*" | "/") unary)*
 *   unary   := "-" unary | atom
 *   atom    := NUMBER [UNIT] | STRING | NAME | "(" expr ")"
 * NUMBER UNIT is a quantity as in units.h ("20us", "8MiB", "1Gbps",
 * "200kpps", "30%") and evaluates to its canonical value (ps, B, bit/s,
 * packets/s, fraction). STRING is single- or double-quoted. NAME is a dotted
 * path: a letter or '_' first, then letters, digits, '_', '.', and '-' after
 * the first '.' (so `apps.my-app.rate` is one name; write `a - b` with
 * spaces). Names are resolved by the caller.
 *
 * Values carry a dimension: exponents of time and of information (bits),
 * so that * and / give the kind they should: a bit rate times a time is a
 * size (1Gbps * 1us == 125B), a size over a time a bit rate, a bit rate
 * over a size a packet rate, a packet rate times a time a plain number (a
 * count: packets are counted, not measured), a time over a time a plain
 * number. Adding, subtracting or comparing values of different dimensions
 * is an error found when the expression is bound, before anything runs;
 * so is a bare number (one written without a unit) beside a quantity
 * with one, "p99 < 13", whose message suggests the unit that brings the
 * number nearest to the other side ("13 has no unit ...; did you mean
 * 13us?"). A bare 0 goes with any dimension. A bare number is fine with
 * * and / ("2 * 20us") and beside plain numbers and fractions. Strings
 * compare only with == and != against strings. Comparisons and logic give
 * 1 or 0. Values are held in canonical units (ps, B, bit/s, packets/s),
 * and a product that is none of these kinds in SI units (s, bit).
 */
#ifndef USNSIM_EXPR_H
#define USNSIM_EXPR_H

#include <stddef.h>

#include "units.h"

struct expr;

struct expr_value {
	enum unit_kind kind; /* UNIT_NONE for a plain number */
	double num;
	const char *str; /* non-NULL for a string value */
};

/* Resolves a name to a value; returns 0, or -ENOENT if the name is
 * unknown (then *hint may be set to a suggestion such as "did you mean
 * 'apps.src.rate'?", valid until the next call). */
typedef int (*expr_resolve_fn)(void *ctx, const char *name,
			       struct expr_value *out, const char **hint);

/* Parses text. Returns 0, or -EINVAL with *errcol (0-based offset into
 * text) and a message in err (no position prefix: the caller adds
 * file:line:col). */
int expr_parse(const char *text, struct expr **out, size_t *errcol, char *err,
	       size_t errlen);
void expr_destroy(struct expr *e); /* NULL is a no-op */

/* Resolves every name once through fn and checks unit kinds, so that
 * expr_eval cannot fail later. Returns 0 or -EINVAL with *errcol and err. */
int expr_bind(struct expr *e, expr_resolve_fn fn, void *ctx, size_t *errcol,
	      char *err, size_t errlen);
/* Evaluates with the values resolved now through fn (names must resolve as
 * they did at bind time). Returns 0 or -EINVAL (a name no longer
 * resolves); the result in *out. Division by zero gives inf or nan, as in
 * C. */
int expr_eval(const struct expr *e, expr_resolve_fn fn, void *ctx,
	      struct expr_value *out);
/* 0 if e is a condition (a comparison, not of anything, and/or of
 * conditions), as
 * where: and expect: want; else -EINVAL with the column of the first part
 * that is not one in *errcol and a message in err. */
int expr_check_condition(const struct expr *e, size_t *errcol, char *err,
			 size_t errlen);
/* As expr_eval, and if the result is a number of no kind of units.h (a
 * time squared, a size times a time), -EDOM with what it is in dims
 * ("a quantity in s^2"); kind UNIT_NONE then means a plain number. */
int expr_eval_kind(const struct expr *e, expr_resolve_fn fn, void *ctx,
		   struct expr_value *out, char *dims, size_t dimslen);
/* True if the value is a non-zero number or a non-empty string. */
int expr_truthy(const struct expr_value *v);

/* The names an expression uses, for error messages and listings. */
size_t expr_names(const struct expr *e, const char *const **names);

#endif
