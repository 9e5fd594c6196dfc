#!/bin/bash
# Run one command as root inside a QEMU guest booted with Debian's 6.1
# kernel, with this machine's root filesystem shared read-only (plus a
# writable tmpfs overlay, so the guest may write anywhere and the host sees
# none of it).  Prints the guest's console, exits with the command's exit
# status.  The kernel and busybox packages are fetched with apt-get
# download and unpacked with dpkg -x into tests/vm/cache/: nothing is ever
# installed on the host.
#
# usage: tests/vm/vm-run.sh [-t SECONDS] [-C DIR] COMMAND [ARG...]
#	-t SECONDS	kill the guest after this long (default 900; exit 124)
#	-C DIR		working directory inside the guest (default: current)
#        tests/vm/vm-run.sh --fetch	only fetch and unpack (for CI caches)
# The guest sees the host's files as they are at boot (writes go to a
# tmpfs overlay), except /run and /dev/shm, which are its own empty tmpfs.
# Its network is loopback only (-nic none).
#
# environment:
#	VM_KERNEL_PKG	kernel package (default: newest linux-image-6.1.0-N-amd64)
#	VM_CACHE	cache directory (default: tests/vm/cache)
#	VM_MODULES	extra modules to load before COMMAND (default below)
#	VM_CPUS, VM_MEM_MB	guest size (default 2, 2048)
#
# Exit status: COMMAND's, or 124 when the guest timed out, 125 when the
# guest could not boot or did not report a status, 2 on bad usage.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VM_CACHE:-$HERE/cache}
# Needed to mount the host's root over 9p with an overlay, in this order
# (the package has no modules.dep and the initramfs has no modprobe).
BOOT_MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
virtio_pci 9pnet 9pnet_virtio netfs fscache 9p overlay"
# Loaded after boot with dependencies; anything else loads on demand
# through the kernel's module autoloader (kernel.modprobe points at
# busybox modprobe in the guest).
VM_MODULES=${VM_MODULES:-veth tun sch_htb sch_tbf sch_ingress cls_bpf act_mirred tcp_bbr}

die() {
	echo "vm-run: $*" >&2
	exit 125
}
usage_error() {
	echo "vm-run: $*" >&2
	exit 2
}

# --- fetching (cached) ---

# Newest linux-image-6.1.0-<abi>-amd64 that apt knows; runs apt-get
# update once when apt knows none.
newest_kernel_pkg() {
	local pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' pkg
	pkg=$(apt-cache search --names-only "$pattern" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -1)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >/dev/null 2>&1
		pkg=$(apt-cache search --names-only "$pattern" 2>/dev/null |
			awk '{print $1}' | sort -V | tail -1)
	fi
	echo "$pkg"
}

