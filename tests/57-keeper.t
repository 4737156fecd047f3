#!/bin/bash
# tests/57-keeper.t - protected rootful podman jails follow the host's address changes
# through a per-jail keeper (keeper.c): a capability-free process holding the jail's map
# fds and an rtnetlink watch, living as long as <cgroup2>/jail-ai/pod-NAME.
#
#  - an address added to a veth interface made in the test's "host" namespace while the jail
#    runs is EPERM from the container within 1 s, and released when removed; the same
#    after `podman restart` behind jail-ai's back (same keeper);
#  - control: with the keeper killed, a new address is reachable, status and list say the
#    keeper is missing, and `jail-ai exec` restores it (then the address is refused again);
#  - status for an unprotected jail, one not on the fast path (and, in 51, a rootless one);
#  - the keeper: no capability in any set, no_new_privs, not dumpable (a capability-free
#    root process reads a dumpable one's /proc/PID/environ but not the keeper's: the
#    control), no fd but its own, not visible from the container; rm leaves no keeper
#    and no pidfile;
#  - fault injection (jail-ai-fault, JAIL_AI_FAULT=mapfull): the keeper cannot apply a
#    change and denies everything instead, an allowed address included; status says why.
#  - its seccomp filter (Seccomp: 2): the ready keeper's socket(AF_UNIX) and execve are
#    EPERM (jail-ai-fault keeperescape; control keeperescape-nofilter: it connects to the
#    test's unix socket, execve is reached); its pidfile is held read-only, and rm signals
#    no pid put there that is not named jail-ai-keeper (control: one so named is);
#    status prints the state file's control characters as '?'.
#
# podman and jail-ai run in the "host" network namespace of lib.sh with a storage of the
# test's own (tests/podman-env.sh); the container is on podman's bridge, so a host address
# is reached through the gateway (no jail_egress backstop as in a `run` jail).

SERVE_SECS=1800
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
podman_test_requires
RP=$PWD/tests/refresh_probe
[ -x "$RP" ] || bail "tests/refresh_probe is missing: run 'make tests/refresh_probe'"
[ -x ./jail-ai-fault ] || bail "./jail-ai-fault is missing: run 'make jail-ai-fault'"
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
FAULT=$PWD/jail-ai-fault
export HOME=$TMP/home
mkdir -p "$HOME"
podman_private_setup
PORT=7007
serve_host "any4 0.0.0.0 $PORT
h1 10.77.0.1 7002"
podman_image || bail "no test image"
# An interface of the test's own (no dummy driver on every kernel: a veth pair, both ends here).
ip -n "$NS_H" link add kp0 type veth peer name kp1 && ip -n "$NS_H" link set kp0 up &&
	ip -n "$NS_H" link set kp1 up || bail "cannot make the interface kp0 in $NS_H"
hip() { ip -n "$NS_H" "$@"; }
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
N=$JT-keeper
WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$WS" && cp "$RP" "$WS/refresh_probe" || bail "workspace"

jcreate() {
	local bin=$1 name=$2
	shift 2
	timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$bin" create "$name" \
		--image "$TEST_IMAGE" --workspace "$WS" "$@" -- sh -c "$LOOP" >"$TMP/out" 2>"$TMP/err"
	ST=$?
}
errs() { diag "exit $ST" "$(tail -n 20 "$TMP/err")"; }
# kpid NAME: the keeper's pid as its pidfile says ("" without one).
kpid() { head -n 1 "/run/jail-ai/keeper-$1.pid" 2>/dev/null; }
# alive PID: a keeper process that has not exited (an exited one stays a zombie here when
# PID 1 does not reap its orphans).
alive() {
	[ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = jail-ai-keeper ] &&
		! grep -q '^State:	Z' "/proc/$1/status" 2>/dev/null
}
# pprobe NAME ADDR PORT: plain podman exec probe (nothing of jail-ai's runs).
pprobe() { OUT=$(pm exec "$1" probe tcp "$2" "$3" 2>&1); ST=$?; }

