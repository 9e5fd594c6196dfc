# shellcheck shell=bash
# Seconds a test has run since it took the test lock (lib.sh sources this
# after taking it), so that a test's own time can be told from the time
# it waited for other tests: `log "... $(elapsed) s"`.
T_LOCKED_AT=$SECONDS
elapsed() { echo $((SECONDS - T_LOCKED_AT)); }
