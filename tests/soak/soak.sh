#!/bin/bash
# Soak: the daemon with every tuner, for SOAK_SECONDS (make soak: 10 min),
# under all of this at once:
#   - traffic that makes each tuner act (TCP bulk into a small tcp_rmem,
#     UDP into a sink that never reads, 8 KiB pings into a small fragment
#     memory, a backlog flood, neighbour-table fills, many short
#     connections for tcp_conn, a fork burst near threads-max, once a SYN
#     flood on a listener and once more orphans than tcp_max_orphans),
#   - namespace churn (nsfarm), an administrator's sysctl writes, SIGHUP,
#   - query floods from root (UNIX socket) and from user nobody (TCP port),
#   - scrapes of the metrics file.
# Then: no crash, no sanitizer report, fd count and RSS flat after the
# warm-up (+-5 %), every change journaled, and --restore putting back every
# sysctl the daemon touched.  Prints the figures it held.  Works on the
# ASan build too (make soak SANITIZE=1 BUILD=build-asan).
NO_ROLLBACK=1
. "$(dirname "$0")/../lib.sh"
t_start=$EPOCHREALTIME
SOAK=${SOAK_SECONDS:-600}
WARM=$((SOAK / 4 > 20 ? SOAK / 4 : 20)) # warm-up excluded from flatness
require iperf3 python3 ping jq setpriv tc
TOOLDIR=$BUILD/tools
for t in nsfarm bulk syn_flood; do
	[ -x "$TOOLDIR/$t" ] || fail "$TOOLDIR/$t is not built (make tools)"
done
[ -f "$BUILD/tests/tools/backlog_flood.bpf.o" ] || fail "backlog_flood.bpf.o is not built"
# ASan holds freed memory in a quarantine (256 MiB by default) that fills
# over minutes: RSS would grow for that reason alone.  A small one keeps
# use-after-free detection and lets a real leak show as growth.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=8}
S_DIR=$T_TMP/soak
mkdir -p "$S_DIR"
log "soak for $SOAK s (warm-up $WARM s), build $BUILD"

# --- the administrator's configuration before the daemon starts ---
save_sysctl net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 \
	net.ipv4.neigh.default.gc_thresh3 kernel.threads-max kernel.pid_max \
	net.core.flow_limit_cpu_bitmap net.ipv4.tcp_max_orphans
ip ntable change name arp_cache thresh1 32 thresh2 64 thresh3 128 ||
	fail "cannot lower arp_cache thresholds"
sysctl -q -w net.core.flow_limit_cpu_bitmap=0
# tcp_orphan: a low limit the orphan round crosses (global)
sysctl -q -w net.ipv4.tcp_max_orphans=16
tasks=$(awk '{split($4, a, "/"); print a[2]}' /proc/loadavg)
LIMIT=$((tasks + 2000))
sysctl -q -w kernel.threads-max=$LIMIT kernel.pid_max=$((LIMIT > 32768 ? LIMIT : 32768))

SMALL="4096 131072 262144"
netns_pair ts tr # tcp_buffer
TS=$PAIR_S TR=$PAIR_R TIP=$PAIR_IP_S
nsysctl_set "$TR" net.ipv4.tcp_rmem "$SMALL"
netns_pair us ur # udp_buffer
US=$PAIR_S UR=$PAIR_R UIP=$PAIR_IP_R
netns_pair fs fr # ip_frag
FS=$PAIR_S FR=$PAIR_R FIP=$PAIR_IP_R
nsysctl_set "$FR" net.ipv4.ipfrag_low_thresh 4096
nsysctl_set "$FR" net.ipv4.ipfrag_high_thresh 8192
netns_pair bs br # net_buffer
BS=$PAIR_S BR=$PAIR_R BIP=$PAIR_IP_R
netns_pair cs cr # tcp_conn
CS=$PAIR_S CR=$PAIR_R CIP=$PAIR_IP_R
netns_pair ls lr # tcp_listen: LS floods LR's listener
LS=$PAIR_S LR=$PAIR_R LIP=$PAIR_IP_R
nsysctl_set "$LR" net.ipv4.tcp_syncookies 0
nsysctl_set "$LR" net.ipv4.tcp_max_syn_backlog 64
nsysctl_set "$LR" net.ipv4.tcp_synack_retries 1
# the SYN-ACKs to the flood's sources go to LS, which drops them
ip -n "$LR" route add 198.18.0.0/15 via "$PAIR_IP_S" || fail "cannot route the flood's sources in $LR"
netns_pair os or # tcp_orphan: OS closes connections OR never reads
OS=$PAIR_S OR=$PAIR_R OIP=$PAIR_IP_R
netns_pair as ar # the administrator's namespace
AR=$PAIR_R
NB=$(netns_create nb) # neigh_table
T_NETNS+=("$NB")
neigh_veth "$NB" 10.66.0.1/22
PERSIST=("$TS" "$TR" "$US" "$UR" "$FS" "$FR" "$BS" "$BR" "$CS" "$CR" "$LS" "$LR" "$OS" "$OR" "$PAIR_S" "$AR" "$NB")

