# shellcheck shell=bash
# prog_ids_of PID: ids of the BPF programs PID holds open, one per line
# (from /proc/PID/fdinfo: Debian's bpftool does not report owners)
prog_ids_of() {
	awk '$1 == "prog_id:" {print $2}' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un
}
