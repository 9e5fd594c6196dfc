# shellcheck shell=bash
# Shared helpers for integration tests.  Source it first thing:
#	. "$(dirname "$0")/../../tests/lib.sh"   (or tests/lib.sh from tests/)
#
# It takes a machine-wide lock so that tests (and developers running tests
# in parallel) never share global sysctls, the neighbour table or the
# daemon, and cleans up everything it made in an EXIT trap: namespaces,
# veths, the test cgroup, daemons, servers, saved global sysctls.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
BPFTUNE=${BPFTUNE:-$BUILD/bpftune}
TUNERDIR=${TUNERDIR:-$BUILD/tuners}
T_ID=bt$$
T_TMP=$(mktemp -d /tmp/bpftune-test.XXXXXX)
T_STATE=$T_TMP/state
T_LOG=$T_TMP/daemon.log
T_NETNS=()
T_PIDS=()
T_SAVED=()
T_CGROUP=
T_DAEMON=
T_CLEANUPS=()

# tests/run.sh takes the lock before it starts a test's clock and says so
# with BPFTUNE_TEST_LOCKED=1 (taking it again here would wait forever)
if [ -z "${BPFTUNE_TEST_LOCKED:-}" ]; then
	exec 9>/run/bpftune-test.lock
	if ! flock -w 900 9; then
		echo "could not get the test lock /run/bpftune-test.lock" >&2
		exit 1
	fi
fi

log() { echo "[$(date +%T)] $*"; }
fail() {
	echo "FAIL: $*"
	if [ -s "$T_LOG" ]; then
		echo "--- daemon log (last 30 lines) ---"
		tail -30 "$T_LOG"
	fi
	exit 1
}
skip() {
	echo "SKIP $*"
	exit 77
}
pass() {
	log "PASS: $*"
}

# Register a command to run at exit (last registered runs first).
on_exit() { T_CLEANUPS+=("$*"); }

t_cleanup() {
	local rc=$? i pid ns entry
	set +e
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1
	done
	[ -n "$T_DAEMON" ] && daemon_stop >/dev/null 2>&1
	# a daemon killed without its rollback left its changes (rmem_max,
	# raised at start, is global): the journal puts them back
	if [ -n "${T_KILLED:-}" ] && [ -s "$T_STATE/journal" ]; then
		"$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" >/dev/null 2>&1
	fi
	for pid in "${T_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${T_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# netns_create runs in $(...) subshells, so T_NETNS misses those: every
	# namespace of this test carries the ${T_ID}- prefix
	for ns in "${T_NETNS[@]}" $(ip netns list 2>/dev/null |
		awk -v p="${T_ID}-" 'index($1, p) == 1 {print $1}'); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for entry in "${T_SAVED[@]}"; do
		sysctl -q -w "$entry" >/dev/null 2>&1
	done
	if [ -n "$T_CGROUP" ] && [ -d "$T_CGROUP" ]; then
		# move any stragglers back to the root before removing it
		while read -r pid; do
			echo "$pid" >"$(dirname "$T_CGROUP")/cgroup.procs"
		done <"$T_CGROUP/cgroup.procs"
		rmdir "$T_CGROUP"
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T_TMP"
	exit $rc
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

require() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null || skip "$cmd is not installed"
	done
}

# --- global sysctls: save now, restore at exit ---
save_sysctl() {
	local name val
	for name in "$@"; do
		val=$(sysctl -n "$name") || fail "cannot read $name"
		T_SAVED+=("$name=$(echo "$val" | tr '\t' ' ')")
	done
}

# --- namespaces ---
# netns_create NAME: creates ${T_ID}-NAME, prints its full name
netns_create() {
	local ns=${T_ID}-$1
	ip netns add "$ns" || fail "cannot create netns $ns"
	T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

# veth_connect NS_A NS_B IP_A IP_B (IPs without prefix; /24 is used)
veth_connect() {
	local a=$1 b=$2 ipa=$3 ipb=$4 va vb
	va=va$$${RANDOM}
	vb=vb$$${RANDOM}
	va=${va:0:15}
	vb=${vb:0:15}
	ip link add "$va" type veth peer name "$vb" || fail "cannot create veth"
	ip link set "$va" netns "$a"
	ip link set "$vb" netns "$b"
	ip -n "$a" link set "$va" name eth0
	ip -n "$b" link set "$vb" name eth0
	ip -n "$a" addr add "$ipa/24" dev eth0
	ip -n "$b" addr add "$ipb/24" dev eth0
	ip -n "$a" link set eth0 up
	ip -n "$b" link set eth0 up
}

# Two namespaces joined by a veth: sets NS_A NS_B IP_A IP_B
two_namespaces() {
	NS_A=$(netns_create a)
	NS_B=$(netns_create b)
	# netns_create ran in a subshell: register them here for removal
	T_NETNS+=("$NS_A" "$NS_B")
	IP_A=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).1
	IP_B=${IP_A%.1}.2
	veth_connect "$NS_A" "$NS_B" "$IP_A" "$IP_B"
}

nsysctl() { ip netns exec "$1" sysctl -n "$2" | tr '\t' ' '; }
nsysctl_set() { ip netns exec "$1" sysctl -q -w "$2=$3" || fail "cannot set $2 in $1"; }
# field N (1-based) of a multi-value sysctl
nsysctl_field() { nsysctl "$1" "$2" | awk -v f="$3" '{print $f}'; }

