// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include "probe_file.h"

int read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}
