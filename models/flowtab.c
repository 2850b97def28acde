/*
 * flowtab.c - a flow switch's flow table and port namespace.
 *
 * Flows live in a growable array indexed by their id, so flowtab_flow() is
 * one bounds check and an index; the array is line-aligned and a flow is
 * a line (struct flow), so a lookup reads the table's line and the flow's.
 * The array is reallocated when it grows:
 * a pointer returned by flowtab_lookup(), flowtab_flow() or
 * flowtab_check_tx() stays valid until the next flowtab_register() (or
 * flowtab_destroy()); teardown and reserve never move flows.
 *
 * The key index is open addressing with linear probing over a power-of-two
 * array of flow ids (FT_EMPTY marks a free slot), kept at most half full:
 * set-up doubles it and rehashes every id before an insertion would pass
 * that bound, so lookups always meet an empty slot and never allocate.
 * Its first FT_SMALL slots live in the table's own cache line, with the
 * fields a lookup reads (the table is allocated on a line boundary), so a
 * host with few flows finds a flow's id in one line.
 * Nothing is ever deleted from it: a teardown only changes the flow's
 * state, and registering the key of a torn-down flow overwrites that
 * slot's id with the new flow's, so the old flow stays in the array (and
 * in flowtab_flow()) but is no longer found by key.
 *
 *   slot[hash(k) & mask], slot[+1], ... --id--> flows[id] (key, state, ...)
 *
 * Keys are hashed and compared field by field, never as struct bytes: the
 * five fields are packed into two 64-bit words (the struct has padding),
 * and those are mixed with the splitmix64 finaliser.
 *
 * The port namespace is a second table of the same kind whose slots carry
 * the packed (proto, port) and the owner that reserved it.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"

#define FT_EMPTY UINT32_MAX /* a free slot (ids stay below INT_MAX) */
#define FT_MIN_SLOTS 16u
#define FT_SMALL 8u /* key index slots inside struct flowtab */
#define FT_LINE 64u /* cache line: struct flowtab's alignment */

struct port_slot {
	uint32_t key; /* proto << 16 | port, or FT_EMPTY */
	uint32_t owner;
};

struct flowtab {
	/* one cache line: what a lookup reads */
	struct flow *flows; /* by id; nflows used, flows_cap allocated */
	uint32_t *slot;	    /* flow ids or FT_EMPTY; mask + 1 entries */
	uint32_t mask, used;
	uint32_t nflows, flows_cap;
	uint32_t small[FT_SMALL]; /* slot while mask + 1 <= FT_SMALL */

	struct port_slot *port; /* port_mask + 1 entries */
	uint32_t port_mask, port_used;
};
_Static_assert(offsetof(struct flowtab, port) <= FT_LINE,
	       "a lookup's fields fit one cache line");

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t key_hash(const struct flow_key *k)
{
	uint64_t a = (uint64_t)k->laddr << 32 | k->raddr;
	uint64_t b =
		(uint64_t)k->lport << 32 | (uint64_t)k->rport << 16 | k->proto;

	return mix64(a ^ mix64(b + 0x9e3779b97f4a7c15ULL));
}

static bool key_eq(const struct flow_key *x, const struct flow_key *y)
{
	return x->laddr == y->laddr && x->raddr == y->raddr &&
	       x->lport == y->lport && x->rport == y->rport &&
	       x->proto == y->proto;
}

static uint32_t port_key(uint8_t proto, uint16_t port)
{
	return (uint32_t)proto << 16 | port;
}

static uint32_t *alloc_empty_ids(uint32_t n)
{
	uint32_t *s = malloc((size_t)n * sizeof(*s));

	for (uint32_t i = 0; s && i < n; i++)
		s[i] = FT_EMPTY;
	return s;
}

static struct port_slot *alloc_empty_ports(uint32_t n)
{
	struct port_slot *s = malloc((size_t)n * sizeof(*s));

	for (uint32_t i = 0; s && i < n; i++)
		s[i].key = FT_EMPTY;
	return s;
}