# --- test cgroup (cgroup programs are never attached to the root) ---
cgroup2_root() { awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo; }
cgroup_create() {
	local root
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup2 mount"
	T_CGROUP=$root/bpftune-test-$$
	mkdir -p "$T_CGROUP" || fail "cannot create $T_CGROUP"
}
# in_cgroup CMD...: run CMD inside the test cgroup
in_cgroup() {
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$T_CGROUP" "$@"
}

# --- the daemon ---
# daemon_start [ARGS...]: starts bpftune on the test cgroup, state dir and
# query socket ($T_TMP/bpftune.sock), waits until its tuners run.
# The daemon sees every namespace on the machine; -R (unless NO_ROLLBACK
# is set) puts back whatever it changed, so a test leaves nothing behind.
# $BPFTUNE_TEST_ARGS (e.g. "--tier kprobe", set by the VM suite) is added
# to every daemon's options.
daemon_start() {
	local rollback=(-R)
	[ -n "${NO_ROLLBACK:-}" ] && rollback=()
	[ -n "$T_CGROUP" ] || cgroup_create
	# emptied here, not only by the redirection below: that runs in the
	# background child, and wait_log must not find the previous daemon's
	# "tuner(s) running" before the child has truncated the file
	: >"$T_LOG"
	# shellcheck disable=SC2086 # BPFTUNE_TEST_ARGS is a list of words
	"$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$TUNERDIR" \
		--socket "$T_TMP/bpftune.sock" "${rollback[@]}" ${BPFTUNE_TEST_ARGS:-} \
		"$@" >"$T_LOG" 2>&1 9>&- &
	T_DAEMON=$!
	wait_log "tuner\(s\) running|no tuner started" 30 ||
		fail "daemon did not start"
	grep -q "no tuner started" "$T_LOG" && fail "daemon started no tuner"
	return 0
}

# daemon_stop [SIGNAL]: stop the daemon, wait for it; returns its exit code
daemon_stop() {
	local sig=${1:-INT} rc
	[ -n "$T_DAEMON" ] || return 0
	kill -"$sig" "$T_DAEMON" 2>/dev/null
	wait "$T_DAEMON"
	rc=$?
	# killed by a signal it does not handle: no rollback ran
	[ "$rc" -gt 128 ] && T_KILLED=1
	T_DAEMON=
	return $rc
}

# wait_log REGEX [TIMEOUT_S]: wait for an extended regex in the daemon log
wait_log() {
	local re=$1 timeout=${2:-20} i
	for ((i = 0; i < timeout * 10; i++)); do
		grep -Eq "$re" "$T_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# --- traffic ---
# wait_port NS tcp|udp PORT [TIMEOUT_S]: wait until a socket in NS listens
# on (tcp) or is bound to (udp) PORT; false after TIMEOUT_S (default 10)
wait_port() {
	local ns=$1 proto=$2 port=$3 timeout=${4:-10} i opt=-Htln
	[ "$proto" = udp ] && opt=-Huan
	for ((i = 0; i < timeout * 20; i++)); do
		[ -n "$(ip netns exec "$ns" ss $opt "( sport = :$port )" 2>/dev/null)" ] &&
			return 0
		sleep 0.05
	done
	return 1
}
# iperf_server NS [PORT]: start an iperf3 server in NS (killed at exit),
# return once it listens
iperf_server() {
	local port=${2:-5201}
	ip netns exec "$1" iperf3 -s -p "$port" >/dev/null 2>&1 &
	T_PIDS+=($!)
	wait_port "$1" tcp "$port" || fail "iperf3 server on port $port in $1 did not listen"
}
# iperf_run NS SERVER_IP ARGS...: run a client, print Gbit/s received
iperf_run() {
	local ns=$1 ip=$2
	shift 2
	ip netns exec "$ns" iperf3 -c "$ip" -J "$@" 2>/dev/null |
		python3 -c 'import json,sys
d=json.load(sys.stdin)
print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null
}

# assert helpers
assert_gt() { [ "$1" -gt "$2" ] || fail "$3: expected $1 > $2"; }
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
assert_log() { grep -Eq "$1" "$T_LOG" || fail "daemon log lacks /$1/"; }
assert_no_log() { ! grep -Eq "$1" "$T_LOG" || fail "daemon log has /$1/: $(grep -E "$1" "$T_LOG" | head -2)"; }

# Bulk transfer into a namespace whose tcp_rmem max is small: the
# scenario the tcp_buffer tuner exists for.  Sets NS_A NS_B IP_A IP_B.
small_rmem_setup() {
	two_namespaces
	nsysctl_set "$NS_B" net.ipv4.tcp_rmem "4096 131072 262144"
	nsysctl_set "$NS_B" net.ipv4.tcp_wmem "4096 16384 262144"
	iperf_server "$NS_A"
}
small_rmem_traffic() {
	iperf_run "$NS_B" "$IP_A" -t "${1:-2}" -R
}

# Helpers contributed by tuners and tools (loss, delay, ...).
for __f in "$TOP"/tests/lib.d/*.sh; do
	[ -f "$__f" ] && . "$__f"
done
unset __f
