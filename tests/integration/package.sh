#!/bin/bash
# make pkg builds the bpftune and bpftune-dev .debs; dpkg installs them,
# creating the bpftune system user; the installed daemon runs (-S) with
# its tuners from the packaged directory; the sample tuner builds from the
# installed headers; remove and purge leave nothing behind.
. "$(dirname "$0")/../lib.sh"
require dpkg-buildpackage dh fakeroot
[ -d /run/systemd/system ] &&
	skip "systemd is running here: installing the package would start the service"
# dpkg state of a package: "install ok installed", "deinstall ok
# config-files" (removed, its configuration left: state rc), or empty
dpkg_state() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null; }
# only an installed package is someone's; a removed one (rc) that left its
# configuration is put back as it was at exit (below)
for p in bpftune bpftune-dev; do
	[ "$(dpkg_state $p)" = "install ok installed" ] &&
		skip "a $p package is installed already; not touching it"
done
left_conf=
[ "$(dpkg_state bpftune)" = "deinstall ok config-files" ] && left_conf=1
# the user of a removed package stays until purge: then it is not someone's
[ -z "$left_conf" ] && getent passwd bpftune >/dev/null &&
	skip "a user bpftune exists already; not touching it"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
VERSION=$(sed -n 's/^#define BPFTUNE_VERSION "\(.*\)"/\1/p' "$TOP/include/bpftune/libbpftune.h")

# dpkg waits for nobody: retry while another process holds its lock
dpkg_retry() {
	local i
	for ((i = 0; i < 60; i++)); do
		dpkg "$@" >"$T_TMP/dpkg.log" 2>&1 && return 0
		grep -q "lock" "$T_TMP/dpkg.log" || break
		sleep 1
	done
	cat "$T_TMP/dpkg.log"
	return 1
}

start=$(date +%s)
if [ -n "${BPFTUNE_PKG_STATUS:-}" ]; then
	# tests/run.sh started make pkg in the background: wait for it
	for ((i = 0; i < 600; i++)); do
		[ -f "$BPFTUNE_PKG_STATUS" ] && break
		sleep 1
	done
	[ "$(cat "$BPFTUNE_PKG_STATUS" 2>/dev/null)" = 0 ] ||
		fail "make pkg failed: $(tail -20 "$(dirname "$BPFTUNE_PKG_STATUS")/pkg-build.log")"
	log "make pkg (started by tests/run.sh): waited $(($(date +%s) - start)) s"
else
	make -s -C "$TOP" BUILD="$BUILD" pkg >"$T_TMP/pkg.log" 2>&1 ||
		fail "make pkg failed: $(tail -20 "$T_TMP/pkg.log")"
	log "make pkg: $(($(date +%s) - start)) s"
fi
deb=$BUILD/pkg/bpftune_${VERSION}_$(dpkg --print-architecture).deb
dev=$BUILD/pkg/bpftune-dev_${VERSION}_$(dpkg --print-architecture).deb
if ! [ -f "$deb" ] || ! [ -f "$dev" ]; then
	fail "packages missing: $(ls "$BUILD/pkg")"
fi

# Debian policy, where lintian is installed: no errors
if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$BUILD/pkg/bpftune_${VERSION}_$(dpkg --print-architecture).changes" \
		>"$T_TMP/lintian.log" 2>&1
	grep -v "root privileges" "$T_TMP/lintian.log"
	grep -q "^E: " "$T_TMP/lintian.log" && fail "lintian errors: $(grep '^E: ' "$T_TMP/lintian.log")"
	log "lintian: $(grep -c '^[EW]: ' "$T_TMP/lintian.log") errors/warnings"
fi

# where rpmbuild exists, make pkg built the rpms too (not installed here)
if command -v rpmbuild >/dev/null; then
	rpms=$BUILD/pkg/rpm/RPMS/$(uname -m)
	rpm_files=$(rpm -qlp "$rpms/bpftune-$VERSION-1.$(uname -m).rpm" 2>/dev/null)
	for f in /usr/sbin/bpftune /usr/lib64/bpftune/tcp_buffer_tuner.so \
		/usr/lib64/libbpftune.so.0 /etc/sysconfig/bpftune \
		/usr/lib/systemd/system/bpftune.service /usr/share/man/man8/bpftune.8; do
		echo "$rpm_files" | grep -qx "$f" || fail "bpftune rpm lacks $f"
	done
	rpm -qlp "$rpms/bpftune-devel-$VERSION-1.$(uname -m).rpm" 2>/dev/null |
		grep -qx /usr/lib64/pkgconfig/libbpftune.pc || fail "bpftune-devel rpm lacks libbpftune.pc"
	rpm -qp --scripts "$rpms/bpftune-$VERSION-1.$(uname -m).rpm" 2>/dev/null |
		grep -q "useradd -r -g bpftune" || fail "rpm does not create the bpftune user"
	log "rpms built and checked"
fi

# A state directory from someone's earlier run is put back afterwards.
if [ -e /var/lib/bpftune ]; then
	cp -a /var/lib/bpftune "$T_TMP/saved-state"
	on_exit "rm -rf /var/lib/bpftune; cp -a '$T_TMP/saved-state' /var/lib/bpftune"
