#!/bin/bash
# tests/25-loopback.t - loopback as the output interface (issue 8, class 1).  A packet to an
# address the address hooks allow (the peer 10.77.0.2, an unused 10.77.0.9, fd77::2, ...)
# sent with lo as its output device is delivered locally, to any host socket bound to
# 0.0.0.0 or ::.  Every way of picking lo is tried against listeners on 0.0.0.0 and :: in the
# "host" namespace: SO_BINDTODEVICE, SO_BINDTOIFINDEX, IP_UNICAST_IF, IPV6_UNICAST_IF, an
# IP_PKTINFO or IPV6_PKTINFO cmsg, and ::ffff:a.b.c.d on an AF_INET6 socket; UDP, UDP-Lite and
# TCP; as a root CMD and as uid 65534.  Each case has a control without the jail that reaches
# the listener, so the case can fail.  Then what must keep working through lo: an explicit
# --allow of a host address, the resolver exception, and the peer over its veth.
#
# The jailed cases run in one `jail-ai run` per CMD user (root, 65534), one TAP line each.
# TCP: the SYN must not reach the host's listener.  Without a jail it does and is dropped
# there (a listen drop: the SYN-ACK has no route back), so the check counts every TCP
# segment the host namespace receives (TcpInSegs), not only accepted connections.
# IPv6: the kernel itself refuses every one of these routes to a non-local address
# (ENETUNREACH, EADDRNOTAVAIL); the controls say so and the jailed cases are still checked.
# UDP-Lite to ::ffff:a.b.c.d from an AF_INET6 socket arrives nowhere here, lo or not: left out.

SERVE_SECS=900	# listeners outlive this file on a busy machine
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
LP=$PWD/tests/lo_probe
[ -x "$LP" ] || bail "tests/lo_probe is missing: run 'make tests/lo_probe'"
netns_setup

# lo_serve NAME ADDR PORT: a lo_probe listener (TCP, UDP, UDP-Lite) in the host namespace.
lo_serve() {
	local i
	: >"$TMP/$1"
	nsenter --net="/run/netns/$NS_H" -- "$LP" serve "$2" "$3" 900 >"$TMP/$1" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do
		grep -q '^ready' "$TMP/$1" && return 0
		sleep 0.05
	done
	bail "listener $1 on $2 port $3 did not start: $(cat "$TMP/$1")"
}
lo_serve any4 0.0.0.0 7300
lo_serve any6 :: 7301
serve_host "lo4 127.0.0.1 7001
dns 127.0.0.1 53"
serve "$NS_P" peer4 10.77.0.2 7101
serve "$NS_P" peer6 fd77::2 7102

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"
# heard LOG: arrivals at LOG plus every TCP segment the host namespace received (a SYN
# through lo reaches the listener and is dropped there: TcpExtListenDrops, no SYN_RECV).
tcp_in() {
	in_host awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++) if ($i == "InSegs") c = i }
		else print $c }' /proc/net/snmp
}
heard() { echo $(($(arrivals "$1") + $(tcp_in))); }
log_of() { case $1 in *:*) [ "${1#::ffff:}" = "$1" ] && echo any6 || echo any4 ;; *) echo any4 ;; esac; }
port_of() { [ "$(log_of "$1")" = any6 ] && echo 7301 || echo 7300; }

# What keeps working first, then every route.
# ---- an allow of a peer, or inside a --deny of the user's, does not open lo ----
for args in "--allow 10.77.0.2" "--deny 10.77.0.0/24 --allow 10.77.0.2"; do
	n=$(heard any4)
	out=$(jail run --block-host $args -- "$LP" send udp bindtodevice 10.77.0.2 7300 2>"$TMP/err")
	st=$?
	sleep 0.1
	[ "$st" != 0 ] && [ "$(heard any4)" = "$n" ]
	ok $? "--block-host $args: udp bindtodevice to 10.77.0.2 still does not reach the host" ||
		diag "exit $st: $out" "$(tail -n 3 "$TMP/err")"
