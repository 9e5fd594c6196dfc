/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tuner helper layer's core side: what it keeps per tuner and per
 * namespace goes when the namespace or the tuner does (it subscribes to
 * those notes at init).  The helpers themselves are in libbpftune.h.
 */
#ifndef BPFTUNE_TUNER_HELPERS_H
#define BPFTUNE_TUNER_HELPERS_H

int bpftune_helpers_init(void);

#endif
