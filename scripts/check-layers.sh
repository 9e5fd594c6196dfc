#!/bin/bash
# Checks the layers of src/README.md: every module of SRC is on a line,
# and no module includes the header of, or uses a symbol defined by, a
# module on its own or a higher line.  Symbols are read with nm from the
# objects in OBJDIR (built by make).
# usage: scripts/check-layers.sh [SRC [OBJDIR]]   (default: src build/src)
set -u
SRC=${1:-src}
OBJ=${2:-build/src}
README=$SRC/README.md
bad=0

[ -f "$README" ] || { echo "check-layers: no $README"; exit 2; }
# "layer N: mod mod..." -> one "pattern N" per line
LAYERS=$(sed -nE 's/^layer ([0-9]+): (.*)$/\1 \2/p' "$README" |
	 awk '{for (i = 2; i <= NF; i++) print $i, $1}')
[ -n "$LAYERS" ] || { echo "check-layers: no 'layer N:' lines in $README"; exit 2; }

# layer MODULE: its line number; an exact name wins over a pattern
layer() {
	local m=$1 pat n
	n=$(awk -v m="$m" '$1 == m {print $2; exit}' <<<"$LAYERS")
	if [ -n "$n" ]; then
		echo "$n"
		return
	fi
	while read -r pat n; do
		# shellcheck disable=SC2254
		case $m in $pat) echo "$n"; return ;; esac
	done <<<"$LAYERS"
}

violation() {
	echo "check-layers: $*"
	bad=1
}

declare -A L
for f in "$SRC"/*.c "$SRC"/*.h; do
	m=$(basename "$f")
	m=${m%.*}
	case $m in *.bpf | *.skel) continue ;; esac
	n=$(layer "$m")
	if [ -z "$n" ]; then
		violation "$f: module $m is on no line of $README"
		continue
	fi
	L[$m]=$n
done

# includes: "x.h" of a module at the same or a higher layer
for f in "$SRC"/*.c "$SRC"/*.h; do
	m=$(basename "$f")
	m=${m%.*}
	[ -n "${L[$m]:-}" ] || continue
	for h in $(sed -nE 's/^#include "([a-z0-9_]+)\.h".*/\1/p' "$f"); do
		[ "$h" = "$m" ] && continue
		[ -n "${L[$h]:-}" ] || continue # generated (probe.skel.h)
		[ "${L[$h]}" -lt "${L[$m]}" ] ||
			violation "$f (layer ${L[$m]}) includes $h.h (layer ${L[$h]})"
	done
done

# symbols: an object that uses what a module at its layer or above defines
shopt -s nullglob
# objects of sources that still exist (a removed module's stale object
# in an old build directory is not the tree's)
objs=()
for o in "$OBJ"/*.o; do
	[ -e "$SRC/$(basename "$o" .o).c" ] && objs+=("$o")
done
if [ ${#objs[@]} -eq 0 ]; then
	violation "no object files in $OBJ: build first (make)"
	exit 1
fi
declare -A DEF
for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	case $m in *.bpf) continue ;; esac
	for s in $(nm --defined-only -g "$o" | awk '$2 ~ /^[TDBRCV]$/ {print $3}'); do
		DEF[$s]=$m
	done
done
for o in "${objs[@]}"; do
	m=$(basename "$o" .o)
	case $m in *.bpf) continue ;; esac
	[ -n "${L[$m]:-}" ] || continue
	for s in $(nm -u "$o" | awk '{print $2}'); do
		d=${DEF[$s]:-}
		[ -n "$d" ] && [ "$d" != "$m" ] && [ -n "${L[$d]:-}" ] || continue
		[ "${L[$d]}" -lt "${L[$m]}" ] ||
			violation "$m (layer ${L[$m]}) uses $s of $d (layer ${L[$d]})"
	done
done

# one loop: only loop.o makes an epoll or a timerfd (core and tuners);
# "own loop, for now: mod..." in the README names modules yet to move
OWN=$(sed -nE 's/^own loop, for now: (.*)$/\1/p' "$README")
for o in "${objs[@]}" "$(dirname "$OBJ")"/tuners/*/*.o; do
	m=$(basename "$o" .o)
	case $m in loop | *.bpf) continue ;; esac
	case $o in */tuners/*)
		t=${o#"$(dirname "$OBJ")"/}
		[ -e "$(dirname "$SRC")/${t%.o}.c" ] || continue ;;
	esac
	case " $OWN " in *" $m "*) continue ;; esac
	for s in $(nm -u "$o" | awk '$2 ~ /^(timerfd_create|epoll_create1?)$/ {print $2}'); do
		violation "$o calls $s: use the loop's timers and fds (libbpftune.h)"
	done
done

if [ $bad -ne 0 ]; then
	echo "check-layers: FAILED (the layers are listed in $README)"
	exit 1
fi
echo "check-layers: ${#L[@]} modules in $(wc -l <<<"$(cut -d' ' -f2 <<<"$LAYERS" | sort -u)") layers; no module uses one above it"
