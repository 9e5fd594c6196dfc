/* SPDX-License-Identifier: GPL-2.0 */
/* The Prometheus text file (--metrics-file), rewritten on state changes. */
#ifndef BPFTUNE_METRICS_H
#define BPFTUNE_METRICS_H

int bpftune_metrics_init(const char *path);
/* Final rewrite (bpftune_up 0) and stop. */
void bpftune_metrics_fini(void);

#endif
