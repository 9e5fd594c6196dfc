# shellcheck shell=bash
# Helpers of the tcp_buffer tests.

# tcp_mem_lower: set the global tcp_mem (save it first with save_sysctl)
# so that its pressure threshold is 512 pages above what TCP holds now and
# its hard limit far above, so that traffic still flows.  Sets TCP_MEM_LOW
# to the value written.
tcp_mem_lower() {
	local held
	held=$(awk '/^TCP:/ {print $NF}' /proc/net/sockstat)
	# at least 1: the daemon puts back, at exit, only values it may write
	[ "$held" -ge 1 ] || held=1
	TCP_MEM_LOW="$held $((held + 512)) $((held * 4 + 65536))"
	sysctl -q -w net.ipv4.tcp_mem="$TCP_MEM_LOW" || fail "cannot set tcp_mem"
}
