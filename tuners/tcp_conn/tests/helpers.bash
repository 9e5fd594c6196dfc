# shellcheck shell=bash
# Helpers shared by the tcp_conn tests (sourced; not named *.sh so that
# tests/run.sh does not run it as a test).

# learned_choice IP: the last congestion control the daemon logged for IP
learned_choice() {
	grep -E "tcp_conn: host $1 in .*: congestion control " "$T_LOG" | tail -1 |
		sed -E 's/.*congestion control ([a-z0-9_]+ -> )?([a-z0-9_]+) after .*/\2/'
}

# check_new_connections NS IP ALG: a new connection from NS to IP, seen
# with ss -ti while it runs, uses ALG.  A connection may be one whose
# exploration is due, so up to three are looked at.
check_new_connections() {
	local ns=$1 ip=$2 want=$3 try out seen
	for try in 1 2 3; do
		bulk_run_cgroup "$ns" "$ip" -t 1200 \
			>"$T_TMP/ss-bulk.out" 2>&1 &
		sleep 0.6
		seen=$(ss_cc "$ns" "$ip" | tr '\n' ' ')
		wait $!
		out=$(cat "$T_TMP/ss-bulk.out")
		log "new connection $try: ss -ti shows '$seen', bulk says cc $(bulk_ccs "$out")"
		[ "$(bulk_ccs "$out")" = "$want" ] && [[ " $seen " == *" $want "* ]] &&
			return 0
	done
	fail "new connections to $ip do not use $want (ss -ti showed '$seen')"
}

# costs_recorded IP: how many algorithms have measured connections for IP
# in the daemon's summary
costs_recorded() {
	grep -E "summary: tcp_conn: host $1 in " "$T_LOG" | tail -1 |
		grep -oE '[a-z0-9_]+ [0-9]+\.[0-9]+ \([0-9]+ conns' | wc -l
}
