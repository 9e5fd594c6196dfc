/* SPDX-License-Identifier: GPL-2.0 */
/* The control files of the assess_probe test tuner (a second .c file, so
 * that a tuner made of several files is built and loaded by the tests). */
#ifndef ASSESS_PROBE_FILE_H
#define ASSESS_PROBE_FILE_H

#include <stddef.h>

/* First line of dir/name into buf; 0 or -errno. */
int read_file(const char *dir, const char *name, char *buf, size_t len);

#endif
