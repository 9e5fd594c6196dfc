#!/bin/bash
# Man pages: bpftune(8) and one bpftune-<tuner>(8) per tuner render with
# pandoc, man -l shows them without warnings, bpftune(8) documents every
# option of --help, and each tuner's page names every sysctl it declares.
. "$(dirname "$0")/../lib.sh"
require pandoc man
MANDIR=$BUILD/man/man8

make -s -C "$TOP" BUILD="$BUILD" man >"$T_TMP/make.log" 2>&1 ||
	fail "make man failed: $(cat "$T_TMP/make.log")"

# show PAGE: the page as man -l prints it, plain text; fails on warnings
show() {
	local page=$1 out
	out=$(MANWIDTH=100 MAN_KEEP_FORMATTING='' man -l "$page" 2>"$T_TMP/man.err") ||
		fail "man -l $page failed: $(cat "$T_TMP/man.err")"
	[ -s "$T_TMP/man.err" ] && fail "man -l $page warned: $(cat "$T_TMP/man.err")"
	echo "$out" | col -b
}

text=$(show "$MANDIR/bpftune.8")
echo "$text" | head -3
echo "$text" | grep -q "^NAME" || fail "bpftune(8) has no NAME section"
for section in SYNOPSIS OPTIONS "SUPPORT TIERS" TUNERS LOGGING FILES "EXIT STATUS" PRIVILEGES EXAMPLES; do
	echo "$text" | grep -q "^$section" || fail "bpftune(8) lacks section $section"
done
# every long option the daemon accepts is documented
for opt in $("$BPFTUNE" --help | grep -oE -- '--[a-z][a-z_-]+' | sort -u); do
	echo "$text" | grep -q -- "$opt" || fail "bpftune(8) does not document $opt"
done

ntuners=0
for dir in "$TOP"/tuners/*/; do
	name=$(basename "$dir")
	[ -f "$dir/$name.bpf.c" ] || continue
	src=$dir/bpftune-$name.8.md
	[ -f "$src" ] || fail "tuner $name has no man page source $src"
	text=$(show "$MANDIR/bpftune-$name.8")
	echo "$text" | head -1
	echo "$text" | grep -A1 "^NAME" | grep -q "bpftune-$name" ||
		fail "bpftune-$name(8): NAME does not name bpftune-$name"
	# every sysctl the tuner declares appears in its page
	for sysctl in $(grep -ohE '"(net|kernel|vm|fs)\.[a-z0-9_.]+"' "$dir"/*.c | tr -d '"' | sort -u); do
		echo "$text" | grep -q -- "$sysctl" ||
			fail "bpftune-$name(8) does not document $sysctl"
	done
	ntuners=$((ntuners + 1))
done
[ "$ntuners" -gt 0 ] || fail "no tuner pages checked"
log "own time: $(elapsed) s"
pass "bpftune(8) and $ntuners tuner page(s) render and are complete"
