/*
 * trace.c - reading a pcap trace into arrays for replay (trace.h).
 *
 * libpcap reads the records (pcap_next_ex(); it reports a truncated file
 * or a record whose captured length exceeds the snapshot length); this
 * file parses just enough of each frame for its 5-tuple: the link header
 * (Ethernet and 802.1Q/802.1ad tags, Linux cooked, BSD loopback, or none
 * for raw IP), the IPv4 header (its IHL; a non-first fragment has no
 * ports) or the IPv6 header and its hop-by-hop, routing and destination
 * options extension headers, then the ports of TCP, UDP, UDP-Lite, DCCP
 * and SCTP. Flows are numbered through an open-addressing hash table of
 * the full 5-tuple (IPv6 addresses unfolded), used at load time only.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "errmsg.h"
#include "trace.h"

/* A flow's full key while loading. */
struct trace_key {
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint8_t proto, family; /* family 0: the non-IP flow */
};

struct trace_load_state {
	struct trace *t;
	size_t cap;		/* room of the packet arrays */
	struct trace_key *keys; /* per flow */
	size_t fcap;		/* room of keys and t->tuple */
	uint32_t *slot;		/* hash table: flow + 1, 0 empty */
	size_t nslots;		/* a power of two */
};

static uint16_t trace_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t trace_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The ports of protocol proto at p (n bytes captured), if it has ports. */
static void trace_ports(struct trace_key *k, const uint8_t *p, size_t n)
{
	switch (k->proto) {
	case 6:	  /* TCP */
	case 17:  /* UDP */
	case 33:  /* DCCP */
	case 132: /* SCTP */
	case 136: /* UDP-Lite */
		if (n >= 4) {
			k->sport = trace_be16(p);
			k->dport = trace_be16(p + 2);
		}
		break;
	default:
		break;
	}
}

/* The 5-tuple of an IPv4 packet at p (n bytes); false if its header is
 * not all there. */
static bool trace_ipv4(struct trace_key *k, const uint8_t *p, size_t n)
{
	size_t ihl;

	if (n < 20 || (p[0] >> 4) != 4 ||
	    (ihl = (size_t)(p[0] & 15) * 4) < 20 || n < ihl)
		return false;
	k->family = 4;
	k->proto = p[9];
	memcpy(k->saddr, p + 12, 4);
	memcpy(k->daddr, p + 16, 4);
	if ((trace_be16(p + 6) & 0x1fff) == 0) /* the first fragment */
		trace_ports(k, p + ihl, n - ihl);
	return true;
}

/* The 5-tuple of an IPv6 packet at p (n bytes), past the extension
 * headers that come before a transport header. */
static bool trace_ipv6(struct trace_key *k, const uint8_t *p, size_t n)
{
	size_t off = 40;
	uint8_t nh;

	if (n < 40 || (p[0] >> 4) != 6)
		return false;
	k->family = 6;
	memcpy(k->saddr, p + 8, 16);
	memcpy(k->daddr, p + 24, 16);
	nh = p[6];
	/* hop-by-hop, routing, destination options: (len + 1) x 8 bytes */
	while ((nh == 0 || nh == 43 || nh == 60) && off + 2 <= n) {
		uint8_t next = p[off];

		off += ((size_t)p[off + 1] + 1) * 8;
		nh = next;
	}
	k->proto = nh;
	if (off <= n)
		trace_ports(k, p + off, n - off);
	return true;
}

/* An IP packet at p (n bytes) by its version nibble. */
static bool trace_ip(struct trace_key *k, const uint8_t *p, size_t n)
{
	if (!n)
		return false;
	return (p[0] >> 4) == 4 ? trace_ipv4(k, p, n) : trace_ipv6(k, p, n);
}

/* The 5-tuple of a frame of link type dlt; false: it is not IP (or not
 * captured far enough), and k stays all zero. */
