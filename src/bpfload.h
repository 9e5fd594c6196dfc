/* SPDX-License-Identifier: GPL-2.0 */
/* Loading a tuner's BPF: the tier of each hook, attach, detach; its ring
 * buffer joins the loop (the rest is the API in libbpftune.h). */
#ifndef BPFTUNE_BPFLOAD_H
#define BPFTUNE_BPFLOAD_H

#include "tuner.h"

void bpftune_bpf_detach(struct bpftune_tuner *tuner);
void bpftune_bpf_print_tiers(struct bpftune_tuner *tuner);

#endif
