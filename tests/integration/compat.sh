#!/bin/bash
# Drop-in for users of the existing bpftune: its options, exit codes,
# cgroup directory (-c /var/run/bpftune/cgroupv2, mounted when it is not a
# cgroup2 directory, and the default when no cgroup2 is mounted), tuner
# directories, syslog, and -q answers parsed the way scripts parse them.
# Also --log-format json: one JSON object per line, every change with its
# fields and a stable decision id.
#
# A fresh cgroup2 mount is the ROOT cgroup: the daemons started here on
# such a mount load only net_buffer, which attaches no cgroup program.
. "$(dirname "$0")/../../tests/lib.sh"
log "start (test lock held)"
require tc iperf3 python3 jq unshare

CGV2=/var/run/bpftune/cgroupv2
LOCALDIR=/usr/local/lib64/bpftune
# mountinfo shows the resolved path (/var/run is a link to /run)
mounted_cgv2() {
	awk -v p="$(realpath -m "$CGV2")" '$5 == p && $9 == "cgroup2"' \
		/proc/self/mountinfo | grep -q .
}

# --- the command line, without a daemon ---
help=$("$BPFTUNE" -h); rc=$?
assert_eq "$rc" 0 "exit code of -h"
for opt in -a -c -d -D -h -l -L -p -q -r -R -s -S -V -P; do
	grep -Eq "^  $opt, --" <<<"$help" || fail "-h does not describe $opt"
