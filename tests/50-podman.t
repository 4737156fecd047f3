#!/bin/bash
# tests/50-podman.t - podman jails as root: create/list/status/exec/stop/start/rm and their
# errors, --block-host on a podman container (neither the jail's command nor `exec` reaches a
# host address; a container started behind jail-ai's back stays protected, or is re-protected
# when its parent cgroup went), podman faults.
#
# The "host" is a network namespace made here (lib.sh): podman and jail-ai run in it, so the
# default bridge (podman0, 10.88.0.1) is made in it and --network host shares it.  The test
# has a podman storage of its own (podman-env.sh) and removes every container in it on exit.
#
# Every case runs in each cgroup layout: the machine's as is (hybrid here) and, on a hybrid
# machine, a simulated pure-v2 one (a private mount namespace whose /sys/fs/cgroup is the
# cgroup2 hierarchy).  Each layout runs as a child of this script with its own namespaces
# and storage; the parent numbers the TAP lines across them.  PT_V2SIM=bind simulates with
# `mount --bind <cgroup2> /sys/fs/cgroup` instead (DESIGN.md's recipe), which leaves the old
# cgroup2 mount first in mountinfo, hidden.

SELF=$(readlink -f "$0")
SERVE_SECS=1800	# listeners outlive this file on a busy machine
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_layout_child "" podman_cleanup

podman_test_requires

# ---- the parent: one child per layout ----
[ -z "${PT_PHASE:-}" ] && podman_layouts "$SELF"

# ---- a layout child ----
case $PT_PHASE in
hybrid) WANT_CGV=v1 FULL=1 ;;
v2) WANT_CGV=v2 FULL=1 ;;
*) WANT_CGV=v2 FULL=${PT_FULL:-0} ;;	# the simulation runs the basics
esac
export HOME=$TMP/home			# sensitive-mount checks use $HOME/.ssh
mkdir -p "$HOME/.ssh"
podman_private_setup

HOST_LISTENERS="lo4 127.0.0.1 7001
h1 10.77.0.1 7002
h2 10.77.1.1 7003
lo6 ::1 7004
h6 fd77::1 7005
ll $LL_HOST 7006
any4 0.0.0.0 7007
any6 :: 7008"
serve_host "$HOST_LISTENERS"
serve "$NS_P" peer4 10.77.0.2 7101
serve "$NS_P" peer6 fd77::2 7102

LOOP='trap "exit 0" TERM; while :; do sleep 1; done'

# ---- infrastructure: podman itself, no jail-ai ----
cgv=$(pm info --format '{{.Host.CgroupsVersion}}' 2>"$TMP/err")
[ "$cgv" = "$WANT_CGV" ]
ok $? "podman info reports cgroup $WANT_CGV" || diag "got '$cgv'" "$(cat "$TMP/err")"

podman_image
ok $? "the test image $TEST_IMAGE is in the test's storage" || bail "no test image"

pm run -d --name "$JT-plain" "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>"$TMP/err" &&
	pm run -d --name "$JT-plainh" --network host "$TEST_IMAGE" sh -c "$LOOP" \
		>/dev/null 2>>"$TMP/err"
ok $? "plain podman runs containers (bridge and host network) in the host namespace" ||
	bail "podman cannot run the test image: $(cat "$TMP/err")"

cg=$(cgroup_of "$JT-plain")
id=$(pm inspect --format '{{.Id}}' "$JT-plain")
[ "$cg" = "/libpod_parent/libpod-$id" ] && [ -d "$CG2$cg" ]
ok $? "a rootful container has its own cgroup v2 /libpod_parent/libpod-<id>" ||
	diag "cgroup '$cg', id $id"

GW=$(pm inspect --format '{{.NetworkSettings.Gateway}}' "$JT-plain")
in_host ip -o addr show | grep -q "inet $GW/"
ok $? "the default bridge's gateway ($GW) is an address of the host namespace" ||
	diag "$(in_host ip -br addr)"
ip -o addr show | grep -q "inet $GW/"
[ $? != 0 ] || diag "note: $GW is also an address of the test's own namespace"

