/*
 * models.c - the list of every model's parameter table (models.h).
 */
#include "models.h"

const struct param_def *const model_params[] = {
	link_params,	   ns3net_params,   app_params,	  nic_params,
	driver_params,	   cpu_params,	    stack_params, channel_params,
	flowswitch_params, pool_params,	    mux_params,	  netif_params,
	agent_params,	   advisory_params, tcp_params,
};

const size_t model_nparams = sizeof(model_params) / sizeof(model_params[0]);
