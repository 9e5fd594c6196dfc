#!/bin/bash
# bpftune.service passes systemd-analyze verify (keys, ExecStart, the man
# page it names), runs as the bpftune user with the capabilities listed,
# and rolls back on stop only when the environment file asks for it.
. "$(dirname "$0")/../lib.sh"
require systemd-analyze pandoc
UNIT=$T_TMP/bpftune.service

make -s -C "$TOP" BUILD="$BUILD" man >/dev/null 2>&1 || fail "make man failed"
sed "s|@sbindir@|$BUILD|" "$TOP/packaging/bpftune.service.in" >"$UNIT"
MANPATH=$BUILD/man systemd-analyze verify "$UNIT" >"$T_TMP/verify.log" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T_TMP/verify.log")"
[ -s "$T_TMP/verify.log" ] && fail "systemd-analyze verify warned: $(cat "$T_TMP/verify.log")"

# the facts the man page states about the unit
key() { sed -n "s/^$1=//p" "$UNIT"; }
assert_eq "$(key User)" bpftune "User="
assert_eq "$(key Restart)" on-failure "Restart="
assert_eq "$(key AmbientCapabilities)" "$(key CapabilityBoundingSet)" "ambient = bounding capabilities"
for cap in CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_PTRACE; do
	key AmbientCapabilities | grep -qw "$cap" || fail "$cap not granted"
done
key After | grep -qw systemd-sysctl.service || fail "not ordered after systemd-sysctl"
key ExecStart | grep -q '\$BPFTUNE_ROLLBACK \$BPFTUNE_OPTS$' || fail "ExecStart: $(key ExecStart)"
# settings that would break bpftune must not creep in
for bad in ProtectKernelTunables ProtectProc ProcSubset PrivateUsers PrivateNetwork; do
	grep -q "^$bad=" "$UNIT" && fail "$bad= breaks bpftune (see bpftune(8))"
done
# rollback is opt-in: the shipped default leaves it empty
grep -q '^BPFTUNE_ROLLBACK=""$' "$TOP/packaging/bpftune.default" ||
	fail "rollback is not off by default"

# a broken unit must fail the check (the check is real)
sed 's/^ProtectSystem=/ProtectSytem=/' "$UNIT" >"$T_TMP/broken.service"
MANPATH=$BUILD/man systemd-analyze verify "$T_TMP/broken.service" 2>&1 | grep -q "Unknown key" ||
	fail "systemd-analyze did not flag a misspelt key"
log "own time: $(elapsed) s"
pass "bpftune.service verified"