# reach NAME MODE ADDR PORT LOG: plain podman exec reaches the listener LOG.
plain_reach() {
	local n out st
	n=$(arrivals "$5")
	out=$(pm exec "$1" probe "$2" "$3" "$4" 2>&1)
	st=$?
	[ "$st" = 0 ] && arrived "$5" "$n"
	ok $? "control, plain podman ($1): $2 $3 port $4 reaches the $5 listener" ||
		diag "exit $st: $out"
}
plain_reach "$JT-plain" tcp "$GW" 7007 any4
plain_reach "$JT-plain" udp "$GW" 7007 any4
plain_reach "$JT-plain" tcp 10.77.0.1 7002 h1
plain_reach "$JT-plain" tcp 10.77.1.1 7003 h2
n=$(arrivals peer4)
out=$(pm exec "$JT-plain" probe tcp 10.77.0.2 7101 2>&1) && arrived peer4 "$n" && PEER_VIA_BRIDGE=1 ||
	{ PEER_VIA_BRIDGE=0; diag "note: the bridge does not reach the peer 10.77.0.2: $out"; }
plain_reach "$JT-plainh" tcp 127.0.0.1 7001 lo4
plain_reach "$JT-plainh" tcp ::1 7004 lo6
plain_reach "$JT-plainh" tcp ::ffff:127.0.0.1 7001 lo4
plain_reach "$JT-plainh" tcp fd77::1 7005 h6
plain_reach "$JT-plainh" udp 10.77.0.1 7002 h1
plain_reach "$JT-plainh" tcp 10.77.0.2 7101 peer4
out=$(pm exec "$JT-plainh" probe socket raw4 2>&1)
diag "plain podman, socket raw4: $out (podman's default capabilities)"
pm rm -f -t 0 "$JT-plain" "$JT-plainh" >/dev/null 2>&1

# ---- jail-ai has the podman commands? ----
out=$("$JAIL_AI" create --help 2>&1 </dev/null)
st=$?
ok $st "jail-ai create --help exits 0 (the podman commands exist)" || {
	diag "exit $st: $out"
	done_testing
}

# ---- helpers ----
WS_N=0
# new_ws: a fresh workspace directory in WS.
new_ws() {
	WS_N=$((WS_N + 1))
	WS=$TMP/ws$WS_N
	mkdir -p "$WS" && chmod 777 "$WS"
}

# jcreate NAME ARGS...: jail-ai create NAME --image IMG --workspace $WS ARGS; status in ST.
jcreate() {
	local name=$1
	shift
	jp create "$name" --image "$TEST_IMAGE" --workspace "$WS" "$@" >"$TMP/out" 2>"$TMP/err"
	ST=$?
}
errs() { diag "exit $ST; stdout:" "$(head -n 20 "$TMP/out")" "stderr:" "$(tail -n 20 "$TMP/err")"; }


gone() { ! exists "$1"; }
not_running() { [ "$(state "$1")" != running ]; }

# ---- a protected jail on the default bridge ----
new_ws
WS_BH=$WS
BH=$JT-bh
# The jail's own command probes the host once, then loops.
CMD='[ -e /workspace/cmd.out ] || { probe tcp '$GW' 7007 >/workspace/cmd.out 2>&1;
echo "status $?" >>/workspace/cmd.out; probe udp 10.77.0.1 7002 >>/workspace/cmd.out 2>&1;
echo "status $?" >>/workspace/cmd.out; echo done >>/workspace/cmd.out; }; '$LOOP
n=$(arrivals $HOST_LOGS)
jcreate "$BH" --block-host -- sh -c "$CMD"
ok $ST "create $BH --block-host (default network) exits 0" || { errs; done_testing; }
[ "$(state "$BH")" = running ]
ok $? "$BH is running" || diag "state $(state "$BH")"
labels=$(pm inspect --format '{{index .Config.Labels "jail-ai"}} {{index .Config.Labels "jail-ai.block-host"}} {{index .Config.Labels "jail-ai.workspace"}}' "$BH" 2>&1)
[ "$labels" = "1 1 $WS_BH" ]
ok $? "$BH carries labels jail-ai=1, jail-ai.block-host=1, jail-ai.workspace=$WS_BH" ||
	diag "got: $labels"
