/*
 * driver.h - the device driver between a host's kernel side and its NIC,
 * placed in the kernel domain or in a user domain of its own, with crash
 * and restart of a user-space driver.
 *
 * Two directions pass through it: TX (kernel side -> NIC) and RX (NIC ->
 * kernel side). The topology builder creates one driver per host, hands
 * packets to drv_tx_input() / drv_rx_input(), and connects the outputs with
 * drv_connect() / drv_connect_rx(); both directions must be connected
 * before the first packet arrives. Every packet the driver does not
 * deliver goes to the drop port of its direction, once.
 */
#ifndef USNSIM_DRIVER_H
#define USNSIM_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

struct drv;
struct scn;
struct stats;

/* Creates the driver configured by the parameters under prefix
 * ("hosts.client.driver"), registering its statistics under component
 * (e.g. "hosts.client.driver"; both strings must outlive the driver). Random
 * crash times come from the stream (seed, rep, "<prefix>.crash"). Schedules
 * the driver's faults (crash_at, crash_rate), so call it before sim_run().
 * Returns 0, or -ENOMEM. */
int drv_create(struct sim *sim, struct stats *st, const struct scn *s,
	       const char *prefix, const char *component, uint32_t rep,
	       struct drv **out);
/* NULL is a no-op. Packets still held belong to the packet pool, which
 * reclaims them when it is destroyed. */
void drv_destroy(struct drv *d);

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
/* True once a kernel driver crash has taken the host down. */
bool drv_host_down(const struct drv *d);
/* Packets in the TX submission queue (waiting or in service), and that
 * queue's size. */
uint32_t drv_tx_backlog(const struct drv *d);
uint32_t drv_tx_slots(const struct drv *d);
/* CPU time the driver has spent on batches so far (ps, both directions). */
uint64_t drv_busy(const struct drv *d);
/* Packets held by the driver in both directions (in its queues or being
 * processed). */
uint64_t drv_in_flight(const struct drv *d);
/* Of those, the packets of app src (walks the queues: end of run only). */
uint64_t drv_held_by(const struct drv *d, uint32_t src);

#endif
