/*
 * nic_params.c - parameters of the nic model (hosts.*.nic.*).
 */
#include "param.h"

const struct param_def nic_params[] = {
	{ NULL },
};