# scenario NAME ADDR LOG: in NAME, refresh_probe watches ADDR for 3 s; once it runs, the
# address goes on kp0 (T_ADD), 1.2 s later it is removed (T_DEL).
scenario() {
	local name=$1 addr=$2 log=$TMP/$3 i
	: >"$log"
	pm exec "$name" /workspace/refresh_probe watch "$addr" $PORT 3000 >"$log" 2>&1 &
	local wp=$!
	for i in $(seq 200); do [ -s "$log" ] && break; sleep 0.05; done
	T_ADD=$(date +%s%N)
	hip addr add "$addr/32" dev kp0 || bail "ip addr add $addr failed"
	sleep 1.2
	T_DEL=$(date +%s%N)
	hip addr del "$addr/32" dev kp0 || bail "ip addr del $addr failed"
	wait "$wp"
}
first_after() { awk -v t="$2" -v r="$3" '$1 >= t && $2 == r { print $1; exit }' "$1"; }
any_between() { awk -v a="$2" -v b="$3" -v r="$4" '$1 >= a && $1 < b && $2 == r { f = 1 } END { exit !f }' "$1"; }
ms() { echo $((($1 - $2) / 1000000)); }
# check LOG WHAT: EPERM within 1 s of the add, kept until the delete, gone within 1 s after.
check() {
	local log=$TMP/$1 what=$2 tp tr
	tp=$(first_after "$log" "$T_ADD" EPERM)
	[ -n "$tp" ] && [ "$(ms "$tp" "$T_ADD")" -lt 1000 ]
	ok $? "$what: added on the host while the jail runs: EPERM within 1 s (after ${tp:+$(ms "$tp" "$T_ADD")} ms)" ||
		diag "$(cat "$log")"
	! any_between "$log" "${tp:-0}" "$T_DEL" ok
	ok $? "$what: once denied, it stays denied until removed" || diag "$(cat "$log")"
	tr=$(awk -v t="$T_DEL" '$1 >= t && $2 != "EPERM" { print $1; exit }' "$log")
	[ -n "$tr" ] && [ "$(ms "$tr" "$T_DEL")" -lt 1000 ] &&
		[ "$(awk -v t="$tr" '$1 >= t' "$log" | grep -c EPERM)" = 0 ]
	ok $? "$what: removed: released within 1 s (after ${tr:+$(ms "$tr" "$T_DEL")} ms)" ||
		diag "$(cat "$log")"
}

# ---- control: without a jail the added address is reached through the gateway ----
pm run -d --name "$N-plain" "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>"$TMP/err" ||
	bail "podman run $N-plain: $(tail -n 3 "$TMP/err")"
hip addr add 10.79.0.9/32 dev kp0
n=$(arrivals any4)
pprobe "$N-plain" 10.79.0.9 $PORT
[ "$ST" = 0 ] && arrived any4 "$n"
ok $? "control, no jail: an address added to kp0 in the host namespace is reached from a container" ||
	diag "exit $ST: $OUT"
hip addr del 10.79.0.9/32 dev kp0
pm rm -f -t 0 "$N-plain" >/dev/null 2>&1

# ---- a protected jail gets a keeper ----
A=$N-a
jcreate "$JAIL_AI" "$A" --block-host
ok $ST "create $A --block-host (bridge) exits 0" || { errs; done_testing; }
K=$(kpid "$A")
alive "$K"
ok $? "$A has a keeper (pid '$K', comm jail-ai-keeper)" || diag "$(ls -l /run/jail-ai 2>&1)"
[ "$(stat -c '%a %U' /run/jail-ai 2>&1)" = "700 root" ] &&
	[ "$(stat -c '%a %U' "/run/jail-ai/keeper-$A.pid" 2>&1)" = "600 root" ]
ok $? "/run/jail-ai is root's 0700, the pidfile root's 0600" ||
	diag "$(stat -c '%n %a %U' /run/jail-ai /run/jail-ai/keeper-"$A".pid 2>&1)"