static bool trace_frame(struct trace_key *k, int dlt, const uint8_t *p,
			size_t n)
{
	uint16_t type;
	size_t off;

	switch (dlt) {
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return trace_ip(k, p, n);
	case DLT_NULL: /* a 4-byte address family, in the writer's order */
		if (n < 4)
			return false;
		return trace_ip(k, p + 4, n - 4);
	case DLT_LINUX_SLL:
		if (n < 16)
			return false;
		type = trace_be16(p + 14);
		off = 16;
		break;
	default: /* DLT_EN10MB */
		if (n < 14)
			return false;
		type = trace_be16(p + 12);
		off = 14;
		for (int tags = 0;
		     tags < 2 && (type == 0x8100 || type == 0x88a8) &&
		     off + 4 <= n;
		     tags++) {
			type = trace_be16(p + off + 2);
			off += 4;
		}
		break;
	}
	if (type == 0x0800)
		return trace_ipv4(k, p + off, n - off);
	if (type == 0x86dd)
		return trace_ipv6(k, p + off, n - off);
	return false;
}

static uint64_t trace_hash(const struct trace_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int trace_grow_table(struct trace_load_state *ls)
{
	size_t n = ls->nslots ? 2 * ls->nslots : 1024;
	uint32_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t f = 0; f < ls->t->nflows; f++) {
		size_t i = trace_hash(&ls->keys[f]) & (n - 1);

		while (slot[i])
			i = (i + 1) & (n - 1);
		slot[i] = (uint32_t)f + 1;
	}
	free(ls->slot);
	ls->slot = slot;
	ls->nslots = n;
	return 0;
}

/* Folds an address to 32 bits: IPv4 as it is, IPv6 the XOR of its words. */
static uint32_t trace_fold(const uint8_t *a, uint8_t family)
{
	uint32_t v = trace_be32(a);

	if (family == 6)
		v ^= trace_be32(a + 4) ^ trace_be32(a + 8) ^ trace_be32(a + 12);
	return v;
}

/* The flow of key k, a new one at its first appearance; -ENOMEM. */
static long trace_flow(struct trace_load_state *ls, const struct trace_key *k)
{
	struct trace *t = ls->t;
	size_t i;

	if (2 * (t->nflows + 1) > ls->nslots && trace_grow_table(ls))
		return -ENOMEM;
	for (i = trace_hash(k) & (ls->nslots - 1); ls->slot[i];
	     i = (i + 1) & (ls->nslots - 1))
		if (!memcmp(&ls->keys[ls->slot[i] - 1], k, sizeof(*k)))
			return (long)ls->slot[i] - 1;
	if (t->nflows == ls->fcap) {
		size_t cap = ls->fcap ? 2 * ls->fcap : 256;
		struct trace_key *keys = realloc(ls->keys, cap * sizeof(*keys));
		struct trace_tuple *tu;

		if (!keys)
			return -ENOMEM;
		ls->keys = keys;
		tu = realloc(t->tuple, cap * sizeof(*tu));
		if (!tu)
			return -ENOMEM;
		t->tuple = tu;
		ls->fcap = cap;
	}
	ls->keys[t->nflows] = *k;
	t->tuple[t->nflows] = (struct trace_tuple){
		.saddr = trace_fold(k->saddr, k->family),
		.daddr = trace_fold(k->daddr, k->family),
		.sport = k->sport,
		.dport = k->dport,
		.proto = k->proto,
	};
	ls->slot[i] = (uint32_t)t->nflows + 1;
	return (long)t->nflows++;
}

static int trace_grow(struct trace_load_state *ls)
{
	size_t cap = ls->cap ? 2 * ls->cap : 4096;
	struct trace *t = ls->t;
	sim_time *at = realloc(t->at_ps, cap * sizeof(*at));
	uint32_t *len, *flow;

	if (!at)
		return -ENOMEM;
	t->at_ps = at;
	len = realloc(t->len, cap * sizeof(*len));
	if (!len)
		return -ENOMEM;
	t->len = len;
	flow = realloc(t->flow, cap * sizeof(*flow));
	if (!flow)
		return -ENOMEM;
	t->flow = flow;
	ls->cap = cap;
	return 0;
}

static bool trace_dlt_ok(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_RAW || dlt == DLT_IPV4 ||
	       dlt == DLT_IPV6 || dlt == DLT_LINUX_SLL || dlt == DLT_NULL;
}