# every sysctl's value now: root, and each namespace the test keeps
snapshot() {
	local out=$1 ns
	{
		sysctl -a 2>/dev/null | sed 's/^/global /'
		for ns in "${PERSIST[@]}"; do
			ip netns exec "$ns" sysctl -a 2>/dev/null | grep '^net\.' | sed "s/^/$ns /"
		done
	} | tr '\t' ' ' | sort >"$out"
}
snapshot "$S_DIR/before"

port=$(free_port)
Q_SOCK=$T_TMP/bpftune.sock
daemon_start -p "$port" --metrics-file "$S_DIR/bpftune.prom"
q() { "$BPFTUNE" --socket "$Q_SOCK" -q "$@"; }
q jtunables | jq -r '.tunables[] | select(.present) | "\(.scope) \(.name)"' >"$S_DIR/tunables" ||
	fail "no tunables list"
# global originals are put back at exit whatever happens
while read -r scope name; do
	[ "$scope" = global ] || continue
	# those the test set itself already hold the true originals
	[[ " ${T_SAVED[*]} " == *" $name="* ]] && continue
	val=$(awk -v n="$name" '$1 == "global" && $2 == n { $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print; exit }' "$S_DIR/before")
	[ -n "$val" ] && T_SAVED+=("$name=$val")
done <"$S_DIR/tunables"
log "daemon pid $T_DAEMON: $(q tuners | grep -c '^[a-z_]*: ') tuners, $(wc -l <"$S_DIR/tunables") tunables"

# --- background load; each loop ends at the deadline ---
bg() {
	"$@" &
	T_PIDS+=($!)
}
until_deadline() { [ "$SECONDS" -lt "$deadline" ]; }

# samples: time, alive, all fds, netns fds, socket fds, RSS kB
sampler() {
	local pid=$T_DAEMON fds nsfds socks
	while until_deadline; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$SECONDS dead" >>"$S_DIR/samples"
			return
		fi
		fds=$(find "/proc/$pid/fd" -mindepth 1 2>/dev/null | wc -l)
		nsfds=$(find "/proc/$pid/fd" -mindepth 1 -lname 'net:*' 2>/dev/null | wc -l)
		socks=$(find "/proc/$pid/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l)
		echo "$SECONDS alive $fds $nsfds $socks $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")" \
			>>"$S_DIR/samples"
		sleep 5
	done
}

hup_loop() {
	while until_deadline; do
		sleep 15
		kill -HUP "$T_DAEMON" 2>/dev/null && echo hup >>"$S_DIR/hups"
	done
}

# the administrator writes tcp_rmem (its own value again) in AR now and
# then: the sysctl tuner makes tcp_buffer step aside there until SIGHUP
admin_loop() {
	while until_deadline; do
		ip netns exec "$AR" sysctl -q -w net.ipv4.tcp_rmem="$(nsysctl "$AR" net.ipv4.tcp_rmem)" &&
			echo write >>"$S_DIR/admin"
		sleep 7
	done
}