# fetch_pkg NAME DIR: apt-get download NAME into $CACHE/debs, dpkg -x it
# into DIR unless DIR/.unpacked says that version is already there.
fetch_pkg() {
	local name=$1 dir=$2 deb
	mkdir -p "$CACHE/debs"
	deb=$(ls -t "$CACHE/debs/${name}_"*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		echo "vm-run: downloading $name" >&2
		# as root: apt warns that its sandbox user cannot write here
		(cd "$CACHE/debs" && apt-get download -q "$name" >/dev/null 2>&1) ||
			die "apt-get download $name failed"
		deb=$(ls -t "$CACHE/debs/${name}_"*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || die "apt-get download $name left no .deb"
	fi
	if [ "$(cat "$dir/.unpacked" 2>/dev/null)" != "$(basename "$deb")" ]; then
		echo "vm-run: unpacking $(basename "$deb")" >&2
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg -x "$deb" "$dir" || die "dpkg -x $deb failed"
		basename "$deb" >"$dir/.unpacked"
	fi
}

fetch() {
	local pkg old
	# one fetcher at a time per cache (several worktrees may share one)
	mkdir -p "$CACHE"
	exec 8>"$CACHE/.fetch.lock"
	flock -w 600 8 || die "cache $CACHE is locked by another fetch"
	pkg=${VM_KERNEL_PKG:-$(newest_kernel_pkg)}
	if [ -z "$pkg" ]; then
		# offline: use what an earlier run left
		pkg=$(ls "$CACHE/debs" 2>/dev/null | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64_' |
			sed 's/_.*//' | sort -V | tail -1)
	fi
	[ -n "$pkg" ] || die "no linux-image-6.1.0-*-amd64 package known to apt, and none cached"
	KVER=${pkg#linux-image-}
	KDIR=$CACHE/$pkg
	fetch_pkg "$pkg" "$KDIR"
	BBDIR=$CACHE/busybox-static
	fetch_pkg busybox-static "$BBDIR"
	BUSYBOX=$BBDIR/bin/busybox
	KERNEL=$KDIR/boot/vmlinuz-$KVER
	MODDIR=$KDIR/lib/modules/$KVER
	[ -f "$KERNEL" ] && [ -d "$MODDIR" ] || die "$pkg has no kernel or modules for $KVER"
	[ -x "$BUSYBOX" ] || die "busybox-static has no bin/busybox"
	# The package ships no modules.dep; busybox's depmod makes one so the
	# guest can modprobe with dependencies.
	if [ ! -e "$KDIR/.depmod" ]; then
		"$BUSYBOX" depmod -b "$KDIR" "$KVER" || die "depmod failed"
		touch "$KDIR/.depmod"
	fi
	# a newer kernel replaces older ones (400 MB each unpacked)
	for old in "$CACHE"/linux-image-6.1.0-*-amd64 "$CACHE"/debs/linux-image-6.1.0-*-amd64_*.deb; do
		case "$old" in
		"$KDIR" | "$CACHE/debs/${pkg}_"*) ;;
		*) [ -e "$old" ] && rm -rf "$old" ;;
		esac
	done
	exec 8>&-
}

# --- initramfs ---

# Stage 1, /init in the initramfs: mount the host root with an overlay
# and switch to it.  Stage 2 then runs from the guest's /run.
write_init() {
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
. /vm.conf
fatal() {
	echo "vm-init: $*"
	echo "$MARKER exit=125"
	poweroff -f
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $BOOT_MODULES; do
	insmod "/modules/$m.ko" || fatal "insmod $m failed"
done
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /lower || fatal "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || fatal "cannot mount the overlay"
for d in proc sys dev; do
	mount --move /$d /newroot/$d || fatal "cannot move /$d"
done
mount -t tmpfs -o mode=0755 run /newroot/run || fatal "cannot mount /run"
mkdir -p /newroot/run/vm
cp /bin/busybox /vm.conf /stage2 /cmd /newroot/run/vm/
exec switch_root /newroot /run/vm/busybox sh /run/vm/stage2
fatal "switch_root failed"
EOF
}

# Stage 2: the host's userland, on the 6.1 kernel.
write_stage2() {
	cat <<'EOF'
. /run/vm/vm.conf
bb=/run/vm/busybox
fatal() {
	echo "vm-init: $*"
	echo "$MARKER exit=125"
	$bb poweroff -f
}
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup || fatal "cgroup2"
$bb mount -t bpf bpf /sys/fs/bpf || fatal "bpffs"
$bb mount -t tracefs tracefs /sys/kernel/tracing || fatal "tracefs"
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# /tmp stays the host's, writable through the overlay: a tree (CI's clone)
# or cache under the host's /tmp must be visible in the guest
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
# devtmpfs lacks these; bash's <(...) needs /dev/fd
$bb ln -sf /proc/self/fd /dev/fd
$bb ln -sf /proc/self/fd/0 /dev/stdin
$bb ln -sf /proc/self/fd/1 /dev/stdout
$bb ln -sf /proc/self/fd/2 /dev/stderr
$bb mount -t tmpfs -o mode=1777 shm /dev/shm
$bb hostname bpftune-vm
$bb ip link set lo up || fatal "lo"
# modules of this kernel, with modprobe for the autoloader
$bb mkdir -p "/lib/modules/$KVER"
$bb mount --bind "$MODDIR" "/lib/modules/$KVER" || fatal "module tree"
$bb ln -s busybox /run/vm/modprobe
echo /run/vm/modprobe >/proc/sys/kernel/modprobe
# one call: each busybox modprobe parses all of modules.dep
[ -n "$VM_MODULES" ] && { /run/vm/modprobe -a $VM_MODULES || echo "vm-init: modprobe -a $VM_MODULES failed"; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
cd "$WORKDIR" || fatal "no directory $WORKDIR in the guest"
/bin/sh /run/vm/cmd </dev/null
rc=$?
echo "$MARKER exit=$rc"
$bb sync
$bb poweroff -f
EOF
}

# build_initramfs OUT WORKDIR COMMAND...
build_initramfs() {
	local out=$1 workdir=$2 stage m
	shift 2
	stage=$TMP/initramfs
	mkdir -p "$stage/bin" "$stage/modules" "$stage/proc" "$stage/sys" "$stage/dev"
	cp "$BUSYBOX" "$stage/bin/busybox"
	for m in $BOOT_MODULES; do
		cp "$(find "$MODDIR/kernel" -name "$m.ko" | head -1)" "$stage/modules/" ||
			die "module $m missing from $KVER"
	done
	write_init >"$stage/init"
	write_stage2 >"$stage/stage2"
	chmod 0755 "$stage/init"
	{
		echo "MARKER=$MARKER"
		echo "KVER=$KVER"
		echo "MODDIR=$(printf %q "$MODDIR")"
		echo "WORKDIR=$(printf %q "$workdir")"
		echo "BOOT_MODULES=\"$(echo $BOOT_MODULES)\""
		echo "VM_MODULES=\"$(echo $VM_MODULES)\""
	} >"$stage/vm.conf"
	# the command, quoted so that it survives one more shell
	printf '%q ' exec "$@" >"$stage/cmd"
	echo >>"$stage/cmd"
	(cd "$stage" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$out" ||
		die "cannot build the initramfs"
}

# --- main ---

timeout_s=900
workdir=$PWD
while [ $# -gt 0 ]; do
	case "$1" in
	-t)
		[[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage_error "-t takes seconds, not '${2:-}'"
		timeout_s=$2
		shift 2
		;;
	-C)
		[ -n "${2:-}" ] && workdir=$(cd "$2" 2>/dev/null && pwd) ||
			usage_error "-C takes a directory, not '${2:-}'"
		shift 2
		;;
	--fetch) fetch; exit 0 ;;
	--) shift; break ;;
	-*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage_error "usage: vm-run.sh [-t SECONDS] [-C DIR] COMMAND [ARG...]"
[ "$(id -u)" -eq 0 ] || die "must run as root (the guest shares / as root)"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 missing (scripts/deps.sh vm)"

fetch
TMP=$(mktemp -d /tmp/bpftune-vm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
MARKER=BPFTUNE-VM-DONE-$$-$RANDOM$RANDOM
build_initramfs "$TMP/initramfs.cpio" "$workdir" "$@"

# In the foreground, under timeout: QEMU exits when the guest powers off
# (-no-reboot also turns a guest panic into an exit).  stdin is not the
# terminal, so QEMU never puts it in raw mode.  If this script is killed,
# the parent-death signals stop timeout and QEMU too: a QEMU left behind
# would keep our stdout open and stall whoever reads it.
setpriv --pdeathsig TERM timeout --foreground -k 10 "$timeout_s" \
	setpriv --pdeathsig KILL qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp "${VM_CPUS:-2}" -m "${VM_MEM_MB:-2048}" \
	-nodefaults -no-reboot -nic none -display none -serial stdio \
	-kernel "$KERNEL" -initrd "$TMP/initramfs.cpio" \
	-append "console=ttyS0 rdinit=/init quiet loglevel=4 panic=-1 mitigations=off" \
	-fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	</dev/null 2>"$TMP/qemu.err" | tr -d '\r' | tee "$TMP/console.log"
qrc=${PIPESTATUS[0]}
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "vm-run: guest timed out after ${timeout_s}s; QEMU killed" >&2
	exit 124
fi
# anywhere in a line: the command's last line may lack a newline
status=$(grep -ao "$MARKER exit=[0-9]*" "$TMP/console.log" | tail -1 | sed 's/.*exit=//')
if [ -z "$status" ]; then
	echo "vm-run: the guest reported no exit status (QEMU exit $qrc)" >&2
	sed 's/^/vm-run: qemu: /' "$TMP/qemu.err" >&2
	exit 125
fi
exit "$status"