out=$(jp status "$A" 2>&1)
grep -qx "keeper: pid $K (address refresh, live policy, events)" <<<"$out"
ok $? "status $A: keeper: pid $K" || diag "$out"
out=$(jp status --json "$A" 2>&1 | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin); print(j["keeper"], j["keeper_pid"], j["keeper_failure"])')
[ "$out" = "running $K None" ]
ok $? "status --json $A: keeper running, keeper_pid $K, keeper_failure null" || diag "$out"

# ---- what the keeper is ----
st=$(cat "/proc/$K/status" 2>&1)
rss=$(awk '/^VmRSS:/ { print $2 }' <<<"$st")
# The event ring's pages are the kernel's, mapped whole (and its data twice) at mmap: counted
# apart.
ring=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($NF ~ /bpf-map/) } m && /^Rss:/ { s += $2 } END { print s + 0 }' \
	"/proc/$K/smaps")
diag "keeper VmRSS: $rss kB, of it the event ring's mapping $ring kB"
case $JAIL_AI in
*asan*) ;;	# ASan's shadow memory is not the keeper's
*)
	[ -n "$rss" ] && [ $((rss - ring)) -le 1024 ]
	ok $? "keeper: resident memory besides the ring's mapping at most 1 MiB ($((rss - ring)) kB)" ;;
esac
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	grep -qx "$f:	0000000000000000" <<<"$st"
	ok $? "keeper: $f 0" || diag "$(grep "^$f" <<<"$st")"
done
grep -qx "NoNewPrivs:	1" <<<"$st"
ok $? "keeper: NoNewPrivs 1" || diag "$(grep NoNewPrivs <<<"$st")"
grep -qx "Seccomp:	2" <<<"$st"
ok $? "keeper: Seccomp 2 (its filter: no unix socket, exec, ptrace, signal, link)" ||
	diag "$(grep Seccomp <<<"$st")"
# the pidfile: held O_RDONLY (flags' low bits 0), the state file O_WRONLY (the control)
fdflags() {	# PID PATH: the octal flags of PID's fd on PATH
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f")" = "$2" ] && awk '/^flags:/ { print $2 }' "/proc/$1/fdinfo/${f##*/}"
	done
}
pf=$(fdflags "$K" "/run/jail-ai/keeper-$A.pid") sf=$(fdflags "$K" "/run/jail-ai/keeper-$A.state")
[ -n "$pf" ] && [ $((0$pf & 3)) = 0 ] && [ -n "$sf" ] && [ $((0$sf & 3)) = 1 ]
ok $? "keeper: its pidfile is open read-only (flags $pf; control: its state file write-only, $sf)" ||
	diag "pidfile flags '$pf', state file flags '$sf'"
