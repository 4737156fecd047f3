#!/bin/bash
# tests/24-adversary.t - an attacker inside `jail-ai run --block-host`, as root and as a
# normal user, tries every route to the host it can think of: every socket family and
# type, io_uring opcodes that take an address or make a socket, options and cmsgs that
# choose the output device, the source or the route, the ia32 and x32 syscall ABIs,
# nested namespaces and cgroup moves, terminal injection, inherited and passed
# descriptors, signals and ptrace toward processes outside.
#
# Every attack first runs without a jail and must reach a listener in the test's "host"
# namespace (so the case can fail), unless the kernel here stops it on its own: then the
# test says how and checks the jailed run all the same, since kernels change.  Jailed, no
# host listener may receive anything; the TAP line shows what happened instead.

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
ADV=$PWD/tests/adversary
[ -x "$ADV" ] || bail "tests/adversary is missing: run 'make tests/adversary'"
for t in unshare script setcap; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
netns_setup

# A uid nobody else uses here: `kill -9 -1` from it can only touch this test's processes.
AUID=$((61000 + $$ % 4000))
AS_USER="setpriv --reuid=$AUID --regid=$AUID --clear-groups"

# adv_serve NS NAME ARGS...: an adversary listener (udplite, netlink, scm) logging to NAME.
adv_serve() {
	local ns=$1 name=$2 i
	shift 2
	: >"$TMP/$name"
	nsenter --net="/run/netns/$ns" -- "$ADV" "$@" >"$TMP/$name" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do
		grep -q '^ready' "$TMP/$name" && return 0
		sleep 0.05
	done
	bail "listener $name ($*) did not start: $(cat "$TMP/$name")"
}

# Host listeners bound to the wildcard (TCP, UDP and UDP-Lite each): whatever address a
# packet was sent to, if it is delivered on this host, one of them logs it with its tag.
adv_serve "$NS_H" h4 serve 0.0.0.0 7201 900
adv_serve "$NS_H" h6 serve :: 7202 900
adv_serve "$NS_P" p4 serve 10.77.0.2 7301 900
adv_serve "$NS_P" p6 serve fd77::2 7302 900
HOST_LOGS="h4 h6"

