/*
 * channel_params.c - parameters of the channel between an app's
 * user-space stack and the kernel (`hosts.NAME.channel`): the slots of its
 * TX, RX and event rings and the RX low-water mark (models/channel.c
 * describes the rings).
 *
 * Only user-space stacks have a channel, so the topology loads these for
 * an app's end with stack: user. Defaults are the reference
 * implementation's (reference/skywalk-facts.md).
 */
#include <errno.h>

#include "channel.h"
#include "errmsg.h"
#include "models.h"

int chan_cfg_load(struct chan_cfg *cfg, const struct param_src *src,
		  const char *prefix, char *err, size_t errlen)
{
	static const char *const keys[] = { "tx_slots", "rx_slots",
					    "event_slots" };
	const uint32_t *v[] = { &cfg->tx_slots, &cfg->rx_slots,
				&cfg->event_slots };
	char where[256];

	cfg->tx_slots = (uint32_t)param_int(src, prefix, "tx_slots");
	cfg->rx_slots = (uint32_t)param_int(src, prefix, "rx_slots");
	cfg->event_slots = (uint32_t)param_int(src, prefix, "event_slots");
	cfg->lowat_slots = (uint32_t)param_int(src, prefix, "lowat");
	for (int i = 0; i < 3; i++) {
		if (!(*v[i] & (*v[i] - 1)))
			continue;
		param_where(src, prefix, keys[i], where, sizeof(where));
		errmsg(err, errlen,
		       "%s: %s: a ring's slots must be a power of two, not %u",
		       where, keys[i], *v[i]);
		return -EINVAL;
	}
	if (cfg->lowat_slots <= cfg->rx_slots)
		return 0;
	param_where(src, prefix, "lowat", where, sizeof(where));
	errmsg(err, errlen, "%s: lowat: %u slots is more than the RX ring's %u",
	       where, cfg->lowat_slots, cfg->rx_slots);
	return -EINVAL;
}

const struct param_def channel_params[] = {
	{ "hosts.*.channel.tx_slots", PT_INT, "256", NULL, 2, 16384,
	  "slots of a channel's TX ring (a power of two)",
	  "flow switch port TX ring default 256 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.rx_slots", PT_INT, "1024", NULL, 2, 16384,
	  "slots of a channel's RX ring (a power of two)",
	  "flow switch port RX ring default 1024 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.event_slots", PT_INT, "32", NULL, 2, 16384,
	  "slots of a channel's event ring (a power of two)",
	  "event ring default 32 slots (reference/skywalk-facts.md)" },
	{ "hosts.*.channel.lowat", PT_INT, "1", NULL, 1, 16384,
	  "RX low-water mark in slots: the sleeping app thread is woken when its RX ring reaches it",
	  "kqueue read low-water mark, default 1 (reference/skywalk-facts.md)" },
	{ NULL },
};
