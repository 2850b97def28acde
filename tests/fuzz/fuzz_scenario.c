/*
 * fuzz_scenario.c - libFuzzer harness for the scenario loader.
 *
 * Each input is written to a file and loaded as a scenario (YAML, units,
 * registry validation, like: inheritance), then its sweep: block is
 * expanded and the topology is validated, exactly as `usnsim validate`
 * does. The loader must either accept the input or return -EINVAL with a
 * one-line "file:line:col: ..." message; anything else (a crash, a leak, a
 * hang, a message of another shape) is a bug. Built by `make fuzz`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "scenario.h"
#include "sweep.h"

static char path[64];

static void check_message(const char *err)
{
	size_t n = strlen(path);

	/* one line that starts with the file name and a position */
	if (strncmp(err, path, n) != 0 || err[n] != ':' || strchr(err, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scn *s = NULL;
	struct sweep *sw = NULL;
	char err[1024];
	FILE *f;
	int rc;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/usnsim-fuzz-%d.yaml",
			 (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (size && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	rc = scn_load(path, NULL, 0, &s, err, sizeof(err));
	if (rc) {
		if (rc != -EINVAL)
			abort();
		check_message(err);
		return 0;
	}
	rc = sweep_expand(s, &sw, err, sizeof(err));
	if (rc == -EINVAL)
		check_message(err);
	else if (!rc && run_validate(s, err, sizeof(err)) == -EINVAL)
		check_message(err);
	sweep_destroy(sw);
	scn_destroy(s);
	return 0;
}