/* The time of a record in ns since the epoch (nanosecond precision). */
static long double trace_ns(const struct pcap_pkthdr *h)
{
	return (long double)h->ts.tv_sec * 1e9L + (long double)h->ts.tv_usec;
}

/* Adds record h (frame p) as packet t->n; the error goes in err. */
static int trace_add(struct trace_load_state *ls, int dlt,
		     const struct pcap_pkthdr *h, const uint8_t *p,
		     long double first_ns, double scale)
{
	struct trace *t = ls->t;
	struct trace_key k;
	long double d = (trace_ns(h) - first_ns) * 1000.0L * scale;
	long f;

	if (t->n == ls->cap && trace_grow(ls))
		return -ENOMEM;
	memset(&k, 0, sizeof(k));
	if (!trace_frame(&k, dlt, p, h->caplen)) {
		memset(&k, 0, sizeof(k));
		t->nonip++;
	}
	f = trace_flow(ls, &k);
	if (f < 0)
		return (int)f;
	t->at_ps[t->n] =
		d >= 0x1p62L ? (sim_time)0x1p62 : (sim_time)llroundl(d);
	t->len[t->n] = h->len;
	t->flow[t->n] = (uint32_t)f;
	t->bytes += h->len;
	t->n++;
	return 0;
}

/* Reads every record of p into ls; -EINVAL with "path: packet N (byte
 * offset O): ..." in err. */
static int trace_read(struct trace_load_state *ls, pcap_t *p, const char *path,
		      double scale, char *err, size_t errlen)
{
	int dlt = pcap_datalink(p);
	long double first_ns = 0, prev_ns = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	FILE *f = pcap_file(p);
	int rc;

	for (uint64_t i = 1;; i++) {
		long off = f ? ftell(f) : -1;

		rc = pcap_next_ex(p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			errmsg(err, errlen,
			       "%s: packet %llu (byte offset %ld): %s", path,
			       (unsigned long long)i, off, pcap_geterr(p));
			return -EINVAL;
		}
		if (i == 1)
			first_ns = prev_ns = trace_ns(h);
		if (trace_ns(h) < prev_ns) {
			errmsg(err, errlen,
			       "%s: packet %llu (byte offset %ld): its timestamp is before the previous packet's (a replay needs them in order)",
			       path, (unsigned long long)i, off);
			return -EINVAL;
		}
		if (!h->len || h->caplen > h->len) {
			errmsg(err, errlen,
			       "%s: packet %llu (byte offset %ld): malformed record (length %u, captured %u)",
			       path, (unsigned long long)i, off, h->len,
			       h->caplen);
			return -EINVAL;
		}
		prev_ns = trace_ns(h);
		rc = trace_add(ls, dlt, h, data, first_ns, scale);
		if (rc)
			return rc;
	}
	if (!ls->t->n) {
		errmsg(err, errlen, "%s: the trace holds no packets", path);
		return -EINVAL;
	}
	return 0;
}

int trace_load(struct trace *t, const char *path, double time_scale, char *err,
	       size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct trace_load_state ls = { .t = t };
	pcap_t *p;
	int rc;

	memset(t, 0, sizeof(*t));
	p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		errmsg(err, errlen, "%s: cannot be read as a pcap trace: %s",
		       path, ebuf);
		return -EINVAL;
	}
	if (!trace_dlt_ok(pcap_datalink(p))) {
		errmsg(err, errlen,
		       "%s: link type %s is not replayed (Ethernet, raw IP, Linux cooked and BSD loopback captures are)",
		       path, pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return -EINVAL;
	}
	rc = trace_read(&ls, p, path, time_scale, err, errlen);
	pcap_close(p);
	free(ls.keys);
	free(ls.slot);
	if (rc == -ENOMEM)
		errmsg(err, errlen, "%s: out of memory reading the trace",
		       path);
	if (rc)
		trace_free(t);
	return rc;
}

void trace_free(struct trace *t)
{
	free(t->at_ps);
	free(t->len);
	free(t->flow);
	free(t->tuple);
	memset(t, 0, sizeof(*t));
}