for i in $(seq 100); do grep -q '^done' "$WS_BH/cmd.out" 2>/dev/null && break; sleep 0.1; done
[ "$(grep -c '^EPERM' "$WS_BH/cmd.out" 2>/dev/null)" = 2 ] &&
	[ "$(grep -c '^status 1' "$WS_BH/cmd.out")" = 2 ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
ok $? "$BH's own command gets EPERM for tcp $GW and udp 10.77.0.1; no host listener hears it" ||
	diag "cmd.out: $(cat "$WS_BH/cmd.out" 2>&1)" "host arrivals $(($(arrivals $HOST_LOGS) - n))"
protection "$BH" attached
out=$(jp list 2>&1)
grep "$BH" <<<"$out" | grep -q block-host
ok $? "list shows $BH as block-host" || diag "$out"

if [ "$FULL" = 1 ]; then modes="tcp udp sendto"; else modes="tcp udp"; fi
for mode in $modes; do
	# its own network: 127.0.0.1 and ::1 are the jail's own (tests/52-podman-netns.t)
	for dst in "10.77.0.1 7002" "10.77.1.1 7003" "$GW 7007" \
		"::ffff:$GW 7007" "fd77::1 7005"; do
		blocked "$BH" $mode $dst
	done
done
for kind in raw4 raw6; do
	jx "$BH" probe socket $kind
	[ "$ST" = 1 ] && [ "$OUT" = EPERM ]
	ok $? "$BH: socket $kind is refused with EPERM" || diag "exit $ST: $OUT"
done
if [ "$PEER_VIA_BRIDGE" = 1 ]; then
	reaches "$BH" tcp 10.77.0.2 7101 peer4
fi

# ---- a protected jail on the host's network ----
new_ws
BHN=$JT-bhn
jcreate "$BHN" --network host --block-host
ok $ST "create $BHN --network host --block-host exits 0" || errs
for mode in $modes; do
	for dst in "127.0.0.1 7001" "127.1.2.3 7007" "10.77.0.1 7002" "10.77.1.1 7003" "::1 7004" \
		"::ffff:127.0.0.1 7001" "::ffff:10.77.0.1 7002" "fd77::1 7005" "$LL_HOST 7006"; do
		blocked "$BHN" $mode $dst
	done
	reaches "$BHN" $mode 10.77.0.2 7101 peer4
	reaches "$BHN" $mode fd77::2 7102 peer6
done

# ---- controls: unprotected jails reach the host ----
new_ws
jcreate "$JT-open" -- sh -c "$LOOP"
ok $ST "create $JT-open (no --block-host) exits 0" || errs
reaches "$JT-open" tcp "$GW" 7007 any4
reaches "$JT-open" tcp 10.77.0.1 7002 h1
protection "$JT-open" off
jcreate "$JT-openh" --network host
ok $ST "create $JT-openh --network host (no --block-host) exits 0" || errs
reaches "$JT-openh" tcp 127.0.0.1 7001 lo4
reaches "$JT-openh" udp ::1 7004 lo6
out=$(jp list 2>&1)
grep "$JT-open " <<<"$out" | grep -qv block-host
ok $? "list shows $JT-open without block-host" || diag "$out"

# ---- stop/start keep protection; a start behind jail-ai's back is refused ----
jp stop "$BH" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ "$(state "$BH")" != running ]
ok $? "stop $BH exits 0 and it is not running" || errs
jp start "$BH" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ "$(state "$BH")" = running ]
ok $? "start $BH exits 0 and it is running" || errs
protection "$BH" attached
blocked "$BH" tcp 10.77.0.1 7002
blocked "$BH" udp 10.77.1.1 7003

jp stop "$BH" >/dev/null 2>&1
n=$(arrivals $HOST_LOGS)
jx "$BH" probe tcp 10.77.0.1 7002
[ "$ST" = 1 ] && [ "$OUT" = EPERM ] && [ "$(arrivals $HOST_LOGS)" = "$n" ] &&
	[ "$(state "$BH")" = running ]
ok $? "exec into the stopped $BH starts it protected: probe tcp 10.77.0.1 gets EPERM" ||
	diag "exit $ST, output '$OUT', state $(state "$BH")" "$(tail -n 5 "$TMP/err")"
protection "$BH" attached

