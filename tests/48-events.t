#!/bin/bash
# tests/48-events.t - `run --block-host --events FILE`: every denied operation is one JSON
# line naming its hook, destination and the entry that denied it; an allowed one is none;
# a denial storm is counted (events read + dropped = denials) and CMD keeps running; the
# file is opened before CMD and out of its view; a bad FILE is refused with 125 before CMD.
#
# The "host" and a "peer" are network namespaces made here (lib.sh): 10.77.0.1 and
# fd77::1 are host addresses, 10.77.0.2 the peer.  Controls: each denied vector without
# the jail reaches its listener (or makes its socket); with --block-host but no --events
# the same denial writes nothing.  A normal user (runuser -l, the installed binary with
# cap_bpf,cap_net_admin+p, as tests/29-user-paths.t) gets the same lines.
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
command -v jq >/dev/null || skip_all "needs jq (scripts/deps test)"
for t in runuser setcap useradd; do command -v "$t" >/dev/null || skip_all "needs $t"; done
netns_setup
serve_host "h4 10.77.0.1 7401
h6 fd77::1 7402
hu 10.77.0.1 7403"
serve "$NS_P" peer 10.77.0.2 7404
EV=$TMP/events.json

# ev_run FILE ARGS...: jail run --block-host --events FILE ARGS; output in $OUT, status $ST.
ev_run() {
	local f=$1
	shift
	OUT=$(jail run --block-host --events "$f" "$@" 2>"$TMP/err")
	ST=$?
}
# ev_one FILE JQ: exactly one event line (not the summary) in FILE, and it matches JQ.
ev_one() {
	local n m
	n=$(jq -c 'select(.summary != true)' "$1" | wc -l)
	m=$(jq -c "select(.summary != true) | select($2)" "$1" | wc -l)
	[ "$n" = 1 ] && [ "$m" = 1 ]
}
summary() { jq -c 'select(.summary == true)' "$1"; }

# ---- each denied vector: one event, and what it says ----
# vector NAME PROBE-ARGS JQ [RUN-OPTIONS]: the probe refused with EPERM in the jail, one event.
vector() {
	local name=$1 args=$2 want=$3
	shift 3
	: >"$EV"
	ev_run "$EV" "$@" -- "$PROBE" $args
	[ "$ST" = 1 ] && [ "$OUT" = EPERM ]
	ok $? "$name: refused with EPERM" || diag "exit $ST: $OUT" "$(cat "$TMP/err")"
	ev_one "$EV" "$want"
	ok $? "$name: one event: $want" || diag "$(cat "$EV")"
}
# comm is read from /proc/PID/comm when the line is written: null once the process is
# gone (a probe that exits at once may be); the storm below checks it while it lives.
PID_OK='(.pid | type) == "number" and (.comm == "probe" or .comm == null)'
vector "connect4 to a host address" "tcp 10.77.0.1 7401" \
	'.hook == "connect4" and .family == "inet" and .proto == "tcp" and .type == "stream" and .dst == "10.77.0.1" and .port == 7401 and .kind == "host" and .source == "/proc/net/fib_trie" and .entry == "10.77.0.1/32" and '"$PID_OK"
vector "connect6 to a host address" "tcp fd77::1 7402" \
	'.hook == "connect6" and .family == "inet6" and .dst == "fd77::1" and .port == 7402 and .kind == "host" and .source == "/proc/net/if_inet6" and .entry == "fd77::1/128" and '"$PID_OK"
vector "connect6 to a v4-mapped host address" "tcp ::ffff:10.77.0.1 7401" \
	'.hook == "connect6" and .family == "inet6" and .dst == "::ffff:10.77.0.1" and .kind == "host" and .entry == "10.77.0.1/32" and '"$PID_OK"
vector "connect4 to loopback" "tcp 127.0.0.1 7401" \
	'.hook == "connect4" and .dst == "127.0.0.1" and (.kind == "host" or .kind == "fixed") and (.entry | startswith("127.0.0."))'
vector "UDP sendto a host address" "sendto 10.77.0.1 7403" \
	'.hook == "sendmsg4" and .proto == "udp" and .type == "dgram" and .dst == "10.77.0.1" and .port == 7403 and .entry == "10.77.0.1/32" and '"$PID_OK"
