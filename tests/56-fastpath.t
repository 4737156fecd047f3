#!/bin/bash
# tests/56-fastpath.t - rootful protected podman jails on the fast path: the programs go on
# <cgroup2>/jail-ai/pod-NAME before the container exists, and the container is made below it
# in one podman call (`podman run --detach --cgroup-parent=...`; `podman start` later).
#
#  - the host is refused from the first instruction of the container's own command;
#  - `podman restart` and `podman stop; podman start` behind jail-ai's back stay refused (with
#    a control: an unprotected jail reaches the listener the same way);
#  - the parent removed behind our back: podman recreates it without programs (the window
#    README states; shown as a control), status and list flag it, and jail-ai start, exec
#    re-protect before anything runs;
#  - create --restart with --block-host refused, rm removes the parent, `run`'s stale-cgroup
#    cleanup leaves pod-* alone, faults (the privileged child, podman run, podman start, the
#    parent made again between its protection and podman run) leave nothing running
#    unprotected (the last with a control: without the inode check the host is reached).
#
# As tests/50-podman.t: podman and jail-ai run in a "host" network namespace made here, with
# a storage of the test's own; each cgroup layout (the machine's, and on a hybrid machine a
# simulated pure v2 one) runs as a child of this script.

SELF=$(readlink -f "$0")
SERVE_SECS=1800
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_layout_child "" podman_cleanup

require_root
require_tools
require_cgroup2
require_binaries
podman_require

[ -z "${PT_PHASE:-}" ] && podman_layouts "$SELF"