fi
# A removed package's configuration (state rc) and its user are kept
# here; at exit, after the purge (registered later, so it runs first),
# the user comes back with its ids and the package is installed with that
# configuration and removed again: state rc as it was.
if [ -n "$left_conf" ]; then
	conffiles=$(dpkg-query -W -f '${Conffiles}' bpftune | awk 'NF {print $1}')
	log "bpftune was removed, its configuration left (rc): $(echo $conffiles)"
	mkdir -p "$T_TMP/conf"
	for f in $conffiles; do
		[ -e "$f" ] && cp -a --parents "$f" "$T_TMP/conf"
	done
	IFS=: read -r _ _ old_uid old_gid old_gecos _ < <(getent passwd bpftune)
	restore_rc() {
		if [ -n "$old_uid" ] && ! getent passwd bpftune >/dev/null; then
			groupadd -r -g "$old_gid" bpftune
			useradd -r -u "$old_uid" -g bpftune -d /var/lib/bpftune \
				-s /usr/sbin/nologin -c "$old_gecos" bpftune
		fi
		dpkg_retry --force-confold -i "$deb" || return 1
		cp -a "$T_TMP/conf/." /
		dpkg_retry -r bpftune
	}
	on_exit restore_rc
fi
on_exit "dpkg -P bpftune-dev bpftune"
dpkg_retry -i "$deb" "$dev" || fail "dpkg -i failed"

# the system user, for the service
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd bpftune)
[ -n "$uid" ] || fail "postinst did not create the user bpftune"
[ "$uid" -lt 1000 ] || fail "bpftune is not a system user (uid $uid)"
assert_eq "$home" /var/lib/bpftune "home of bpftune"
assert_eq "$shell" /usr/sbin/nologin "shell of bpftune"
getent group bpftune >/dev/null || fail "no group bpftune"
[ -L /etc/systemd/system/multi-user.target.wants/bpftune.service ] ||
	fail "service not enabled"

# the installed daemon, with the tuners in the packaged directory
assert_eq "$(/usr/sbin/bpftune --print-libdir)" "/usr/lib/$MA/bpftune" "--print-libdir"
# (/lib is /usr/lib on merged-/usr systems; ld.so may name either)
ldd /usr/sbin/bpftune | grep -Eq "libbpftune.so.0 => (/usr)?/lib/$MA/libbpftune.so.0" ||
	fail "installed bpftune does not use the installed library: $(ldd /usr/sbin/bpftune | grep bpftune)"
out=$(/usr/sbin/bpftune -S 2>&1) || fail "installed bpftune -S exited $?: $out"
echo "$out"
echo "$out" | grep -q "^bpftune works" || fail "no support line"
echo "$out" | grep -Eq "tcp_buffer: hook rmem_check: (fentry|tracepoint|kprobe)" ||
	fail "packaged tcp_buffer tuner not found by the installed daemon"
man -w bpftune | grep -q "^/usr/share/man/man8/bpftune.8.gz$" || fail "man bpftune not installed"
man -w bpftune-tcp_buffer >/dev/null || fail "man bpftune-tcp_buffer not installed"
systemd-analyze verify /lib/systemd/system/bpftune.service >"$T_TMP/verify.log" 2>&1 ||
	fail "installed unit: $(cat "$T_TMP/verify.log")"
assert_eq "$(pkg-config --modversion libbpftune)" "$VERSION" "pkg-config version"

# the sample tuner, from the -dev package's examples, against /usr
cp -r /usr/share/doc/bpftune-dev/examples/sample_tuner "$T_TMP/sample"
make -C "$T_TMP/sample" >"$T_TMP/sample.log" 2>&1 ||
	fail "sample build against the installed files failed: $(tail -5 "$T_TMP/sample.log")"
out=$(/usr/sbin/bpftune -S -l "$T_TMP/sample" -a sample_tuner.so 2>&1) ||
	fail "bpftune -S with the sample: $out"
echo "$out" | grep -Eq "sample: hook tw_check: (fentry|tracepoint|kprobe)" ||
	fail "the sample tuner built from the package does not load: $out"

# everything the packages put on the system, to check after purge
files=$(dpkg -L bpftune bpftune-dev | grep -E "bpftune|\.(so|h|pc)" | sort -u)
dpkg_retry -r bpftune-dev bpftune || fail "dpkg -r failed"
[ -e /usr/sbin/bpftune ] && fail "/usr/sbin/bpftune left after remove"
[ -e /etc/default/bpftune ] || fail "remove must keep the configuration file"
dpkg_retry -P bpftune-dev bpftune || fail "dpkg -P failed"
left=""
for f in $files /etc/default/bpftune /var/lib/bpftune \
	/etc/systemd/system/multi-user.target.wants/bpftune.service \
	/var/lib/systemd/deb-systemd-helper-enabled/bpftune.service.dsh-also \
	/var/lib/dpkg/info/bpftune.list /var/lib/dpkg/info/bpftune-dev.list; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	# shared directories such as /usr/share/man/man8 stay
	[ -d "$f" ] && ! [[ "$f" == *bpftune* ]] && continue
	left="$left $f"
done
[ -z "$left" ] || fail "left after purge:$left"
getent passwd bpftune >/dev/null && fail "user bpftune left after purge"
getent group bpftune >/dev/null && fail "group bpftune left after purge"
dpkg -s bpftune >/dev/null 2>&1 && fail "dpkg still knows bpftune"
log "own time: $(elapsed) s"
pass "package built, installed, run, removed and purged"
