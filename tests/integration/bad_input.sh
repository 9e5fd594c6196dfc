#!/bin/bash
# Bad options and untrusted plugins get one clear line, and exit 2 (options)
# or a refusal (plugins), never a crash.
. "$(dirname "$0")/../lib.sh"

expect_usage_error() {
	local pattern=$1 out rc
	shift
	out=$("$BPFTUNE" "$@" 2>&1)
	rc=$?
	[ "$rc" -eq 2 ] || fail "bpftune $*: exit $rc, expected 2 ($out)"
	echo "$out" | grep -Eq -e "$pattern" || fail "bpftune $*: message '$out' lacks /$pattern/"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "bpftune $*: more than one line"
}
expect_usage_error "unknown option '--bogus'" --bogus
expect_usage_error "unknown option '-Z'" -Z
expect_usage_error "learning_rate must be an integer 0..4, not '9'" -r 9
expect_usage_error "learning_rate must be an integer 0..4, not 'x'" --learning_rate x
expect_usage_error "learning_rate must be an integer 0..4, not '-1'" -r -1
expect_usage_error "--tier must be fentry, tracepoint or kprobe" --tier best
expect_usage_error "--allow takes a plugin file name" -a tcp_buffer
expect_usage_error "needs a value" -r
expect_usage_error "unexpected argument 'extra'" -s extra

# a plugin directory writable by others is refused; the daemon says why
bad=$T_TMP/plugins
mkdir -p "$bad"
cp "$TUNERDIR/tcp_buffer_tuner.so" "$bad/"
chmod 0777 "$bad"
cgroup_create
out=$(timeout 10 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$bad" -a tcp_buffer_tuner.so 2>&1)
echo "$out" | grep -q "refusing plugin directory $bad: directory is group- or other-writable" ||
	fail "untrusted dir not refused: $out"
echo "$out" | grep -q "no tuner started" || fail "daemon did not say no tuner started"

# group-writable plugin file, symlinked plugin, non-root owner
chmod 0755 "$bad"
chmod 0775 "$bad/tcp_buffer_tuner.so"
out=$(timeout 10 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$bad" -a tcp_buffer_tuner.so 2>&1)
echo "$out" | grep -q "refusing plugin $bad/tcp_buffer_tuner.so: file is group- or other-writable" ||
	fail "group-writable plugin not refused: $out"
rm "$bad/tcp_buffer_tuner.so"
ln -s "$TUNERDIR/tcp_buffer_tuner.so" "$bad/tcp_buffer_tuner.so"
out=$(timeout 10 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$bad" -a tcp_buffer_tuner.so 2>&1)
echo "$out" | grep -q "refusing plugin $bad/tcp_buffer_tuner.so: file is a symlink" ||
	fail "symlinked plugin not refused: $out"
rm "$bad/tcp_buffer_tuner.so"
cp "$TUNERDIR/tcp_buffer_tuner.so" "$bad/"
chown 65534 "$bad/tcp_buffer_tuner.so"
out=$(timeout 10 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$bad" -a tcp_buffer_tuner.so 2>&1)
echo "$out" | grep -q "file is owned by uid 65534, not root" || fail "foreign-owned plugin not refused: $out"

# a malformed plugin (not a tuner) is refused, not loaded
printf 'not an ELF file' >"$bad/broken_tuner.so"
chmod 0644 "$bad/broken_tuner.so"
out=$(timeout 10 "$BPFTUNE" -s -c "$T_CGROUP" --state-dir "$T_STATE" -l "$bad" -a broken_tuner.so 2>&1)
echo "$out" | grep -q "refusing plugin $bad/broken_tuner.so" || fail "malformed plugin not refused: $out"

# --cgroup that is not a cgroup2 directory
out=$(timeout 10 "$BPFTUNE" -s -c /tmp --state-dir "$T_STATE" -l "$TUNERDIR" 2>&1)
[ $? -ne 0 ] || fail "-c /tmp accepted"
# (an empty directory would get cgroup2 mounted on it: see compat.sh)
echo "$out" | grep -q "is neither a cgroup v2 directory nor empty; not mounting cgroup2 over it" ||
	fail "-c /tmp message: $out"
out=$(timeout 10 "$BPFTUNE" -s -c /etc/hostname --state-dir "$T_STATE" -l "$TUNERDIR" 2>&1)
[ $? -ne 0 ] || fail "-c FILE accepted"
echo "$out" | grep -q "error: --cgroup /etc/hostname is not a directory" || fail "-c FILE message: $out"
pass "bad input"