# The kernel sends a v4-mapped datagram of an AF_INET6 socket through IPv4's sendmsg hook.
vector "UDP sendto a v4-mapped host address" "sendto ::ffff:10.77.0.1 7403" \
	'.hook == "sendmsg4" and .dst == "10.77.0.1" and .entry == "10.77.0.1/32"'
vector "ping socket (sock_create, no entry)" "socket ping4" \
	'.hook == "sock_create" and .kind == "socket" and .family == "inet" and .type == "dgram" and .proto == "icmp" and .dst == null and .entry == null and .pid == null'
vector "raw socket, a root CMD that keeps CAP_NET_RAW" "socket raw4" \
	'.hook == "sock_create" and .kind == "socket" and .type == "raw" and .proto == "icmp"' \
	--unsafe-keep-privileges
vector "--deny names its entry" "tcp 10.77.0.2 7404" \
	'.hook == "connect4" and .kind == "deny" and .source == "--deny" and .entry == "10.77.0.0/24"' \
	--deny 10.77.0.0/24
vector "--deny-all names its entry" "tcp 10.77.0.2 7404" \
	'.kind == "deny-all" and .source == "--deny-all" and .entry == "0.0.0.0/0"' --deny-all
vector "--block-private names its entry" "tcp 10.77.0.2 7404" \
	'.kind == "private" and .source == "--block-private" and .entry == "10.0.0.0/8"' \
	--block-private
vector "setsockopt IP_OPTIONS" "sockopt ipopt" \
	'.hook == "setsockopt" and .kind == "sockopt" and .level == 0 and .optname == 4'
[ "$(jq -c 'select(.summary == true) | select(.denied.setsockopt == 1 and .events_dropped == 0)' "$EV" | wc -l)" = 1 ]
ok $? "the summary counts the denial (setsockopt 1, nothing dropped)" || diag "$(summary "$EV")"

# Controls: without the jail the same vectors reach the host; without --events no file.
before=$(arrivals h4 h6 hu)
for a in "tcp 10.77.0.1 7401" "tcp fd77::1 7402" "tcp ::ffff:10.77.0.1 7401" "sendto 10.77.0.1 7403"; do
	in_host "$PROBE" $a >/dev/null 2>&1
done
arrived h4 "$before" && [ "$(arrivals h4 h6 hu)" -ge $((before + 4)) ]
ok $? "control: without the jail connect4, connect6, v4-mapped and sendto arrive" ||
	diag "arrivals $before -> $(arrivals h4 h6 hu)"
[ "$(in_host "$PROBE" socket ping4)" = ok ] && [ "$(in_host "$PROBE" socket raw4)" = ok ]
ok $? "control: without the jail ping4 and raw4 sockets are made"
out=$(jail run --block-host -- "$PROBE" tcp 10.77.0.1 7401 2>&1)
[ "$out" = EPERM ] && [ ! -e "$TMP/none.json" ]
ok $? "control: --block-host without --events writes no events (and is still EPERM)"

# ---- an address the host gains while CMD runs: its entry is named after the refresh ----
: >"$EV"
( sleep 0.5; ip -n "$NS_H" addr add 10.77.5.1/32 dev lo ) &
addpid=$!
ev_run "$EV" -- sh -c "sleep 1.5; '$PROBE' tcp 10.77.5.1 7401"
wait "$addpid"
ip -n "$NS_H" addr del 10.77.5.1/32 dev lo 2>/dev/null
[ "$OUT" = EPERM ] && ev_one "$EV" '.dst == "10.77.5.1" and .kind == "host" and .entry == "10.77.5.1/32"'
ok $? "an address added while CMD runs: EPERM, and the event names its entry (10.77.5.1/32, host)" ||
	diag "exit $ST: $OUT" "$(cat "$EV")"

# ---- an allowed connect: no event ----
: >"$EV"
before=$(arrivals peer)
ev_run "$EV" -- "$PROBE" tcp 10.77.0.2 7404
[ "$ST" = 0 ] && arrived peer "$before"
ok $? "an allowed connect to the peer arrives" || diag "exit $ST: $OUT" "$(cat "$TMP/err")"
[ "$(jq -c 'select(.summary != true)' "$EV" | wc -l)" = 0 ] &&
	[ "$(jq -c 'select(.summary == true) | select(([.denied[]] | add) == 0)' "$EV" | wc -l)" = 1 ]
