/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Learned state that travels between hosts (learned.c): `bpftune -q
 * export --json` writes it, `bpftune --import FILE` seeds a new host.
 */
#ifndef BPFTUNE_LEARNED_H
#define BPFTUNE_LEARNED_H

#include "emit.h"

/* Largest import file, entries per section, and the age (from when an
 * entry was last confirmed on the exporting host) past which an entry is
 * stale and ignored. */
#define BPFTUNE_IMPORT_MAX_BYTES (4U << 20)
#define BPFTUNE_IMPORT_MAX_ENTRIES 8192
#define BPFTUNE_IMPORT_MAX_AGE_S (7 * 24 * 3600LL)
#define BPFTUNE_EXPORT_VERSION 1

/* The export answer (text or JSON). */
void bpftune_learned_export(struct emit *e);

/* Read and validate FILE before any tuner starts: 0, or -errno after
 * logging why (then nothing is imported). */
int bpftune_import_load(const char *path);
/* Once the tuners run: hand each entry to its tuner, log the changes
 * the other host made, and forget the file. */
void bpftune_import_apply(void);

#endif
