#!/bin/bash
# tests/38-policy.t - `jail-ai run --deny-all` (allow-only egress) and `--block-private` (the
# host plus the private ranges) against the real kernel.
#
# The "host" and a "peer" are network namespaces made here, joined by a veth that carries, on
# top of lib.sh's 10.77/16 and fd77::/64, one address of each private range (172.16/12,
# 192.168/16, 100.64/10, 169.254/16) and a "public" one (198.51.100.0/24, 2001:db8:77::/64;
# documentation prefixes, routed only between these two namespaces).  Every denied case has a
# control that reaches the same listener (without a jail, or under plain --block-host), so it
# can fail; a denial is EPERM and the listener hears nothing.  TCP, connected UDP, sendto,
# sendmmsg, connected UDP with ancillary data (sendmsg with no address), IPv4, IPv6 and
# ::ffff:a.b.c.d on AF_INET6 sockets; root and uid 65534 as CMD.

SERVE_SECS=900	# listeners outlive this file on a busy machine
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
LP=$PWD/tests/lo_probe
[ -x "$LP" ] || bail "tests/lo_probe is missing: run 'make tests/lo_probe'"
netns_setup

for r in "198.51.100 24" "172.16.77 24" "192.168.77 24" "100.64.77 24" "169.254.77 16"; do
	set -- $r
	ip -n "$NS_H" addr add "$1.1/$2" dev vh && ip -n "$NS_P" addr add "$1.2/$2" dev vp ||
		bail "cannot add $1.x/$2 to the test namespaces"
done
ip -n "$NS_H" addr add 2001:db8:77::1/64 dev vh nodad &&
	ip -n "$NS_P" addr add 2001:db8:77::2/64 dev vp nodad || bail "cannot add 2001:db8:77::/64"
LL_PEER=$(ip -n "$NS_P" -6 -o addr show dev vp scope link |
	awk '{ sub("/.*", "", $4); print $4; exit }')%vh
[ "$LL_PEER" != %vh ] || bail "no link-local address on the peer veth"