struct flowtab *flowtab_create(void)
{
	size_t bytes =
		(sizeof(struct flowtab) + FT_LINE - 1) / FT_LINE * FT_LINE;
	struct flowtab *t = aligned_alloc(FT_LINE, bytes);

	if (!t)
		return NULL;
	memset(t, 0, bytes);
	t->mask = FT_SMALL - 1;
	t->slot = t->small;
	for (uint32_t i = 0; i < FT_SMALL; i++)
		t->small[i] = FT_EMPTY;
	t->port_mask = FT_MIN_SLOTS - 1;
	t->port = alloc_empty_ports(FT_MIN_SLOTS);
	if (!t->port) {
		flowtab_destroy(t);
		return NULL;
	}
	return t;
}

void flowtab_destroy(struct flowtab *t)
{
	if (!t)
		return;
	free(t->flows);
	if (t->slot != t->small)
		free(t->slot);
	free(t->port);
	free(t);
}

/* --- port namespace --- */

/* The slot holding key, or the empty slot where it would go. */
static struct port_slot *port_find(const struct flowtab *t, uint32_t key)
{
	uint32_t i = (uint32_t)mix64(key) & t->port_mask;

	while (t->port[i].key != FT_EMPTY && t->port[i].key != key)
		i = (i + 1) & t->port_mask;
	return &t->port[i];
}

/* Makes room for one more reservation (at most half full afterwards). */
static int port_reserve_room(struct flowtab *t)
{
	struct port_slot *old = t->port;
	uint32_t n = t->port_mask + 1;

	if ((t->port_used + 1) * 2 <= n)
		return 0;
	if (n > UINT32_MAX / 2)
		return -ENOMEM;
	t->port = alloc_empty_ports(n * 2);
	if (!t->port) {
		t->port = old;
		return -ENOMEM;
	}
	t->port_mask = n * 2 - 1;
	for (uint32_t i = 0; i < n; i++)
		if (old[i].key != FT_EMPTY)
			*port_find(t, old[i].key) = old[i];
	free(old);
	return 0;
}

int flowtab_reserve(struct flowtab *t, uint8_t proto, uint16_t port,
		    uint32_t owner)
{
	uint32_t key = port_key(proto, port);
	struct port_slot *s = port_find(t, key);
	int err;

	if (s->key == key)
		return s->owner == owner ? 0 : -EADDRINUSE;
	err = port_reserve_room(t);
	if (err)
		return err;
	s = port_find(t, key);
	s->key = key;
	s->owner = owner;
	t->port_used++;
	return 0;
}

static bool port_held_by(const struct flowtab *t, uint8_t proto, uint16_t port,
			 uint32_t owner)
{
	uint32_t key = port_key(proto, port);
	const struct port_slot *s = port_find(t, key);

	return s->key == key && s->owner == owner;
}

/* --- flows --- */

/* The slot holding the id of the flow with key k (key_hash() h), or the
 * empty slot where it would go. */
static uint32_t *slot_find_h(const struct flowtab *t, const struct flow_key *k,
			     uint64_t h)
{
	uint32_t i = (uint32_t)h & t->mask;

	while (t->slot[i] != FT_EMPTY && !key_eq(&t->flows[t->slot[i]].key, k))
		i = (i + 1) & t->mask;
	return &t->slot[i];
}

static uint32_t *slot_find(const struct flowtab *t, const struct flow_key *k)
{
	return slot_find_h(t, k, key_hash(k));
}

/* Makes room for one more key in the index (at most half full). */
static int slot_reserve_room(struct flowtab *t)
{
	uint32_t *old = t->slot;
	uint32_t n = t->mask + 1;

	if ((t->used + 1) * 2 <= n)
		return 0;
	if (n > UINT32_MAX / 2)
		return -ENOMEM;
	t->slot = alloc_empty_ids(n * 2);
	if (!t->slot) {
		t->slot = old;
		return -ENOMEM;
	}
	t->mask = n * 2 - 1;
	for (uint32_t i = 0; i < n; i++)
		if (old[i] != FT_EMPTY)
			*slot_find(t, &t->flows[old[i]].key) = old[i];
	if (old != t->small)
		free(old);
	return 0;
}