# root over the UNIX socket, nobody over TCP, several clients each
query_flood() {
	local who=$1
	shift
	"$@" "$Q_PY" - "$who" "$Q_SOCK" "$port" "$deadline_epoch" <<'PY' >"$S_DIR/queries.$who.$BASHPID"
import socket, sys, time
who, path, port, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
queries = [b"status\n", b"jstatus\n", b"summary\n", b"jsummary\n", b"rollback\n",
           b"jrollback\n", b"tuners\n", b"jtuners\n", b"tunables\n", b"help\n", b"garbage\n"]
ok = bad = 0
i = 0
while time.time() < end:
    try:
        if who == "root":
            s = socket.socket(socket.AF_UNIX); s.connect(path)
        else:
            s = socket.socket(); s.connect(("127.0.0.1", port))
        s.settimeout(10)
        s.sendall(queries[i % len(queries)])
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        if data:
            ok += 1
        else:
            bad += 1
    except OSError:
        bad += 1
        time.sleep(0.05)
    i += 1
print(ok, bad)
PY
}

scrape_loop() {
	"$Q_PY" - "$S_DIR/bpftune.prom" "$deadline_epoch" <<'PY' >>"$S_DIR/scrapes"
import re, sys, time
path, end = sys.argv[1], float(sys.argv[2])
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$')
n = bad = 0
while time.time() < end:
    text = open(path, "rb").read().decode("utf-8")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not sample.match(line):
            bad += 1
            print("bad metrics line:", line[:200], file=sys.stderr)
    if "bpftune_up 1" not in text:
        bad += 1
    n += 1
    time.sleep(0.2)
print(n, bad)
PY
}

# tuner traffic, one round after another
round_tcp() { ip netns exec "$TR" iperf3 -c "$TIP" -t 2 -R >/dev/null 2>&1; }
round_udp() {
	udp_sink "$UR" "$UIP" 7001
	udp_blast "$US" "$UIP" 7001 1500
	kill "${T_PIDS[-1]}" 2>/dev/null
}
round_frag() { ip netns exec "$FS" ping -q -s 8192 -c 20 -i 0.05 -W 1 "$FIP" >/dev/null 2>&1; }
round_backlog() {
	ip netns exec "$BS" iperf3 -u -c "$BIP" -b 1600k -l 1000 -t 2 >/dev/null 2>&1
}
NEIGH_NEXT=0
round_neigh() {
	neigh_fill "$NB" v0 10.66 $((NEIGH_NEXT % 900)) 100 20 >/dev/null
	NEIGH_NEXT=$((NEIGH_NEXT + 100))
}
round_conn() { bulk_run_cgroup "$CS" "$CIP" -t 100 -n 10 -q >/dev/null 2>&1; }
BURST_DONE=
round_tasks() {
	[ -n "$BURST_DONE" ] && return
	local tasks n i pids=()
	tasks=$(awk '{split($4, a, "/"); print a[2]}' /proc/loadavg)
	n=$((LIMIT * 3 / 4 - tasks + 60))
	[ $((LIMIT - tasks - n)) -ge 200 ] || return
	for ((i = 0; i < n; i++)); do
		sleep 60 &
		pids+=($!)
	done
	wait_log "tasks near threads-max" 10
	kill "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	BURST_DONE=1
}

# once, early: a 3 s SYN flood on a listener (backlog 256) that never
# accepts, and 30 orphans against tcp_max_orphans 16
FLOOD_DONE=
round_flood() {
	[ -n "$FLOOD_DONE" ] && return
	FLOOD_DONE=1
	listener_start "$LR" 8080 256
	ip netns exec "$LS" "$TOOLDIR/syn_flood" -d "$LIP" -p 8080 -r 300 -t 3 >/dev/null 2>&1 ||
		fail "the SYN flood tool failed"
	kill "${T_PIDS[-1]}" 2>/dev/null
}
ORPHANS_DONE=
round_orphans() {
	[ -n "$ORPHANS_DONE" ] && return
	ORPHANS_DONE=1
	orphan_server "$OR" 9000
	orphans_make "$OS" "$OIP" 9000 30
	kill "${T_PIDS[-1]}" 2>/dev/null
}