done
"$BPFTUNE" --help | cmp -s - <(echo "$help") || fail "--help differs from -h"
out=$("$BPFTUNE" -V); rc=$?
assert_eq "$rc" 0 "exit code of -V"
[[ $out =~ ^bpftune\ v[0-9]+\.[0-9]+ ]] || fail "-V prints '$out'"
assert_eq "$("$BPFTUNE" --version)" "$out" "--version"
libdir=$("$BPFTUNE" -P); rc=$?
assert_eq "$rc" 0 "exit code of -P"
assert_eq "$("$BPFTUNE" --print-libdir)" "$libdir" "--print-libdir"
[[ $libdir == /*/bpftune ]] || fail "-P prints '$libdir'"
out=$("$BPFTUNE" -S -l "$TUNERDIR" 2>&1); rc=$?
assert_eq "$rc" 0 "exit code of -S on a kernel that runs the daemon"
head -1 <<<"$out" | grep -Eq "^bpftune works" || fail "-S first line: $(head -1 <<<"$out")"
"$BPFTUNE" --support -l "$TUNERDIR" >/dev/null 2>&1 || fail "--support failed"
# -L: the legacy (kprobe) tier only, as there; its verdict depends on the
# kernel (kprobes are absent here), the long form must agree
legacy=$("$BPFTUNE" -S -L 2>&1 | head -1); rc=$?
assert_eq "$("$BPFTUNE" -S --legacy 2>&1 | head -1)" "$legacy" "-S --legacy"
[[ $legacy == "bpftune works in legacy mode" || $legacy == "bpftune is not supported"* ]] ||
	fail "-S -L: '$legacy'"
for bad in "-Z" "-r 5" "--learning_rate=7" "-a" "--bogus"; do
	# shellcheck disable=SC2086 # the option and its value are two words
	out=$("$BPFTUNE" $bad 2>&1); rc=$?
	[ "$rc" -ne 0 ] || fail "'$bad' was accepted"
	grep -q "^bpftune: " <<<"$out" || fail "'$bad': no error line: $out"
done
out=$("$BPFTUNE" -q status --socket "$T_TMP/nobody.sock" 2>&1); rc=$?
assert_eq "$rc" 1 "exit code of -q with no daemon"
# -c on a directory with files in it: no cgroup2 mounted over them
mkdir -p "$T_TMP/notcg" && touch "$T_TMP/notcg/keep"
out=$("$BPFTUNE" -s -c "$T_TMP/notcg" -a net_buffer_tuner.so -l "$TUNERDIR" \
	--state-dir "$T_STATE" --socket "$T_TMP/x.sock" 2>&1); rc=$?
assert_eq "$rc" 1 "exit code for -c on a non-empty directory"
grep -q "error: --cgroup $T_TMP/notcg is neither a cgroup v2 directory nor empty" <<<"$out" ||
	fail "-c on a non-empty directory: $out"
[ -e "$T_TMP/notcg/keep" ] || fail "-c lost a file"
pass "options -a -c -d -D -h -l -L -p -q -r -R -s -S -V -P and long forms"

# --- set up: a tuner in the existing tool's local library path ---
made_local=
if [ ! -d "$LOCALDIR" ]; then
	made_local=$(d=$LOCALDIR; while [ ! -d "$(dirname "$d")" ]; do
		d=$(dirname "$d"); done; echo "$d")
	(umask 022 && mkdir -p "$LOCALDIR") || fail "cannot create $LOCALDIR"
	on_exit "rm -rf '$made_local'"
fi
[ -e "$LOCALDIR/net_buffer_tuner.so" ] &&
	skip "$LOCALDIR/net_buffer_tuner.so exists already (not ours to replace)"
install -m 0644 "$TUNERDIR/net_buffer_tuner.so" "$LOCALDIR/" ||
	fail "cannot install into $LOCALDIR"
on_exit "rm -f '$LOCALDIR/net_buffer_tuner.so'"
[ -e "$CGV2" ] && skip "$CGV2 exists (another bpftune runs here?)"
made_run=
[ -d /var/run/bpftune ] || made_run=1
[ -n "$made_run" ] && on_exit "rmdir /var/run/bpftune"
on_exit "umount '$CGV2'; rmdir '$CGV2'"
save_sysctl net.core.netdev_max_backlog net.core.flow_limit_cpu_bitmap \
	net.core.netdev_budget net.core.netdev_budget_usecs

# bpftune_bg LOG ARGS...: start the daemon as a unit file would (no -l)
bpftune_bg() {
	local out=$1
	shift
	"$BPFTUNE" --state-dir "$T_STATE" --socket "$T_TMP/bpftune.sock" \
		-a net_buffer_tuner.so "$@" >"$out" 2>&1 &
	T_DAEMON=$!
}
q() { "$BPFTUNE" -q "$@" --socket "$T_TMP/bpftune.sock"; }

# --- -c /var/run/bpftune/cgroupv2, the existing tool's common usage ---
port=$(free_port)
bpftune_bg "$T_LOG" -s -R -r 4 -p "$port" -c "$CGV2" --log-format json
wait_log "tuner\(s\) running|no tuner started" 30 || fail "daemon did not start"
assert_log "mounted cgroup2 on $CGV2 "
assert_log "tuner net_buffer started"
mounted_cgv2 || fail "no cgroup2 mounted on $CGV2"

# a global change: backlog drops from a clone flood (as net_buffer's test)
backlog_before=$(sysctl -n net.core.netdev_max_backlog)
two_namespaces
backlog_flood_attach "$NS_B" eth0
iperf_server "$NS_B"
ip netns exec "$NS_A" iperf3 -u -c "$IP_B" -b 1600k -l 1000 -t 3 >/dev/null 2>&1 ||
	log "iperf3 client reported an error (expected under the flood)"
wait_log '"event":"change".*"sysctl":"net.core.netdev_max_backlog"' 10 ||
	fail "no netdev_max_backlog change logged"
# the flood's drops are reported once a second: wait until no more come
backlog_now=$(sysctl -n net.core.netdev_max_backlog)
for ((i = 0; i < 20; i++)); do
	sleep 1.5
	v=$(sysctl -n net.core.netdev_max_backlog)
	[ "$v" = "$backlog_now" ] && break
	backlog_now=$v
done
assert_gt "$backlog_now" "$backlog_before" "netdev_max_backlog raised"

# -q, read the way scripts read the existing tool's answers
for name in help tuners tunables status summary rollback; do
	q help | awk '{print $1}' | grep -Fxq "$name" ||
		fail "help does not list $name as a first word"
done
assert_eq "$(q tuners | awk '$1 == "net_buffer" {print $2}')" active "tuners: state"
assert_eq "$("$BPFTUNE" -q tuners -p "$port" | awk '{print $1, $2}')" "net_buffer active" \
	"tuners asked on -p PORT"
assert_eq "$(q tunables | awk '$2 == "net.core.netdev_max_backlog" {print $1, $3, $4}')" \
	"net_buffer integer 1" "tunables: tuner, type, number of values"
# drops may still come in: status must agree with the kernel at a moment
# when the value holds still (read before and after the query)
for ((i = 0; i < 5; i++)); do
	v1=$(sysctl -n net.core.netdev_max_backlog)
	st=$(q status | awk '$2 == "net.core.netdev_max_backlog" {print $3}')
	v2=$(sysctl -n net.core.netdev_max_backlog)
	[ "$v1" = "$v2" ] && break
	sleep 1
done
assert_eq "$st" "$v2" "status: the global value"
backlog_now=$v2
# sysctl_assign TUNABLE: NAME=VALUE of the "sysctl -w" line on stdin for it,
# as a shell running the line would see it
sysctl_assign() {
	local line
	line=$(grep "^sysctl -w .\?$1=" | head -1)
	[ -n "$line" ] || return 1
	eval "set -- $line"
	echo "$3"
}
assert_eq "$(q summary | sysctl_assign net.core.netdev_max_backlog)" \
	"net.core.netdev_max_backlog=$backlog_now" "summary's sysctl line replicating the change"
q summary | grep -v '^#' | grep -v '^sysctl -w ' | grep -q . &&
	fail "summary has lines that are neither comments nor sysctl commands"
q jsummary | jq -e . >/dev/null || fail "jsummary is not JSON"
assert_eq "$(q rollback | sysctl_assign net.core.netdev_max_backlog)" \
	"net.core.netdev_max_backlog=$backlog_before" "rollback's global line"
q rollback | grep '^sysctl -w ' | sh >/dev/null || fail "running rollback's lines"
assert_eq "$(sysctl -n net.core.netdev_max_backlog)" "$backlog_before" \
	"netdev_max_backlog after '-q rollback | sh'"
pass "-q help|tuners|tunables|status|summary|rollback parsed by column"

daemon_stop || fail "daemon exited with an error"
grep -q "^bpftune: " "$T_LOG" && fail "a non-JSON line in the JSON log: $(grep -m1 '^bpftune: ' "$T_LOG")"
jq -e . "$T_LOG" >/dev/null || fail "a line of the log is not JSON"
nlines=$(grep -c . "$T_LOG")
assert_eq "$(jq -c . "$T_LOG" | grep -c .)" "$nlines" "one JSON object per line"
jq -e 'select(.event == "change") | (.time | test("^[0-9-]+T[0-9:.]+Z$")) and
	.host == $host and .tuner == "net_buffer" and .netns == "global" and
	(.old | test("^[0-9]+$")) and (.new | test("^[0-9]+$")) and
	(.why | length > 0) and (.id | test("^[0-9a-f]{16}$")) and .level == "info"' \
	--arg host "$(hostname)" "$T_LOG" | grep -vxq true &&
	fail "a change record lacks a field: $(grep -m1 '"change"' "$T_LOG")"
# the id names the decision kind: one id per (tuner, scenario, sysctl)
kinds=$(jq -r 'select(.event == "change") | "\(.tuner)|\(.scenario)|\(.sysctl)"' "$T_LOG" | sort -u | wc -l)
pairs=$(jq -r 'select(.event == "change") | "\(.tuner)|\(.scenario)|\(.sysctl) \(.id)"' "$T_LOG" | sort -u | wc -l)
ids=$(jq -r 'select(.event == "change") | .id' "$T_LOG" | sort -u | wc -l)
assert_gt "$kinds" 0 "change records"
assert_eq "$pairs" "$kinds" "one id per decision kind"
assert_eq "$ids" "$kinds" "different kinds, different ids"
grep -q "unmounted cgroup2 from $CGV2" "$T_LOG" || fail "no unmount logged"
mounted_cgv2 && fail "$CGV2 still mounted"
[ -e "$CGV2" ] && fail "$CGV2 left behind"
pass "-c $CGV2 mounted and unmounted; JSON log: $nlines lines, $kinds decision kind(s)"

# --- no -c and no cgroup2 mounted: $CGV2 is the default ---
# (in a private mount namespace without the cgroup2 mounts)
T_LOG2=$T_TMP/nocgroup.log
unshare -m --propagation private sh -c '
	awk '\''$9 == "cgroup2" {print $5}'\'' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" || exit 1; done
	exec "$@"' sh "$BPFTUNE" --state-dir "$T_STATE" \
	--socket "$T_TMP/nocg.sock" -a net_buffer_tuner.so -s -d >"$T_LOG2" 2>&1 &
T_DAEMON=$!
for ((i = 0; i < 300; i++)); do
	grep -Eq "tuner\(s\) running|no tuner started|^bpftune: (error|err):" "$T_LOG2" && break
	sleep 0.1
done
grep -q "mounted cgroup2 on $CGV2 " "$T_LOG2" ||
	fail "without cgroup2 and -c, $CGV2 was not used: $(cat "$T_LOG2")"
grep -q "tuner(s) running" "$T_LOG2" || fail "daemon did not start: $(cat "$T_LOG2")"
grep -q "^bpftune: debug: " "$T_LOG2" || fail "-d: no debug lines"
mounted_cgv2 && fail "the private mount of $CGV2 is visible outside"
daemon_stop || fail "daemon without cgroup2 exited with an error"
grep -q "unmounted cgroup2 from $CGV2" "$T_LOG2" || fail "no unmount logged"
[ -e "$CGV2" ] && fail "$CGV2 left behind"
pass "no cgroup2 mounted: the daemon mounts $CGV2 and removes it at exit"

# --- syslog by default (no -s) ---
if [ -e /dev/log ]; then
	log "/dev/log exists (a syslog daemon runs): syslog part not run"
else
	cgroup_create
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log")
out = open(sys.argv[1], "ab", buffering=0)
while True:
	out.write(s.recv(65536) + b"\n")' "$T_TMP/syslog" &
	T_PIDS+=($!)
	on_exit "rm -f /dev/log"
	for ((i = 0; i < 50; i++)); do [ -S /dev/log ] && break; sleep 0.1; done
	bpftune_bg "$T_TMP/stderr" -c "$T_CGROUP"
	for ((i = 0; i < 300; i++)); do
		grep -q "tuner(s) running" "$T_TMP/syslog" 2>/dev/null && break
		sleep 0.1
	done
	daemon_stop
	grep -Eq "^<[0-9]+>.*bpftune\[[0-9]+\]: (ready: )?1 tuner\(s\) running" "$T_TMP/syslog" ||
		fail "no syslog record: $(head -3 "$T_TMP/syslog")"
	grep -q "tuner(s) running" "$T_TMP/stderr" && fail "logged to stderr, not syslog"
	pass "logs to syslog by default"
fi
pass "drop-in for the existing bpftune's command line, files and queries"
