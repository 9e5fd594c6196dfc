/* SPDX-License-Identifier: GPL-2.0 */
/* Loading a tuner's BPF: trial loads of the tier choice (hook_tier.h),
 * load, attach, detach (the rest is the API in libbpftune.h). */
#ifndef BPFTUNE_BPFLOAD_H
#define BPFTUNE_BPFLOAD_H

#include "tuner.h"

void bpftune_bpf_detach(struct bpftune_tuner *tuner);

#endif