host_total() { arrivals $HOST_LOGS; }
# reached BEFORE: some host listener logged something since host_total was BEFORE.
reached() {
	local i
	for i in $(seq 6); do
		[ "$(host_total)" -gt "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
oneline() { printf '%s' "$*" | tr '\n' ' ' | sed 's/ *$//; s/  */ /g'; }
who_pfx() { [ "$1" = user ] && echo "$AS_USER"; }
# tagged TAG LOG...: how many arrivals those listeners logged with payload TAG.
tagged() {
	local f n=0
	for f in "${@:2}"; do n=$((n + $(grep -c " $1\$" "$TMP/$f"))); done
	echo "$n"
}

# control DESC CMD...: CMD without a jail, as root in the host namespace, must reach a
# host listener (or the jailed case cannot fail).
control() {
	local desc=$1 n out st
	shift
	n=$(host_total)
	out=$(timeout 10 nsenter --net="/run/netns/$NS_H" -- "$@" 2>&1)
	st=$?
	reached "$n"
	ok $? "control, no jail: $desc reaches the host ($(oneline "$out"))" ||
		diag "exit $st: $out"
}

# jailed WHO DESC CMD...: CMD in the jail as root or the test user: no host listener
# receives anything.
jailed() {
	local who=$1 desc=$2 n out st
	shift 2
	n=$(host_total)
	out=$(jail run --block-host -- $(who_pfx "$who") "$@" 2>"$TMP/err")
	st=$?
	! reached "$n"
	ok $? "$who in the jail: $desc: nothing reaches the host ($(oneline "$out"))" ||
		diag "exit $st; the host listeners logged $(($(host_total) - n)) arrival(s)" \
			"jail-ai stderr: $(tail -n 3 "$TMP/err")"
}

# io_uring can be switched off (kernel.io_uring_disabled): its cases then show the kernel
# refusing it, and are checked all the same.
if [ "$(in_host "$ADV" uring socket 2>&1)" = ok ]; then UR=reach URW=works
else UR=kernel URW=refuses; fi
# ia32 emulation can be off (a boot option, or confidential and some paravirtual guests):
# int $0x80 then faults.  The ia32 cases must be refused either way.
if [ "$(in_host "$ADV" ia32 getpid 2>&1)" = ok ]; then IA32=reach IA32R=works
else IA32=kernel IA32R=kernel; fi

# ---- the attack table: KIND|DESCRIPTION|ADVERSARY ARGS ----
# reach    without the jail it reaches a host listener (so the case can fail);
# kernel   the kernel here stops it on its own (the control line says how), checked anyway;
# works    moves no bytes itself (a socket, an option): works without the jail, fails in it;
# refuses  same, but the kernel here refuses it even without the jail;
# allow4/6 to the allowed peer: works in the jail and arrives (no false positive).
# In the jail, as root and as the test user, no host listener may log the case's tag.
CASES="$UR|io_uring IORING_OP_CONNECT to 127.0.0.1|uring connect 127.0.0.1 7201
$UR|io_uring IORING_OP_SENDMSG to 127.0.0.1|uring sendmsg 127.0.0.1 7201
$UR|io_uring IORING_OP_SEND with an address, to 127.0.0.1|uring send 127.0.0.1 7201
$UR|io_uring IORING_OP_SEND_ZC with an address, to 127.0.0.1|uring sendzc 127.0.0.1 7201
$UR|io_uring IORING_OP_SENDMSG_ZC to 127.0.0.1|uring sendmsgzc 127.0.0.1 7201
$UR|io_uring IORING_OP_SENDMSG to ::ffff:127.0.0.1|uring sendmsg ::ffff:127.0.0.1 7201
$UR|io_uring IORING_OP_SEND to ::1|uring send ::1 7202
$UR|io_uring IORING_OP_CONNECT to 10.77.0.1|uring connect 10.77.0.1 7201
$URW|io_uring IORING_OP_SOCKET AF_INET/ICMP (a ping socket: no address hook)|uring socket
$URW|io_uring SOCKET_URING_OP_SETSOCKOPT IPV6_RTHDR|uring rthdr
allow4|io_uring IORING_OP_SENDMSG to the peer 10.77.0.2|uring sendmsg 10.77.0.2 7301
allow6|io_uring IORING_OP_CONNECT to the peer fd77::2|uring connect fd77::2 7302
reach|SO_BINDTODEVICE lo, udp to the peer 10.77.0.2|send udp 10.77.0.2 7201 dev=lo
reach|SO_BINDTODEVICE lo, udp to unused 10.77.0.3|send udp 10.77.0.3 7201 dev=lo
reach|SO_BINDTODEVICE lo, connected udp to 10.77.0.2|send udpc 10.77.0.2 7201 dev=lo
reach|SO_BINDTOIFINDEX 1, udp to 10.77.0.2|send udp 10.77.0.2 7201 ifindex=1
reach|IP_UNICAST_IF lo, udp to 10.77.0.2|send udp 10.77.0.2 7201 ucif=1
reach|IP_PKTINFO cmsg with ifindex lo, udp to 10.77.0.2|send msg 10.77.0.2 7201 pktinfo=1
reach|AF_INET6 socket bound to lo, udp to ::ffff:10.77.0.2|send udp ::ffff:10.77.0.2 7201 dev=lo
reach|SO_BINDTODEVICE lo, UDP-Lite to 10.77.0.2|send udplite 10.77.0.2 7201 dev=lo
kernel|SO_BINDTODEVICE lo, tcp to 10.77.0.2 (a SYN only)|send tcp 10.77.0.2 7201 dev=lo
kernel|SO_BINDTODEVICE lo, udp to fd77::2|send udp fd77::2 7202 dev=lo
kernel|IPV6_UNICAST_IF lo, udp to fd77::2|send udp fd77::2 7202 ucif=1
kernel|IPV6_PKTINFO cmsg with ifindex lo, udp to fd77::2|send msg fd77::2 7202 pktinfo=1
reach|IP_PKTINFO cmsg with ifindex lo, udp to 127.0.0.1|send msg 127.0.0.1 7201 pktinfo=1
reach|SO_BROADCAST, udp to 10.77.0.255|send udp 10.77.0.255 7201 bcast
reach|SO_BROADCAST on vh, udp to 255.255.255.255|send udp 255.255.255.255 7201 bcast dev=vh
reach|IP_MULTICAST_IF vh, udp to 224.0.0.1|send udp 224.0.0.1 7201 mcif=vh
reach|IPV6_MULTICAST_IF vh, udp to ff02::1|send udp ff02::1%vh 7202 mcif=vh
kernel|IP_FREEBIND from 10.77.0.9 (not this host's), udp to 10.77.0.1|send udp 10.77.0.1 7201 freebind bind=10.77.0.9
reach|IP_TRANSPARENT, udp to 127.0.0.1|send udp 127.0.0.1 7201 transparent
reach|SO_MARK 1, udp to 127.0.0.1|send udp 127.0.0.1 7201 mark=1
kernel|IP_RETOPTS cmsg LSRR via 127.0.0.1 to 10.77.0.2 (accept_source_route=1)|send msg 10.77.0.2 7201 lsrr=127.0.0.1
kernel|IP_RETOPTS cmsg LSRR via 10.77.0.1 to 10.77.0.2 (accept_source_route=1)|send msg 10.77.0.2 7201 lsrr=10.77.0.1
kernel|IPV6_RTHDR cmsg (SRH, segment ::1) to fd77::2|rthdr-cmsg fd77::2 7202
refuses|IPV6_2292PKTOPTIONS carrying an IPV6_RTHDR|pktoptions
reach|TCP_FASTOPEN_CONNECT, tcp to 127.0.0.1|send tcp 127.0.0.1 7201 tfoconnect
reach|MSG_FASTOPEN sendto 127.0.0.1|send tfo 127.0.0.1 7201
reach|MPTCP to 127.0.0.1|send mptcp 127.0.0.1 7201
reach|MPTCP to ::ffff:10.77.0.1|send mptcp ::ffff:10.77.0.1 7201
reach|UDP-Lite to 127.0.0.1|send udplite 127.0.0.1 7201
reach|UDP-Lite to ::ffff:127.0.0.1|send udplite ::ffff:127.0.0.1 7201
reach|udp to 0.0.0.0|send udp 0.0.0.0 7201
reach|udp to ::|send udp :: 7202
reach|udp to ::ffff:0.0.0.0|send udp ::ffff:0.0.0.0 7201
reach|tcp to ::ffff:127.0.0.1|send tcp ::ffff:127.0.0.1 7201
kernel|udp to ::127.0.0.1 (IPv4-compatible)|send udp ::127.0.0.1 7201
kernel|udp to ::ffff:0:127.0.0.1 (IPv4-translated)|send udp ::ffff:0:127.0.0.1 7201
reach|udp to fd77:: (subnet-router anycast, forwarding on)|send udp fd77:: 7202
reach|udp to fe80::%vh (subnet-router anycast, forwarding on)|send udp fe80::%vh 7202
works|TCP_REPAIR (connect without a handshake)|send tcp 127.0.0.1 7201 repair
allow4|connected udp with an IP_PKTINFO cmsg, to 10.77.0.2|send udpc 10.77.0.2 7301 pktinfo=0
allow6|connected udp with an IPV6_PKTINFO cmsg, to fd77::2|send udpc fd77::2 7302 pktinfo=0
allow4|SO_BINDTODEVICE vh, udp to 10.77.0.2|send udp 10.77.0.2 7301 dev=vh
$IA32R|ia32 getpid (no syscall through an ABI the programs do not see)|ia32 getpid
$IA32|ia32 connect to 127.0.0.1|ia32 connect 127.0.0.1 7201
$IA32|ia32 sendto 127.0.0.1|ia32 sendto 127.0.0.1 7201
$IA32R|ia32 setsockopt IPV6_RTHDR|ia32 rthdr
$IA32R|a ring from ia32 io_uring_setup: SOCKET_URING_OP_SETSOCKOPT IPV6_RTHDR|ia32 uring-rthdr
$IA32R|ia32 socket AF_INET/ICMP|ia32 ping
refuses|x32 getpid|x32 getpid"

# Source routing: let the host accept it, so that only the jail can stop it.  IPv6
# forwarding gives the host subnet-router anycast addresses.
in_host sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.accept_source_route=1 \
	net.ipv4.conf.lo.accept_source_route=1 net.ipv4.conf.vh.accept_source_route=1 ||
	bail "accept_source_route in $NS_H"

# All cases in one process tree per run: "== N STATUS OUTPUT" per case.
BATCH='while read -r n args; do
	out=$(ADV_TAG=c$n-$0 "$1" $args 2>&1); st=$?
	echo "== $n $st $(echo $out)"
done'
awk -F'|' '{ print NR, $3 }' <<<"$CASES" >"$TMP/cases"
in_host sh -c "$BATCH" ctl "$ADV" <"$TMP/cases" >"$TMP/b-ctl" 2>&1
timeout 600 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" run --block-host -- \
	sh -c "$BATCH" root "$ADV" <"$TMP/cases" >"$TMP/b-root" 2>"$TMP/err-root"
timeout 600 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" run --block-host -- \
	$AS_USER sh -c "$BATCH" user "$ADV" <"$TMP/cases" >"$TMP/b-user" 2>"$TMP/err-user"
sleep 0.5
ncases=$(wc -l <"$TMP/cases")
for who in ctl root user; do
	[ "$(grep -c '^== ' "$TMP/b-$who")" = "$ncases" ]
	ok $? "$who: all $ncases cases of the attack table ran" ||
		diag "$(tail -n 3 "$TMP/b-$who")" "$(tail -n 3 "$TMP/err-$who" 2>/dev/null)"
done

# Results and arrivals read once (no process per case: this machine may be loaded).
declare -A RES HOSTTAG PEERTAG
for who in ctl root user; do
	while read -r eq n rest; do
		[ "$eq" = "==" ] && [ -n "$n" ] && RES[$who.$n]=$rest
	done <"$TMP/b-$who"
done
while read -r proto t; do [ -n "$t" ] && HOSTTAG[$t]=$proto; done < <(cat "$TMP/h4" "$TMP/h6")
while read -r proto t; do [ -n "$t" ] && PEERTAG[$t]=$proto; done < <(cat "$TMP/p4" "$TMP/p6")
untagged=$(grep -h -e '^tcp *$' -e '^udp *$' -e '^udplite *$' "$TMP/h4" "$TMP/h6" | wc -l)
[ "$untagged" = 0 ]
ok $? "every arrival at a host listener during the attack table carries its case's tag" ||
	diag "$untagged arrival(s) without a tag: a case reached the host and cannot be told apart"

i=0
while IFS='|' read -r kind desc args; do
	i=$((i + 1))
	r=${RES[ctl.$i]}
	case $kind in
	reach|kernel)
		if [ -n "${HOSTTAG[c$i-ctl]}" ]; then
			ok 0 "control, no jail: $desc reaches the host (${r#* })"
		else
			[ "$kind" = kernel ]
			ok $? "control, no jail: $desc: the kernel here stops it on its own (${r#* })" ||
				diag "status ${r%% *}; it must reach the host without the jail, or the jailed case cannot fail"
		fi
		for who in root user; do
			r=${RES[$who.$i]}
			[ -n "$r" ] && [ -z "${HOSTTAG[c$i-$who]}" ]
			ok $? "$who in the jail: $desc: nothing reaches the host (${r#* })" ||
				diag "status ${r%% *}; a host listener logged ${HOSTTAG[c$i-$who]:-nothing} c$i-$who"
		done
		;;
	works|refuses)
		if [ "${r%% *}" = 0 ]; then
			ok 0 "control, no jail: $desc works (${r#* })"
		else
			[ "$kind" = refuses ]
			ok $? "control, no jail: $desc: the kernel here refuses it on its own (${r#* })" ||
				diag "status ${r%% *}; it must work without the jail, or the jailed case cannot fail"
		fi
		for who in root user; do
			r=${RES[$who.$i]}
			[ -n "$r" ] && [ "${r%% *}" != 0 ]
			ok $? "$who in the jail: $desc fails (${r#* })"
		done
		;;
	allow4|allow6)
		for who in root user; do
			r=${RES[$who.$i]}
			[ "${r%% *}" = 0 ] && [ -n "${PEERTAG[c$i-$who]}" ]
			ok $? "$who in the jail: $desc works and reaches the peer (${r#* })"
		done
		;;
	esac
