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

# neigh_fill NS DEV PREFIX COUNT [BATCH]: add COUNT stale (gc-able)
# neighbours PREFIX.<hi>.<lo> on DEV in NS, BATCH at a time with a short
# pause between batches; prints how many additions failed.
neigh_fill() {
	local ns=$1 dev=$2 prefix=$3 count=$4 batch=${5:-10} i failed=0 f
	f=$T_TMP/neigh.batch
	for ((i = 0; i < count; i++)); do
		printf 'neigh add %s.%d.%d lladdr 02:00:00:00:%02x:%02x dev %s nud stale\n' \
			"$prefix" $((i / 250)) $((i % 250 + 2)) $((i / 250)) $((i % 250)) "$dev"
	done >"$f.all"
	for ((i = 0; i < count; i += batch)); do
		sed -n "$((i + 1)),$((i + batch))p" "$f.all" >"$f"
		ip -n "$ns" -force -batch "$f" 2>>"$T_TMP/neigh.err" || true
		sleep 0.02
	done
	failed=$(grep -c . "$T_TMP/neigh.err" 2>/dev/null)
	rm -f "$T_TMP/neigh.err"
	echo "${failed:-0}"
}
