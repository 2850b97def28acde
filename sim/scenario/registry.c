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
 * A stack profile (stacks.NAME, chosen by apps.*.profile) has the
 * parameters of a host's stacks: every declaration under hosts.*.stack,
 * hosts.*.channel and hosts.*.tcp is cloned once, on first use, under
 * stacks.*.stack, stacks.*.channel and stacks.*.tcp (same type, default,
 * range, meaning and source), so the two cannot drift. The clones come
 * last, after every owner's table.
 *
 * Assumptions: the tables are small (a linear scan per lookup is fine) and
 * consistent (no path is both a parameter and a prefix of another). The
 * registry is built before any run and never freed; the process has one
 * thread (a study's workers are processes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "registry.h"

/* The host parameters a stack profile has, and the group it has them in. */
#define PARAM_HOST_GROUP "hosts.*."
#define PARAM_PROFILE_GROUP "stacks.*."
static const char *const param_profile_parts[] = { "stack.", "channel.",
						   "tcp." };

/* The owners' tables: the top-level one first, then the models' in
 * models.c's order. */
static const struct param_def *param_owned(size_t t)
{
	return t == 0 ? sim_params : model_params[t - 1];
}

#define PARAM_NOWNED (1 + model_nparams)

/* The part of a host parameter's path a profile has ("stack.proto" of
 * "hosts.*.stack.proto"), or NULL for the others. */
static const char *param_profile_key(const char *path)
{
	size_t hl = strlen(PARAM_HOST_GROUP);

	if (strncmp(path, PARAM_HOST_GROUP, hl) != 0)
		return NULL;
	for (size_t i = 0;
	     i < sizeof(param_profile_parts) / sizeof(param_profile_parts[0]);
	     i++)
		if (!strncmp(path + hl, param_profile_parts[i],
			     strlen(param_profile_parts[i])))
			return path + hl;
	return NULL;
}

/* The stack profiles' declarations, cloned from the host's on first use
 * and ended by an entry whose path is NULL; one allocation for the
 * entries and their paths. Aborts when out of memory: without its
 * declarations no scenario can be read. */
static const struct param_def *param_profiles(void)
{
	static struct param_def *defs;
	size_t n = 0, chars = 0, k = 0;
	const char *key;
	char *text;

	if (defs)
		return defs;
	for (size_t t = 0; t < PARAM_NOWNED; t++)
		for (const struct param_def *d = param_owned(t); d->path; d++)
			if ((key = param_profile_key(d->path)) != NULL) {
				n++;
				chars += sizeof(PARAM_PROFILE_GROUP) +
					 strlen(key);
			}
	defs = malloc((n + 1) * sizeof(*defs) + chars);
	if (!defs)
		abort();
	text = (char *)(defs + n + 1);
	for (size_t t = 0; t < PARAM_NOWNED; t++)
		for (const struct param_def *d = param_owned(t); d->path; d++) {
			if (!(key = param_profile_key(d->path)))
				continue;
			defs[k] = *d;
			defs[k++].path = text;
			text += sprintf(text, "%s%s", PARAM_PROFILE_GROUP,
					key) +
				1;
		}
	defs[k] = (struct param_def){ 0 };
	return defs;
}

/* The owners' tables, then the profiles' clones. */
static const struct param_def *param_table(size_t t)
{
	return t < PARAM_NOWNED ? param_owned(t) : param_profiles();
}

#define PARAM_NTABLES (PARAM_NOWNED + 1)

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