done <<<"$CASES"
for kind in rthdr ipopt; do
	out=$(jail run --block-host -- "$PROBE" sockopt $kind 2>"$TMP/err")
	expect_probe "root in the jail: setsockopt $kind is refused with EPERM" 1 EPERM $? "$out"
done
out=$(jail run --block-host -- $AS_USER "$ADV" x32 getpid 2>"$TMP/err")
[ "$out" = "signal 31" ]
ok $? "user in the jail: an x32 getpid is killed by run's filter (SIGSYS), x32 on or off" ||
	diag "$out"

# ---- MPTCP: an allowed peer announces a host address (ADD_ADDR) ----
# The in-kernel path manager then opens a subflow there on its own: a SYN with MP_JOIN
# toward the host (a plain TCP listener answers it, the client resets it).
mpjoins() { in_host nstat -asz MPTcpExtMPJoinSynTx | awk '$1 == "MPTcpExtMPJoinSynTx" { print $2 }'; }
ip -n "$NS_P" addr add 10.77.1.1/32 dev lo &&
	ip -n "$NS_P" mptcp endpoint add 10.77.1.1 dev lo signal &&
	ip -n "$NS_H" mptcp limits set add_addr_accepted 1 subflows 2 ||
	bail "MPTCP endpoint and limits in the test namespaces"