done

# ---- what keeps working through lo ----
# allow_lo DESC WANT-LOG PORT JAIL-ARGS... -- CMD...: the jailed CMD succeeds and LOG hears it.
allow_lo() {
	local desc=$1 log=$2 n out st
	shift 2
	n=$(arrivals "$log")
	out=$(jail run --block-host "$@" 2>"$TMP/err")
	st=$?
	[ "$st" = 0 ] && arrived "$log" "$n"
	ok $? "$desc" || diag "exit $st: $out" "$(tail -n 3 "$TMP/err")"
}
for mode in tcp udp; do
	allow_lo "--allow 127.0.0.1:7001: $mode 127.0.0.1 port 7001 works (through lo)" lo4 \
		--allow 127.0.0.1:7001 -- "$PROBE" $mode 127.0.0.1 7001
	allow_lo "--allow 127.0.0.1:7001, uid 65534: $mode 127.0.0.1 port 7001 works" lo4 \
		--allow 127.0.0.1:7001 -- $NOBODY "$PROBE" $mode 127.0.0.1 7001
	allow_lo "--allow [::ffff:127.0.0.1]:7001: $mode ::ffff:127.0.0.1 port 7001 works" lo4 \
		--allow '[::ffff:127.0.0.1]:7001' -- "$PROBE" $mode ::ffff:127.0.0.1 7001
	allow_lo "peer: $mode 10.77.0.2 port 7101 works" peer4 -- "$PROBE" $mode 10.77.0.2 7101
	allow_lo "peer: $mode fd77::2 port 7102 works" peer6 -- "$PROBE" $mode fd77::2 7102
done
out=$(jail run --block-host --allow 127.0.0.1:7001 -- "$LP" send udp none 127.0.0.1 7300 \
	2>"$TMP/err")
expect_probe "--allow 127.0.0.1:7001: udp 127.0.0.1 port 7300 (another port) is EPERM" 1 EPERM \
	$? "$out"

# The resolver exception: a resolv.conf naming 127.0.0.1 (bind-mounted in a mount namespace).
echo "nameserver 127.0.0.1" >"$TMP/resolv.conf"
for mode in udp tcp; do
	n=$(arrivals dns)
	out=$(timeout -k 2 "$TIMEOUT" unshare -m --propagation private -- sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$TMP/resolv.conf" \
		nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" run --block-host -- \
		"$PROBE" $mode 127.0.0.1 53 2>"$TMP/err")
	st=$?
	[ "$st" = 0 ] && arrived dns "$n" && grep -q "allowing the resolver 127.0.0.1" "$TMP/err"
	ok $? "resolver exception (nameserver 127.0.0.1): $mode 127.0.0.1 port 53 works" ||
		diag "exit $st: $out" "$(tail -n 3 "$TMP/err")"
done

# control PROTO ROUTE ADDR PORT: without a jail, the send reaches the 0.0.0.0/:: listener
# (native IPv6: or the kernel refuses it on its own, said in the TAP line).
control() {
	local log n out st i
	log=$(log_of "$3")
	n=$(heard "$log")
	out=$(in_host "$LP" send "$1" "$2" "$3" "$4" 2>&1)
	st=$?
	if [ "$log" = any6 ] && [ "$st" = 2 ]; then
		ok 0 "control, no jail: $1 $2 to $3: the kernel refuses it on its own ($out)"
		return
	fi
	for i in $(seq 60); do [ "$(heard "$log")" -gt "$n" ] && break; sleep 0.05; done
	[ "$(heard "$log")" -gt "$n" ]
	ok $? "control, no jail: $1 $2 to $3 port $4 reaches the host's $log listener" ||
		diag "exit $st: $out; $log log:" "$(tail -n 3 "$TMP/$log")"
}