# ---- a layout child ----
CGM=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
export HOME=$TMP/home
mkdir -p "$HOME"
podman_conf "$TMP/podman" && podman_env "$TMP/podman" || bail "cannot write podman config"
netns_setup
serve_host "lo4 127.0.0.1 7001
h1 10.77.0.1 7002
any4 0.0.0.0 7007"
podman_image || bail "no test image"
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
N=$JT-fastpath
WS_N=0
new_ws() {
	WS_N=$((WS_N + 1))
	WS=$TMP/ws$WS_N
	mkdir -p "$WS" && chmod 777 "$WS"
}
jcreate() {
	local name=$1
	shift
	jp create "$name" --image "$TEST_IMAGE" --workspace "$WS" "$@" >"$TMP/out" 2>"$TMP/err"
	ST=$?
}
errs() { diag "exit $ST; stdout:" "$(head -n 20 "$TMP/out")" "stderr:" "$(tail -n 20 "$TMP/err")"; }
not_running() { [ "$(state "$1")" != running ]; }
# pprobe NAME MODE ADDR PORT: plain podman exec probe (no jail-ai: nothing re-protects).
pprobe() {
	OUT=$(pm exec "$1" probe "$2" "$3" "$4" 2>&1)
	ST=$?
}
# pblocked NAME MODE ADDR PORT DESC: plain podman exec gets EPERM, no host listener hears it.
pblocked() {
	local n
	n=$(arrivals $HOST_LOGS)
	pprobe "$1" "$2" "$3" "$4"
	sleep 0.05
	[ "$ST" = 1 ] && [ "$OUT" = EPERM ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
	ok $? "$5: podman exec probe $2 $3 port $4 in $1 gets EPERM, nothing heard" ||
		diag "exit $ST, output '$OUT', arrivals $(($(arrivals $HOST_LOGS) - n))"
}
# preaches NAME MODE ADDR PORT LOG DESC: plain podman exec reaches LOG.
preaches() {
	local n
	n=$(arrivals "$5")
	pprobe "$1" "$2" "$3" "$4"
	[ "$ST" = 0 ] && arrived "$5" "$n"
	ok $? "$6: podman exec probe $2 $3 port $4 in $1 reaches $5" || diag "exit $ST: $OUT"
}
# rm_parent NAME: the jail's parent cgroup gone (podman's v1 ones too), behind our back.
rm_parent() {
	local d
	for d in "$CGM/jail-ai/pod-$1" /sys/fs/cgroup/*/jail-ai/pod-"$1"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	[ ! -d "$CGM/jail-ai/pod-$1" ]
}
# progs NAME: how many programs the parent holds at its connect4 hook (bpftool-free: the
# status line's ids, non-zero ones counted).
progs() {
	jp status "$1" 2>/dev/null | sed -n 's/^programs: attached at [^ ]* (ids:\([0-9 ]*\)).*/\1/p' |
		tr ' ' '\n' | grep -c '^[1-9]'
}

GW=10.88.0.1
[ "$(pm network inspect --format '{{range .Subnets}}{{.Gateway}}{{end}}' podman 2>/dev/null)" = "$GW" ] ||
	diag "note: the default network's gateway is not $GW"

# ---- the first instruction, a bridge jail (the bridge made by this very run) ----
# No container runs yet in this storage and namespace: podman makes the bridge (and the
# host's $GW) during the run, after the policy was built; the gateways label covers it.
FIRST='probe tcp '$GW' 7007 >>/workspace/first.out 2>&1; echo "status $?" >>/workspace/first.out; '
new_ws
WS_A=$WS
A=$N-a
n=$(arrivals $HOST_LOGS)
jcreate "$A" --block-host -- sh -c "$FIRST$LOOP"
ok $ST "create $A --block-host (bridge) exits 0" || { errs; done_testing; }
for i in $(seq 50); do grep -q '^status' "$WS_A/first.out" 2>/dev/null && break; sleep 0.1; done
[ "$(head -n 1 "$WS_A/first.out")" = EPERM ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
ok $? "$A: the command's very first instruction (tcp $GW:7007) gets EPERM, nothing heard" ||
	diag "first.out: $(cat "$WS_A/first.out" 2>&1)" "arrivals $(($(arrivals $HOST_LOGS) - n))"
cg=$(cgroup_of "$A")
case $cg in "/jail-ai/pod-$A/libpod-"*) true ;; *) false ;; esac
ok $? "$A's cgroup is below /jail-ai/pod-$A" || diag "cgroup '$cg'"
[ "$(pm inspect --format '{{.HostConfig.CgroupParent}}' "$A")" = "/jail-ai/pod-$A" ]
ok $? "$A's stored cgroup parent is /jail-ai/pod-$A (podman start lands there too)"
out=$(jp status "$A" 2>&1)
grep -q '^protection: attached' <<<"$out" &&
	grep -q "^programs: attached at /jail-ai/pod-$A (ids: [1-9]" <<<"$out" &&
	grep -q "container's cgroup /jail-ai/pod-$A/libpod-.* is below it" <<<"$out"
ok $? "status $A: attached, names /jail-ai/pod-$A with the ids, the container below it" ||
	diag "$out"
# attached_at: the cgroup status names, as JSON (null when not in effect: below)
jsat() { jp status --json "$1" 2>/dev/null | /usr/bin/python3 -c \
	'import json, sys; print(json.load(sys.stdin).get("attached_at", "MISSING"))'; }
at=$(jsat "$A")
ok "$([ "$at" = "/jail-ai/pod-$A" ]; echo $?)" "status --json $A: attached_at /jail-ai/pod-$A" ||
	diag "attached_at '$at'"
ls -d "$CGM/jail-ai/pod-$A"/canary-* >/dev/null 2>&1
[ $? != 0 ]
ok $? "no canary cgroup is left below the parent"

# ---- the first instruction, on the host's network ----
new_ws
WS_H=$WS
H=$N-h
n=$(arrivals $HOST_LOGS)
jcreate "$H" --network host --block-host -- sh -c \
	'probe tcp 127.0.0.1 7001 >>/workspace/first.out 2>&1; echo "status $?" >>/workspace/first.out; '"$LOOP"