adv_serve "$NS_P" mp mpserve 10.77.0.2 7201 900
j=$(mpjoins)
out=$(in_host "$ADV" send mptcp 10.77.0.2 7201 hold=1500 2>&1)
[ "$(mpjoins)" -gt "${j:-0}" ]
ok $? "control, no jail: MPTCP to the peer; its ADD_ADDR 10.77.1.1 (the host's) makes the path manager send an MP_JOIN SYN there ($(oneline "$out"))" ||
	diag "MPJoinSynTx before ${j:-?}, after $(mpjoins)"
for who in root user; do
	j=$(mpjoins)
	n=$(host_total)
	out=$(jail run --block-host -- $(who_pfx $who) "$ADV" send mptcp 10.77.0.2 7201 \
		hold=1500 2>"$TMP/err")
	[ "$(mpjoins)" = "$j" ] && ! reached "$n"
	ok $? "$who in the jail: MPTCP to the peer works, and the subflow to the announced host address is refused ($(oneline "$out"); MP_JOIN SYNs sent: $(($(mpjoins) - j)))" ||
		diag "$(tail -n 3 "$TMP/err")"
done

# ---- every socket family 0..63, every type 1..10 (AF_INET/AF_INET6 by protocol) ----
# Each family the kernel offers is refused at socket(), judged by the address hooks, or
# named in README's limits.  judged: only these type/protocol pairs may be made.
FAMILIES="1 AF_UNIX limit unix sockets
2 AF_INET judged
10 AF_INET6 judged
15 AF_KEY refused
16 AF_NETLINK limit AF_NETLINK
17 AF_PACKET refused
40 AF_VSOCK limit AF_VSOCK
44 AF_XDP refused"
JUDGED="1/0 1/6 1/262 2/0 2/17 2/136"	# TCP, MPTCP, UDP, UDP-Lite

