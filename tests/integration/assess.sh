#!/bin/bash
# Assessment: a change after which the outcome gets worse is reverted and
# its scenario backs off; the strategy that made it is switched; a change
# after which the outcome improves is kept, and the summary says by how
# much.  Driven by the test-only assess_probe tuner, whose outcome measure
# is a file this test writes.
. "$(dirname "$0")/../lib.sh"
NS=$(netns_create x)
cookie=$(netns_cookie "$NS")
export BPFTUNE_ASSESS_DIR=$T_TMP/probe
mkdir -p "$BPFTUNE_ASSESS_DIR"
echo "$cookie" >"$BPFTUNE_ASSESS_DIR/netns"
echo 100 >"$BPFTUNE_ASSESS_DIR/measure"
orig=$(nsysctl "$NS" net.core.somaxconn)
TUNERDIR=$BUILD/test-tuners daemon_start -a assess_probe_tuner.so --assess-window 500

# 1. harmful: outcome drops from 100 to 50 after the change
touch "$BPFTUNE_ASSESS_DIR/grow"
wait_log "probe grow: net.core.somaxconn $orig -> $((orig + 100)) in netns $cookie" 5 ||
	fail "probe change not made"
echo 50 >"$BPFTUNE_ASSESS_DIR/measure"
wait_log "assessment: reverting net.core.somaxconn $orig -> $((orig + 100)) in netns $cookie: probe outcome -[0-9]+%" 5 ||
	fail "harmful change not reverted"
assert_eq "$(nsysctl "$NS" net.core.somaxconn)" "$orig" "somaxconn after revert"
assert_log "revert after assessment: net.core.somaxconn $((orig + 100)) -> $orig in netns $cookie, because probe outcome got worse"
assert_log "backing off for 3 s"
assert_log "strategy big-steps -> small-steps: changes under big-steps averaged -[0-9]+% on their outcome, small-steps is untried"

# 2. backing off: a new request is not acted on
echo 100 >"$BPFTUNE_ASSESS_DIR/measure"
touch "$BPFTUNE_ASSESS_DIR/grow"
sleep 0.5
[ -e "$BPFTUNE_ASSESS_DIR/grow" ] && fail "probe did not see the request"
assert_eq "$(nsysctl "$NS" net.core.somaxconn)" "$orig" "somaxconn while backing off"

# 3. helpful, under the new strategy (+10): outcome 100 -> 150, kept
sleep 3
touch "$BPFTUNE_ASSESS_DIR/grow"
wait_log "probe grow: net.core.somaxconn $orig -> $((orig + 10)) in netns $cookie, because the test asked \(strategy small-steps\)" 5 ||
	fail "second change (small-steps) not made"
echo 150 >"$BPFTUNE_ASSESS_DIR/measure"
wait_log "assessment: kept net.core.somaxconn $orig -> $((orig + 10)) in netns $cookie: probe outcome \+[0-9]+%" 5 ||
	fail "helpful change not kept"
assert_eq "$(nsysctl "$NS" net.core.somaxconn)" "$((orig + 10))" "somaxconn after a kept change"

daemon_stop || fail "daemon exit code"
assert_log "summary: assess_probe: assessed 2 change windows \(1 kept, 1 reverted\); last: net.core.somaxconn $orig -> $((orig + 10)) in netns $cookie: probe outcome \+[0-9]+%"
assert_log "summary: assess_probe: strategy in use: small-steps"
assert_log "summary: assess_probe: 3 changes to net.core.somaxconn in netns $cookie: .*\(probe grow x2, reverts x1\)"
pass "assessment reverted, backed off, switched strategy, kept"
