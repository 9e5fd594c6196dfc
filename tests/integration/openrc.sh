#!/bin/bash
# The OpenRC init script and conf.d (packaging/openrc), without OpenRC: a
# stand-in for openrc-run sources conf.d and the script the way OpenRC
# does, reports its variables and dependencies, runs checkconf, and starts
# the daemon with the resulting command line.  Also: `make install`
# places them.
. "$(dirname "$0")/../../tests/lib.sh"
log "start (test lock held)"

# --- make install puts them in place ---
stage=$T_TMP/stage
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$stage" OPENRC=1 \
	>"$T_TMP/install.log" 2>&1 || fail "make install: $(tail -5 "$T_TMP/install.log")"
for f in etc/init.d/bpftune:755 usr/share/bpftune/openrc/bpftune.initd:755 \
	etc/conf.d/bpftune:644 usr/share/bpftune/openrc/bpftune.confd:644; do
	[ "$(stat -c %a "$stage/${f%:*}" 2>/dev/null)" = "${f#*:}" ] ||
		fail "$stage/${f%:*} missing or not mode ${f#*:}"
done
initd=$stage/etc/init.d/bpftune
head -1 "$initd" | grep -qx '#!/sbin/openrc-run' || fail "not an openrc-run script"
grep -q '^command="/usr/sbin/bpftune"$' "$initd" || fail "command is not /usr/sbin/bpftune"
sh -n "$initd" || fail "sh -n $initd"
if command -v shellcheck >/dev/null; then
	shellcheck -s sh -e SC2034 "$initd" || fail "shellcheck $initd"
fi
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$T_TMP/stage0" OPENRC=0 \
	>/dev/null 2>&1 || fail "make install OPENRC=0"
[ -e "$T_TMP/stage0/etc/init.d/bpftune" ] && fail "OPENRC=0 installed /etc/init.d/bpftune"
pass "make install: init script, conf.d, and copies in /usr/share/bpftune/openrc"

# --- openrc-run stand-in ---
# rc CONFD ACTION: source CONFD then the script (command pointed at this
# build) as openrc-run does, then ACTION: vars | depend | checkconf | start
cat >"$T_TMP/openrc-run" <<'EOF'
#!/bin/sh
confd=$1 script=$2 action=$3
RC_SVCNAME=bpftune
ebegin() { echo "ebegin $*"; }
eend() { echo "eend $1"; return "$1"; }
need() { echo "need $*"; }
after() { echo "after $*"; }
use() { echo "use $*"; }
. "$confd"
. "$script"
case $action in
vars)
	echo "command=$command"
	echo "command_args=$command_args"
	echo "pidfile=$pidfile"
	echo "supervisor=$supervisor"
	echo "extra_commands=$extra_commands"
	;;
depend) depend ;;
checkconf) checkconf ;;
start)	# what supervise-daemon runs after start_pre
	start_pre || exit 1
	# shellcheck disable=SC2086
	exec $command $command_args ;;
esac
EOF
chmod +x "$T_TMP/openrc-run"
script=$T_TMP/bpftune.initd
sed "s|^command=.*|command=\"$BPFTUNE\"|" "$initd" >"$script"
rc() { "$T_TMP/openrc-run" "$1" "$script" "$2"; }
var() { rc "$1" vars | sed -n "s/^$2=//p"; }

confd=$stage/etc/conf.d/bpftune
assert_eq "$(var "$confd" command)" "$BPFTUNE" "command"
assert_eq "$(var "$confd" command_args | xargs)" "" "command_args by default"
assert_eq "$(var "$confd" pidfile)" "/run/bpftune.pid" "pidfile"
assert_eq "$(var "$confd" supervisor)" "supervise-daemon" "supervisor"
assert_eq "$(var "$confd" extra_commands)" "checkconf" "extra_commands"
deps=$(rc "$confd" depend | sort | tr '\n' ';')
assert_eq "$deps" "after sysctl cgroups;need net;use logger;" "depend()"

sed -e 's/^BPFTUNE_OPTS=""/BPFTUNE_OPTS="-r 2 -n"/' \
	-e 's/^BPFTUNE_ROLLBACK=""/BPFTUNE_ROLLBACK="--rollback"/' "$confd" >"$T_TMP/c1"
assert_eq "$(var "$T_TMP/c1" command_args | xargs)" "--rollback -r 2 -n" \
	"command_args from BPFTUNE_ROLLBACK and BPFTUNE_OPTS"
# an existing bpftune set-up's conf.d line replaces both
{ cat "$T_TMP/c1"; echo 'command_args="-R -c /var/run/bpftune/cgroupv2"'; } >"$T_TMP/c2"
assert_eq "$(var "$T_TMP/c2" command_args)" "-R -c /var/run/bpftune/cgroupv2" \
	"command_args set in conf.d"
pass "variables and dependencies"

# --- checkconf runs bpftune -S with the options ---
out=$(rc "$T_TMP/c2" checkconf) || fail "checkconf failed on a kernel that runs bpftune: $out"
assert_eq "$(echo "$out" | tail -1)" "eend 0" "checkconf's result"
echo 'command_args="-r 9"' >"$T_TMP/c3"
out=$(rc "$T_TMP/c3" checkconf) && fail "checkconf accepted an invalid option: $out"
echo "$out" | tail -1 | grep -q "^eend [1-9]" || fail "checkconf's result: $out"
pass "checkconf (bpftune -S with the service's options)"

# --- start: the daemon gets the conf.d command line ---
cgroup_create
cat >"$T_TMP/c4" <<EOF
BPFTUNE_OPTS="-s -a net_buffer_tuner.so -l $TUNERDIR -c $T_CGROUP --state-dir $T_STATE --socket $T_TMP/bpftune.sock"
BPFTUNE_ROLLBACK="--rollback"
EOF
# directly, not through rc(): the stand-in execs bpftune, so $! is the daemon
"$T_TMP/openrc-run" "$T_TMP/c4" "$script" start >"$T_LOG" 2>&1 &
T_DAEMON=$!
wait_log "tuner\(s\) running|no tuner started|error" 30 || fail "daemon did not start"
assert_log "starting: .*rollback on exit"
assert_log "tuner net_buffer started"
assert_log "1 tuner\(s\) running"
"$BPFTUNE" -q tuners --socket "$T_TMP/bpftune.sock" | grep -q "^net_buffer active" ||
	fail "the service's daemon does not answer"
daemon_stop || fail "daemon exited with an error"
pass "OpenRC init script and conf.d"
