/*
 * registry.c - the parameter registry: every declared parameter, looked up
 * by path.
 *
 * The declarations live with their owners: the top-level run parameters in
 * sim_params.c, each model's in models/X_params.c, listed by
 * models/models.c. This file walks them in that fixed order (the order of
 * `usnsim params`) and matches concrete paths against declared ones ('*'
 * stands for exactly one path segment, an instance name).
 *
 * Assumptions: the tables are small (a linear scan per lookup is fine) and
 * consistent (no path is both a parameter and a prefix of another).
 */
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "registry.h"

/* The top-level table first, then the models' in models.c's order. */
static const struct param_def *param_table(size_t t)
{
	return t == 0 ? sim_params : model_params[t - 1];
}

#define PARAM_NTABLES (1 + model_nparams)

size_t param_count(void)
{
	size_t n = 0;

	for (size_t t = 0; t < PARAM_NTABLES; t++)
		for (const struct param_def *d = param_table(t); d->path; d++)
			n++;
	return n;
}

const struct param_def *param_at(size_t i)
{
	for (size_t t = 0; t < PARAM_NTABLES; t++)
		for (const struct param_def *d = param_table(t); d->path; d++)
			if (i-- == 0)
				return d;
	return NULL;
}

/*
 * Matches the concrete path against the start of the declared path decl.
 * Returns NULL if they differ; otherwise what follows in decl: "" for a
 * full match, or the rest after the '.' when path is a proper prefix.
 */
static const char *param_match(const char *decl, const char *path)
{
	for (;;) {
		size_t dl = strcspn(decl, "."), pl = strcspn(path, ".");

		if (pl == 0)
			return NULL;
		if (!(dl == 1 && decl[0] == '*') &&
		    (dl != pl || memcmp(decl, path, pl) != 0))
			return NULL;
		decl += dl;
		path += pl;
		if (!*path)
			return *decl ? decl + 1 : decl;
		if (!*decl)
			return NULL;
		decl++;
		path++;
	}
}

const struct param_def *param_lookup(const char *path)
{
	for (size_t i = 0, n = param_count(); i < n; i++) {
		const struct param_def *d = param_at(i);
		const char *rest = param_match(d->path, path);

		if (rest && !*rest)
			return d;
	}
	return NULL;
}

bool param_is_group(const char *prefix)
{
	for (size_t i = 0, n = param_count(); i < n; i++) {
		const char *rest = param_match(param_at(i)->path, prefix);

		if (rest && rest[0] == '*' && (rest[1] == '.' || !rest[1]))
			return true;
	}
	return false;
}
