#!/bin/bash
# tests/38-proxy.t - `jail-ai run --proxy http://ADDR:PORT` against the real kernel: CMD sees
# HTTP_PROXY, HTTPS_PROXY, http_proxy, https_proxy and NO_PROXY/no_proxy; it reaches the
# proxy's address on the proxy's port and nothing else: the same address on another port,
# another peer address, the peer's IPv6 address, a host address, the host's loopback and
# port 53 of a resolver get EPERM and the listener hears nothing.  --allow-dns opens the
# resolver of /etc/resolv.conf (a test resolv.conf bind-mounted in a mount namespace of the
# test's own, naming a peer address the test listens on); a user's --allow adds to the
# proxy; a proxy on the host's loopback works for `run` (it shares the host's network).
# Every denial has a control: the same destination reached by the same probe in a `run`
# jail without --proxy.

SERVE_SECS=900
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
netns_setup

for a in 10.77.0.3 10.77.0.53; do
	ip -n "$NS_P" addr add "$a/24" dev vp || bail "cannot add $a to the peer"
done
serve "$NS_P" proxy 10.77.0.2 7401
serve "$NS_P" other 10.77.0.2 7402
serve "$NS_P" peer2 10.77.0.3 7401
serve "$NS_P" proxy6 fd77::2 7401
serve "$NS_P" dns 10.77.0.53 53
serve "$NS_H" h1 10.77.0.1 7002
serve "$NS_H" lo4 127.0.0.1 7001
HOST_LOGS="h1 lo4"
URL=http://10.77.0.2:7401
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"
short() { local s="$*"; s=${s//$PROBE/probe}; echo "${s//$NOBODY/(uid 65534)}"; }

# try WANT LOG JAIL-ARGS... -- CMD...: `jail-ai run JAIL-ARGS -- CMD` prints WANT (ok or
# EPERM); LOG hears it when ok, and nothing otherwise (nor does any host listener).
try() {
	local want=$1 log=$2 n h out st desc
	shift 2
	desc=$(short "run $*")
	n=$(arrivals "$log")
	h=$(arrivals $HOST_LOGS)
	out=$(jail run "$@" 2>"$TMP/err")
	st=$?
	if [ "$want" = ok ]; then
		expect_probe "$desc: ok" 0 ok "$st" "$out" || return
		arrived "$log" "$n"
		ok $? "$desc: $log heard it"
	else
		expect_probe "$desc: EPERM" 1 EPERM "$st" "$out" || return
		sleep 0.05
		[ "$(arrivals "$log")" = "$n" ] && [ "$(arrivals $HOST_LOGS)" = "$h" ]
		ok $? "$desc: nothing heard" ||
			diag "$log and the host listeners heard something"
	fi
}

# ---- the variables ----
want="HTTPS_PROXY=$URL
HTTP_PROXY=$URL
NO_PROXY=localhost,127.0.0.1,::1
http_proxy=$URL
https_proxy=$URL
no_proxy=localhost,127.0.0.1,::1"
for who in "" "$NOBODY"; do
	out=$(HTTP_PROXY=http://stale:1 jail run --proxy "$URL" -- $who env 2>"$TMP/err")
	st=$?
	got=$(printf '%s\n' "$out" | grep -i '^\(https\?\|no\)_proxy=' | LC_ALL=C sort)
	ok "$([ "$st" = 0 ] && [ "$got" = "$want" ]; echo $?)" \
		"$(short "run --proxy $URL -- $who env"): the six variables (a caller's HTTP_PROXY replaced)" ||
		diag "exit $st" "$got" "$(tail -n 3 "$TMP/err")"
done
out=$(jail run -- env 2>"$TMP/err")
ok "$(! printf '%s\n' "$out" | grep -qi '^\(https\?\|no\)_proxy='; echo $?)" \
	"control: run without --proxy sets none of them" || diag "$out"

# ---- controls: without --proxy, every destination below is reachable ----
for d in "proxy 10.77.0.2 7401" "other 10.77.0.2 7402" "peer2 10.77.0.3 7401" \
	"proxy6 fd77::2 7401" "h1 10.77.0.1 7002" "lo4 127.0.0.1 7001"; do
	set -- $d
	try ok "$1" -- "$PROBE" tcp "$2" "$3"
done
for mode in udp tcp; do
	try ok dns -- "$PROBE" $mode 10.77.0.53 53
done

# ---- --proxy: the proxy, and nothing else ----
for who in "" "$NOBODY"; do
	try ok proxy --proxy "$URL" -- $who "$PROBE" tcp 10.77.0.2 7401
	try ok proxy --proxy "$URL" -- $who "$PROBE" tcp ::ffff:10.77.0.2 7401
	try EPERM other --proxy "$URL" -- $who "$PROBE" tcp 10.77.0.2 7402
	try EPERM peer2 --proxy "$URL" -- $who "$PROBE" tcp 10.77.0.3 7401
	try EPERM proxy6 --proxy "$URL" -- $who "$PROBE" tcp fd77::2 7401
	try EPERM h1 --proxy "$URL" -- $who "$PROBE" tcp 10.77.0.1 7002
	try EPERM lo4 --proxy "$URL" -- $who "$PROBE" tcp 127.0.0.1 7001
	for mode in udp sendto tcp; do
		try EPERM dns --proxy "$URL" -- $who "$PROBE" $mode 10.77.0.53 53
	done
done
# the allow is an address and a port, as every allow: UDP to it passes too (README says so)
try ok proxy --proxy "$URL" -- "$PROBE" udp 10.77.0.2 7401
# https:// and a trailing / are the same proxy
try ok proxy --proxy "https://10.77.0.2:7401/" -- "$PROBE" tcp 10.77.0.2 7401
# an IPv6 proxy
try ok proxy6 --proxy "http://[fd77::2]:7401" -- "$PROBE" tcp fd77::2 7401
try EPERM proxy --proxy "http://[fd77::2]:7401" -- "$PROBE" tcp 10.77.0.2 7401
# a user's --allow adds to it; the rest stays closed
try ok peer2 --proxy "$URL" --allow 10.77.0.3:7401 -- "$PROBE" tcp 10.77.0.3 7401
try ok proxy --proxy "$URL" --allow 10.77.0.3:7401 -- "$PROBE" tcp 10.77.0.2 7401
try EPERM other --proxy "$URL" --allow 10.77.0.3:7401 -- "$PROBE" tcp 10.77.0.2 7402
# a proxy on the host's loopback: `run` shares the host's network
try ok lo4 --proxy http://127.0.0.1:7001 -- "$PROBE" tcp 127.0.0.1 7001
try EPERM h1 --proxy http://127.0.0.1:7001 -- "$PROBE" tcp 10.77.0.1 7002
try EPERM proxy --proxy http://127.0.0.1:7001 -- "$PROBE" tcp 10.77.0.2 7401

# ---- DNS: closed by --proxy, open with --allow-dns (the resolver of a test resolv.conf) ----
echo "nameserver 10.77.0.53" >"$TMP/resolv.conf"
with_resolv() {
	timeout -k 2 "$TIMEOUT" unshare -m --propagation private -- sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$TMP/resolv.conf" \
		nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" run "$@"
}
for mode in udp tcp; do
	n=$(arrivals dns)
	out=$(with_resolv --proxy "$URL" -- "$PROBE" $mode 10.77.0.53 53 2>"$TMP/err")
	expect_probe "nameserver 10.77.0.53, --proxy: $mode port 53 is EPERM" 1 EPERM $? "$out"
	sleep 0.05
	[ "$(arrivals dns)" = "$n" ]
	ok $? "nameserver 10.77.0.53, --proxy: the resolver heard nothing"
	n=$(arrivals dns)
	out=$(with_resolv --proxy "$URL" --allow-dns -- "$PROBE" $mode 10.77.0.53 53 2>"$TMP/err")
	st=$?
	[ "$st" = 0 ] && arrived dns "$n" && grep -q "allowing the resolver 10.77.0.53" "$TMP/err"
	ok $? "nameserver 10.77.0.53, --proxy --allow-dns: $mode port 53 works (and is said)" ||
		diag "exit $st: $out" "$(tail -n 3 "$TMP/err")"
	out=$(with_resolv --proxy "$URL" --allow-dns -- "$PROBE" $mode 10.77.0.53 7401 2>"$TMP/err")
	expect_probe "--proxy --allow-dns: $mode to the resolver's port 7401 is EPERM" 1 EPERM $? "$out"
	out=$(with_resolv --proxy "$URL" --allow-dns -- "$PROBE" tcp 10.77.0.2 7401 2>"$TMP/err")
	expect_probe "--proxy --allow-dns: the proxy still works" 0 ok $? "$out"
done

# ---- refusals reach nothing: CMD never runs ----
jail run --proxy http://proxy.example:7401 -- touch "$TMP/ran" 2>"$TMP/err"
st=$?
[ "$st" = 125 ] && [ ! -e "$TMP/ran" ] && grep -q "a host name is refused" "$TMP/err"
ok $? "run --proxy http://NAME:PORT exits 125 and CMD never runs" || diag "exit $st" "$(cat "$TMP/err")"

done_testing