serve "$NS_P" any4 0.0.0.0 7201
serve "$NS_P" any6 :: 7202
serve "$NS_P" other4 0.0.0.0 7203
serve "$NS_P" dns 198.51.100.2 53
serve "$NS_H" h1 10.77.0.1 7002
serve "$NS_H" hpub 198.51.100.1 7010
serve "$NS_H" lo4 127.0.0.1 7001
HOST_LOGS="h1 hpub lo4"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"
log_of() { case $1 in *:*) [ "${1#::ffff:}" = "$1" ] && echo any6 || echo any4 ;; *) echo any4 ;; esac; }
port_of() { [ "$(log_of "$1")" = any6 ] && echo 7202 || echo 7201; }
short() { local s="$*"; s=${s//$PROBE/probe}; s=${s//$LP/lo_probe}; echo "${s//$NOBODY/(uid 65534)}"; }

# reach ADDR PORT LOG [MODE]: without a jail, MODE (tcp) to ADDR PORT reaches LOG.
reach() {
	local n out st
	n=$(arrivals "$3")
	out=$(in_host "$PROBE" "${4:-tcp}" "$1" "$2" 2>&1)
	st=$?
	[ "$st" = 0 ] && arrived "$3" "$n"
	ok $? "control, no jail: ${4:-tcp} $1 port $2 reaches $3" || diag "exit $st: $out"
}

# try WANT LOG JAIL-ARGS... -- CMD...: `jail-ai run JAIL-ARGS -- CMD` prints WANT (ok or
# EPERM); LOG hears it when ok and nothing otherwise (nor does any host listener).
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

PUB="198.51.100.2 ::ffff:198.51.100.2 2001:db8:77::2"
PRIV="10.77.0.2 ::ffff:10.77.0.2 172.16.77.2 192.168.77.2 ::ffff:192.168.77.2 100.64.77.2
169.254.77.2 fd77::2 $LL_PEER"

# ---- controls: every destination is reachable without a jail; the peer under --block-host ----
for a in $PUB $PRIV; do
	reach "$a" "$(port_of "$a")" "$(log_of "$a")"
done
reach 198.51.100.1 7010 hpub
for a in $PUB 10.77.0.2 172.16.77.2 192.168.77.2 100.64.77.2 fd77::2; do
	try ok "$(log_of "$a")" --block-host -- "$PROBE" tcp "$a" "$(port_of "$a")"
done

# ---- --deny-all: nothing but what an --allow names ----
for mode in tcp udp sendto sendmmsg; do
	for a in 198.51.100.2 ::ffff:198.51.100.2 2001:db8:77::2 10.77.0.2; do
		try EPERM "$(log_of "$a")" --deny-all -- "$PROBE" $mode "$a" "$(port_of "$a")"
	done
done
for a in 198.51.100.1:7010 10.77.0.1:7002 127.0.0.1:7001; do
	try EPERM hpub --deny-all -- "$PROBE" tcp "${a%:*}" "${a##*:}"
done
for a in 198.51.100.2 2001:db8:77::2; do
	try EPERM "$(log_of "$a")" --deny-all -- $NOBODY "$PROBE" tcp "$a" "$(port_of "$a")"
	try EPERM "$(log_of "$a")" --deny-all -- $NOBODY "$PROBE" sendto "$a" "$(port_of "$a")"
done

# an allow with a port opens that port of that address, on every path to it
A="--deny-all --allow 198.51.100.2:7201"
for mode in tcp udp sendto sendmmsg; do
	try ok any4 $A -- "$PROBE" $mode 198.51.100.2 7201
	try ok any4 $A -- "$PROBE" $mode ::ffff:198.51.100.2 7201
	try EPERM other4 $A -- "$PROBE" $mode 198.51.100.2 7203
	try EPERM any6 $A -- "$PROBE" $mode 2001:db8:77::2 7202
done
try ok any4 $A -- $NOBODY "$PROBE" tcp 198.51.100.2 7201
try ok any4 $A -- $NOBODY "$PROBE" udp ::ffff:198.51.100.2 7201
try EPERM other4 $A -- $NOBODY "$PROBE" tcp 198.51.100.2 7203
try EPERM hpub $A -- "$PROBE" tcp 198.51.100.1 7010
A6="--deny-all --allow [2001:db8:77::2]:7202"
for mode in tcp udp sendto; do
	try ok any6 $A6 -- "$PROBE" $mode 2001:db8:77::2 7202
	try EPERM any4 $A6 -- "$PROBE" $mode 198.51.100.2 7201
done
# a prefix without a port opens every port inside it
for p in 7201 7203; do
	log=any4; [ $p = 7203 ] && log=other4
	try ok $log --deny-all --allow 198.51.100.0/24 -- "$PROBE" tcp 198.51.100.2 $p
done
try EPERM any4 --deny-all --allow 198.51.100.0/24 -- "$PROBE" tcp 10.77.0.2 7201

# connected UDP, then sendmsg with IP-level ancillary data and no address (the hook sees
# 0.0.0.0 or ::, port 0 and judges the connected peer), or with another address
for kind in tos tclass+gso; do
	for a in 198.51.100.2 ::ffff:198.51.100.2; do
		try EPERM any4 --deny-all -- "$LP" cmsg $kind "$a" 7201
		try ok any4 $A -- "$LP" cmsg $kind "$a" 7201
		try EPERM other4 $A -- "$LP" cmsg $kind "$a" 7201 "$a" 7203
	done
	try EPERM any6 --deny-all -- "$LP" cmsg $kind 2001:db8:77::2 7202
	try ok any6 $A6 -- "$LP" cmsg $kind 2001:db8:77::2 7202
done

# through lo to the allowed peer address: local delivery to the host, refused (jail_egress)
lo_listen() {
	: >"$TMP/lo_any4"
	nsenter --net="/run/netns/$NS_H" -- "$LP" serve 0.0.0.0 7300 900 >"$TMP/lo_any4" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do grep -q '^ready' "$TMP/lo_any4" && return; sleep 0.05; done
	bail "lo_probe listener did not start"
}
lo_listen
for r in unicast_if bindtodevice; do
	n=$(arrivals lo_any4)
	out=$(in_host "$LP" send udp $r 198.51.100.2 7300 2>&1)
	[ $? = 0 ] && arrived lo_any4 "$n"
	ok $? "control, no jail: udp to 198.51.100.2 port 7300 through lo ($r) reaches the host" ||
		diag "$out"
	try EPERM lo_any4 --deny-all --allow 198.51.100.2:7300 -- "$LP" send udp $r 198.51.100.2 7300
done

# the resolver exception: a resolv.conf naming the peer (bind-mounted in a mount namespace)
echo "nameserver 198.51.100.2" >"$TMP/resolv.conf"
with_resolv() {
	timeout -k 2 "$TIMEOUT" unshare -m --propagation private -- sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$TMP/resolv.conf" \
		nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" run "$@"
}
for mode in udp tcp; do
	n=$(arrivals dns)
	out=$(with_resolv --deny-all -- "$PROBE" $mode 198.51.100.2 53 2>"$TMP/err")
	st=$?
	[ "$st" = 0 ] && arrived dns "$n" && grep -q "allowing the resolver 198.51.100.2" "$TMP/err"
	ok $? "--deny-all, nameserver 198.51.100.2: $mode port 53 works (and is said)" ||
		diag "exit $st: $out" "$(tail -n 3 "$TMP/err")"
	out=$(with_resolv --deny-all -- "$PROBE" $mode 198.51.100.2 7201 2>"$TMP/err")
	expect_probe "--deny-all, nameserver 198.51.100.2: $mode port 7201 is EPERM" 1 EPERM $? "$out"
	n=$(arrivals dns)
	out=$(with_resolv --deny-all --no-dns -- "$PROBE" $mode 198.51.100.2 53 2>"$TMP/err")
	expect_probe "--deny-all --no-dns: $mode 198.51.100.2 port 53 is EPERM" 1 EPERM $? "$out"
	sleep 0.05
	[ "$(arrivals dns)" = "$n" ]
	ok $? "--deny-all --no-dns: the resolver heard nothing"
done

# ---- --block-private: the host and the private ranges; public addresses pass ----
for mode in tcp udp sendto; do
	for a in $PRIV; do
		try EPERM "$(log_of "$a")" --block-private -- "$PROBE" $mode "$a" "$(port_of "$a")"
	done
	for a in $PUB; do
		try ok "$(log_of "$a")" --block-private -- "$PROBE" $mode "$a" "$(port_of "$a")"
	done
done
try EPERM hpub --block-private -- "$PROBE" tcp 198.51.100.1 7010
try EPERM lo4 --block-private -- "$PROBE" udp ::ffff:127.0.0.1 7001
for a in 172.16.77.2 fd77::2; do
	try EPERM "$(log_of "$a")" --block-private -- $NOBODY "$PROBE" sendmmsg "$a" "$(port_of "$a")"
done
try ok any4 --block-private -- $NOBODY "$PROBE" tcp 198.51.100.2 7201
for kind in tos tclass+gso; do
	try EPERM any4 --block-private -- "$LP" cmsg $kind ::ffff:192.168.77.2 7201
	try ok any4 --block-private -- "$LP" cmsg $kind 198.51.100.2 7201
done
# --allow opens one entry of a private range, as it does for a host address
B="--block-private --allow 192.168.77.2:7201"
try ok any4 $B -- "$PROBE" tcp 192.168.77.2 7201
try ok any4 $B -- "$PROBE" sendto ::ffff:192.168.77.2 7201
try EPERM other4 $B -- "$PROBE" tcp 192.168.77.2 7203
try EPERM any4 $B -- "$PROBE" tcp 172.16.77.2 7201
try ok any6 --block-private --allow fd77::2 -- "$PROBE" udp fd77::2 7202
try EPERM any4 --block-private --allow fd77::2 -- "$PROBE" udp 10.77.0.2 7201
# both modes: an allow still wins
try ok any4 --deny-all --block-private --allow 10.77.0.2:7201 -- "$PROBE" tcp 10.77.0.2 7201
try EPERM any4 --deny-all --block-private --allow 10.77.0.2:7201 -- "$PROBE" tcp 198.51.100.2 7201

# ---- the mode shown: run --dry-run, list, create --dry-run ----
out=$(jail run --deny-all --block-private --dry-run -- true 2>&1)
grep -q '^# mode: deny-all+block-private$' <<<"$out" &&
	grep -q '^deny  *0\.0\.0\.0/0  *--deny-all' <<<"$out" &&
	grep -q '^deny  *::/0  *--deny-all' <<<"$out" &&
	grep -q '^deny  *100\.64\.0\.0/10  *--block-private' <<<"$out" &&
	grep -q '^deny  *fc00::/7  *--block-private' <<<"$out"
ok $? "run --dry-run: the mode and its entries with their sources" || diag "$out"
out=$(jail run --dry-run --block-host -- true 2>&1)
grep -q '^# mode: block-host$' <<<"$out" && ! grep -q -- '--deny-all\|--block-private' <<<"$out"
ok $? "run --block-host --dry-run: mode block-host, no mode entries" || diag "$out"
jail run --deny-all -- sleep 5 2>/dev/null &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 40); do
	out=$("$JAIL_AI" list 2>/dev/null | grep '^run-')
	[ -n "$out" ] && break
	sleep 0.1
done
js=$("$JAIL_AI" list --json 2>/dev/null | grep '"kind":"run"')
grep -q ' deny-all$' <<<"$out" && grep -q '"block_host":true,"mode":"deny-all"' <<<"$js"
ok $? "list (text and --json) shows a running jail's mode deny-all" || diag "$out" "$js"
out=$(JAIL_AI_PODMAN=/bin/false "$JAIL_AI" create pj --deny-all --block-private --dry-run 2>&1)
grep -q -- '--label=jail-ai.mode=deny-all+block-private' <<<"$out" &&
	grep -q -- '--label=jail-ai.block-host=1' <<<"$out"
ok $? "create --dry-run: the mode goes into the jail's labels (every start rebuilds it)" ||
	diag "$out"

# ---- config files: a project may turn the modes on, never off ----
export XDG_CONFIG_HOME=$TMP/ucfg
mkdir -p "$XDG_CONFIG_HOME/jail-ai" "$TMP/proj/.git" "$TMP/proj/.jail-ai"
: >"$XDG_CONFIG_HOME/jail-ai/config"
in_proj() { (cd "$TMP/proj" && timeout -k 2 "$TIMEOUT" nsenter --net="/run/netns/$NS_H" -- \
	"$JAIL_AI" "$@") >"$TMP/o" 2>"$TMP/e"; }
for m in deny-all block-private; do
	printf '%s\n' $m >"$TMP/proj/.jail-ai/config"
	in_proj run --dry-run -- true
	grep -q "^# mode: $m\$" "$TMP/o" && grep -q "^# --$m from $TMP/proj/.jail-ai/config:1" "$TMP/o"
	ok $? "project config '$m': run --dry-run shows it, with FILE:LINE" || diag "$(cat "$TMP/o" "$TMP/e")"
	in_proj run --no-block-host -- true
	[ $? = 125 ] && grep -q "config $TMP/proj/.jail-ai/config:1 asks for block-host ($m)" "$TMP/e"
	ok $? "project config '$m': --no-block-host cannot turn it off (125)" || diag "$(cat "$TMP/e")"
done
printf 'deny-all\n' >"$TMP/proj/.jail-ai/config"
# The probe from the project (the workspace, visible under run's default file rules
# wherever the tree is: a checkout below /tmp is hidden by the jail's private /tmp).
cp "$PROBE" "$TMP/proj/probe" || bail "cannot copy the probe into the project"
in_proj run -- "$TMP/proj/probe" tcp 198.51.100.2 7201
[ $? = 1 ] && [ "$(tail -n 1 "$TMP/o")" = EPERM ]
ok $? "project config 'deny-all': run (no option) gets EPERM to the peer" || diag "$(cat "$TMP/o" "$TMP/e")"
in_proj run --allow 198.51.100.2:7201 -- "$TMP/proj/probe" tcp 198.51.100.2 7201
[ $? = 0 ]
ok $? "... and the user's --allow still opens its entry" || diag "$(cat "$TMP/o" "$TMP/e")"
for k in no-deny-all no-block-private; do
	printf '%s\n' $k >"$TMP/proj/.jail-ai/config"
	in_proj run -- true
	[ $? = 125 ] && grep -q "config.*:1" "$TMP/e"
	ok $? "project config '$k': refused (125), there is no such key" || diag "$(cat "$TMP/e")"
done
rm "$TMP/proj/.jail-ai/config"
printf 'deny-all\n' >"$XDG_CONFIG_HOME/jail-ai/config"
in_proj run --dry-run -- true
grep -q '^# mode: deny-all$' "$TMP/o"
ok $? "user config 'deny-all': on" || diag "$(cat "$TMP/o" "$TMP/e")"
in_proj run --no-block-host --dry-run -- true
grep -q 'block-host is off' "$TMP/o"
ok $? "user config 'deny-all': the user's --no-block-host turns it off" || diag "$(cat "$TMP/o" "$TMP/e")"
: >"$XDG_CONFIG_HOME/jail-ai/config"
for args in "--deny-all --no-block-host" "--block-private --no-block-host"; do
	in_proj run $args -- touch "$TMP/ran"
	[ $? = 125 ] && [ ! -e "$TMP/ran" ] && grep -q "turns it off\|then turns" "$TMP/e"
	ok $? "run $args: contradictory, refused (125), CMD never runs" || diag "$(cat "$TMP/e")"
done

# the agents take the modes too, from the command line or a config file (no podman here:
# it gets as far as the image and stops there)
printf 'deny-all\n' >"$TMP/proj/.jail-ai/config"
for args in "--deny-all" "--block-private" ""; do
	(cd "$TMP/proj" && JAIL_AI_PODMAN=/bin/false timeout 30 "$JAIL_AI" claude $args) \
		>/dev/null 2>"$TMP/e"
	[ $? = 125 ] && ! grep -q 'unknown option' "$TMP/e"
	ok $? "claude ${args:-(project config deny-all)}: the option is an agent's jail option" ||
		diag "$(cat "$TMP/e")"
done
rm "$TMP/proj/.jail-ai/config"

# ---- failures: nothing runs ----
jail run --deny-all --allow 0.0.0.0/0 -- touch "$TMP/ran" 2>"$TMP/err"
st=$?
[ "$st" = 125 ] && [ ! -e "$TMP/ran" ] && grep -q -- "--force" "$TMP/err"
ok $? "run --deny-all --allow 0.0.0.0/0 (no --force) exits 125 and CMD never runs" ||
	diag "exit $st" "$(cat "$TMP/err")"

done_testing