ok $ST "create $H --network host --block-host exits 0" || errs
for i in $(seq 50); do grep -q '^status' "$WS_H/first.out" 2>/dev/null && break; sleep 0.1; done
[ "$(head -n 1 "$WS_H/first.out")" = EPERM ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
ok $? "$H: the first instruction (tcp 127.0.0.1:7001) gets EPERM, nothing heard" ||
	diag "first.out: $(cat "$WS_H/first.out" 2>&1)"

# ---- control: the same without --block-host reaches the host from its first instruction ----
new_ws
WS_O=$WS
O=$N-open
n=$(arrivals any4)
jcreate "$O" -- sh -c "$FIRST$LOOP"
ok $ST "control: create $O (no --block-host) exits 0" || errs
for i in $(seq 50); do grep -q '^status' "$WS_O/first.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^status 0' "$WS_O/first.out" && arrived any4 "$n"
ok $? "control: $O's first instruction reaches the host ($GW:7007)" ||
	diag "first.out: $(cat "$WS_O/first.out" 2>&1)"

# ---- restarts behind jail-ai's back ----
pm restart -t 3 "$A" >/dev/null 2>"$TMP/err"
ok $? "podman restart $A (behind jail-ai's back)" || diag "$(cat "$TMP/err")"
for i in $(seq 50); do [ "$(grep -c '^status' "$WS_A/first.out")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c '^EPERM' "$WS_A/first.out")" = 2 ]
ok $? "$A: after podman restart the command's first instruction gets EPERM again" ||
	diag "first.out: $(cat "$WS_A/first.out")"
pblocked "$A" tcp 10.77.0.1 7002 "after podman restart"
pm stop -t 3 "$A" >/dev/null 2>&1 && pm start "$A" >/dev/null 2>"$TMP/err"
ok $? "podman stop; podman start $A (behind jail-ai's back)" || diag "$(cat "$TMP/err")"
pblocked "$A" tcp 10.77.0.1 7002 "after podman stop; start"
pblocked "$A" udp "$GW" 7007 "after podman stop; start"
out=$(jp status "$A" 2>&1)
grep -q '^protection: attached' <<<"$out"
ok $? "status $A after podman stop; start: attached" || diag "$out"
pm restart -t 3 "$O" >/dev/null 2>&1
preaches "$O" tcp 10.77.0.1 7002 h1 "control, after podman restart"
pm restart -t 3 "$H" >/dev/null 2>&1
pblocked "$H" tcp 127.0.0.1 7001 "host network, after podman restart"

# ---- the parent removed behind our back (after a reboot, the same) ----
pm stop -t 3 "$A" >/dev/null 2>&1
rm_parent "$A"
ok $? "$A stopped, its parent cgroup removed behind jail-ai's back"
pm start "$A" >/dev/null 2>"$TMP/err"
ok $? "podman start $A recreates the parent itself" || diag "$(cat "$TMP/err")"
preaches "$A" tcp 10.77.0.1 7002 h1 "the window README states (parent made by podman)"
out=$(jp status "$A" 2>&1)
grep -q '^protection: NOT attached' <<<"$out"
ok $? "status $A flags it: NOT attached" || diag "$out"
at=$(jsat "$A")
ok "$([ "$at" = None ]; echo $?)" "status --json $A, NOT attached: attached_at null" ||
	diag "attached_at '$at'"
out=$(jp list 2>&1)
grep "^$A " <<<"$out" | grep -q 'NOT attached'
ok $? "list flags $A: NOT attached" || diag "$out"
rm -f "$WS_A/marker"
n=$(arrivals $HOST_LOGS)
jx "$A" sh -c 'probe tcp 10.77.0.1 7002; echo "status $?"; touch /workspace/marker'
[ "$ST" = 0 ] && [ "$OUT" = "EPERM"$'\n'"status 1" ] && [ "$(arrivals $HOST_LOGS)" = "$n" ] &&
	[ -e "$WS_A/marker" ]
ok $? "jail-ai exec $A re-protects before CMD runs: CMD's probe gets EPERM" ||
	diag "exit $ST, output '$OUT'" "$(tail -n 5 "$TMP/err")"
grep -q 'stopping it, then starting it protected' "$TMP/err"
ok $? "exec says it re-protected $A" || diag "$(cat "$TMP/err")"
out=$(jp status "$A" 2>&1)
grep -q '^protection: attached' <<<"$out"
ok $? "status $A: attached again" || diag "$out"

pm stop -t 3 "$A" >/dev/null 2>&1
rm_parent "$A" && pm start "$A" >/dev/null 2>&1
jp start "$A" >"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ "$(state "$A")" = running ]
ok $? "parent removed again, podman start: jail-ai start $A restarts it" || errs
pblocked "$A" tcp 10.77.0.1 7002 "after jail-ai start re-protected"

# ---- podman's systemd cgroup manager: a fast-path start refused before anything ----
sed 's/^cgroup_manager = .*/cgroup_manager = "systemd"/' "$CONTAINERS_CONF" >"$TMP/sd.conf"
jp stop "$A" >/dev/null 2>&1
at=$(jsat "$A")
ok "$([ "$at" = None ]; echo $?)" "status --json $A, stopped: attached_at null" ||
	diag "attached_at '$at'"
CONTAINERS_CONF=$TMP/sd.conf jp start "$A" >"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" = 125 ] && not_running "$A" && grep -q 'cgroup manager is systemd' "$TMP/err" &&
	[ ! -d "$CGM/jail-ai/pod-$A/canary" ] && ! ls -d "$CGM/jail-ai/pod-$A"/canary-* >/dev/null 2>&1
