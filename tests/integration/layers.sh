#!/bin/bash
# The core's layers (src/README.md) hold: no module includes the header
# of, or calls, a module above it.  The checker itself is shown to catch
# both kinds of violation on a copy of src/ with one planted.
. "$(dirname "$0")/../lib.sh"
require nm cc
CHECK=$TOP/scripts/check-layers.sh

out=$("$CHECK" "$TOP/src" "$BUILD/src" 2>&1) || fail "layers broken: $out"
log "$out"

# an upward include: log (layer 1) including plugin.h
mkdir -p "$T_TMP/src" "$T_TMP/obj"
cp "$TOP"/src/*.c "$TOP"/src/*.h "$TOP/src/README.md" "$T_TMP/src/"
cp "$BUILD"/src/*.o "$T_TMP/obj/"
sed -i '0,/#include "log.h"/s//#include "log.h"\n#include "plugin.h"/' "$T_TMP/src/log.c"
out=$("$CHECK" "$T_TMP/src" "$T_TMP/obj" 2>&1) && fail "an upward include passed: $out"
echo "$out" | grep -q "log.c (layer [0-9]*) includes plugin.h" ||
	fail "the upward include is not named: $out"
cp "$TOP/src/log.c" "$T_TMP/src/log.c"

# an upward call: netns (layer 3) calling the tuner registry
cat >"$T_TMP/up.c" <<'C'
struct bpftune_tuner *bpftune_tuner_alloc(const char *name);
void *netns_up(void) { return bpftune_tuner_alloc("x"); }
C
cc -c -o "$T_TMP/up.o" "$T_TMP/up.c" || fail "cannot compile the planted call"
ld -r -o "$T_TMP/obj/netns.o" "$BUILD/src/netns.o" "$T_TMP/up.o" ||
	fail "cannot link the planted call into netns.o"
out=$("$CHECK" "$T_TMP/src" "$T_TMP/obj" 2>&1) && fail "an upward call passed: $out"
echo "$out" | grep -q "netns (layer [0-9]*) uses bpftune_tuner_alloc of tuner" ||
	fail "the upward call is not named: $out"

# a module on no line
cp "$TOP/src/netns.c" "$T_TMP/src/stray.c"
cp "$BUILD/src/netns.o" "$T_TMP/obj/netns.o"
out=$("$CHECK" "$T_TMP/src" "$T_TMP/obj" 2>&1) && fail "an unlisted module passed: $out"
echo "$out" | grep -q "module stray is on no line" || fail "the stray module is not named: $out"
rm "$T_TMP/src/stray.c"

# a timerfd of its own, outside the loop
cat >"$T_TMP/own.c" <<'C'
#include <sys/timerfd.h>
int own_timer(void) { return timerfd_create(CLOCK_MONOTONIC, 0); }
C
cc -c -o "$T_TMP/own.o" "$T_TMP/own.c" || fail "cannot compile the planted timerfd"
ld -r -o "$T_TMP/obj/metrics.o" "$BUILD/src/metrics.o" "$T_TMP/own.o" ||
	fail "cannot link the planted timerfd into metrics.o"
out=$("$CHECK" "$T_TMP/src" "$T_TMP/obj" 2>&1) && fail "a timerfd outside the loop passed: $out"
echo "$out" | grep -q "metrics.o calls timerfd_create" || fail "the timerfd is not named: $out"
cp "$BUILD/src/metrics.o" "$T_TMP/obj/metrics.o"

# a nested epoll in the query server, the last module that had one: no
# module is let off
cat >"$T_TMP/nest.c" <<'C'
#include <sys/epoll.h>
int own_epoll(void) { return epoll_create1(0); }
C
cc -c -o "$T_TMP/nest.o" "$T_TMP/nest.c" || fail "cannot compile the planted epoll"
ld -r -o "$T_TMP/obj/query_server.o" "$BUILD/src/query_server.o" "$T_TMP/nest.o" ||
	fail "cannot link the planted epoll into query_server.o"
out=$("$CHECK" "$T_TMP/src" "$T_TMP/obj" 2>&1) && fail "an epoll outside the loop passed: $out"
echo "$out" | grep -q "query_server.o calls epoll_create1" || fail "the epoll is not named: $out"
pass "layers hold; upward includes, calls, unlisted modules, timerfds and epolls outside the loop are caught"
