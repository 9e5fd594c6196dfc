#!/bin/bash
# A plugin directory that does not exist when the daemon starts is waited
# for: created later (two levels missing; the last renamed into place with
# a tuner already in it, as a staged install does), its tuner loads, and a
# tuner installed into it afterwards loads too.  Removed, it is waited for
# again, and a first install after that is picked up as well.
. "$(dirname "$0")/../lib.sh"

FIRST=$T_TMP/first
LATER=$T_TMP/later/lib/tuners
for t in tcp_buffer udp_buffer sys_limits; do
	[ -f "$BUILD/tuners/${t}_tuner.so" ] || fail "$t tuner not built"
done
mkdir -m 0755 "$FIRST"
cp "$BUILD/tuners/tcp_buffer_tuner.so" "$FIRST/"

# only tcp_buffer at start; $LATER and its parent do not exist
TUNERDIR=$FIRST daemon_start -l "$LATER"
wait_log "tuner tcp_buffer started" 5 || fail "tcp_buffer did not start"
assert_no_log "tuner (udp_buffer|sys_limits) started"

# one level appears: nothing to load yet
mkdir -m 0755 "$T_TMP/later"
sleep 0.3
assert_no_log "plugin directory $LATER appeared"

# the next level appears; the last is renamed into place, holding a tuner
mkdir -m 0755 "$T_TMP/later/lib" "$T_TMP/stage"
cp "$BUILD/tuners/udp_buffer_tuner.so" "$T_TMP/stage/"
mv "$T_TMP/stage" "$LATER"
wait_log "plugin directory $LATER appeared; loading tuners from it" 10 ||
	fail "the new plugin directory was not noticed"
wait_log "tuner udp_buffer started" 10 || fail "the tuner already in the new directory did not load"

# installed into it afterwards (temporary name, then rename)
cp "$BUILD/tuners/sys_limits_tuner.so" "$LATER/.sys_limits.tmp"
mv "$LATER/.sys_limits.tmp" "$LATER/sys_limits_tuner.so"
wait_log "tuner sys_limits started" 10 || fail "a tuner installed into the new directory did not load"

# removed (uninstall): its tuners go, and the directory is waited for again
rm -r "$T_TMP/later"
wait_log "tuner sys_limits finalized" 10 || fail "sys_limits not finalized when its directory went"
wait_log "plugin directory $LATER was removed or moved; waiting for it to come back" 10 ||
	fail "the removal of the directory was not noticed"
started=$(grep -c "tuner sys_limits started" "$T_LOG")
mkdir -p -m 0755 "$LATER"
sleep 0.3
cp "$BUILD/tuners/sys_limits_tuner.so" "$LATER/.sys_limits.tmp"
mv "$LATER/.sys_limits.tmp" "$LATER/sys_limits_tuner.so"
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c "tuner sys_limits started" "$T_LOG")" -gt "$started" ] && break
	sleep 0.1
done
[ "$(grep -c "tuner sys_limits started" "$T_LOG")" -gt "$started" ] ||
	fail "a first install into the re-created directory was not picked up"
kill -0 "$T_DAEMON" || fail "the daemon died"
daemon_stop || fail "daemon exited with an error"
assert_no_log "refusing plugin"
pass "a plugin directory created after start is watched from when it appears, and again after removal"
