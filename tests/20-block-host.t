#!/bin/bash
# tests/20-block-host.t - `jail-ai run --block-host` keeps every host address out of reach
# and leaves other destinations alone.
#
# The "host" is a network namespace made here (veth to a "peer" namespace); jail-ai runs
# inside it, so its host addresses are the namespace's.  Every blocked case first runs the
# same probe without a jail and checks a listener received it (the case can fail), then
# runs it jailed and checks for EPERM and that the listener received nothing.

SERVE_SECS=900	# listeners outlive this file on a busy machine
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
netns_setup

# listeners in the host namespace: name addr port
HOST_LISTENERS="lo4 127.0.0.1 7001
h1 10.77.0.1 7002
h2 10.77.1.1 7003
lo6 ::1 7004
h6 fd77::1 7005
ll $LL_HOST 7006
any4 0.0.0.0 7007
any6 :: 7008
h1b 10.77.0.1 7009"
serve_host "$HOST_LISTENERS"
serve "$NS_P" peer4 10.77.0.2 7101
serve "$NS_P" peer6 fd77::2 7102
jail_cgroups() { find "$CG2/jail-ai" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort; }
CG_BEFORE=$(jail_cgroups)


# blocked MODE ADDR PORT LOG: control without a jail reaches LOG; jailed gets EPERM, LOG
# receives nothing.
blocked() {
	local mode=$1 addr=$2 port=$3 log=$4 n out st
	n=$(arrivals "$log")
	out=$(in_host "$PROBE" "$mode" "$addr" "$port" 2>&1)
	st=$?
	[ "$st" = 0 ] && arrived "$log" "$n"
	ok $? "control, no jail: $mode $addr port $port reaches the $log listener" ||
		diag "probe: exit $st: $out; listener log:" "$(cat "$TMP/$log")"

	n=$(arrivals $HOST_LOGS)
	out=$(jail run --block-host -- "$PROBE" "$mode" "$addr" "$port" 2>"$TMP/err")
	expect_probe "--block-host: $mode $addr port $port is refused with EPERM" 1 EPERM $? "$out"
	sleep 0.05
	[ "$(arrivals $HOST_LOGS)" = "$n" ]
	ok $? "--block-host: no host listener received $mode $addr port $port" ||
		diag "host listeners logged $(($(arrivals $HOST_LOGS) - n)) arrival(s)"
}

# allowed MODE ADDR PORT LOG [JAIL ARGS...]: jailed, reaches LOG.
allowed() {
	local mode=$1 addr=$2 port=$3 log=$4 n out st
	shift 4
	n=$(arrivals "$log")
	out=$(jail run --block-host "$@" -- "$PROBE" "$mode" "$addr" "$port" 2>"$TMP/err")
	st=$?
	expect_probe "--block-host${*:+ $*}: $mode $addr port $port is allowed" 0 ok $st "$out"
	[ "$st" = 0 ] || return
	arrived "$log" "$n"
	ok $? "--block-host${*:+ $*}: the $log listener received $mode $addr port $port"
}

# ---- controls: the jail without --block-host reaches the host ----
for dst in "127.0.0.1 7001 lo4" "10.77.0.1 7002 h1" "fd77::1 7005 h6"; do
	set -- $dst
	n=$(arrivals "$3")
	out=$(jail run -- "$PROBE" tcp "$1" "$2" 2>"$TMP/err")
	st=$?
	expect_probe "control, jail without --block-host: tcp $1 port $2 connects" 0 ok $st "$out"
	[ "$st" = 0 ] && arrived "$3" "$n"
	ok $? "control, jail without --block-host: the $3 listener received tcp $1"
done

# ---- blocked: every host address, every way of sending ----
for mode in tcp udp sendto sendmmsg; do
	blocked $mode 127.0.0.1 7001 lo4
	blocked $mode 127.1.2.3 7007 any4
	blocked $mode 0.0.0.0 7007 any4
	blocked $mode :: 7008 any6
	blocked $mode ::1 7004 lo6
	blocked $mode ::ffff:127.0.0.1 7001 lo4
	blocked $mode ::ffff:10.77.0.1 7002 h1
	blocked $mode 10.77.0.1 7002 h1
	blocked $mode 10.77.1.1 7003 h2
	blocked $mode fd77::1 7005 h6
	blocked $mode "$LL_HOST" 7006 ll