jp stop "$BH" >/dev/null 2>&1
pm start "$BH" >/dev/null 2>"$TMP/err"
ok $? "podman start $BH behind jail-ai's back" || diag "$(cat "$TMP/err")"
# As root the programs sit on the jail's parent cgroup, which podman start lands below
# (tests/56-fastpath.t has the rest); with the parent removed, podman makes it bare.
protection "$BH" attached
blocked "$BH" tcp 10.77.0.1 7002
pm stop -t 1 "$BH" >/dev/null 2>&1
for d in "$CG2/jail-ai/pod-$BH" /sys/fs/cgroup/*/jail-ai/pod-"$BH"; do
	[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done
pm start "$BH" >/dev/null 2>"$TMP/err"
ok $? "parent cgroup removed, podman start $BH behind jail-ai's back" || diag "$(cat "$TMP/err")"
protection "$BH" "NOT attached"
sleep 0.5
rm -f "$WS_BH/marker"
n=$(arrivals $HOST_LOGS)
jx "$BH" sh -c 'probe tcp 10.77.0.1 7002; touch /workspace/marker'
[ "$ST" = 0 ] && [ "$OUT" = EPERM ] && [ -e "$WS_BH/marker" ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
ok $? "exec into $BH running without protection re-protects it first: CMD's probe gets EPERM" ||
	diag "exit $ST, output '$OUT', marker: $([ -e "$WS_BH/marker" ] && echo created || echo absent)" \
		"$(tail -n 5 "$TMP/err")"
grep -q 'starting it protected' "$TMP/err"
ok $? "the re-protection is said" || diag "$(cat "$TMP/err")"
jp stop "$BH" >/dev/null 2>&1 && jp start "$BH" >/dev/null 2>"$TMP/err"
ok $? "stop + start $BH through jail-ai" || diag "$(cat "$TMP/err")"
protection "$BH" attached
blocked "$BH" tcp 10.77.0.1 7002

# ---- life cycle ----
REPO=$TMP/repo
mkdir -p "$REPO/sub/dir" "$TMP/extra"
if command -v git >/dev/null; then git init -q "$REPO"; else mkdir -p "$REPO/.git"; fi
echo hello-from-host >"$REPO/hello"
echo extra >"$TMP/extra/f"
chmod -R a+rwX "$REPO"
LC=$JT-lc
WS=$REPO/sub/dir
if [ "$FULL" = 1 ]; then
	jcreate "$LC" -e FOO=bar -m "$TMP/extra:/mnt/extra:ro" -p 18080:80 -p 18081:53/udp
else
	jcreate "$LC" -e FOO=bar
fi
ok $ST "create $LC (workspace $WS, -e, -m, -p) exits 0" || errs
lab=$(pm inspect --format '{{index .Config.Labels "jail-ai"}} {{index .Config.Labels "jail-ai.block-host"}} {{index .Config.Labels "jail-ai.workspace"}}' "$LC" 2>&1)
[ "$lab" = "1 0 $REPO" ]
ok $? "$LC labels: jail-ai=1 jail-ai.block-host=0 jail-ai.workspace=<git root>" ||
	diag "got: $lab"
jx "$LC" cat /workspace/hello
[ "$OUT" = hello-from-host ]
ok $? "the git root of --workspace is mounted at /workspace" || diag "exit $ST: $OUT"
jx "$LC" sh -c 'echo from-jail >/workspace/sub/made-in-jail'
[ "$(cat "$REPO/sub/made-in-jail" 2>/dev/null)" = from-jail ]
ok $? "a file created in /workspace is visible on the host" || diag "exit $ST: $OUT"
jx "$LC" sh -c 'exit 7'
[ "$ST" = 7 ]
ok $? "exec returns CMD's exit status (7)" || diag "got $ST"
jx "$LC" sh -c 'echo "$FOO"'
[ "$OUT" = bar ]
ok $? "-e FOO=bar is in the jail's environment" || diag "exit $ST: $OUT"
OUT=$(echo piped | jp exec "$LC" -i -- cat 2>"$TMP/err")
[ "$OUT" = piped ]
ok $? "exec -i passes stdin" || diag "got '$OUT'" "$(cat "$TMP/err")"
if [ "$FULL" = 1 ]; then
	jx "$LC" cat /mnt/extra/f
	[ "$OUT" = extra ]
	ok $? "-m SRC:/mnt/extra:ro is mounted" || diag "exit $ST: $OUT"
	jx "$LC" touch /mnt/extra/new
	[ "$ST" != 0 ] && [ ! -e "$TMP/extra/new" ]
	ok $? "the :ro mount is read-only" || diag "exit $ST"
	out=$(pm port "$LC" 2>&1)
	grep -q '80/tcp.*18080' <<<"$out" && grep -q '53/udp.*18081' <<<"$out"
	ok $? "-p 18080:80 and -p 18081:53/udp are published" || diag "$out"
fi
out=$(jp list 2>&1)
line=$(grep "$LC" <<<"$out")
grep -q running <<<"$line" && grep -q "$TEST_IMAGE" <<<"$line" &&
	grep -q -- ' -' <<<"$line" && ! grep -q block-host <<<"$line" &&
	! grep -q "$JT-nolabel" <<<"$out"
ok $? "list: $LC running, its image, '-'" || diag "$out"
out=$(jp status "$LC" 2>&1)
st=$?
[ "$st" = 0 ] && grep -q running <<<"$out" && grep -q "$TEST_IMAGE" <<<"$out" &&
	grep -q /workspace <<<"$out" && grep -q "$REPO" <<<"$out" && grep -qi network <<<"$out" &&
	grep -q 'protection: off' <<<"$out"
ok $? "status $LC: state, image, mounts, network, protection: off" || diag "exit $st:" "$out"

jp stop "$LC" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ "$(state "$LC")" = exited ]
ok $? "stop $LC: exit 0, exited" || errs
out=$(jp list 2>&1)
grep "$LC" <<<"$out" | grep -qv running
ok $? "list shows the stopped $LC not running" || diag "$out"
jx "$LC" cat /workspace/hello
[ "$ST" = 0 ] && [ "$OUT" = hello-from-host ] && [ "$(state "$LC")" = running ]
ok $? "exec into the stopped $LC starts it and runs CMD" || diag "exit $ST: $OUT"
jp stop "$LC" >/dev/null 2>&1
jp start "$LC" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ "$(state "$LC")" = running ]
ok $? "start $LC: exit 0, running" || errs

jp rm "$LC" >/dev/null 2>"$TMP/err"
ST=$?
if [ "$ST" = 0 ]; then gone "$LC"; else exists "$LC"; fi
ok $? "rm (no -f) of the running $LC either removes it (0) or refuses and leaves it" ||
	diag "exit $ST, exists: $(exists "$LC" && echo yes || echo no)"
jp rm -f "$LC" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && gone "$LC"
ok $? "rm -f $LC: exit 0, gone" || errs
jp status "$LC" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 125 ] && grep -q "$LC" "$TMP/err"
ok $? "status of the removed $LC: exits 125 naming it" || errs

new_ws
jcreate "$JT-lc2"
jp stop "$JT-lc2" >/dev/null 2>&1
jp rm "$JT-lc2" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && gone "$JT-lc2"
ok $? "create, stop, rm (no -f): gone" || errs
jcreate "$JT-lc3" --block-host
jp rm -f "$JT-lc3" >/dev/null 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && gone "$JT-lc3"
ok $? "rm -f of a running protected jail: gone" || errs

# ---- fault injection: nothing protected is left running ----
# fault_create DESC WRAPPER [ARGS...]: create --block-host through the wrapper fails, nothing
# left.
fault_create() {
	local desc=$1 w=$2 name
	shift 2
	new_ws
	name=$JT-f$WS_N
	JAIL_AI_PODMAN=$TMP/$w jcreate "$name" --block-host "$@" -- sh -c "$LOOP"
	[ "$ST" = 125 ] && not_running "$name"
	ok $? "$desc: create --block-host exits 125, $name not running" || errs
	gone "$name"
	ok $? "$desc: no container $name left" || diag "state $(state "$name")"
}
# As root a protected create is `podman network inspect` (bridge only), the attach on the
# jail's parent cgroup, then one `podman run --detach` (tests/56-fastpath.t).
podman_wrapper fail-run '[ "$SUB" = run ] && { echo injected run failure >&2; exit 125; }'
podman_wrapper run-then-fail '[ "$SUB" = run ] && { "$REAL" "$@"; exit 1; }'
fault_create "podman run fails" fail-run
if [ "$FULL" = 1 ]; then
	podman_wrapper fail-start '[ "$SUB" = start ] && { echo injected start failure >&2; exit 125; }'
	podman_wrapper start-then-fail '[ "$SUB" = start ] && { "$REAL" "$@"; exit 1; }'
	podman_wrapper fail-net '[ "$SUB" = network ] && { echo injected failure >&2; exit 125; }'
	podman_wrapper fail-create '[ "$SUB" = create ] && { echo injected create failure >&2; exit 125; }'
	fault_create "podman run starts it, then fails" run-then-fail
	fault_create "podman network inspect fails" fail-net
	new_ws
	JAIL_AI_PODMAN=$TMP/fail-create jcreate "$JT-fc"
	[ "$ST" != 0 ] && gone "$JT-fc"
	ok $? "podman create fails: create exits non-zero, nothing left" || errs

	# Without CAP_NET_ADMIN in the bounding set (setpriv), runc itself fails here ("error
	# during container init: operation not permitted"), so this is a podman failure.
	new_ws
	timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- setpriv \
		--bounding-set=-net_admin "$JAIL_AI" create "$JT-fcap" --image "$TEST_IMAGE" \
		--workspace "$WS" --network none --block-host >"$TMP/out" 2>"$TMP/err"
	ST=$?
	[ "$ST" != 0 ] && gone "$JT-fcap"
	ok $? "create --block-host without CAP_NET_ADMIN in the bounding set: non-zero, nothing left" ||
		errs

	# The privileged child fails: bpf(2) refused by a seccomp filter podman does not mind
	# (runc needs bpf(2) only for v2 device control, which hybrid leaves to v1).
	if [ "$PT_PHASE" = hybrid ] && [ "$(uname -m)" = x86_64 ]; then
		nobpf_setup
		timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- perl "$TMP/nobpf.pl" \
			"$PODMAN" run \
			--rm --network none "$TEST_IMAGE" true >/dev/null 2>"$TMP/err"
		ok $? "control: podman run works with bpf(2) refused" || diag "$(cat "$TMP/err")"
		new_ws
		timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- perl "$TMP/nobpf.pl" \
			"$JAIL_AI" create "$JT-fchild" --image "$TEST_IMAGE" --workspace "$WS" --block-host \
			-- sh -c "touch /workspace/ran; $LOOP" >"$TMP/out" 2>"$TMP/err"
		ST=$?
		[ "$ST" = 125 ] && not_running "$JT-fchild" && [ ! -e "$WS/ran" ]
		ok $? "the privileged child fails (bpf refused): exits 125, not running, CMD never ran" ||
			errs
		gone "$JT-fchild"
		ok $? "the privileged child fails: no container left" ||
			diag "state $(state "$JT-fchild")"
		grep -qi 'bpf\|attach\|protect' "$TMP/err"
		ok $? "the privileged child fails: the message names the step" || errs
	fi

	# A later start of a protected jail that fails leaves it stopped.
	jp stop "$BH" >/dev/null 2>&1
	for w in fail-start start-then-fail; do
		JAIL_AI_PODMAN=$TMP/$w jp start "$BH" >"$TMP/out" 2>"$TMP/err"
		ST=$?
		[ "$ST" != 0 ] && not_running "$BH"
		ok $? "start $BH through $w: non-zero, not running" || errs
		JAIL_AI_PODMAN=$TMP/$w jp exec "$BH" -- touch /workspace/marker2 >"$TMP/out" 2>"$TMP/err"
		ST=$?
		[ "$ST" != 0 ] && not_running "$BH" && [ ! -e "$WS_BH/marker2" ]
		ok $? "exec $BH through $w: non-zero, not running, CMD did not run" || errs
	done
	jp start "$BH" >/dev/null 2>&1
	protection "$BH" attached
fi

# ---- errors ----
if [ "$FULL" = 1 ]; then
	for cmd in start stop rm "rm -f" status "exec"; do
		set -- $cmd "$JT-nosuch"
		[ "$cmd" = exec ] && set -- "$@" -- true
		jp "$@" >/dev/null 2>"$TMP/err" </dev/null
		ST=$?
		[ "$ST" = 125 ] && grep -q "$JT-nosuch" "$TMP/err"
		ok $? "$cmd on an unknown jail: exits 125 naming it" || errs
	done

	new_ws
	jcreate "$JT-open"
	[ "$ST" = 125 ] && [ "$(state "$JT-open")" = running ]
	ok $? "create with a name in use: exits 125, the existing jail untouched" || errs

	pm create --name "$JT-nolabel" "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>&1
	for cmd in start stop "rm -f" status exec; do
		set -- $cmd "$JT-nolabel"
		[ "$cmd" = exec ] && set -- "$@" -- true
		jp "$@" >/dev/null 2>"$TMP/err" </dev/null
		ST=$?
		[ "$ST" = 125 ] && exists "$JT-nolabel"
		ok $? "$cmd on a container without the jail-ai=1 label: exits 125, left alone" || errs
	done
	out=$(jp list 2>&1)
	! grep -q "$JT-nolabel" <<<"$out"
	ok $? "list leaves out containers without the label" || diag "$out"

	# bad_create DESC ARGS...: create fails with 125 and leaves no container.
	bad_create() {
		local desc=$1
		shift
		jp create "$JT-bad" --image "$TEST_IMAGE" "$@" >"$TMP/out" 2>"$TMP/err"
		ST=$?
		[ "$ST" = 125 ] && gone "$JT-bad"
		ok $? "create $desc: exits 125, no container" || errs
		pm rm -f "$JT-bad" >/dev/null 2>&1
	}
	new_ws
	bad_create "-m with a relative DST" --workspace "$WS" -m "$TMP/extra:mnt/x"
	bad_create "-m ~/.ssh" --workspace "$WS" -m "$HOME/.ssh:/mnt/ssh"
	bad_create "-m /" --workspace "$WS" -m "/:/mnt/root"
	bad_create "-m \$HOME" --workspace "$WS" -m "$HOME:/mnt/home"
	bad_create "-m /var/run/docker.sock" --workspace "$WS" -m /var/run/docker.sock:/var/run/docker.sock
	bad_create "-m /run/podman/podman.sock" --workspace "$WS" -m /run/podman/podman.sock:/run/podman.sock
	bad_create "-p 0:80" --workspace "$WS" -p 0:80
	bad_create "-p 70000:80" --workspace "$WS" -p 70000:80
	bad_create "-p 8080:0" --workspace "$WS" -p 8080:0
	bad_create "-p junk" --workspace "$WS" -p junk
	bad_create "-p 8080:80/icmp" --workspace "$WS" -p 8080:80/icmp
	bad_create "--workspace \$HOME" --workspace "$HOME"
	bad_create "--workspace /" --workspace /
	bad_create "--workspace /usr" --workspace /usr
	bad_create "--workspace /etc" --workspace /etc
	bad_create "--network bogus" --workspace "$WS" --network bogus
	jcreate "$JT-force" -m "$HOME/.ssh:/mnt/ssh:ro" --force-mount
	ok $ST "create -m ~/.ssh --force-mount exits 0" || errs
	pm rm -f -t 0 "$JT-force" >/dev/null 2>&1

	# ---- policy options on a podman jail ----
	new_ws
	jcreate "$JT-allow" --network host --block-host --allow 10.77.0.1:7002 --deny 10.77.0.2/32
	ok $ST "create --block-host --allow 10.77.0.1:7002 --deny 10.77.0.2/32 exits 0" || errs
	reaches "$JT-allow" tcp 10.77.0.1 7002 h1
	blocked "$JT-allow" tcp 10.77.1.1 7003
	blocked "$JT-allow" tcp 127.0.0.1 7001
	jx "$JT-allow" probe tcp 10.77.0.2 7101
	[ "$ST" = 1 ] && [ "$OUT" = EPERM ]
	ok $? "--deny 10.77.0.2/32: the peer gets EPERM" || diag "exit $ST: $OUT"
	reaches "$JT-allow" tcp fd77::2 7102 peer6

	jcreate "$JT-mem" --memory 256m --cpus 1
	ok $ST "create --memory 256m --cpus 1 exits 0" || errs
	out=$(pm inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}' "$JT-mem" 2>&1)
	[ "$out" = "268435456 1000000000" ]
	ok $? "--memory and --cpus reach podman" || diag "$out"
	jcreate "$JT-none" --network none --block-host
	ok $ST "create --network none --block-host exits 0" || errs
	jx "$JT-none" probe tcp 127.0.0.1 7001
	[ "$ST" = 2 ] && [ "$OUT" = ECONNREFUSED ]
	ok $? "--network none --block-host: 127.0.0.1 is the jail's own (ECONNREFUSED)" ||
		diag "exit $ST: $OUT"
fi

# ---- nothing of ours protected runs unprotected at the end ----
for c in $(pm ps --format '{{.Names}}' 2>/dev/null); do
	[ "$(pm inspect --format '{{index .Config.Labels "jail-ai.block-host"}}' "$c")" = 1 ] || continue
	protection "$c" attached
done

done_testing