deadline=$((SECONDS + SOAK))
deadline_epoch=$(($(date +%s) + SOAK))
bg sampler
bg hup_loop
bg admin_loop
bg query_flood root
bg query_flood root
bg query_flood nobody setpriv --reuid=65534 --regid=65534 --clear-groups
bg query_flood nobody setpriv --reuid=65534 --regid=65534 --clear-groups
bg scrape_loop
"$TOOLDIR/nsfarm" -n 20 -c -1 -i 50000 >"$S_DIR/nsfarm.out" 2>&1 &
T_PIDS+=($!)
FARM=$!
iperf_server "$TS"
iperf_server "$BR"
bulk_server "$CR"
backlog_flood_attach "$BR" eth0
rounds=0
while until_deadline; do
	round_tcp
	round_udp
	round_frag
	round_backlog
	round_neigh
	round_conn
	round_tasks
	round_flood
	round_orphans
	rounds=$((rounds + 1))
	kill -0 "$T_DAEMON" || fail "daemon died in round $rounds"
done
log "$rounds traffic rounds done; waiting for the load to end"
kill "$FARM"
wait "$FARM"
churned=$(sed -nE 's/^churned ([0-9]+).*/\1/p' "$S_DIR/nsfarm.out")
for ((i = 0; i < 30; i++)); do
	[ "$(cat "$S_DIR"/queries.root.* 2>/dev/null | wc -l)" -ge 2 ] &&
		[ "$(cat "$S_DIR"/queries.nobody.* 2>/dev/null | wc -l)" -ge 2 ] &&
		[ -s "$S_DIR/scrapes" ] && break
	sleep 1
done

# --- what the daemon did ---
kill -0 "$T_DAEMON" || fail "daemon died"
grep -q dead "$S_DIR/samples" && fail "daemon died during the soak"
q jsummary >"$S_DIR/summary.json" || fail "no summary"
q jtuners >"$S_DIR/tuners.json" || fail "no tuners"
daemon_stop TERM || fail "daemon exit code $?"
assert_no_log "AddressSanitizer|LeakSanitizer|runtime error|Too many open files"
assert_no_log "^bpftune: error"

# every tuner acted (or cannot on this kernel: all its hooks off)
acted=() idle=()
while read -r name events changes nohooks; do
	if [ "$changes" -gt 0 ] || [ "$events" -gt 0 ]; then
		acted+=("$name:$events/$changes")
	elif [ "$name" = sysctl ] &&
		stopped=$(sed -nE 's/.*summary: sysctl: .*\(([0-9]+) stopped a tuner.*/\1/p' "$T_LOG") &&
		[ "${stopped:-0}" -gt 0 ]; then
		acted+=("sysctl:$stopped-stopped") # fanotify, not BPF events
	elif [ "$nohooks" = true ]; then
		log "tuner $name cannot act on this kernel (no hook attached)"
	else
		idle+=("$name")
	fi