done
blocked sendto 10.77.0.255 7007 any4
for mode in tfo mptcp; do
	blocked $mode 127.0.0.1 7001 lo4
	blocked $mode 10.77.0.1 7002 h1
	blocked $mode ::1 7004 lo6
done

# ---- sockets the address hooks never see ----
for kind in raw4 raw6 ping4 ping6 sctp4; do
	ctl=$(in_host "$PROBE" socket $kind 2>&1)
	out=$(jail run --block-host -- "$PROBE" socket $kind 2>"$TMP/err")
	st=$?
	if [ "$ctl" = ok ]; then
		expect_probe "--block-host: socket $kind is refused with EPERM" 1 EPERM $st "$out"
	else
		# e.g. no SCTP in this kernel: the jail cannot make it work either
		[ "$st" != 0 ]
		ok $? "--block-host: socket $kind fails (without a jail: $ctl)" ||
			diag "socket $kind succeeded in the jail: $out"
	fi
done
for kind in udp4 tcp6; do
	out=$(jail run --block-host -- "$PROBE" socket $kind 2>"$TMP/err")
	expect_probe "--block-host: socket $kind still works" 0 ok $? "$out"
done

# ---- options that re-route past the judged address (segment routing, IPv4 options) ----
for kind in rthdr ipopt; do
	out=$(in_host "$PROBE" sockopt $kind 2>&1)
	expect_probe "control, no jail: setsockopt $kind works" 0 ok $? "$out"
	out=$(jail run --block-host -- "$PROBE" sockopt $kind 2>"$TMP/err")
	expect_probe "--block-host: setsockopt $kind is refused with EPERM" 1 EPERM $? "$out"
done

# ---- allowed: other destinations ----
for mode in tcp udp sendto; do
	allowed $mode 10.77.0.2 7101 peer4
	allowed $mode fd77::2 7102 peer6
done

# ---- --allow rules ----
allowed tcp 10.77.0.1 7002 h1 --allow 10.77.0.1:7002
for dst in "10.77.0.1 7009" "10.77.1.1 7002" "127.0.0.1 7001"; do
	set -- $dst
	out=$(jail run --block-host --allow 10.77.0.1:7002 -- "$PROBE" tcp "$1" "$2" 2>"$TMP/err")
	expect_probe "--allow 10.77.0.1:7002: tcp $1 port $2 still EPERM" 1 EPERM $? "$out"
done
# (a whole fixed range needs --force: tests/32-input.t)
allowed tcp 127.0.0.1 7001 lo4 --allow 127.0.0.0/8 --force
allowed udp 127.0.0.1 7001 lo4 --allow 127.0.0.0/8 --force
for dst in "::1 7004" "10.77.0.1 7002"; do
	set -- $dst
	out=$(jail run --block-host --allow 127.0.0.0/8 --force -- "$PROBE" tcp "$1" "$2" 2>"$TMP/err")
	expect_probe "--allow 127.0.0.0/8: tcp $1 port $2 still EPERM" 1 EPERM $? "$out"
done

