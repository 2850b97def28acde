/*
 * models.h - the parameter tables of every model, in the order of
 * `usnsim params`.
 *
 * Each model declares its parameters once, in models/X_params.c; adding a
 * model adds its table here and in models.c (docs/dev/adding-a-model.md).
 */
#ifndef USNSIM_MODELS_H
#define USNSIM_MODELS_H

#include <stddef.h>

#include "param.h"

extern const struct param_def link_params[];	   /* network.* */
extern const struct param_def ns3net_params[];	   /* network.wifi.* */
extern const struct param_def app_params[];	   /* apps.*.* */
extern const struct param_def nic_params[];	   /* hosts.*.nic.* */
extern const struct param_def driver_params[];	   /* hosts.*.driver.* */
extern const struct param_def cpu_params[];	   /* hosts.*.cpu.* */
extern const struct param_def stack_params[];	   /* hosts.*.stack.* */
extern const struct param_def channel_params[];	   /* hosts.*.channel.* */
extern const struct param_def flowswitch_params[]; /* hosts.*.flowswitch.* */
extern const struct param_def pool_params[];	   /* hosts.*.pool.*, memory */
extern const struct param_def mux_params[];	   /* hosts.*.mux.* */
extern const struct param_def netif_params[];	   /* hosts.*.netif.* */
extern const struct param_def agent_params[];	   /* hosts.*.agent.* */
extern const struct param_def advisory_params[];   /* hosts.*.advisory.* */
extern const struct param_def tcp_params[];	   /* hosts.*.tcp.* */

/* Every model's table, in order; model_nparams entries. */
extern const struct param_def *const model_params[];
extern const size_t model_nparams;

#endif
