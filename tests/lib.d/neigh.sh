# shellcheck shell=bash
# Helpers for neighbour-table tests.

# neigh_stat TABLE COLUMN: a /proc/net/stat/TABLE counter summed over CPUs
neigh_stat() {
	local hex sum=0
	for hex in $(awk -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		c { print $c }' "/proc/net/stat/$1"); do
		sum=$((sum + 16#$hex))
	done
	echo "$sum"
}

# neigh_veth NS ADDR/PREFIX...: a veth pair v0/v1 inside NS, up, with the
# addresses on v0.  Its neighbours are flushed synchronously at exit (the
# kernel frees a deleted namespace's entries later, in the background,
# and they would still count against the next test's thresholds).
neigh_veth() {
	local ns=$1 addr
	shift
	ip -n "$ns" link add v0 type veth peer name v1 || fail "cannot create veth in $ns"
	on_exit "ip -n $ns link del v0"
	for addr in "$@"; do
		ip -n "$ns" addr add "$addr" dev v0 || fail "cannot add $addr"
	done
	ip -n "$ns" link set v0 up
	ip -n "$ns" link set v1 up
}

# neigh_fill NS DEV PREFIX FIRST COUNT [BATCH]: add COUNT stale (gc-able)
# neighbours, numbered from FIRST, on DEV in NS, BATCH at a time with a
# short pause between batches; prints how many additions the kernel
# refused.  PREFIX "10.66" gives 10.66.<hi>.<lo>; an IPv6 PREFIX (with a
# colon, e.g. "2001:db8:5") gives PREFIX::<n>.
neigh_fill() {
	local ns=$1 dev=$2 prefix=$3 first=$4 count=$5 batch=${6:-10} i n f
	f=$T_TMP/neigh.batch
	: >"$T_TMP/neigh.err"
	for ((i = first; i < first + count; i++)); do
		case $prefix in
		*:*) printf 'neigh add %s::%x' "$prefix" $((i + 2)) ;;
		*) printf 'neigh add %s.%d.%d' "$prefix" $((i / 250)) $((i % 250 + 2)) ;;
		esac
		printf ' lladdr 02:00:00:00:%02x:%02x dev %s nud stale\n' \
			$((i / 250)) $((i % 250)) "$dev"
	done >"$f.all"
	for ((i = 0; i < count; i += batch)); do
		sed -n "$((i + 1)),$((i + batch))p" "$f.all" >"$f"
		ip -n "$ns" -force -batch "$f" 2>>"$T_TMP/neigh.err" >/dev/null
		sleep 0.02
	done
	n=$(grep -c "No buffer space" "$T_TMP/neigh.err")
	echo "${n:-0}"
}

# neigh_thresholds TABLE: "thresh1/thresh2/thresh3" of arp_cache or ndisc_cache
neigh_thresholds() {
	ip ntable show name "$1" | awk '/thresh1/ {print $2 "/" $4 "/" $6; exit}'
}
