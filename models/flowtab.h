/*
 * flowtab.h - a flow switch's flow table and port namespace.
 *
 * A flow is keyed by its 5-tuple seen from the host: local address and
 * port, remote address and port, protocol. Before an app can register a
 * flow it must reserve the local (protocol, port) in the host's port
 * namespace; registering a flow on a port that the app did not reserve
 * fails (EPERM), as in the reference implementation. Each registered flow
 * gets a dense id (also its flow advisory index) and carries a secret
 * token that only its owner knows: the flow switch looks a TX packet up by
 * the packet's own 5-tuple and then compares the packet's token with the
 * flow's. A torn-down flow stays in the table (so that late packets are
 * told apart from unknown ones) until its key is registered again.
 *
 * The table is open addressing with linear probing over a power-of-two
 * array kept at most half full; it never shrinks. Set-up (reserve,
 * register, teardown) may allocate; lookups never do.
 */
#ifndef USNSIM_FLOWTAB_H
#define USNSIM_FLOWTAB_H

#include <stdbool.h>
#include <stdint.h>

#define FLOW_PROTO_TCP 6
#define FLOW_PROTO_UDP 17

struct flow_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint8_t proto;
};

enum flow_state { FLOW_ST_ACTIVE = 1, FLOW_ST_TORN_DOWN };

/* One cache line each (the table's array of flows is line-aligned), so
 * that a lookup reads one line of the array. */
struct flow {
	_Alignas(64) struct flow_key key;
	uint32_t id;	/* dense, from 0 in registration order */
	uint32_t owner; /* who registered it (an app index) */
	uint64_t token;
	enum flow_state state;
	void *endpoint; /* where RX packets of the flow go; opaque here */
};

/* What a TX check concluded. */
enum flow_verdict {
	FLOW_OK = 0,
	FLOW_NO_FLOW,	/* no flow has the packet's 5-tuple */
	FLOW_BAD_TOKEN, /* the flow exists, the token is not its token */
	FLOW_TORN_DOWN, /* the flow exists but was torn down */
};

struct flowtab;

/* Returns a table or NULL on allocation failure. */
struct flowtab *flowtab_create(void);
void flowtab_destroy(struct flowtab *t); /* NULL is a no-op */

/* Reserves (proto, port) for owner. Returns 0 (also if owner already holds
 * it), or -EADDRINUSE if another owner holds it, -ENOMEM. */
int flowtab_reserve(struct flowtab *t, uint8_t proto, uint16_t port,
		    uint32_t owner);
/* Registers the flow k for owner with token and endpoint. Returns the
 * flow's id (>= 0); -EPERM if owner has not reserved (k->proto, k->lport);
 * -EEXIST if an active flow has key k; -ENOMEM. Registering the key of a
 * torn-down flow replaces it (a new id). */
int flowtab_register(struct flowtab *t, const struct flow_key *k,
		     uint32_t owner, uint64_t token, void *endpoint);
/* Tears flow id down. Returns 0, -ENOENT if no such flow, -EALREADY if it
 * is already torn down. */
int flowtab_teardown(struct flowtab *t, uint32_t id);

/* The flow with key k (active or torn down), or NULL. */
const struct flow *flowtab_lookup(const struct flowtab *t,
				  const struct flow_key *k);
/* The hash of k a lookup starts from, for a cache of lookups kept by the
 * caller. */
uint64_t flowtab_hash(const struct flow_key *k);
/* flowtab_lookup() of k, whose flowtab_hash() is h, trying flow hint
 * first (a flow of t, as a lookup returned it; NULL: none): an active
 * hint with key k is the flow the lookup finds (no other active flow has
 * its key), so it is returned without reading the key index. */
const struct flow *flowtab_lookup_hint(const struct flowtab *t,
				       const struct flow *hint,
				       const struct flow_key *k, uint64_t h);
/* The flow with id, or NULL. */
const struct flow *flowtab_flow(const struct flowtab *t, uint32_t id);
/* The TX check of a packet with 5-tuple k and token: FLOW_NO_FLOW,
 * FLOW_TORN_DOWN, FLOW_BAD_TOKEN or FLOW_OK (*out is the flow where one
 * was found, else NULL). */
enum flow_verdict flowtab_check_tx(const struct flowtab *t,
				   const struct flow_key *k, uint64_t token,
				   const struct flow **out);
/* flowtab_check_tx() of a packet sent on flow hint (a flow of t, as
 * flowtab_flow() returned it; NULL: none): an active hint with key k is
 * the flow a lookup of k finds (no other active flow has its key), so the
 * check then reads hint alone, not the key index; otherwise it is
 * flowtab_check_tx(). */
enum flow_verdict flowtab_check_tx_hint(const struct flowtab *t,
					const struct flow *hint,
					const struct flow_key *k,
					uint64_t token,
					const struct flow **out);
/* Flows registered so far (ids run from 0 to this - 1). */
uint32_t flowtab_count(const struct flowtab *t);

#endif
