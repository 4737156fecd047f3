#!/bin/bash
# tests/28-refresh.t - `run --block-host` keeps host addresses that appear while CMD runs
# out of reach (refresh.c), and releases those that go; CMD never holds the map fds.
#
# The "host" is a network namespace made here (lib.sh); addresses are added to and removed
# from its lo.  Inside the jail tests/refresh_probe connects to the address in a tight loop
# and logs each change of result with a timestamp.  Controls: without a jail the added
# address reaches the listener; with the refresh switched off (jail-ai-fault,
# JAIL_AI_FAULT=norefresh: the code path before refresh.c) connect is never refused with
# EPERM: it times out, because jail_egress drops what leaves through lo to an address the
# map does not open (a `run` jail shares the host's namespace, and local traffic takes lo),
# so before refresh.c a new address was unreachable only by that backstop, silently.
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
RP=$PWD/tests/refresh_probe
[ -x "$RP" ] || bail "tests/refresh_probe is missing: run 'make tests/refresh_probe'"
[ -x ./jail-ai-fault ] || bail "./jail-ai-fault is missing: run 'make jail-ai-fault'"
FAULT=$PWD/jail-ai-fault
netns_setup
PORT=7301
: >"$TMP/serve"
nsenter --net="/run/netns/$NS_H" -- "$RP" serve $PORT >"$TMP/serve" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do grep -q '^ready' "$TMP/serve" && break; sleep 0.05; done
grep -q '^ready' "$TMP/serve" || bail "listener did not start: $(cat "$TMP/serve")"

ns_ip() { ip -n "$NS_H" "$@"; }

# scenario NAME BIN ADDR ADD DEL: BIN run --block-host -- refresh_probe watch ADDR for 3 s;
# once it runs, `ip ADD` (T_ADD), 1.2 s later `ip DEL` (T_DEL).  Log in $TMP/NAME.
scenario() {
	local name=$1 bin=$2 addr=$3 add=$4 del=$5 i
	: >"$TMP/$name"
	timeout -k 2 20 nsenter --net="/run/netns/$NS_H" -- "$bin" run --block-host -- \
		"$RP" watch "$addr" $PORT 3000 >"$TMP/$name" 2>"$TMP/$name.err" &
	local jpid=$!
	for i in $(seq 200); do [ -s "$TMP/$name" ] && break; sleep 0.05; done
	T_ADD=$(date +%s%N)
	ns_ip $add || bail "ip $add failed"
	sleep 1.2
	T_DEL=$(date +%s%N)
	ns_ip $del || bail "ip $del failed"
	wait "$jpid"
	ST=$?
	T_END=$(date +%s%N)
}

# first_after LOG T RESULT: the first time >= T at which LOG shows RESULT (empty: never).
first_after() { awk -v t="$2" -v r="$3" '$1 >= t && $2 == r { print $1; exit }' "$1"; }
# any_between LOG T1 T2 RESULT: LOG shows RESULT at some time in [T1, T2).
any_between() { awk -v a="$2" -v b="$3" -v r="$4" '$1 >= a && $1 < b && $2 == r { f = 1 } END { exit !f }' "$1"; }
ms() { echo $((($1 - $2) / 1000000)); }

# check NAME FAMILY: the assertions on one scenario's log.
check() {
	local name=$1 what=$2 log=$TMP/$1 tp tr
	[ "$ST" = 0 ]
	ok $? "$what: the jail ran and ended normally" || diag "exit $ST" "$(cat "$log.err")"
	[ "$(head -n 1 "$log" | cut -d' ' -f2)" = ENETUNREACH ]
	ok $? "$what: before the address exists, connect gives ENETUNREACH" || diag "$(cat "$log")"
	tp=$(first_after "$log" "$T_ADD" EPERM)
	[ -n "$tp" ] && [ "$(ms "$tp" "$T_ADD")" -lt 1000 ]
	ok $? "$what: added while the jail runs: EPERM within 1 s (after ${tp:+$(ms "$tp" "$T_ADD")} ms)" ||
		diag "$(cat "$log")" "$(cat "$log.err")"
	! any_between "$log" "${tp:-0}" "$T_DEL" ok
	ok $? "$what: once denied, it stays denied until it is removed" || diag "$(cat "$log")"
	tr=$(awk -v t="$T_DEL" '$1 >= t && $2 != "EPERM" { print $1; exit }' "$log")
	[ -n "$tr" ] && [ "$(ms "$tr" "$T_DEL")" -lt 1000 ] &&
		[ "$(awk -v t="$tr" '$1 >= t' "$log" | grep -c EPERM)" = 0 ]
	ok $? "$what: removed: no longer EPERM within 1 s (after ${tr:+$(ms "$tr" "$T_DEL")} ms)" ||
		diag "$(cat "$log")"
}

# ---- control: the address, once added, reaches the listener without a jail ----
ns_ip addr add 10.98.0.9/32 dev lo
out=$(nsenter --net="/run/netns/$NS_H" -- "$RP" watch 10.98.0.9 $PORT 100)
ns_ip addr del 10.98.0.9/32 dev lo
grep -q ' ok$' <<<"$out"
ok $? "control, no jail: an address added to lo reaches the listener" || diag "$out"

# ---- control: the old code path (no refresh) lets the jail reach it ----
JAIL_AI_FAULT=norefresh scenario fault "$FAULT" 10.98.0.2 "addr add 10.98.0.2/32 dev lo" \
	"addr del 10.98.0.2/32 dev lo"