ok $? "start $A with cgroup_manager systemd in containers.conf: refused (125) saying why, not started" ||
	errs
new_ws
CONTAINERS_CONF=$TMP/sd.conf jcreate "$N-sd" --block-host -- sh -c "$LOOP"
[ "$ST" = 125 ] && ! exists "$N-sd" && [ ! -d "$CGM/jail-ai/pod-$N-sd" ] &&
	grep -q 'cgroup manager is systemd' "$TMP/err"
ok $? "create --block-host, cgroup_manager systemd: refused (125) saying why, nothing made" || errs
jp start "$A" >/dev/null 2>"$TMP/err"
ok $? "control: jail-ai start $A with cgroupfs" || diag "$(cat "$TMP/err")"

# ---- jail-ai stop/start, and run's stale-cgroup cleanup leaves pod-* alone ----
jp stop "$A" >/dev/null 2>&1 && jp start "$A" >/dev/null 2>"$TMP/err"
ok $? "jail-ai stop; start $A" || diag "$(cat "$TMP/err")"
pblocked "$A" tcp 10.77.0.1 7002 "after jail-ai stop; start"
"$JAIL_AI" run --block-host -- true >/dev/null 2>"$TMP/err"
ok $? "jail-ai run --block-host true (cleans up stale run-* cgroups)" || diag "$(cat "$TMP/err")"
[ -d "$CGM/jail-ai/pod-$A" ]
ok $? "run's cleanup left /jail-ai/pod-$A alone"
pblocked "$A" tcp 10.77.0.1 7002 "after run's cleanup"

# ---- --restart ----
new_ws
jcreate "$N-rs" --block-host --restart always
[ "$ST" = 125 ] && ! exists "$N-rs" && grep -q 'reboot' "$TMP/err" &&
	grep -q 'unprotected' "$TMP/err"
ok $? "create --block-host --restart always: refused (125) saying why, nothing made" || errs
jcreate "$N-rs" --deny-all --restart=on-failure:3
[ "$ST" = 125 ] && ! exists "$N-rs"
ok $? "create --deny-all --restart on-failure:3: refused (125)" || errs
jcreate "$N-rs" --restart always -- sh -c "$LOOP"
[ "$ST" = 0 ] && [ "$(pm inspect --format '{{.HostConfig.RestartPolicy.Name}}' "$N-rs")" = always ]
ok $? "control: create --restart always without protection: podman's policy set" || errs
jcreate "$N-rs2" --restart sometimes
[ "$ST" = 125 ] && ! exists "$N-rs2"
ok $? "create --restart sometimes: refused (125)" || errs