family_class() { awk -v f="$1" '$1 == f { print $3 }' <<<"$FAMILIES"; }
family_name() {
	local n
	n=$(awk -v f="$1" '$1 == f { print $2 }' <<<"$FAMILIES")
	echo "${n:-family $1}"
}

# check_families LABEL CONTROL JAILED: one line per family the control or the jail can make.
check_families() {
	local label=$1 ctl=$2 jl=$3 f cok jok class name bad broken limit p
	[ "$(wc -l <"$jl")" -gt 600 ]
	ok $? "$label: the family walk ran in the jail ($(wc -l <"$jl") sockets tried)" ||
		{ diag "$(head -n 5 "$jl")" "$(tail -n 3 "$TMP/err")"; return; }
	# "FAMILY|made without the jail|made in it", type/proto pairs
	while IFS='|' read -r f cok jok; do
		class=$(family_class "$f")
		name=$(family_name "$f")
		case $class in
		judged)
			bad= broken=
			for p in $jok; do [[ " $JUDGED " == *" $p "* ]] || bad="$bad $p"; done
			for p in $cok; do
				[[ " $JUDGED " == *" $p "* ]] && [[ " $jok " != *" $p "* ]] &&
					broken="$broken $p"
			done
			[ -z "$bad$broken" ]
			ok $? "$label: $name: only TCP, MPTCP, UDP, UDP-Lite can be made, and the hooks judge them (made: ${jok:-none})" ||
				diag "made in the jail, not judged:${bad:- none}" \
					"made without the jail, refused in it:${broken:- none}"
			;;
		limit)
			limit=$(awk -v f="$f" '$1 == f { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' \
				<<<"$FAMILIES")
			grep -q -- "$limit" README.md
			ok $? "$label: $name is not IP: README's limits name it ('$limit'; made: ${jok:-none})"
			;;
		*)
			[ -z "$jok" ]
			ok $? "$label: $name is refused (without the jail: ${cok:-none}; in the jail: none)" ||
				diag "$name made in the jail (type/proto): $jok" \
					"it is neither refused, judged nor listed in README's limits"
			;;
		esac
	done < <(awk '$4 == "ok" { k = $2 "/" $3; if (FILENAME == ARGV[1]) c[$1] = c[$1] k " ";
			else j[$1] = j[$1] k " "; seen[$1] = 1 }
		END { for (f in seen) print f "|" c[f] "|" j[f] }' "$ctl" "$jl" | sort -n)
}

in_host "$ADV" fam >"$TMP/fam-root" 2>&1
in_host $AS_USER "$ADV" fam >"$TMP/fam-user" 2>&1
jail run --block-host -- "$ADV" fam >"$TMP/fam-jr" 2>"$TMP/err"
check_families "root" "$TMP/fam-root" "$TMP/fam-jr"
jail run --block-host -- $AS_USER "$ADV" fam >"$TMP/fam-ju" 2>"$TMP/err"
check_families "user" "$TMP/fam-user" "$TMP/fam-ju"
# In a nested user namespace CMD holds every capability -- over that namespace only; the
# network namespace is still the host's, owned by the initial user namespace.
jail run --block-host -- unshare -U "$ADV" fam >"$TMP/fam-jrn" 2>"$TMP/err"
check_families "root, unshare -U" "$TMP/fam-root" "$TMP/fam-jrn"
jail run --block-host -- $AS_USER unshare -Ur "$ADV" fam >"$TMP/fam-jun" 2>"$TMP/err"
check_families "user, unshare -Ur" "$TMP/fam-root" "$TMP/fam-jun"
# File capabilities do not survive no_new_privs: a cap_net_raw copy makes no AF_PACKET.
cp "$ADV" "$TMP/adv-caps" && setcap cap_net_raw,cap_net_admin+ep "$TMP/adv-caps" ||
	bail "setcap on a copy of tests/adversary failed"
