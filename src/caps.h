/* SPDX-License-Identifier: GPL-2.0 */
/* Capabilities: raised only around the calls that need them. */
#ifndef BPFTUNE_CAPS_H
#define BPFTUNE_CAPS_H

int bpftune_caps_init(void);
void bpftune_cap_raise(void);
void bpftune_cap_lower(void);

#endif
