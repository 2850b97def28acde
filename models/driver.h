/*
 * driver.h - the device driver between a host's kernel side and its NIC,
 * placed in the kernel domain or in a user domain of its own, with crash
 * and restart of a user-space driver.
 *
 * Its configuration, struct drv_cfg, is filled by drv_cfg_load() from
 * hosts.HOST.driver.* (driver_params.c). Two directions pass through it:
 * TX (kernel side -> NIC) and RX (NIC -> kernel side). The topology
 * builder creates one driver per host, hands packets to drv_tx_input() /
 * drv_rx_input(), and connects the outputs with drv_connect() /
 * drv_connect_rx(); both directions must be connected before the first
 * packet arrives. Every packet the driver does not deliver goes to the
 * drop port of its direction, once.
 */
#ifndef USNSIM_DRIVER_H
#define USNSIM_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "param.h"
#include "pkt.h"

struct drv;
struct cpu_core;
struct cpu_thread;

/* The configuration of a driver: the parameters under hosts.HOST.driver
 * (see driver_params.c for their meaning, units and sources). */
struct drv_cfg {
	bool user;		/* placement user (else kernel) */
	uint32_t batch_pkts;	/* user: most descriptors per batch */
	sim_time ipc_ps;	/* user: cost per batch */
	sim_time per_packet_ps; /* either placement */
	bool copy;		/* user: copy payloads (else zero copy) */
	double copy_bps;
	uint32_t sq_slots, cq_slots;
	sim_time crash_at_ps; /* 0: never */
	double crash_rate_hz; /* crashes per second; 0: never */
	sim_time restart_ps;  /* user: crash to serving again */
	/* where it runs (topo_host.c places it): a core of the host by
	 * name ("": a user driver's own core, a kernel driver's kernel0),
	 * and a user driver's thread class and real-time priority */
	const char *core;
	bool rt;
	unsigned prio;
};

/* Fills cfg from the parameters under prefix ("hosts.client.driver").
 * Returns 0, or -EINVAL (message in err) if class rt or a priority is
 * given for a kernel driver (it runs in kernel context), or a priority
 * for a normal-class one. */
int drv_cfg_load(struct drv_cfg *cfg, const struct param_src *src,
		 const char *prefix, char *err, size_t errlen);

/* Creates a driver, registering its statistics under env->component
 * ("hosts.client.driver"). Random crash times come from the stream
 * (env->seed, env->rep, "<component>.crash"). Schedules the driver's
 * faults (crash_at, crash_rate), so call it before sim_run(). Returns 0,
 * or -ENOMEM with a message in err. */
int drv_create(const struct drv_cfg *cfg, const struct model_env *env,
	       struct drv **out, char *err, size_t errlen);
/* NULL is a no-op. Packets still held belong to the packet pool, which
 * reclaims them when it is destroyed. */
void drv_destroy(struct drv *d);
/* destroy, finish and held_add for the topology's loops. */
extern const struct model_ops drv_ops;

/* Runs the driver on the host's cores (set-up time, before the first
 * packet): a user driver's batches become jobs of thread t, or (t NULL)
 * of core's default thread; a kernel driver's work, TX and RX, a packet
 * at a time, jobs of core's default thread (the kernel context). Each job
 * is charged to the account driver; a TX batch also pays the doorbell
 * write, doorbell_ps, in the account doorbell (the NIC must then not
 * count it: nic_set_doorbell_paid()). A batch lost in a crash still runs
 * to its end on its core. Without this the driver serves its lanes
 * itself, off any core. */
void drv_set_cpu(struct drv *d, struct cpu_core *core, struct cpu_thread *t,
		 sim_time doorbell_ps);

/* TX: where the kernel side hands packets to the driver; where they leave
 * towards the NIC, and where the ones the driver loses or drops go. */
struct sim_port drv_tx_input(struct drv *d);
void drv_connect(struct drv *d, struct sim_port to_nic, struct sim_port drop);
/* RX: where the NIC hands received packets to the driver; where they leave
 * towards the kernel side, and where lost or dropped ones go. */
struct sim_port drv_rx_input(struct drv *d);
void drv_connect_rx(struct drv *d, struct sim_port to_kernel,
		    struct sim_port drop);

/* Deadlines: a TX packet found past its deadline when the driver hands it
 * on is reported to fn(arg, p, PKT_ORIG_DRIVER) once (its deadline is then
 * cleared) and, under PKT_EXP_DROP, dropped (drops.expired). */
void drv_on_expired(struct drv *d,
		    void (*fn)(void *arg, struct sim_pkt *p, int origin),
		    void *arg);
/* Called once when a kernel driver crash takes the host down, at that time
 * (e.g. to stop the host's apps, or sim_stop() to end the run). Optional. */
void drv_on_host_down(struct drv *d, void (*fn)(void *arg, sim_time at),
		      void *arg);

/* Records end-of-run scalars: host_down (0/1), host_down_at (ps, 0 if the
 * host stayed up), in_flight, down (1 if a user driver is restarting at the
 * end) and downtime (ps spent restarting). */
void drv_finish(struct drv *d);
/* Its configuration. */
const struct drv_cfg *drv_config(const struct drv *d);
/* True once a kernel driver crash has taken the host down. */
bool drv_host_down(const struct drv *d);
/* Packets in the TX submission queue (waiting or in service), and that
 * queue's size. */
uint32_t drv_tx_backlog(const struct drv *d);
uint32_t drv_tx_slots(const struct drv *d);
/* CPU time the driver has spent on batches so far (ps, both directions;
 * on the host's cores, the work of its batches including doorbells). */
uint64_t drv_busy(const struct drv *d);
/* Packets held by the driver in both directions (in its queues or being
 * processed). */
uint64_t drv_in_flight(const struct drv *d);
/* Of those, the packets of app src (walks the queues: end of run only). */
uint64_t drv_held_by(const struct drv *d, uint32_t src);

#endif