in_host $AS_USER "$TMP/adv-caps" fam >"$TMP/fam-ucaps" 2>&1
grep -q '^17 3 0 ok' "$TMP/fam-ucaps"
ok $? "control, no jail: the user makes AF_PACKET with a cap_net_raw file capability"
jail run --block-host --rw "$TMP" -- $AS_USER "$TMP/adv-caps" fam >"$TMP/fam-jucaps" 2>"$TMP/err"
if [ -s "$TMP/fam-jucaps" ]; then
	check_families "user, cap_net_raw file capability" "$TMP/fam-ucaps" "$TMP/fam-jucaps"
else
	# The effective bit with capabilities that cannot be granted: exec fails.
	grep -q 'Operation not permitted' "$TMP/err"
	ok $? "user in the jail: a cap_net_raw file capability is not granted (exec: EPERM)" ||
		diag "$(tail -n 3 "$TMP/err")"
fi

# ---- nested namespaces, setns, cgroup moves ----
# A nested user namespace shares the host's network namespace: still judged.
jailed root "unshare -U, udp to 127.0.0.1" unshare -U "$ADV" send udp 127.0.0.1 7201
jailed user "unshare -Ur, udp to 127.0.0.1" unshare -Ur "$ADV" send udp 127.0.0.1 7201
# A nested network namespace is empty: nothing in it leads to the host.
jailed root "unshare -Un, udp to 10.77.0.1" unshare -Un sh -c \
	'ip link set lo up 2>/dev/null; exec "$0" send udp 10.77.0.1 7201' "$ADV"
jailed user "unshare -Urn, AF_PACKET and udp to 10.77.0.1" unshare -Urn sh -c \
	'ip link set lo up; "$0" fam | grep "^17 3 0"; exec "$0" send udp 10.77.0.1 7201' "$ADV"
# setns into a network namespace by its bind mount (visible: the filesystem is shared).
control "nsenter --net=/run/netns/$NS_P, tcp to 10.77.0.1" \
	nsenter --net="/run/netns/$NS_P" -- "$ADV" send tcp 10.77.0.1 7201
for who in root user; do
	jailed $who "nsenter --net=/run/netns/$NS_P, tcp to 10.77.0.1" \
		nsenter --net="/run/netns/$NS_P" -- "$ADV" send tcp 10.77.0.1 7201
done
jailed user "unshare -Urn, then nsenter --net=/run/netns/$NS_P" unshare -Urn \
	nsenter --net="/run/netns/$NS_P" -- "$ADV" send tcp 10.77.0.1 7201
# A veth pair from a nested network namespace with its other end in the host's (the pair
# dies with the nested namespace: it holds on for a moment while this looks).
veth_try() {
	local p i
	"$@" sh -c 'ip link add advx$1 type veth peer name advy$1 netns "$2" && sleep 2' \
		sh $$ "$NS_H" >"$TMP/veth" 2>&1 &
	p=$!
	for i in $(seq 30); do
		in_host ip link show "advy$$" >/dev/null 2>&1 && { wait $p; return 0; }
		sleep 0.1
	done
	wait $p
	return 1
}
veth_try unshare -n
ok $? "control, no jail: root puts a veth end from a nested network namespace into the host's" ||
	diag "$(cat "$TMP/veth")"
for who in root user; do
	! veth_try jail run --block-host -- $(who_pfx $who) unshare -U$([ $who = user ] && echo r)n
	ok $? "$who in the jail: no veth into the host's network namespace from a nested one ($(oneline "$(cat "$TMP/veth")"))"
done
# A cgroup namespace and a fresh cgroup2 mount show only the jail's own subtree; a
# sub-cgroup inherits the jail's programs.
mkdir -p "$TMP/cgmnt" && chmod 777 "$TMP/cgmnt"
CGMOVE='mount -t cgroup2 none "$1"; mkdir "$1/sub"; echo $$ >"$1/sub/cgroup.procs"
	echo $$ >"$1/../cgroup.procs"; exec "$0" send udp 127.0.0.1 7201'
jailed root "unshare -Um --cgroup, cgroup2 mount, move to a sub-cgroup, udp to 127.0.0.1" \
	unshare -Um --cgroup sh -c "$CGMOVE" "$ADV" "$TMP/cgmnt"