# The cases: PROTO ROUTE ADDR PORT, one a line.
V4="10.77.0.2 10.77.0.9"
V6="fd77::2 fd77::9"
MAPPED="::ffff:10.77.0.2 ::ffff:10.77.0.9"
for a in $V4 $V6 $MAPPED; do
	for r in bindtodevice bindtoifindex; do echo "tcp $r $a $(port_of $a)"; done
done >"$TMP/cases"
for proto in udp udplite; do
	for a in $V4; do
		for r in bindtodevice bindtoifindex unicast_if pktinfo; do echo "$proto $r $a 7300"; done
	done
	for a in $V6 $MAPPED; do
		for r in bindtodevice bindtoifindex unicast_if pktinfo pktinfo6; do
			[ $r = pktinfo ] && [ "${a#::ffff:}" = "$a" ] && continue
			[ $proto = udplite ] && [ "${a#::ffff:}" != "$a" ] && continue
			echo "$proto $r $a $(port_of $a)"
		done
	done
done >>"$TMP/cases"
NCASES=$(wc -l <"$TMP/cases")

# ---- controls: every case reaches the host without a jail ----
while read -r proto route addr port; do
	control "$proto" "$route" "$addr" "$port"
done <"$TMP/cases"

# ---- jailed: one run per CMD user tries every case; each fails, no listener hears any ----
cat >"$TMP/cases.sh" <<EOF
while read -r proto route addr port; do
	echo "\$proto \$route \$addr \$port \$("$LP" send "\$proto" "\$route" "\$addr" "\$port")"
done <"$TMP/cases"
EOF
for who in root nobody; do
	pre=
	[ $who = nobody ] && pre=$NOBODY
	n4=$(heard any4) n6=$(heard any6)
	TIMEOUT=$((NCASES * 3 + 20)) jail run --block-host --rw "$TMP" -- $pre sh "$TMP/cases.sh" \
		>"$TMP/jailed.$who" 2>"$TMP/err"
	sleep 0.2
	# UDP through lo is refused by the egress program with EPERM (native IPv6: the
	# kernel's own error); a TCP connect just never completes
	while read -r proto route addr port res; do
		case $proto:$(log_of "$addr") in
		tcp:*|*:any6) [ -n "$res" ] && [ "$res" != ok ] ;;
		*) [ "$res" = EPERM ] ;;
		esac
		ok $? "--block-host, $who CMD: $proto $route to $addr port $port fails ($res)"
	done <"$TMP/jailed.$who"
	[ "$(wc -l <"$TMP/jailed.$who")" = "$NCASES" ] && [ "$(heard any4)" = "$n4" ] &&
		[ "$(heard any6)" = "$n6" ]
	ok $? "--block-host, $who CMD: all $NCASES cases ran, no host listener heard any" ||
		diag "ran $(wc -l <"$TMP/jailed.$who"), heard any4 +$(($(heard any4) - n4))," \
			"any6 +$(($(heard any6) - n6))" "$(tail -n 3 "$TMP/err")"
done

# ---- a server in the jail cannot answer a host client over lo (README, Limits) ----
for bh in "" --block-host; do
	: >"$TMP/jsrv"
	jail run $bh -- "$LP" serve 127.0.0.1 7350 6 >"$TMP/jsrv" 2>&1 &
	for i in $(seq 100); do grep -q '^ready' "$TMP/jsrv" && break; sleep 0.05; done
	out=$(in_host "$PROBE" tcp 127.0.0.1 7350 2>&1)
	st=$?
	sleep 0.2
	if [ -z "$bh" ]; then
		[ "$st" = 0 ] && grep -q '^tcp' "$TMP/jsrv"
		ok $? "control, run without --block-host: a host client reaches the jail's server" ||
			diag "exit $st: $out" "$(cat "$TMP/jsrv")"
	else
		[ "$st" != 0 ] && ! grep -q '^tcp' "$TMP/jsrv"
		ok $? "run --block-host: the jail's server on 127.0.0.1 cannot answer a host client" ||
			diag "exit $st: $out" "$(cat "$TMP/jsrv")"
	fi
	wait $!
done

done_testing