done < <(jq -r '.tuners[] | "\(.name) \(.events) \(.changes) \(all(.hooks[]; .tier == "none"))"' "$S_DIR/tuners.json")
[ ${#idle[@]} -eq 0 ] || fail "tuners that never acted: ${idle[*]}"
grep -q "stops tuning in netns" "$T_LOG" || fail "no administrator's write noticed"

# every change journaled: each summary line has its original in the journal
root_cookie=$(python3 -c 'import socket, struct
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
print(struct.unpack("Q", s.getsockopt(socket.SOL_SOCKET, 71, 8))[0])')
changed=0
while IFS='|' read -r name ns orig; do
	case $ns in
	"global netns") cookies="$root_cookie 0" ;;
	*) cookies=${ns#netns } ;;
	esac
	found=
	for c in $cookies; do
		tr '\t' ' ' <"$T_STATE/journal" | grep -qF "$c $name $orig" && found=1
	done
	[ -n "$found" ] || fail "change of $name in $ns (from '$orig') not in the journal"
	changed=$((changed + 1))
done < <(sed -nE 's/^bpftune: info: summary: [a-z_]+: [0-9]+ changes? to ([^ ]+) in (global netns|netns [0-9]+): (.*) -> .* \(.*$/\1|\2|\3/p' "$T_LOG" |
	sed 's/\t/ /g')
assert_gt "$changed" 0 "changes in the summary"

# --restore puts back every sysctl the daemon touched
"$BPFTUNE" --restore --state-dir "$T_STATE" -l "$TUNERDIR" >"$S_DIR/restore.log" 2>&1 ||
	fail "bpftune --restore failed: $(tail -5 "$S_DIR/restore.log")"
snapshot "$S_DIR/after"
restored=0
while read -r scope name; do
	for where in global "${PERSIST[@]}"; do
		[ "$scope" = global ] && [ "$where" != global ] && continue
		b=$(grep -m1 "^$where $name = " "$S_DIR/before")
		a=$(grep -m1 "^$where $name = " "$S_DIR/after")
		[ "$b" = "$a" ] || fail "after --restore: '$a', before the daemon: '$b'"
		[ -n "$b" ] && restored=$((restored + 1))
	done
done <"$S_DIR/tunables"
touched=$(grep -c "restored " "$S_DIR/restore.log")

# --- flatness after the warm-up ---
read -r fd_min fd_max other_min other_max rss_base rss_max ns_max sock_max nsamples < <(
	awk -v warm="$WARM" -v t0="$(head -1 "$S_DIR/samples" | cut -d' ' -f1)" '
	$2 == "alive" && $1 - t0 >= warm {
		other = $3 - $4 - $5
		if (!n) { fmin = fmax = $3; omin = omax = other; rbase = $6; rmax = $6 }
		if ($3 < fmin) fmin = $3; if ($3 > fmax) fmax = $3
		if (other < omin) omin = other; if (other > omax) omax = other
		if ($6 > rmax) rmax = $6
		if ($4 > nsmax) nsmax = $4; if ($5 > smax) smax = $5
		n++
	}
	END { print fmin, fmax, omin, omax, rbase, rmax, nsmax + 0, smax + 0, n }' "$S_DIR/samples")
[ "${nsamples:-0}" -ge 2 ] || fail "too few samples after the warm-up ($nsamples)"
[ "$rss_max" -le $((rss_base * 105 / 100)) ] ||
	fail "RSS grew after the warm-up: $rss_base -> $rss_max kB (> 5 %)"
[ "$other_max" -le $((other_min + 1 + other_min / 20)) ] ||
	fail "fds other than namespaces and sockets grew: $other_min -> $other_max"
# namespaces: 20 churned + ~15 kept + a few; sockets: listeners + 48 clients
[ "$ns_max" -le 80 ] || fail "namespace fds reached $ns_max (20 live in the churn)"
[ "$sock_max" -le 70 ] || fail "socket fds reached $sock_max (client limits 32 + 16)"

# each flood and scraper prints "done failed" when it ends
# (one file per flood: appends of two processes to one file interleave)
sum2() { cat "$@" | awk '/^[0-9]+ [0-9]+$/ {a += $1; b += $2} END {printf "%d %d\n", a, b}'; }
log "query floods (answered failed): root $(cat "$S_DIR"/queries.root.* | tr '\n' ' '), nobody $(cat "$S_DIR"/queries.nobody.* | tr '\n' ' ')"
read -r qr_ok qr_bad < <(sum2 "$S_DIR"/queries.root.*)
read -r qn_ok qn_bad < <(sum2 "$S_DIR"/queries.nobody.*)
read -r scrapes scrape_bad < <(sum2 "$S_DIR/scrapes")
[ "$scrape_bad" -eq 0 ] || fail "$scrape_bad bad metrics files or lines"
assert_gt "$qr_ok" 0 "root queries answered"
assert_gt "$qn_ok" 0 "nobody's TCP queries answered"

cat <<EOF
soak figures ($(uname -r), $SOAK s, build $(basename "$BUILD")):
  traffic rounds:        $rounds
  tuners acted:          ${acted[*]} (name:events/changes)
  changes (summary):     $changed, all journaled; --restore restored $touched, $restored values compared equal
  namespaces churned:    ${churned:-0}
  SIGHUPs:               $(wc -l <"$S_DIR/hups" 2>/dev/null || echo 0)
  administrator writes:  $(wc -l <"$S_DIR/admin" 2>/dev/null || echo 0)
  queries root (UNIX):   $qr_ok answered, $qr_bad failed
  queries nobody (TCP):  $qn_ok answered, $qn_bad failed (turned away when over 16)
  metrics scrapes:       $scrapes, all valid
  after warm-up ($nsamples samples): fds $fd_min..$fd_max (other than netns/sockets $other_min..$other_max, netns <= $ns_max, sockets <= $sock_max), RSS $rss_base..$rss_max kB
EOF
pass "soak of $SOAK s held ($(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $t_start }") s after the lock)"
