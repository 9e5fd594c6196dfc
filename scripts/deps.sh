#!/bin/sh
# Install the Debian packages bpftune needs, only those that are missing.
# usage: scripts/deps.sh [build|test|run|vm]...   (default: build)
set -e

build="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libcap-dev
libnl-3-dev libnl-route-3-dev libjson-c-dev pkg-config make gcc pandoc"
run="iproute2"
test="iproute2 iperf3 python3 jq procps util-linux libclang-rt-14-dev man-db
curl prometheus-node-exporter systemd debhelper dpkg-dev fakeroot libcap2-bin rpm
iputils-ping bc prometheus"
vm="qemu-system-x86"

want=""
[ $# -eq 0 ] && set -- build
for set in "$@"; do
	case "$set" in
	build) want="$want $build" ;;
	run) want="$want $build $run" ;;
	test) want="$want $build $test" ;;
	vm) want="$want $vm" ;;
	*) echo "deps.sh: unknown package set '$set' (build|test|run|vm)" >&2; exit 2 ;;
	esac
done

missing=""
for pkg in $want; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
