/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every internal header of the core, for the top of the layers only
 * (main, query) and for unit tests: a lower module includes the headers
 * of the modules below it, never this one (src/README.md, make
 * check-layers).  Not installed.
 */
#ifndef BPFTUNE_CORE_H
#define BPFTUNE_CORE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <bpftune/libbpftune.h>

#include "log.h"
#include "notify.h"
#include "options.h"
#include "caps.h"
#include "loop.h"
#include "netns.h"
#include "sysctl.h"
#include "support.h"
#include "journal_state.h"
#include "journal.h"
#include "journal_restore.h"
#include "tuner.h"
#include "tuner_netns.h"
#include "assess.h"
#include "change.h"
#include "hook_tier.h"
#include "bpfload.h"
#include "plugin.h"
#include "tuner_helpers.h"
#include "metrics.h"

/* --- main.c: the bpftune program (src/bpftune.c calls it); the one
 * symbol libbpftune.so exports beyond the tuner API --- */
__attribute__((visibility("default"))) int bpftune_daemon_main(int argc,
								char **argv);

/* --- query.c --- */
/* Listen on the UNIX socket (and on 127.0.0.1:tcp_port when > 0). */
int bpftune_query_init(const char *sock_path, int tcp_port);
/* Bind 127.0.0.1:port now (at start-up); a failure is a warning. */
void bpftune_query_bind_tcp(int port);
void bpftune_query_fini(void);
/* The client side of bpftune -q: returns the process exit code. */
int bpftune_query_client(const char *sock_path, int tcp_port,
			 const char *request);

#endif /* BPFTUNE_CORE_H */
