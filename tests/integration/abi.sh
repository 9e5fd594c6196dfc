#!/bin/bash
# The plugin ABI as built: libbpftune.so exports exactly the functions
# include/bpftune/libbpftune.h declares (plus the program's entry,
# bpftune_daemon_main), nothing of the core's internals; every tuner
# exports exactly its descriptor, bpftune_plugin, whose ABI version is the
# header's.
. "$(dirname "$0")/../lib.sh"
require nm python3
LIB=$BUILD/libbpftune.so
HDR=$TOP/include/bpftune/libbpftune.h

exported=$(nm -D --defined-only "$LIB" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort)
# function declarations: a name followed by "(" at the start of a
# declaration line (macros and typedefs excluded)
declared=$( (sed -n 's/^[a-z][a-z_ ]*[ *]\(bpftune_[a-z0-9_]*\)(.*/\1/p' "$HDR"
	echo bpftune_daemon_main) | sort -u)
[ "$(echo "$declared" | wc -l)" -gt 20 ] || fail "found only $(echo "$declared" | wc -l) declarations in $HDR"
extra=$(comm -23 <(echo "$exported") <(echo "$declared") | tr '\n' ' ')
missing=$(comm -13 <(echo "$exported") <(echo "$declared") | tr '\n' ' ')
[ -z "$extra" ] || fail "libbpftune.so exports what the API does not declare: $extra"
[ -z "$missing" ] || fail "libbpftune.so lacks API functions: $missing"
nm -D --defined-only "$LIB" | grep -qw bpftune_cfg && fail "libbpftune.so exports bpftune_cfg"
log "libbpftune.so exports the $(echo "$exported" | wc -l) API functions and nothing else"

abi=$(sed -n 's/^#define BPFTUNE_ABI_VERSION \([0-9]*\)/\1/p' "$HDR")
n=0
for so in "$TUNERDIR"/*_tuner.so; do
	# (a sanitizer build adds its own __odr_asan.* / __asan_* / __ubsan_* symbols)
	syms=$(nm -D --defined-only "$so" | awk '$3 !~ /^__(odr_asan|asan|ubsan)/ {print $3}' | tr '\n' ' ')
	assert_eq "$syms" "bpftune_plugin " "symbols $(basename "$so") exports"
	# the descriptor's first field, the ABI version it was built for
	# a sanitizer build's library loads only after its runtime
	pre=
	if ldd "$so" | grep -q libasan; then
		pre="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
	fi
	v=$(LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=0 python3 -c 'import ctypes, sys
print(ctypes.c_uint.in_dll(ctypes.CDLL(sys.argv[1]), "bpftune_plugin").value)' "$so")
	assert_eq "$v" "$abi" "ABI version in $(basename "$so")"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no tuners in $TUNERDIR"
pass "API exports match the header; $n tuners export only their ABI $abi descriptor"