/* Makes room for one more flow in the array (which may move). */
static int flows_reserve_room(struct flowtab *t)
{
	struct flow *f;
	uint32_t cap;

	if (t->nflows >= (uint32_t)INT_MAX)
		return -ENOMEM; /* ids must fit the int return value */
	if (t->nflows < t->flows_cap)
		return 0;
	cap = t->flows_cap ? t->flows_cap * 2 : FT_MIN_SLOTS;
	if (cap > (uint32_t)INT_MAX)
		cap = (uint32_t)INT_MAX;
	f = aligned_alloc(_Alignof(struct flow), (size_t)cap * sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (t->nflows)
		memcpy(f, t->flows, (size_t)t->nflows * sizeof(*f));
	free(t->flows);
	t->flows = f;
	t->flows_cap = cap;
	return 0;
}

int flowtab_register(struct flowtab *t, const struct flow_key *k,
		     uint32_t owner, uint64_t token, void *endpoint)
{
	uint32_t *s;
	struct flow *f;
	int err;

	if (!port_held_by(t, k->proto, k->lport, owner))
		return -EPERM;
	s = slot_find(t, k);
	if (*s != FT_EMPTY && t->flows[*s].state == FLOW_ST_ACTIVE)
		return -EEXIST;
	err = flows_reserve_room(t);
	if (err)
		return err;
	if (*s == FT_EMPTY) { /* a new key (else: replaces a torn-down flow) */
		err = slot_reserve_room(t);
		if (err)
			return err;
		s = slot_find(t, k);
		t->used++;
	}
	f = &t->flows[t->nflows];
	f->key = *k;
	f->id = t->nflows++;
	f->owner = owner;
	f->token = token;
	f->state = FLOW_ST_ACTIVE;
	f->endpoint = endpoint;
	*s = f->id;
	return (int)f->id;
}

int flowtab_teardown(struct flowtab *t, uint32_t id)
{
	if (id >= t->nflows)
		return -ENOENT;
	if (t->flows[id].state == FLOW_ST_TORN_DOWN)
		return -EALREADY;
	t->flows[id].state = FLOW_ST_TORN_DOWN;
	return 0;
}

uint64_t flowtab_hash(const struct flow_key *k)
{
	return key_hash(k);
}

const struct flow *flowtab_lookup_hint(const struct flowtab *t,
				       const struct flow *hint,
				       const struct flow_key *k, uint64_t h)
{
	uint32_t id;

	if (hint && hint->state == FLOW_ST_ACTIVE && key_eq(&hint->key, k))
		return hint;
	id = *slot_find_h(t, k, h);
	return id == FT_EMPTY ? NULL : &t->flows[id];
}

const struct flow *flowtab_lookup(const struct flowtab *t,
				  const struct flow_key *k)
{
	uint32_t id = *slot_find(t, k);

	return id == FT_EMPTY ? NULL : &t->flows[id];
}

const struct flow *flowtab_flow(const struct flowtab *t, uint32_t id)
{
	return id < t->nflows ? &t->flows[id] : NULL;
}

enum flow_verdict flowtab_check_tx(const struct flowtab *t,
				   const struct flow_key *k, uint64_t token,
				   const struct flow **out)
{
	const struct flow *f = flowtab_lookup(t, k);

	*out = f;
	if (!f)
		return FLOW_NO_FLOW;
	if (f->state == FLOW_ST_TORN_DOWN)
		return FLOW_TORN_DOWN;
	if (f->token != token)
		return FLOW_BAD_TOKEN;
	return FLOW_OK;
}

enum flow_verdict flowtab_check_tx_hint(const struct flowtab *t,
					const struct flow *hint,
					const struct flow_key *k,
					uint64_t token, const struct flow **out)
{
	if (hint && hint->state == FLOW_ST_ACTIVE && key_eq(&hint->key, k)) {
		*out = hint;
		return hint->token != token ? FLOW_BAD_TOKEN : FLOW_OK;
	}
	return flowtab_check_tx(t, k, token, out);
}

uint32_t flowtab_count(const struct flowtab *t)
{
	return t->nflows;
}
