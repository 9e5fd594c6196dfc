# shellcheck shell=bash
# Loss and delay for tests and benchmarks, built on tests/tools (this
# kernel has no netem).  Sourced by tests/lib.sh; everything started here
# is stopped by lib.sh's exit trap (on_exit).
TOOLDIR=${TOOLDIR:-$BUILD/tools}

# netem_wait_ready LOGFILE PID WHAT: wait until a tool prints "ready"
netem_wait_ready() {
	local logf=$1 pid=$2 what=$3 i
	for ((i = 0; i < 50; i++)); do
		grep -q ": ready" "$logf" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	fail "$what did not start: $(cat "$logf" 2>/dev/null | tail -3)"
}

# netem_stop PID: stop a tool and wait (up to 5 s) until it has cleaned
# up and exited; works from a subshell too, where wait cannot
netem_stop() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	wait "$1" 2>/dev/null
	return 0
}

# loss_start NS DEV PCT: drop PCT % of the packets arriving at DEV in NS
# (put it on the receiver).  Sets LOSS_PID; its report is in LOSS_LOG.
loss_start() {
	local ns=$1 dev=$2 pct=$3
	[ -x "$TOOLDIR/loss" ] || fail "$TOOLDIR/loss is not built (make tools)"
	LOSS_LOG=$T_TMP/loss-$ns-$dev.log
	"$TOOLDIR/loss" -n "$ns" "$dev" "$pct" >"$LOSS_LOG" 2>&1 &
	LOSS_PID=$!
	on_exit netem_stop "$LOSS_PID"
	netem_wait_ready "$LOSS_LOG" "$LOSS_PID" "loss tool on $ns/$dev"
}

# loss_stop: stop the last loss_start, print its report
loss_stop() {
	netem_stop "$LOSS_PID"
	cat "$LOSS_LOG"
}

# netem_netns VAR NAME: create namespace ${T_ID}-NAME, store its name in
# VAR.  Not through $(netns_create): in a command substitution the
# namespace would not be recorded for deletion at exit.
netem_netns() {
	local ns=${T_ID}-$2
	ip netns add "$ns" || fail "cannot create netns $ns"
	T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# delay_path MS [MBIT]: two namespaces joined through the delay relay,
# MS milliseconds each way (RTT about 2*MS), optionally rate-limited.
# May be called again for another, independent path.
# Sets NS_A NS_B IP_A IP_B (as two_namespaces does) and NETEM_DEV, the
# device name on both sides (put loss on "$NS_A" "$NETEM_DEV" to drop
# what A receives).  DELAY_PID and DELAY_LOG describe the relay.
delay_path() {
	local ms=$1 rate=${2:-} args=()
	[ -x "$TOOLDIR/delay" ] || fail "$TOOLDIR/delay is not built (make tools)"
	NETEM_SEQ=$((${NETEM_SEQ:-0} + 1))
	netem_netns NS_A "da$NETEM_SEQ"
	netem_netns NS_B "db$NETEM_SEQ"
	IP_A=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).1
	IP_B=${IP_A%.1}.2
	NETEM_DEV=tdelay0
	[ -n "$rate" ] && args=(-r "$rate")
	DELAY_LOG=$T_TMP/delay-$$.log
	"$TOOLDIR/delay" -a "$NS_A" -b "$NS_B" -d "$ms" "${args[@]}" \
		>"$DELAY_LOG" 2>&1 &
	DELAY_PID=$!
	on_exit netem_stop "$DELAY_PID"
	netem_wait_ready "$DELAY_LOG" "$DELAY_PID" "delay relay"
	ip -n "$NS_A" addr add "$IP_A" peer "$IP_B" dev "$NETEM_DEV" &&
		ip -n "$NS_B" addr add "$IP_B" peer "$IP_A" dev "$NETEM_DEV" &&
		ip -n "$NS_A" link set "$NETEM_DEV" up &&
		ip -n "$NS_B" link set "$NETEM_DEV" up ||
		fail "cannot configure the delay path devices"
}

# ping_rtt_ms NS IP [COUNT] [min|avg|max]: ping RTT in ms (default the
# average; the minimum is what the path is made of, the average also holds
# scheduling delays of a busy machine); empty on failure
ping_rtt_ms() {
	local field
	case ${4:-avg} in
	min) field=4 ;;
	max) field=6 ;;
	*) field=5 ;;
	esac
	ip netns exec "$1" ping -q -n -c "${3:-5}" -i 0.05 -W 2 "$2" 2>/dev/null |
		awk -F'[/ ]' -v f="$field" '/^rtt|^round-trip/ {print $(f + 3)}'
}

# With BULK_CPU set (e.g. 0), bulk servers and clients run on that CPU
# only: on a veth, whether sender and receiver share a CPU changes
# throughput by up to 2x, which makes runs hard to compare otherwise.
bulk_cmd() {
	if [ -n "${BULK_CPU:-}" ]; then
		echo taskset -c "$BULK_CPU" "$TOOLDIR/bulk"
	else
		echo "$TOOLDIR/bulk"
	fi
}

# bulk_server NS [PORT]: a discarding receiver in NS (stopped at exit)
bulk_server() {
	[ -x "$TOOLDIR/bulk" ] || fail "$TOOLDIR/bulk is not built (make tools)"
	local port=${2:-5301} i
	# shellcheck disable=SC2046
	ip netns exec "$1" $(bulk_cmd) -s -p "$port" >/dev/null 2>&1 &
	T_PIDS+=($!)
	for ((i = 0; i < 40; i++)); do
		ip netns exec "$1" ss -Htln "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	fail "bulk server in $1 is not listening on port $port"
}

# bulk_run NS IP ARGS...: transfers from NS to IP (see bulk -h); prints
# one line per connection ("... Mbit/s, cc ALG") and the mean
bulk_run() {
	local ns=$1 ip=$2
	shift 2
	# shellcheck disable=SC2046
	ip netns exec "$ns" $(bulk_cmd) -c "$ip" "$@"
}

# bulk_run_cgroup NS IP ARGS...: the same from inside the test cgroup,
# where the daemon's cgroup programs see the connections
bulk_run_cgroup() {
	local ns=$1 ip=$2
	shift 2
	# shellcheck disable=SC2046
	in_cgroup ip netns exec "$ns" $(bulk_cmd) -c "$ip" "$@"
}

# bulk_mean OUTPUT: the mean Mbit/s of a bulk_run output
bulk_mean() { awk '/^bulk: mean/ {print $3}' <<<"$1"; }

# bulk_ccs OUTPUT: the congestion control of each connection, one a line
bulk_ccs() { awk '/^bulk: conn/ {print $NF}' <<<"$1"; }

# ss_cc NS IP: congestion controls of NS's TCP connections to IP (ss -ti)
ss_cc() {
	ip netns exec "$1" ss -tin dst "$2" |
		grep -oE '^[[:space:]]+[a-z0-9_]+ ' | tr -d ' \t' | sort -u
}
