#!/bin/bash
# tests/52-podman-netns.t - --block-host in a podman jail with a network namespace of its own
# (issue 9, item 3): loopback, 0.0.0.0/8, :: and ::1 are the jail's own there, so a server on
# 127.0.0.1 or ::1 inside the jail is reachable from inside, while the host stays refused: its
# interface addresses, the bridge's gateway, slirp4netns' 10.0.2.2 and 10.0.2.3 (but 10.0.2.3
# port 53), metadata.  A jail on the host's network (--network host) still has loopback
# blocked and gets the loopback egress program; a private one does not.
#
# Rootful podman in the test's "host" namespace (lib.sh), its own storage (podman-env.sh).

SERVE_SECS=1800	# listeners outlive this file on a busy machine
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
export HOME=$TMP/home
mkdir -p "$HOME"
podman_private_setup
serve_host "lo4 127.0.0.1 7001
h1 10.77.0.1 7002
lo6 ::1 7004
any4 0.0.0.0 7007"
podman_image || bail "no test image"
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
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
# The jail's command: servers on its own 127.0.0.1, ::1 and 0.0.0.0, logs in the workspace.
SERVERS='probe serve 127.0.0.1 7400 600 >/workspace/lo4.log 2>&1 &
probe serve ::1 7401 600 >/workspace/lo6.log 2>&1 &
probe serve 0.0.0.0 7402 600 >/workspace/any.log 2>&1 & '$LOOP
# inside NAME MODE ADDR PORT LOG: exec probe in NAME reaches the jail's own server LOG
# (a file in the workspace $WS).
inside() {
	local n
	n=$(grep -c -e '^tcp' -e '^udp' "$WS/$5")
	jx "$1" probe "$2" "$3" "$4"
	[ "$ST" = 0 ] && for i in $(seq 20); do
		[ "$(grep -c -e '^tcp' -e '^udp' "$WS/$5")" -gt "$n" ] && break
		sleep 0.05
	done
	[ "$ST" = 0 ] && [ "$(grep -c -e '^tcp' -e '^udp' "$WS/$5")" -gt "$n" ]
	ok $? "$1: exec probe $2 $3 port $4 reaches the jail's own server ($5)" ||
		diag "exit $ST, output '$OUT'" "$(tail -n 3 "$TMP/err")" "$(cat "$WS/$5")"
}
wait_ready() {
	local i
	for i in $(seq 100); do grep -q '^ready' "$WS/$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# ---- control: without --block-host, the jail's own servers and the host both work ----
new_ws
jcreate "$JT-open" -- sh -c "$SERVERS"
ok $ST "create $JT-open (default network, no --block-host) exits 0" || { errs; done_testing; }
wait_ready lo4.log && wait_ready lo6.log && wait_ready any.log
ok $? "$JT-open: its servers on 127.0.0.1, ::1 and 0.0.0.0 are up" ||
	diag "$(cat "$WS"/*.log)"
inside "$JT-open" tcp 127.0.0.1 7400 lo4.log
GW=$(pm inspect --format '{{.NetworkSettings.Gateway}}' "$JT-open")
reaches "$JT-open" tcp "$GW" 7007 any4
reaches "$JT-open" tcp 10.77.0.1 7002 h1

# ---- its own network, --block-host: its loopback works, the host is refused ----
new_ws
BH=$JT-bh
jcreate "$BH" --block-host -- sh -c "$SERVERS"
ok $ST "create $BH --block-host (default network) exits 0" || { errs; done_testing; }
wait_ready lo4.log && wait_ready lo6.log && wait_ready any.log
ok $? "$BH: its servers on 127.0.0.1, ::1 and 0.0.0.0 are up" || diag "$(cat "$WS"/*.log)"
protection "$BH" attached
out=$(jp status "$BH" 2>&1)
grep -q "programs per hook: 1 1 1 1 1 1 0 0 0 0 0;" <<<"$out"
ok $? "$BH: six programs, no loopback egress program (its lo is its own), no --allow-domain ones" || diag "$out"
for mode in tcp udp sendto; do
	inside "$BH" $mode 127.0.0.1 7400 lo4.log
	inside "$BH" $mode ::1 7401 lo6.log
	inside "$BH" $mode ::ffff:127.0.0.1 7400 lo4.log
	inside "$BH" $mode 127.0.0.1 7402 any.log
done
IP=$(pm inspect --format '{{.NetworkSettings.IPAddress}}' "$BH")
[ -n "$IP" ] && inside "$BH" tcp "$IP" 7402 any.log
for mode in tcp udp; do
	for dst in "10.77.0.1 7002" "$GW 7007" "::ffff:$GW 7007"; do
		blocked "$BH" $mode $dst
	done
	# slirp4netns' host and DNS forwarder (nothing listens there on a bridge; EPERM first)
	for dst in "10.0.2.2 7007" "10.0.2.3 7007" "169.254.169.254 80"; do
		set -- $dst
		jx "$BH" probe $mode "$1" "$2"
		[ "$ST" = 1 ] && [ "$OUT" = EPERM ]
		ok $? "$BH: $mode $1 port $2 is refused with EPERM" || diag "exit $ST: $OUT"
	done
done
jx "$BH" probe udp 10.0.2.3 53
[ "$OUT" != EPERM ]
ok $? "$BH: udp 10.0.2.3 port 53 (slirp4netns' DNS) is not refused" || diag "exit $ST: $OUT"

# ---- the host's network: loopback is the host's, and the egress program is there ----
new_ws
BHN=$JT-bhn
jcreate "$BHN" --network host --block-host -- sh -c "$LOOP"
ok $ST "create $BHN --network host --block-host exits 0" || errs
out=$(jp status "$BHN" 2>&1)
grep -q "programs per hook: 1 1 1 1 1 1 0 0 0 0 1;" <<<"$out"
ok $? "$BHN: seven programs, the loopback egress program (the last slot) included" || diag "$out"
for dst in "127.0.0.1 7001" "::1 7004" "::ffff:127.0.0.1 7001" "10.77.0.1 7002"; do
	blocked "$BHN" tcp $dst
done

done_testing
