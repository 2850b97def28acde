/*
 * driver_params.c - parameters of the driver model (hosts.*.driver.*).
 */
#include "param.h"

const struct param_def driver_params[] = {
	{ NULL },
};