ok $? "... and writes no event; the summary counts no denial" || diag "$(cat "$EV")"

# ---- a denial storm: counted, CMD never waits ----
: >"$EV"
jail run --block-host -- "$PROBE" storm 10.77.0.1 7401 2000 >"$TMP/storm0" 2>&1
n0=$(awk '/^storm/ { print $2 }' "$TMP/storm0")
# The reader (the run parent) is stopped for 0.5 s in the middle, so that the ring fills
# whatever the machine's speed (a fast reader may otherwise keep up and drop nothing);
# CMD goes on meanwhile: it never waits for the reader.
( ev_run "$EV" -- "$PROBE" storm 10.77.0.1 7401 2000
  printf '%s\n' "$ST" >"$TMP/storm.st"; printf '%s\n' "$OUT" >"$TMP/storm.out" ) &
sp=$!
sleep 0.7
rp=$(pgrep -o -f "^[^ ]*jail-ai[^ ]* run --block-host --events $EV ")
[ -n "$rp" ] && kill -STOP "$rp" && sleep 0.5 && kill -CONT "$rp"
wait "$sp"
ST=$(cat "$TMP/storm.st") OUT=$(cat "$TMP/storm.out")
n1=$(awk '/^storm/ { print $2 }' <<<"$OUT")
e1=$(awk '/^storm/ { print $4 }' <<<"$OUT")
[ "$ST" = 0 ] && [ -n "$n1" ] && [ "$n1" = "$e1" ] && [ "$n1" -gt 1000 ]
ok $? "storm: CMD ran 2 s of denied connects with --events ($n1, all EPERM)" || diag "$OUT"
lines=$(jq -c 'select(.summary != true)' "$EV" | wc -l)
read -r den drop got < <(jq -r 'select(.summary == true) |
	"\(.denied.connect4) \(.events_dropped) \(.events_read)"' "$EV")
[ "$den" = "$n1" ] && [ "$got" = "$lines" ] && [ $((got + drop)) = "$den" ] && [ "$lines" -gt 0 ]
ok $? "storm: denials $den = CMD's attempts; lines $lines + dropped $drop = denials" ||
	diag "denied $den dropped $drop read $got lines $lines attempts $n1"
[ -n "$rp" ] && [ "${drop:-0}" -gt 0 ]
ok $? "storm: with the reader stopped for 0.5 s the full ring dropped events and counted them ($drop)" ||
	diag "reader pid '${rp}'"
named=$(jq -c 'select(.summary != true) | select(.comm == "probe")' "$EV" | wc -l)
other=$(jq -c 'select(.summary != true) | select(.comm != "probe" and .comm != null)' "$EV" | wc -l)
[ "$named" -gt 0 ] && [ "$other" = 0 ]
ok $? "storm: the live CMD's events name its pid's comm (probe)" ||
	diag "$(jq -r 'select(.summary != true) | .comm' "$EV" | sort | uniq -c)"
[ -n "$n0" ] && [ "$n1" -gt $((n0 / 10)) ]
ok $? "storm: CMD's rate with --events is of the same order as without ($n1 vs $n0 in 2 s)"
diag "storm loop count in 2 s: $n0 without --events, $n1 with (ratio $(awk -v a="$n1" -v b="$n0" 'BEGIN { printf "%.2f", a / b }'))"

# ---- run --name: `jail-ai events NAME` serves the backlog, with or without --events ----
for evopt in "" "--events $TMP/named.json"; do
	EN=ev$$n
	# shellcheck disable=SC2086
	jail run --name "$EN" --block-host $evopt -- sh -c "$PROBE tcp 10.77.0.1 7401; sleep 3" \
		>"$TMP/named.out" 2>&1 &
	np=$!
	out=
	for i in $(seq 60); do
		out=$(in_host "$JAIL_AI" events "$EN" 2>/dev/null) && [ -n "$out" ] && break
		sleep 0.05
	done
	wait "$np"
	n=$(jq -c 'select(.hook == "connect4" and .dst == "10.77.0.1" and .port == 7401 and .entry == "10.77.0.1/32")' <<<"$out" 2>/dev/null | wc -l)
	[ "$n" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ]
	ok $? "run --name ${evopt:+--events FILE }: jail-ai events NAME prints the denied connect, with its entry" ||
		diag "$out" "$(cat "$TMP/named.out")"
done
[ "$(jq -c 'select(.hook == "connect4")' "$TMP/named.json" | wc -l)" = 1 ]
ok $? "with --events FILE the file gets the line too" || diag "$(cat "$TMP/named.json")"

# ---- the file: opened before CMD, out of its view, never its fd ----
: >"$EV"
ev_run "$EV" -- sh -c "ls -l /proc/self/fd/ | grep -c -- '->'; test -e '$EV' && echo visible || echo hidden"
[ "$ST" = 0 ] && [ "$(sed -n 2p <<<"$OUT")" = hidden ]
ok $? "CMD does not see an events file in the host's /tmp (its /tmp is private)" ||
	diag "exit $ST: $OUT" "$(cat "$TMP/err")"
[ "$(sed -n 1p <<<"$OUT")" -le 4 ]
ok $? "CMD holds no fd but 0-2 (and ls's own): the events file is not inherited" || diag "$OUT"
test -e "$EV"
ok $? "control: the file exists on the host"
mkdir -p "$TMP/ws" && : >"$TMP/ws/ev.json"
ev_run "$TMP/ws/ev.json" --rw "$TMP/ws" -- sh -c "echo forged >>'$TMP/ws/ev.json' && echo wrote"
[ "$OUT" = wrote ] && grep -qx forged "$TMP/ws/ev.json"
ok $? "control (documented): an events file inside CMD's writable view is CMD's to write" ||
	diag "exit $ST: $OUT" "$(cat "$TMP/err")"

# ---- refusals: 125 before CMD ----
for bad in "$TMP/no/such/dir/ev.json" "$TMP"; do
	rm -f "$TMP/ran"
	jail run --block-host --events "$bad" -- touch "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
	st=$?
	[ "$st" = 125 ] && [ ! -e "$TMP/ran" ] && grep -q -- "--events $bad:" "$TMP/err"
	ok $? "--events $bad: exit 125, CMD never ran, the message names the path" ||
		diag "exit $st" "$(cat "$TMP/err")"
done
rm -f "$TMP/ran"
jail run --events "$EV" -- touch "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
st=$?
[ "$st" = 125 ] && [ ! -e "$TMP/ran" ] && grep -q "needs --block-host" "$TMP/err"
ok $? "--events without --block-host: exit 125, CMD never ran" || diag "exit $st" "$(cat "$TMP/err")"

# ---- a normal user: the installed binary, a login shell ----
install_as_user jail-ai-tty
cp "$PROBE" "$TMP/probe" && chmod 755 "$TMP/probe" || bail "cp probe"
D=$CG2/jail-ai-t48-$$
t48_cleanup() {
	local st=$?
	remove_cgroup_tree "$D"
	(exit "$st")
	cleanup
}
trap t48_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"
login() {
	sh -c 'echo $$ >"$1/cgroup.procs" && exec timeout 30 runuser -l "$2" -c "$3"' \
		sh "$D" "$TUSER" "$*"
}
out=$(login "$INST run --rw $TMP --block-host --events $UD/ev.json -- $TMP/probe tcp 127.0.0.1 9" 2>&1)
st=$?
[ "$st" = 1 ] && [[ "$out" == *EPERM* ]]
ok $? "runuser -l: run --block-host --events: the connect is EPERM" || diag "exit $st: $out"
ev_one "$UD/ev.json" '.hook == "connect4" and .dst == "127.0.0.1" and .port == 9 and '"$PID_OK"
ok $? "runuser -l: the capability-free parent wrote the event" || diag "$(cat "$UD/ev.json" 2>&1)"
[ "$(stat -c %u:%a "$UD/ev.json")" = "$TUID:600" ]
ok $? "runuser -l: the file is the user's, mode 0600 ($(stat -c %u:%a "$UD/ev.json"))"
out=$(login "$TMP/probe tcp 127.0.0.1 9" 2>&1)
[[ "$out" != *EPERM* ]]
ok $? "control: the user's connect without the jail is not EPERM ($out)"
done_testing
