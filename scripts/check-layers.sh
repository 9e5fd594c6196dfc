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
# one nm over every object ("file: type symbol"); module layers to awk
LAYER_OF=$(for m in "${!L[@]}"; do echo "$m ${L[$m]}"; done)
while read -r line; do
	violation "$line"
done < <(nm -A -g "${objs[@]}" 2>/dev/null | awk -v layers="$LAYER_OF" '
	BEGIN {
		n = split(layers, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], f, " ")
			L[f[1]] = f[2]
		}
	}
	{
		file = $1
		sub(/:.*/, "", file)
		sub(/.*\//, "", file)
		m = file
		sub(/\.o$/, "", m)
		if (m ~ /\.bpf$/)
			next
		if (NF >= 3 && $(NF - 1) ~ /^[TDBRCV]$/)
			def[$NF] = m
		else if ($(NF - 1) == "U")
			use[++nu] = m " " $NF
	}
	END {
		for (i = 1; i <= nu; i++) {
			split(use[i], u, " ")
			m = u[1]; s = u[2]; d = def[s]
			if (d == "" || d == m || !(m in L) || !(d in L))
				continue
			if (L[d] + 0 >= L[m] + 0)
				printf "%s (layer %s) uses %s of %s (layer %s)\n", m, L[m], s, d, L[d]
		}
	}')

# one loop: only loop.o makes an epoll or a timerfd (core and tuners)
loop_objs=()
for o in "${objs[@]}" "$(dirname "$OBJ")"/tuners/*/*.o; do
	m=$(basename "$o" .o)
	case $m in loop | *.bpf) continue ;; esac
	case $o in */tuners/*)
		t=${o#"$(dirname "$OBJ")"/}
		[ -e "$(dirname "$SRC")/${t%.o}.c" ] || continue ;;
	esac
	loop_objs+=("$o")
done
while read -r o s; do
	violation "$o calls $s: use the loop's timers and fds (libbpftune.h)"
done < <(nm -A -u "${loop_objs[@]}" 2>/dev/null |
	 awk '$NF ~ /^(timerfd_create|epoll_create1?)$/ {f = $1; sub(/:.*/, "", f); print f, $NF}')

if [ $bad -ne 0 ]; then
	echo "check-layers: FAILED (the layers are listed in $README)"
	exit 1
fi
echo "check-layers: ${#L[@]} modules in $(wc -l <<<"$(cut -d' ' -f2 <<<"$LAYERS" | sort -u)") layers; no module uses one above it"