# ---- containers.conf's default_network: its gateways, not the network named podman ----
# A network of this run (its config in the private storage), the default in a containers.conf
# of its own; its bridge and gateway appear only when the jail starts, after the policy.
# (made under a containers.conf without default_network: podman takes the default as existing)
mkdir -p "$TMP/podman/networks"
for c in dn0 dn; do
	cp "$CONTAINERS_CONF" "$TMP/$c.conf" &&
		printf '[network]\nnetwork_config_dir = "%s"\n' "$TMP/podman/networks" >>"$TMP/$c.conf"
done
echo "default_network = \"$N-net\"" >>"$TMP/dn.conf"
CONTAINERS_CONF=$TMP/dn0.conf pm network create --subnet 10.99.7.0/24 "$N-net" >/dev/null 2>"$TMP/err"
ok $? "podman network create $N-net (10.99.7.0/24) in the private storage" || diag "$(cat "$TMP/err")"
FIRST2='probe tcp 10.99.7.1 7007 >>/workspace/first.out 2>&1; echo "status $?" >>/workspace/first.out; '
for b in --block-host ""; do
	new_ws
	n=$(arrivals any4)
	CONTAINERS_CONF=$TMP/dn.conf jcreate "$N-dn$WS_N" $b -- sh -c "$FIRST2$LOOP"
	ok $ST "create $N-dn$WS_N ${b:-(control, no --block-host)} on default_network $N-net" || errs
	for i in $(seq 50); do grep -q '^status' "$WS/first.out" 2>/dev/null && break; sleep 0.1; done
	if [ -n "$b" ]; then
		lab=$(pm inspect --format '{{index .Config.Labels "jail-ai.gateways"}}' "$N-dn$WS_N")
		[ "$(head -n 1 "$WS/first.out")" = EPERM ] && [ "$(arrivals any4)" = "$n" ] &&
			grep -q '10\.99\.7\.1' <<<"$lab"
		ok $? "its gateways label has 10.99.7.1 ('$lab'); the first instruction (tcp 10.99.7.1:7007) gets EPERM" ||
			diag "first.out: $(cat "$WS/first.out" 2>&1)"
	else
		grep -q '^status 0' "$WS/first.out" && arrived any4 "$n"
		ok $? "control: without --block-host the first instruction reaches 10.99.7.1:7007" ||
			diag "first.out: $(cat "$WS/first.out" 2>&1)"
	fi
	CONTAINERS_CONF=$TMP/dn.conf jp rm -f "$N-dn$WS_N" >/dev/null 2>&1
done

# ---- rm removes the parent ----
jp rm -f "$H" >/dev/null 2>"$TMP/err"
ok $? "rm -f $H" || diag "$(cat "$TMP/err")"
[ ! -d "$CGM/jail-ai/pod-$H" ] && ! ls -d /sys/fs/cgroup/*/jail-ai/pod-"$H" >/dev/null 2>&1
ok $? "rm removed /jail-ai/pod-$H (and podman's v1 ones)" ||
	diag "$(ls -d "$CGM/jail-ai/pod-$H" /sys/fs/cgroup/*/jail-ai/pod-"$H" 2>&1)"