[ -z "$(first_after "$TMP/fault" "$T_ADD" EPERM)" ] && [ -z "$(first_after "$TMP/fault" "$T_ADD" ok)" ] &&
	[ -n "$(first_after "$TMP/fault" "$T_ADD" ETIMEDOUT)" ]
ok $? "control, refresh off (jail-ai-fault norefresh): never EPERM, the connect times out (lo egress drop)" ||
	diag "$(cat "$TMP/fault")" "$(cat "$TMP/fault.err")"

# ---- fail closed: an update that fails stops the jail ----
JAIL_AI_FAULT=mapfull scenario full "$FAULT" 10.98.0.3 "addr add 10.98.0.3/32 dev lo" \
	"addr del 10.98.0.3/32 dev lo"
[ "$ST" = 125 ] && grep -q 'address refresh: .*CMD was killed' "$TMP/full.err"
ok $? "a failed map update (jail-ai-fault mapfull) kills CMD: exit 125, with a message" ||
	diag "exit $ST" "$(cat "$TMP/full.err")"
# Its 3 s watch would outlast the 1.2 s the scenario waits; killed, the jail is gone by then.
[ "$(ms "$T_END" "$T_ADD")" -lt 2000 ] && [ -z "$(first_after "$TMP/full" "$T_ADD" ok)" ]
ok $? "and CMD was stopped ($(ms "$T_END" "$T_ADD") ms after the add), having reached nothing" ||
	diag "$(cat "$TMP/full")"

# ---- the refresh ----
scenario v4 "$JAIL_AI" 10.98.0.1 "addr add 10.98.0.1/32 dev lo" "addr del 10.98.0.1/32 dev lo"
check v4 "IPv4 address"
scenario v6 "$JAIL_AI" fd98::1 "-6 addr add fd98::1/128 dev lo nodad" \
	"-6 addr del fd98::1/128 dev lo"
check v6 "IPv6 address"
scenario route "$JAIL_AI" 10.98.5.9 "route add local 10.98.5.0/24 dev lo" \
	"route del local 10.98.5.0/24 dev lo"
check route "local route (ip route add local)"

# ---- CMD does not get the map fds ----
out=$(jail run --block-host -- "$RP" fds 2>&1)
[ "$out" = none ]
ok $? "CMD holds no bpf fd (no map fd inherited)" || diag "$out"
out=$(jail run --block-host --unsafe-keep-privileges -- "$RP" fds 2>&1)
[ "$(tail -n 1 <<<"$out")" = none ]
ok $? "not even with --unsafe-keep-privileges (exec'd straight from jail-ai's fork)" ||
	diag "$out"
# A refused MAPFDS request brings no fds.
D=$CG2/jail-ai-t28r-$$
mkdir "$D" || bail "mkdir $D"
cc -O1 -Wall -I. -o "$TMP/reqtool" tests/reqtool.c 2>"$TMP/cc.err" ||
	bail "cannot build tests/reqtool.c: $(cat "$TMP/cc.err")"
out1=$("$TMP/reqtool" "$JAIL_AI" mapfds "${D#"$CG2"/}" 2>&1)
out2=$("$TMP/reqtool" "$JAIL_AI" mapfds "${D#"$CG2"/}" 2>&1)
echo 1 >"$D/cgroup.kill" 2>/dev/null
rmdir "$D" 2>/dev/null
grep -q '^step=9 .* fds=8$' <<<"$out1" && grep -q 'err=EEXIST .* fds=0$' <<<"$out2"
ok $? "the child sends the eight map fds (jail_v4, jail_v6, jail_ev, jail_cnt, jail_dns4, jail_dns6, jail_dsk, jail_dcfg) only with a successful attach" ||
	diag "$out1" "$out2"

# ---- the run parent's /proc/PID/fd, for a user of the same uid ----
if command -v runuser >/dev/null && command -v setcap >/dev/null; then
	install_as_user jail-ai-tty
	U=$CG2/jail-ai-t28u-$$
	mkdir "$U" && chown "$TUID:$TGID" "$U" "$U/cgroup.procs" "$U/cgroup.threads" \
		"$U/cgroup.subtree_control" || bail "cannot delegate $U to $TUSER"
	as_user() {
		timeout -k 2 20 nsenter --net="/run/netns/$NS_H" -- sh -c \
			'echo $$ >"$1/cgroup.procs" && exec runuser -u "$2" -- sh -c "$3"' \
			sh "$U" "$TUSER" "$1"
	}
	out=$(as_user 'sleep 3 & ls /proc/$!/fd >/dev/null && echo readable; kill $!')
	[ "$out" = readable ]
	ok $? "control: a process of the same user that is dumpable shows its /proc/PID/fd" ||
		diag "$out"
	out=$(as_user "$INST run --block-host --unsafe-keep-privileges -- sh -c 'ls /proc/\$PPID/fd >/dev/null 2>&1 && echo readable || echo refused'" 2>&1)
	[ "$(tail -n 1 <<<"$out")" = refused ]
	ok $? "CMD (same user, host PID namespace) cannot list the run parent's /proc/PID/fd" ||
		diag "$out"
	echo 1 >"$U/cgroup.kill" 2>/dev/null
	for i in $(seq 50); do
		find "$U" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$U" ] || break
		sleep 0.1
	done
else
	skip "needs runuser and setcap"
fi
done_testing