# ---- connected UDP with IP-level ancillary data (no address: the hook sees 0.0.0.0/::) ----
LP=$PWD/tests/lo_probe
[ -x "$LP" ] || bail "tests/lo_probe is missing: run 'make tests/lo_probe'"
# listeners of its own (lib.sh's live 120 s; this file runs longer on a busy machine)
serve "$NS_P" cpeer4 10.77.0.2 7111
serve "$NS_P" cpeer6 fd77::2 7112
serve "$NS_H" ch1 10.77.0.1 7012
serve "$NS_H" ch1b 10.77.0.1 7019
serve "$NS_H" ch6 fd77::1 7015
# cmsg_case DESC WANT-EXIT WANT-LINE LOG JAIL-ARGS... -- lo_probe ARGS...: the jailed lo_probe
# exits WANT-EXIT; LOG hears it when WANT-EXIT is 0 and stays silent otherwise.
cmsg_case() {
	local desc=$1 want=$2 line=$3 log=$4 n out st
	shift 4
	n=$(arrivals "$log")
	out=$(jail run --block-host "$@" 2>"$TMP/err")
	st=$?
	expect_probe "$desc" "$want" "$line" "$st" "$out" || return
	if [ "$want" = 0 ]; then arrived "$log" "$n"; else sleep 0.05; [ "$(arrivals "$log")" = "$n" ]; fi
	ok $? "$desc: the $log listener $([ "$want" = 0 ] && echo heard it || echo heard nothing)"
}
for kind in tos ttl pktinfo tclass hoplimit tos+gso pktinfo+gso tclass+gso hoplimit+gso; do
	for dst in "10.77.0.2 7111 cpeer4" "::ffff:10.77.0.2 7111 cpeer4" "fd77::2 7112 cpeer6"; do
		set -- $dst
		cmsg_case "connected udp $1 port $2, cmsg $kind, no address: allowed" 0 ok "$3" \
			-- "$LP" cmsg $kind "$1" "$2"
	done
done
for dst in "10.77.0.2 7111 10.77.0.1 7012 ch1" "::ffff:10.77.0.2 7111 ::ffff:10.77.0.1 7012 ch1" \
	"fd77::2 7112 fd77::1 7015 ch6"; do
	set -- $dst
	n=$(arrivals "$5")
	out=$(in_host "$LP" cmsg tos "$1" "$2" "$3" "$4" 2>&1)
	st=$?
	[ "$st" = 0 ] && arrived "$5" "$n"
	ok $? "control, no jail: connected udp, cmsg tos, sendmsg to $3 port $4 reaches $5" ||
		diag "exit $st: $out"
	for kind in tos tclass+gso; do
		cmsg_case "connected udp, cmsg $kind, sendmsg to host $3 port $4: EPERM" 1 EPERM "$5" \
			-- "$LP" cmsg $kind "$1" "$2" "$3" "$4"
	done
done
# the connected peer is judged with its port: --allow 10.77.0.1:7012 opens 7012, not 7019
cmsg_case "--allow 10.77.0.1:7012: connected udp 10.77.0.1 port 7012, cmsg tos: allowed" \
	0 ok ch1 --allow 10.77.0.1:7012 -- "$LP" cmsg tos 10.77.0.1 7012
cmsg_case "--allow 10.77.0.1:7012: ... cmsg tos, sendmsg to 10.77.0.1 port 7019: EPERM" \
	1 EPERM ch1b --allow 10.77.0.1:7012 -- "$LP" cmsg tos 10.77.0.1 7012 10.77.0.1 7019
cmsg_case "--allow 10.77.0.1:7012: connected udp 10.77.0.1 port 7019: EPERM" \
	1 EPERM ch1b --allow 10.77.0.1:7012 -- "$LP" cmsg tos 10.77.0.1 7019

# ---- exit status and failures ----
jail run --block-host -- sh -c 'exit 7' 2>"$TMP/err"
st=$?
[ "$st" = 7 ]
ok $? "run --block-host returns CMD's exit status (7)" || diag "got $st" "$(cat "$TMP/err")"

jail run -- /nonexistent/jail-ai-test-cmd 2>"$TMP/err"
st=$?
[ "$st" = 127 ]
ok $? "run with a CMD that does not exist exits 127" || diag "got $st" "$(cat "$TMP/err")"

jail run --block-host --allow 300.1.1.1 -- touch "$TMP/ran" 2>"$TMP/err"
st=$?
[ "$st" != 0 ] && [ ! -e "$TMP/ran" ]
ok $? "run --block-host --allow 300.1.1.1 fails and CMD never runs" ||
	diag "exit $st, CMD ran: $([ -e "$TMP/ran" ] && echo yes || echo no)" "$(cat "$TMP/err")"

# ---- nothing left behind ----
left=$(comm -13 <(echo "$CG_BEFORE") <(jail_cgroups))
[ -z "$left" ]
ok $? "no jail cgroup left under $CG2/jail-ai" || diag "left: $left"

done_testing
