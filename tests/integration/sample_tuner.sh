#!/bin/bash
# sample_tuner/ builds against the INSTALLED headers and libbpftune (a
# `make install DESTDIR=` staging tree, found through its libbpftune.pc),
# its `make install` drops it into a directory a running daemon watches,
# the daemon loads it, and it tunes: TIME_WAIT sockets near
# tcp_max_tw_buckets in a namespace raise it there.  The same tuner built
# against headers of another tuner ABI is refused, and the daemon goes on.
. "$(dirname "$0")/../lib.sh"
require clang bpftool pkg-config python3
ROOT=$T_TMP/root
SAMPLE=$T_TMP/sample
WATCH=$T_TMP/watch

make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$ROOT" >"$T_TMP/install.log" 2>&1 ||
	fail "make install failed: $(tail -5 "$T_TMP/install.log")"
pcdir=$(dirname "$(find "$ROOT" -name libbpftune.pc)")
[ -d "$pcdir" ] || fail "no libbpftune.pc installed"
cp -r "$TOP/sample_tuner" "$SAMPLE"
rm -f "$SAMPLE"/*.o "$SAMPLE"/*_tuner.so "$SAMPLE"/*.skel.h
PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$ROOT make -C "$SAMPLE" >"$T_TMP/build.log" 2>&1 ||
	fail "sample build failed: $(tail -10 "$T_TMP/build.log")"
# built from the installed headers and library, not the source tree
grep -q -- "-I$ROOT/usr/include" "$T_TMP/build.log" || fail "not built with the installed headers"
grep -q -- "-L$ROOT/usr/lib64 -lbpftune" "$T_TMP/build.log" || fail "not linked with the installed library"
grep -q -- "$TOP/include" "$T_TMP/build.log" && fail "built with the source tree's headers"

# another ABI: the installed tree with the header's ABI number changed
OTHER=$T_TMP/other
cp -a "$ROOT" "$OTHER"
abi=$(sed -n 's/^#define BPFTUNE_ABI_VERSION \([0-9]*\)$/\1/p' "$ROOT/usr/include/bpftune/libbpftune.h")
[ -n "$abi" ] || fail "no BPFTUNE_ABI_VERSION in the installed header"
sed -i "s/^#define BPFTUNE_ABI_VERSION $abi\$/#define BPFTUNE_ABI_VERSION $((abi + 1))/" \
	"$OTHER/usr/include/bpftune/libbpftune.h"
cp -r "$TOP/sample_tuner" "$T_TMP/sample_other"
rm -f "$T_TMP/sample_other"/*.o "$T_TMP/sample_other"/*_tuner.so "$T_TMP/sample_other"/*.skel.h
PKG_CONFIG_PATH=${pcdir/#$ROOT/$OTHER} PKG_CONFIG_SYSROOT_DIR=$OTHER make -C "$T_TMP/sample_other" \
	>"$T_TMP/build_other.log" 2>&1 || fail "sample build (other ABI) failed: $(tail -5 "$T_TMP/build_other.log")"

two_namespaces
nsysctl_set "$NS_B" net.ipv4.tcp_max_tw_buckets 40
mkdir -m 0755 "$WATCH"
daemon_start -a tcp_buffer_tuner.so -a sample_tuner.so -a other_abi_tuner.so -l "$WATCH"
cp "$T_TMP/sample_other/sample_tuner.so" "$WATCH/.other.tmp"
mv "$WATCH/.other.tmp" "$WATCH/other_abi_tuner.so"
wait_log "refusing plugin $WATCH/other_abi_tuner.so: it was built for tuner ABI $((abi + 1)), this bpftune has ABI $abi" 10 ||
	fail "the daemon did not refuse a tuner built for another ABI"
kill -0 "$T_DAEMON" || fail "the daemon died refusing a tuner"
# the sample's own install target: temporary name, then rename
PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$ROOT make -s -C "$SAMPLE" install TUNERDIR="$WATCH" ||
	fail "sample install failed"
wait_log "tuner sample started" 10 || fail "the daemon did not load the installed sample"

ip netns exec "$NS_A" python3 "$TOP/tests/tools/tw_churn.py" serve 7777 >/dev/null &
T_PIDS+=($!)
sleep 0.3
ip netns exec "$NS_B" python3 "$TOP/tests/tools/tw_churn.py" churn "$IP_A" 7777 60 ||
	fail "connection churn failed"
wait_log "sample: TIME_WAIT table nearly full: net.ipv4.tcp_max_tw_buckets 40 -> 50 in netns [0-9]+, because [0-9]+ TIME_WAIT sockets" 5 ||
	fail "the sample did not raise tcp_max_tw_buckets"
tw=$(nsysctl "$NS_B" net.ipv4.tcp_max_tw_buckets)
log "tcp_max_tw_buckets in B: 40 -> $tw"
assert_gt "$tw" 40 "tcp_max_tw_buckets in B"
assert_eq "$(nsysctl "$NS_A" net.ipv4.tcp_max_tw_buckets)" "$(sysctl -n net.ipv4.tcp_max_tw_buckets)" "A untouched"

make -s -C "$SAMPLE" uninstall TUNERDIR="$WATCH" PKG_CONFIG_PATH="$pcdir" >/dev/null
wait_log "tuner sample finalized" 5 || fail "uninstall did not finalize the sample"
daemon_stop || fail "daemon exited with an error"
# make uninstall takes back all that make install put in the staging tree
# but the administrator's /etc/default/bpftune
make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$ROOT" >/dev/null 2>&1 || fail "make uninstall failed"
left=$(cd "$ROOT" && find . ! -type d | sort | tr '\n' ' ')
assert_eq "$left" "./etc/default/bpftune " "files left after make uninstall"
log "own time: $(elapsed) s"
pass "sample tuner built from installed files, loaded at run time, and tuning"