# ---- faults: nothing runs unprotected ----
# fault_create DESC RAN [ENV...]: create --block-host fails (125), nothing left; CMD never
# ran unless RAN is 1 (podman started it below the protected parent, then failed).
fault_create() {
	local desc=$1 ran=$2 name
	shift 2
	new_ws
	name=$N-f$WS_N
	env "$@" timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" \
		create "$name" --image "$TEST_IMAGE" --workspace "$WS" --block-host -- \
		sh -c "touch /workspace/ran; $LOOP" >"$TMP/out" 2>"$TMP/err"
	ST=$?
	[ "$ST" = 125 ] && ! exists "$name" && { [ "$ran" = 1 ] || [ ! -e "$WS/ran" ]; } &&
		[ ! -d "$CGM/jail-ai/pod-$name" ]
	ok $? "$desc: create exits 125, no container$([ "$ran" = 1 ] || echo ", CMD never ran"), no parent left" ||
		{ errs; diag "ran: $(ls "$WS/ran" 2>&1), parent: $(ls -d "$CGM/jail-ai/pod-$name" 2>&1)"; }
}
podman_wrapper fail-run '[ "$SUB" = run ] && { echo injected run failure >&2; exit 125; }'
podman_wrapper run-then-fail '[ "$SUB" = run ] && { "$REAL" "$@"; exit 1; }'
podman_wrapper fail-net '[ "$SUB" = network ] && { echo injected failure >&2; exit 125; }'
podman_wrapper fail-start '[ "$SUB" = start ] && { echo injected start failure >&2; exit 125; }'
podman_wrapper start-then-fail '[ "$SUB" = start ] && { "$REAL" "$@"; exit 1; }'
fault_create "podman run fails" 0 JAIL_AI_PODMAN="$TMP/fail-run"
fault_create "podman run starts it, then fails" 1 JAIL_AI_PODMAN="$TMP/run-then-fail"
fault_create "podman network inspect fails" 0 JAIL_AI_PODMAN="$TMP/fail-net"
FAULT=$(dirname "$JAIL_AI")/jail-ai-fault
if [ -x "$FAULT" ]; then
	JAIL_AI_SAVE=$JAIL_AI
	JAIL_AI=$FAULT
	fault_create "the privileged child refuses (jail-ai-fault)" 0 JAIL_AI_FAULT=child
	grep -q 'protection could not be established' "$TMP/err"
	ok $? "the child's refusal is said" || errs
	# The parent removed and made again (empty, no programs) between its protection and
	# podman run: podman's cgroupfs manager would use the new one.  Checked by inode after
	# podman: refused; control: without the check the container reaches the host.
	fault_create "the parent made again before podman run (jail-ai-fault)" 1 \
		JAIL_AI_FAULT=reparent
	grep -q 'is not the one protected before podman ran' "$TMP/err"
	ok $? "the replaced parent is said" || errs
	new_ws
	JAIL_AI_FAULT=reparent-nocheck jcreate "$N-rp" --block-host -- sh -c "$LOOP"
	ok $ST "control: create $N-rp with the parent replaced and the check skipped" || errs
	preaches "$N-rp" tcp 10.77.0.1 7002 h1 "control, no inode check"
	jp rm -f "$N-rp" >/dev/null 2>&1
	jp stop "$A" >/dev/null 2>&1
	JAIL_AI_FAULT=child jp start "$A" >"$TMP/out" 2>"$TMP/err"
	ST=$?
	[ "$ST" != 0 ] && not_running "$A"
	ok $? "start $A with the child refusing: non-zero, not running" || errs
	JAIL_AI=$JAIL_AI_SAVE
else
	skip "no jail-ai-fault next to $JAIL_AI (make jail-ai-fault)"
fi
jp stop "$A" >/dev/null 2>&1
for w in fail-start start-then-fail; do
	JAIL_AI_PODMAN=$TMP/$w jp start "$A" >"$TMP/out" 2>"$TMP/err"
	ST=$?
	[ "$ST" != 0 ] && not_running "$A"
	ok $? "start $A through $w: non-zero, not running" || errs
done
jp start "$A" >/dev/null 2>&1
pblocked "$A" tcp 10.77.0.1 7002 "after the faults, jail-ai start"

# ---- nothing of ours protected runs unprotected at the end ----
for c in $(pm ps --format '{{.Names}}' 2>/dev/null); do
	[ "$(pm inspect --format '{{index .Config.Labels "jail-ai.block-host"}}' "$c")" = 1 ] || continue
	protection "$c" attached
done
done_testing