ksid=$(ps -o sid= -p "$K" | tr -d ' ')
[ -n "$ksid" ] && [ "$ksid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] && [ "$ksid" != "$K" ] &&
	[ "$(ps -o tty= -p "$K" | tr -d ' ')" = "?" ]
ok $? "keeper: a session of its own, not its leader, no terminal" ||
	diag "$(ps -o pid,ppid,sid,tty,comm -p "$K")"
fds=$(ls -l "/proc/$K/fd" 2>&1 | awk 'NR > 1 { print $NF }' | sed 's/^socket:\[[0-9]*\]$/socket/' | sort | tr '\n' ' ')
[ "$fds" = "/dev/null /dev/null /dev/null /run/jail-ai/keeper-$A.live /run/jail-ai/keeper-$A.pid /run/jail-ai/keeper-$A.state anon_inode:bpf-map anon_inode:bpf-map anon_inode:bpf-map anon_inode:bpf-map socket socket " ]
ok $? "keeper: stdio /dev/null, its pidfile, state file and live rules' directory, four bpf maps (two tries, the event ring, the counters), two sockets (rtnetlink, control), nothing else" ||
	diag "$fds"
# Not dumpable: a root process without capabilities may not read its environ; the control,
# a dumpable root process without capabilities, can be read the same way.
setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- sleep 30 &
SL=$!
sleep 0.1
out=$(setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- cat "/proc/$SL/environ" 2>&1 >/dev/null)
ok $? "control: a capability-free root process reads another one's environ (dumpable)" || diag "$out"
kill "$SL" 2>/dev/null
out=$(setpriv --inh-caps=-all --bounding-set=-all --no-new-privs -- cat "/proc/$K/environ" 2>&1 >/dev/null)
[ $? != 0 ] && grep -q 'Permission denied' <<<"$out"
ok $? "keeper: not dumpable (the same read of its environ is refused)" || diag "$out"
# From the container: another pid namespace, another mount namespace.
out=$(pm exec "$A" sh -c "kill -0 $K 2>&1; ls -d /proc/$K 2>&1; ls /run/jail-ai 2>&1" 2>&1)
grep -q "can't kill pid $K\|No such process" <<<"$out" && grep -q "/proc/$K.*No such file" <<<"$out" &&
	grep -q "/run/jail-ai.*No such file" <<<"$out"
ok $? "from $A, the keeper's pid cannot be signalled or seen, /run/jail-ai does not exist" ||
	diag "$out"

# ---- the refresh ----
scenario "$A" 10.79.1.1 a1
check a1 "$A: IPv4 address on kp0"
# The rebuilds left the jail's own loopback open (a network namespace of its own).
pm exec -d "$A" probe serve 127.0.0.1 7100 60 >/dev/null 2>&1
sleep 0.3
pprobe "$A" 127.0.0.1 7100
ok $ST "$A: after the rebuilds its own 127.0.0.1 still works" || diag "exit $ST: $OUT"
alive "$K"
ok $? "the keeper still runs after the changes (pid $K)"

# ---- podman restart behind jail-ai's back: same keeper, same refresh ----
pm restart -t 0 "$A" >/dev/null 2>"$TMP/err"
ok $? "podman restart $A behind jail-ai's back" || diag "$(tail -n 3 "$TMP/err")"
[ "$(kpid "$A")" = "$K" ] && alive "$K"
ok $? "the keeper outlives the container's restart (pid $K)"
scenario "$A" 10.79.1.2 a2
check a2 "$A after podman restart"

# ---- control: the keeper killed ----
kill -9 "$K"
for i in $(seq 50); do alive "$K" || break; sleep 0.02; done
out=$(jp status "$A" 2>&1)
grep -q "^keeper: missing (not running); jail-ai exec, shell or start restarts" <<<"$out"
ok $? "control: keeper killed: status says it is missing" || diag "$out"
out=$(jp status --json "$A" 2>&1 | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin); print(j["keeper"], j["keeper_pid"], j["keeper_failure"])')
[ "$out" = "missing None not running" ]
ok $? "status --json: keeper missing, keeper_pid null, why" || diag "$out"
out=$(jp list 2>&1)
grep "^$A " <<<"$out" | grep -q ', keeper missing$'
ok $? "list flags $A: keeper missing" || diag "$out"
out=$(jp list --json 2>&1 | /usr/bin/python3 -c \
	'import json, sys
for l in sys.stdin:
	j = json.loads(l)
	if j["name"] == sys.argv[1]: print(j.get("keeper_missing"))' "$A" 2>&1)
[ "$out" = True ]
ok $? "list --json: keeper_missing true" || diag "$out"
# a state file with a terminal escape in it (what a taken-over keeper could write)
printf 'bad\033]0;title\007\033[31m red\n' >"/run/jail-ai/keeper-$A.state"
out=$(jp status "$A" 2>&1)
grep -q $'\033' "/run/jail-ai/keeper-$A.state" && ! grep -q $'[\033\007]' <<<"$out" &&
	grep -q '^keeper: missing (bad?\]0;title??\[31m red)' <<<"$out"
ok $? "status prints the state file's control characters as '?' (control: the file has them)" ||
	diag "$(cat -v <<<"$out")"
rm -f "/run/jail-ai/keeper-$A.state"
hip addr add 10.79.1.3/32 dev kp0
n=$(arrivals any4)
pprobe "$A" 10.79.1.3 $PORT
[ "$ST" = 0 ] && arrived any4 "$n"
ok $? "control: without its keeper, an address added now is reachable from $A" ||
	diag "exit $ST: $OUT"
jp exec "$A" true >"$TMP/out" 2>"$TMP/err"
ST=$?
K2=$(kpid "$A")
[ "$ST" = 0 ] && alive "$K2" && [ "$K2" != "$K" ] &&
	grep -q "address-refresh keeper is not running" "$TMP/err"
ok $? "jail-ai exec $A restores it (new keeper pid $K2), saying why it restarts the jail" || errs
n=$(arrivals any4)
pprobe "$A" 10.79.1.3 $PORT
sleep 0.05
[ "$ST" = 1 ] && [ "$OUT" = EPERM ] && [ "$(arrivals any4)" = "$n" ]
ok $? "and that address is EPERM again, nothing heard" || diag "exit $ST: $OUT"
out=$(jp list 2>&1)
grep "^$A " <<<"$out" | grep -v -q 'keeper missing'
ok $? "list no longer flags $A" || diag "$out"
hip addr del 10.79.1.3/32 dev kp0
scenario "$A" 10.79.1.4 a4
check a4 "$A with the new keeper"

# ---- rm: no keeper, no files ----
jp rm -f "$A" >/dev/null 2>"$TMP/err"
ok $? "rm -f $A" || diag "$(tail -n 3 "$TMP/err")"
! alive "$K2" && [ ! -e "/run/jail-ai/keeper-$A.pid" ] && [ ! -e "/run/jail-ai/keeper-$A.state" ]
ok $? "rm leaves no keeper and no pidfile" || diag "$(ls -l /run/jail-ai)"

# ---- an unprotected jail has no keeper, and status says so ----
O=$N-off
jcreate "$JAIL_AI" "$O" --no-block-host
out=$(jp status "$O" 2>&1)
js=$(jp status --json "$O" 2>&1 | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin); print(j["keeper"], j["keeper_pid"])' 2>&1)
[ "$ST" = 0 ] && grep -qx 'keeper: none (not protected)' <<<"$out" && [ "$js" = "off None" ] &&
	[ ! -e "/run/jail-ai/keeper-$O.pid" ]
ok $? "an unprotected jail: no keeper; status 'keeper: none (not protected)', --json keeper off" ||
	diag "exit $ST" "$out" "$js"
jp rm -f "$O" >/dev/null 2>&1

# A protected jail made before the fast path (its cgroup parent podman's default): labelled by
# hand here, never started.
pm create --name "$N-old" --label jail-ai=1 --label jail-ai.block-host=1 "$TEST_IMAGE" true \
	>/dev/null 2>"$TMP/err" || diag "podman create $N-old: $(tail -n 3 "$TMP/err")"
out=$(jp status "$N-old" 2>&1)
js=$(jp status --json "$N-old" 2>&1 | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin); print(j["keeper"], j["keeper_pid"])' 2>&1)
grep -qx 'keeper: no address refresh (a jail made before the fast path: recreate it)' <<<"$out" &&
	[ "$js" = "none None" ]
ok $? "a protected jail not on the fast path: status says no address refresh, --json keeper none" ||
	diag "$out" "$js"
pm rm -f "$N-old" >/dev/null 2>&1

# ---- fail closed: a map update that fails becomes deny-all ----
B=$N-b
# On the host's network: podman makes no interface for it, so no event reaches the keeper
# before the test's own (a bridge's veth would trip the fault at start).
JAIL_AI_FAULT=mapfull jcreate "$FAULT" "$B" --network host --block-host --allow 10.77.0.1:7002
ok $ST "create $B --network host --block-host --allow 10.77.0.1:7002 (jail-ai-fault, mapfull)" ||
	{ errs; done_testing; }
KB=$(kpid "$B")
alive "$KB"
ok $? "$B has a keeper (pid '$KB')"
n=$(arrivals h1)
pprobe "$B" 10.77.0.1 7002
[ "$ST" = 0 ] && arrived h1 "$n"
ok $? "control: the allowed host address 10.77.0.1:7002 is reached from $B" || diag "exit $ST: $OUT"
hip addr add 10.79.2.1/32 dev kp0
for i in $(seq 100); do alive "$KB" || break; sleep 0.01; done
! alive "$KB"
ok $? "the keeper could not apply the change: it ended" || diag "$(cat /run/jail-ai/keeper-"$B".state 2>&1)"
n=$(arrivals h1 any4)
pprobe "$B" 10.79.2.1 $PORT
o1=$OUT s1=$ST
pprobe "$B" 10.77.0.1 7002
sleep 0.05
[ "$s1" = 1 ] && [ "$o1" = EPERM ] && [ "$ST" = 1 ] && [ "$OUT" = EPERM ] &&
	[ "$(arrivals h1 any4)" = "$n" ]
ok $? "deny-all took over: the new address and the allowed one are EPERM, nothing heard" ||
	diag "new: $s1 $o1; allowed: $ST $OUT"
out=$(jp status "$B" 2>&1)
grep -q "^keeper: missing (read rtnetlink, or deny a new address at once: .*every destination is denied now" <<<"$out"
ok $? "status $B: keeper missing, with why and that everything is denied" || diag "$out"
jp rm -f "$B" >/dev/null 2>&1
[ ! -e "/run/jail-ai/keeper-$B.state" ]
ok $? "rm removes the state file too"

# ---- a keeper that cannot update the maps without a capability: the start fails ----
D=$N-d
JAIL_AI_FAULT=keeperprove jcreate "$FAULT" "$D" --network host --block-host
[ "$ST" = 125 ] && grep -q "the address-refresh keeper did not start" "$TMP/err" && ! exists "$D" &&
	grep -q "^update the jail's maps by fd without a capability" "/run/jail-ai/keeper-$D.state"
ok $? "a keeper whose first update by fd fails (jail-ai-fault keeperprove): create exits 125, says why, no container" ||
	{ errs; diag "state: $(cat "/run/jail-ai/keeper-$D.state" 2>&1)"; }
rm -f "/run/jail-ai/keeper-$D.pid" "/run/jail-ai/keeper-$D.state"

# ---- Landlock: the keeper writes no file (jail-ai-fault keeperwrite tries, before and after) ----
C=$N-c
rm -f /run/jail-ai/keeper-"$C".try-*
# Started with stdin closed: the first fd jail-ai opens is 0, and the keeper must still keep
# its fds and put /dev/null on 0..2.
JAIL_AI_FAULT=keeperwrite jcreate "$FAULT" "$C" --network host --block-host 0<&-
ok $ST "create $C --network host --block-host (jail-ai-fault, keeperwrite; stdin closed)" || errs
KC=$(kpid "$C")
fds=$(ls -l "/proc/$KC/fd" 2>&1 | awk 'NR > 1 { print $(NF - 2), $NF }' | sort -n | tr '\n' ' ')
grep -q '^0 /dev/null 1 /dev/null 2 /dev/null ' <<<"$fds" &&
	[ "$(grep -o 'bpf-map' <<<"$fds" | wc -l)" = 4 ] && grep -q 'socket:' <<<"$fds"
ok $? "$C's keeper (stdin was closed): 0..2 on /dev/null, its four maps and sockets kept" || diag "$fds"
[ "$(cat "/run/jail-ai/keeper-$C.try-before" 2>&1)" = created ]
ok $? "control: the keeper, without capabilities, made a file of root's before Landlock" ||
	diag "$(cat "/run/jail-ai/keeper-$C.try-before" 2>&1)"
[ ! -e "/run/jail-ai/keeper-$C.try-after" ] &&
	[ "$(cat "/run/jail-ai/keeper-$C.state" 2>&1)" = "Permission denied" ] && alive "$KC"
ok $? "after Landlock it cannot (EACCES), and it runs on (pid $KC)" ||
	diag "$(ls /run/jail-ai)" "$(cat "/run/jail-ai/keeper-$C.state" 2>&1)"

jp rm -f "$C" >/dev/null 2>&1
rm -f /run/jail-ai/keeper-"$C".try-*

# ---- seccomp: the ready keeper cannot reach a unix socket or execve (jail-ai-fault) ----
# ---- and rm signals no process its pidfile names unless it is named jail-ai-keeper ----
# setpid NAME PID: PID on the pidfile's first line, in place (the keeper's lock stays on it)
setpid() {
	local f=/run/jail-ai/keeper-$1.pid rest
	rest=$(tail -n +2 "$f") && printf '%s\n%s\n' "$2" "$rest" >"$f"
}
cp "$(command -v sleep)" "$TMP/jail-ai-keeper"
SOCK_PY='import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); time.sleep(120)'
for v in keeperescape-nofilter keeperescape; do
	E=$N-$v
	rm -f "/run/jail-ai/keeper-$E.try-sock"
	/usr/bin/python3 -c "$SOCK_PY" "/run/jail-ai/keeper-$E.try-sock" &
	SP=$!
	for i in $(seq 100); do [ -S "/run/jail-ai/keeper-$E.try-sock" ] && break; sleep 0.02; done
	JAIL_AI_FAULT=$v jcreate "$FAULT" "$E" --network host --block-host
	KE=$(kpid "$E")
	res=$(cat "/run/jail-ai/keeper-$E.state" 2>&1)
	sc=$(awk '/^Seccomp:/ { print $2 }' "/proc/$KE/status" 2>&1)
	if [ $v = keeperescape-nofilter ]; then
		[ "$ST" = 0 ] && [ "$res" = "unix connected; execve No such file or directory" ] &&
			[ "$sc" = 0 ]
		ok $? "control: without its filter (jail-ai-fault $v) the keeper connects to a unix socket and reaches execve (ENOENT)" ||
			{ errs; diag "state: $res" "Seccomp: $sc"; }
		# a process named jail-ai-keeper in the pidfile: rm signals it (the control)
		"$TMP/jail-ai-keeper" 300 &
		VP=$!
	else
		[ "$ST" = 0 ] && [ "$res" = "unix Operation not permitted; execve Operation not permitted" ] &&
			[ "$sc" = 2 ] && alive "$KE"
		ok $? "with its filter the keeper's socket(AF_UNIX) and execve are EPERM, and it runs on" ||
			{ errs; diag "state: $res" "Seccomp: $sc"; }
		sleep 300 &	# a process that is not a keeper
		VP=$!
	fi
	alive "$KE" && setpid "$E" "$VP"
	jp rm -f "$E" >/dev/null 2>&1
	for i in $(seq 50); do kill -0 "$VP" 2>/dev/null || break; sleep 0.02; done
	if [ $v = keeperescape-nofilter ]; then
		! kill -0 "$VP" 2>/dev/null
		ok $? "control: a process named jail-ai-keeper put in the pidfile is signalled by rm"
	else
		kill -0 "$VP" 2>/dev/null
		ok $? "a sleep's pid put in the pidfile: rm does not signal it (its comm is not jail-ai-keeper)"
	fi
	# the real keeper, not signalled, ends with its pod cgroup
	for i in $(seq 100); do alive "$KE" || break; sleep 0.05; done
	! alive "$KE"
	ok $? "the keeper $KE ended anyway with its pod cgroup"
	kill "$SP" "$VP" 2>/dev/null
	wait "$SP" "$VP" 2>/dev/null
	rm -rf "/run/jail-ai/keeper-$E.try-sock" "/run/jail-ai/keeper-$E.state" "/run/jail-ai/ctl/$E"
done

done_testing
