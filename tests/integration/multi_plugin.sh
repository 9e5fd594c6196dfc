#!/bin/bash
# Several tuners at once: each must run its own code.  Plugins are
# dlopen()ed through /proc/self/fd/N; when the fd was closed after each
# load, the next plugin got the same name and the dynamic loader handed
# back the first library, so every tuner ran the first one's init.
. "$(dirname "$0")/../lib.sh"

out=$("$BPFTUNE" -S -l "$TUNERDIR" 2>&1) || fail "bpftune -S failed: $out"
echo "$out"
ntuners=0
for so in "$TUNERDIR"/*_tuner.so; do
	ntuners=$((ntuners + 1))
done
[ "$ntuners" -ge 2 ] || skip "fewer than two tuners built"
# each tuner's hook lines name hooks of its own BPF object: no two tuners
# may report the identical set of hooks
sets=$(echo "$out" | sed -nE 's/^  ([a-z0-9_]+): hook ([a-z0-9_]+):.*/\1 \2/p' |
	awk '{ h[$1] = h[$1] " " $2 } END { for (t in h) print h[t] }' | sort)
nsets=$(echo "$sets" | sort -u | wc -l)
nwith=$(echo "$sets" | wc -l)
log "$nwith tuners report hooks, $nsets distinct hook sets"
assert_gt "$nwith" 1 "tuners reporting hooks"
assert_eq "$nsets" "$nwith" "distinct hook sets"
pass "each of $nwith tuners runs its own code"
