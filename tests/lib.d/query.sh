# shellcheck shell=bash
# Helpers for tests of the query socket and the metrics file.

# Debian's python3 when present: a pyenv shim costs 0.25 s a call.
Q_PY=$(command -v /usr/bin/python3 || command -v python3)

# query_daemon_start [ARGS...]: daemon_start (whose query socket is
# $Q_SOCK) with rollback on exit (-R), so that whatever it changes in
# namespaces other tests or other users run traffic in is put back.
query_daemon_start() {
	Q_SOCK=$T_TMP/bpftune.sock
	daemon_start -R "$@"
	wait_log "answering queries on" 5 || fail "no query socket"
}

# q QUERY [ARGS...]: ask the test daemon
q() { "$BPFTUNE" --socket "$Q_SOCK" -q "$@"; }

# A TCP port free on 127.0.0.1 now.
free_port() {
	"$Q_PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# prom_value FILE METRIC 'label="v",label2="w"': the value of the one
# sample of METRIC that has (at least) these labels, in any label order
# (node_exporter sorts them).  Empty when absent.
prom_value() {
	"$Q_PY" - "$1" "$2" "$3" <<'PY'
import re, sys
path, metric, want = sys.argv[1:4]
want = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', want))
for line in open(path):
    if line.startswith("#"):
        continue
    m = re.match(r'^(\w+)(?:\{(.*)\})?\s+(\S+)', line)
    if not m or m.group(1) != metric:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
    if all(labels.get(k) == v for k, v in want.items()):
        v = float(m.group(3))  # node_exporter may print 1.2e+06
        print(int(v) if v.is_integer() else v)
        break
PY
}