jailed user "unshare -Urm --cgroup, cgroup2 mount, move, udp to 127.0.0.1" \
	unshare -Urm --cgroup sh -c "$CGMOVE" "$ADV" "$TMP/cgmnt"
for who in root user; do
	out=$(jail run --block-host -- $(who_pfx $who) sh -c \
		'echo $$ >"$1/cgroup.procs"; exec "$0" escape -- "$0" intocg "$1"' \
		"$PROBE" "$CG2" 2>"$TMP/err")
	[[ "$out" == *stayed:* ]] && [[ "$out" != *"child in"* ]]
	ok $? "$who in the jail: cgroup.procs writes and clone3(CLONE_INTO_CGROUP) stay in the jail ($(oneline "$(grep -e stayed -e intocg -e ENOSYS <<<"$out")"))" ||
		diag "$out" "$(tail -n 3 "$TMP/err")"
	out=$(jail run --block-host -- $(who_pfx $who) unshare -U$([ $who = user ] && echo r) \
		"$PROBE" intocg "$CG2" 2>"$TMP/err")
	[[ "$out" != *"child in"* ]]
	ok $? "$who in the jail, nested user namespace: clone3(CLONE_INTO_CGROUP) refused ($(oneline "$out"))"
done

# A fresh procfs or sysfs in nested namespaces: the kernel allows the mount when some
# instance in CMD's mount namespace is fully visible (a chroot's /proc or /sys mounted on
# the host), and then checks only the uid to open a knob.  Such mounts are made here in a
# private mount namespace; the knob is opened for writing, never written.
mkdir -p "$TMP/chroot/proc" "$TMP/chroot/sys" "$TMP/fresh" && chmod 777 "$TMP/fresh"
FRESH='mount -t proc proc "$1/chroot/proc" && mount -t sysfs sysfs "$1/chroot/sys" &&
	shift && exec "$@"'
for what in freshproc freshsys; do
	[ $what = freshproc ] && knob=/proc/sys/kernel/core_pattern ||
		knob=/sys/kernel/mm/transparent_hugepage/enabled
	out=$(unshare -m --propagation private sh -c "$FRESH" sh "$TMP" \
		"$ADV" $what "$TMP/fresh" 2>&1)
	[ "${out##*$'\n'}" = ok ]
	ok $? "control, no jail: a fresh ${what#fresh} mount opens $knob for writing ($(oneline "$out"))"
	for who in root user; do
		out=$(unshare -m --propagation private sh -c "$FRESH" sh "$TMP" \
			timeout 15 "$JAIL_AI" run --block-host -- $(who_pfx $who) \
			"$ADV" $what "$TMP/fresh" 2>&1)
		[ -n "$out" ] && [ "${out##*$'\n'}" != ok ]
		ok $? "$who in the jail, with a chroot's /proc and /sys mounted outside: a fresh ${what#fresh} cannot open $knob for writing ($(oneline "$out"))"
	done
done

# ---- terminals: TIOCSTI into the terminal that started the jail (a real pty) ----
# tests/tty_probe onpty runs the command on a fresh pty, the controlling terminal of a
# new session, and after it exits prints "got:LINE", LINE being what waits in the pty's
# input queue (what the caller's shell would read next), then the pty's output as
# "pty: ..." lines.  No timing: a line injected by CMD is queued when CMD exits.
# (The script(1)+`read -t` version failed its control twice in CI's second pass only,
# never here; this one shows the pty's transcript in the result when it fails.)
TTYP=$PWD/tests/tty_probe
pty_run() {
	local log
	log=$(timeout 15 "$TTYP" onpty sh -c "$1" 2>&1)
	out=$(printf '%s\n' "$log" | grep -m1 '^got:')
	pty=$(printf '%s\n' "$log" | grep -v '^got:' | sed 's/^pty: //' | tr '\n' '|')
}
pty_run "$ADV tiocsti"
[ "$out" = "got:echo INJECTED" ]
ok $? "control, no jail: TIOCSTI on fd 0 injects a line into the caller's terminal ($out; pty: $pty)"
pty_run "$ADV tiocsti /dev/tty </dev/null >/dev/null 2>&1"
[ "$out" = "got:echo INJECTED" ]
ok $? "control, no jail, fds 0-2 not a terminal: TIOCSTI on /dev/tty injects a line ($out; pty: $pty)"
for who in root user; do
	pty_run "$JAIL_AI run --block-host -- $(who_pfx $who) $ADV tiocsti 2>/dev/null"
	[ "$out" = "got:" ]
	ok $? "$who in the jail: TIOCSTI on fd 0 does not reach the caller's terminal ($out; pty: $pty)"
	pty_run "$JAIL_AI run --block-host -- $(who_pfx $who) $ADV tiocsti /dev/tty \
		</dev/null >/dev/null 2>&1"
	[ "$out" = "got:" ]
	ok $? "$who in the jail, fds 0-2 not a terminal: TIOCSTI on /dev/tty does not reach the caller's terminal ($out; pty: $pty)"
