# shellcheck shell=bash
# Helpers of the net_buffer tests.

# backlog_flood_attach NS DEV: every packet arriving on DEV in NS is
# re-injected 32 times into DEV's ingress, which overflows the receiving
# CPU's backlog at modest packet rates (tests/tools/backlog_flood.bpf.c).
backlog_flood_attach() {
	tc_ingress_attach "$1" "$2" "$BUILD/tests/tools/backlog_flood.bpf.o"
}

# softnet_drops: "cpu dropped" per line of /proc/net/softnet_stat
softnet_drops() {
	local -a f
	local n=0
	while read -r -a f; do
		if [ ${#f[@]} -ge 13 ]; then
			echo "$((16#${f[12]})) $((16#${f[1]}))"
		else
			echo "$n $((16#${f[1]}))"
		fi
		n=$((n + 1))
	done </proc/net/softnet_stat
}

# cpumask_has MASK CPU: is CPU's bit set in a hex cpumask ("3", "1,00000000")?
cpumask_has() {
	python3 -c 'import sys; sys.exit(0 if (int(sys.argv[1].replace(",", ""), 16) >> int(sys.argv[2])) & 1 else 1)' "$1" "$2"
}