done
pty_run "$ADV open \$(tty)"
[ "$out" = "got:" ] && [ "${pty%|}" = ok ]
ok $? "control, no jail: root opens the caller's /dev/pts/N by path"
# The jail's own devpts may have a pty of the same number: what matters is that the path
# does not open the caller's device (tests/tty_probe stat: the opened file's dev and rdev).
mine=$(timeout 15 script -qec "$TTYP stat \$(tty)" /dev/null </dev/null | tr -d '\r' | tail -n 1)
out=$(timeout 15 script -qec "$JAIL_AI run --block-host -- $TTYP stat \$(tty)" /dev/null \
	</dev/null | tr -d '\r' | tail -n 1)
case $mine in dev=*) ;; *) false ;; esac && [ "$out" != "$mine" ]
ok $? "root in the jail: the caller's /dev/pts/N path does not open the caller's terminal (outside: $mine; inside: $out)"

# ---- descriptors: inherited beyond 0-2, passed in over a unix socket ----
control "a UDP socket inherited as fd 5, sendto 127.0.0.1" \
	"$ADV" withsock 5 -- "$ADV" fdsend 5 127.0.0.1 7201
n=$(host_total)
out=$(timeout 15 nsenter --net="/run/netns/$NS_H" -- "$ADV" withsock 5 -- \
	"$JAIL_AI" run --block-host -- "$ADV" fdsend 5 127.0.0.1 7201 2>"$TMP/err")
! reached "$n"
ok $? "root in the jail: a socket made outside and inherited as fd 5 does not reach CMD ($(oneline "$out"))"
# A socket made outside the jail's cgroup keeps the policy of its own cgroup.  Passing it
# in takes a process outside that cooperates over a unix socket: a documented limit.
adv_serve "$NS_H" scm scmserve "adv-scm-$$" 60
n=$(host_total)
out=$(jail run --block-host -- $AS_USER "$ADV" scmrecv "adv-scm-$$" 127.0.0.1 7201 2>"$TMP/err")
if reached "$n"; then
	grep -q 'passed in over a unix socket' README.md
	ok $? "user in the jail: a socket passed in by SCM_RIGHTS from outside reaches the host; README's limits say so"
else
	ok 0 "user in the jail: a socket passed in by SCM_RIGHTS from outside does not reach the host ($(oneline "$out"))"
fi
adv_serve "$NS_H" nl nlserve $((700000 + $$)) 60
out=$(jail run --block-host -- $AS_USER "$ADV" nlsend $((700000 + $$)) 2>"$TMP/err")
if [ "$out" = ok ] && grep -q '^netlink' "$TMP/nl"; then
	grep -q 'AF_NETLINK' README.md
	ok $? "user in the jail: NETLINK_USERSOCK reaches a host process's netlink socket; README's limits name AF_NETLINK"
else
	ok 0 "user in the jail: NETLINK_USERSOCK does not reach a host process ($(oneline "$out"))"
fi

# ---- signals and ptrace toward a process outside the jail (same uid as the user CMD) ----
outside() {
	$AS_USER sleep 60 &
	OPID=$!
	BG_PIDS="$BG_PIDS $OPID"
}
outside
out=$($AS_USER "$ADV" reach "$OPID" 2>&1)
[ "${out##*$'\n'}" = reached ]
ok $? "control, no jail: the user reaches pid $OPID by kill 0, ptrace, pidfd ($(oneline "$out"))"
for who in root user; do
	out=$(jail run --block-host -- $(who_pfx $who) "$ADV" reach "$OPID" 2>"$TMP/err")
	[ "${out##*$'\n'}" = unreached ]
	ok $? "$who in the jail: pid $OPID outside is out of reach ($(oneline "$out"))"
done
$AS_USER sh -c 'kill -9 -1' 2>/dev/null
sleep 0.1
! kill -0 "$OPID" 2>/dev/null
ok $? "control, no jail: the user's kill -9 -1 kills its process outside"
{ wait "$OPID"; } 2>/dev/null
outside
jail run --block-host -- $AS_USER sh -c 'kill -9 -1' 2>"$TMP/err"
sleep 0.1
kill -0 "$OPID" 2>/dev/null
ok $? "user in the jail: kill -9 -1 leaves its process outside alive"
kill "$OPID" 2>/dev/null

done_testing
