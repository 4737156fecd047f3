#!/bin/bash
# tests/28-dns.t - `run --deny-all --allow-domain NAME`: the jail's DNS (UDP and TCP port 53,
# IPv4, IPv6, v4-mapped, any resolver address) is redirected to jail-ai's forwarder; names
# not allowed get REFUSED and never leave; an allowed name's addresses may be reached while
# its answer lasts (TTL + DNS_GRACE_S), and never where a host, loopback, private or --deny
# entry covers them.
#
# The "host" is a network namespace made here (lib.sh), with /etc/resolv.conf bound (in a
# private mount namespace) to a file naming a resolver in the peer namespace, served by
# tests/dns_server.  Listeners: the peer answers TCP and UDP on port 8080 on every address,
# the host on 10.77.0.1:8080.  Each protection has its control: the same thing without the
# jail (or without the option) works.
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
for t in unshare getent runuser useradd setcap make; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
DS=$PWD/tests/dns_server DP=$PWD/tests/dns_probe MP=$PWD/tests/dnsmap_probe LP=$PWD/tests/lo_probe
[ -x "$LP" ] || bail "tests/lo_probe is missing: run 'make tests/lo_probe'"
[ -x "$DS" ] || bail "tests/dns_server is missing: run 'make tests/dns_server'"
[ -x "$MP" ] || bail "tests/dnsmap_probe is missing: run 'make tests/dnsmap_probe'"
[ -x "$DP" ] || bail "tests/dns_probe is missing: run 'make tests/dns_probe'"
netns_setup
for a in 10.77.0.53 10.77.0.10 10.77.0.11 10.77.0.12 10.77.0.13; do
	ip -n "$NS_P" addr add $a/24 dev vp || bail "ip addr add $a"
done
ip -n "$NS_P" addr add fd77::53/64 dev vp nodad && ip -n "$NS_P" addr add fd77::10/64 dev vp nodad ||
	bail "ip addr add fd77::53, fd77::10"
echo "nameserver 10.77.0.53" >"$TMP/resolv4"
echo "nameserver fd77::53" >"$TMP/resolv6"
chmod 644 "$TMP/resolv4" "$TMP/resolv6"

# dns NAME ADDR PORT: a dns_server in the peer, its queries logged to $TMP/NAME.log.
dns() {
	local name=$1 addr=$2 port=$3 i
	nsenter --net="/run/netns/$NS_P" -- "$DS" "$addr" "$port" -l "$TMP/$name.log" \
		"ok.test A 10.77.0.10 1" "ok.test AAAA fd77::10 1" "bad.test A 10.77.0.11 60" \
		"peer.ok.test A 10.77.0.12 60" "host.ok.test A 10.77.0.1 60" \
		"lo.ok.test A 127.0.0.1 60" "deny.ok.test A 10.77.0.13 60" \
		"lo6.ok.test AAAA ::1 60" "long.test A 10.77.0.14 99999" >"$TMP/$name.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	eval "PID_$name=$!"
	for i in $(seq 50); do grep -q '^ready' "$TMP/$name.out" && return 0; sleep 0.05; done
	bail "dns_server $addr:$port did not start: $(cat "$TMP/$name.out")"
}
dns d4 10.77.0.53 53
dns d6 fd77::53 53
dns d5353 10.77.0.53 5353
serve "$NS_P" peer 0.0.0.0 8080
serve "$NS_P" peer6 :: 8080
serve "$NS_H" hostl 10.77.0.1 8080
serve "$NS_H" lol 127.0.0.1 8080

# in_ns RESOLV CMD...: CMD in the host namespace, /etc/resolv.conf being RESOLV.
in_ns() {
	local rc=$1
	shift
	timeout -k 2 "${T:-$TIMEOUT}" nsenter --net="/run/netns/$NS_H" -- unshare -m --propagation private \
		sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$rc" "$@"
}
# jailed OPTS SCRIPT: sh -c SCRIPT in `jail-ai run --deny-all OPTS`, RESOLV (default resolv4);
# $DP, $PROBE, $LP set.
jailed() {
	local opts=$1
	in_ns "${RESOLV:-$TMP/resolv4}" env DP="$DP" PROBE="$PROBE" LP="$LP" $JAIL_AI run --deny-all $opts -- \
		sh -c "$2" 2>"$TMP/err"
}
queries() { grep -c "^q $2 " "$TMP/$1.log"; }

# ---- controls: without a jail, every name resolves and every address answers ----
out=$(in_ns "$TMP/resolv4" "$DP" sendto 10.77.0.53 53 bad.test)
[[ "$out" == "rcode=0 from=10.77.0.53:53 an=10.77.0.11" ]]
ok $? "control: without a jail bad.test resolves (10.77.0.11)" || diag "$out"
out=$(in_ns "$TMP/resolv4" "$PROBE" tcp 10.77.0.11 8080)
ok $? "control: without a jail 10.77.0.11:8080 answers" || diag "$out"
out=$(in_ns "$TMP/resolv4" "$DP" sendto 10.77.0.53 5353 ok.test)
[[ "$out" == rcode=0* ]]
ok $? "control: without a jail a resolver on port 5353 answers" || diag "$out"
for a in 10.77.0.1 127.0.0.1 10.77.0.12 10.77.0.13; do
	out=$(in_ns "$TMP/resolv4" "$PROBE" tcp $a 8080)
	ok $? "control: without a jail $a:8080 answers" || diag "$out"
done
b4=$(queries d4 bad.test)

# ---- the allowed path ----
out=$(jailed "--allow-domain ok.test" '
	getent ahostsv4 ok.test | head -n 1
	"$PROBE" tcp 10.77.0.10 8080
	"$DP" sendto 10.77.0.53 53 ok.test
	"$DP" connect 10.77.0.53 53 ok.test
	"$DP" tcp 10.77.0.53 53 ok.test
	"$DP" sendto fd77::53 53 ok.test AAAA
	"$PROBE" tcp fd77::10 8080
	"$DP" tcp fd77::53 53 ok.test
	"$DP" sendto ::ffff:10.77.0.53 53 ok.test
	"$DP" tcp ::ffff:10.77.0.53 53 ok.test
	"$DP" sendto 10.77.0.99 53 ok.test
	"$DP" sendto 10.77.0.53 53 bad.test
	"$PROBE" tcp 10.77.0.11 8080
	getent ahosts bad.test; echo "getent $?"
	"$DP" sendto 10.77.0.53 5353 ok.test
	echo end')
st=$?
line() { sed -n "${1}p" <<<"$out"; }
[ "$st" = 0 ] && [ "$(line 16)" = end ]
ok $? "run --deny-all --allow-domain ok.test ran" || diag "exit $st" "$(cat "$TMP/err")"
[[ "$(line 1)" == "10.77.0.10 "*"ok.test" ]]
ok $? "glibc getaddrinfo (getent ahostsv4) resolves ok.test through the jail" || diag "$out"
[ "$(line 2)" = ok ]
ok $? "and 10.77.0.10:8080 then connects" || diag "$out"
[ "$(line 3)" = "rcode=0 from=10.77.0.53:53 an=10.77.0.10" ]
ok $? "an unconnected sendto query (musl's way) is answered, from the resolver it asked" ||
	diag "$out"
[ "$(line 4)" = "rcode=0 from=10.77.0.53:53 an=10.77.0.10" ]
ok $? "a connected UDP query (glibc's way) is answered from 10.77.0.53:53" || diag "$out"
[ "$(line 5)" = "rcode=0 from=10.77.0.53:53 an=10.77.0.10" ]
ok $? "DNS over TCP: answered, getpeername shows 10.77.0.53:53" || diag "$out"
[ "$(line 6)" = "rcode=0 from=[fd77::53]:53 an=fd77::10" ]
ok $? "a query to an IPv6 resolver (AAAA) is answered from [fd77::53]:53" || diag "$out"
[ "$(line 7)" = ok ]
ok $? "and [fd77::10]:8080 then connects" || diag "$out"
[ "$(line 8)" = "rcode=0 from=[fd77::53]:53 an=10.77.0.10" ]
ok $? "DNS over TCP to the IPv6 resolver" || diag "$out"
[ "$(line 9)" = "rcode=0 from=[::ffff:10.77.0.53]:53 an=10.77.0.10" ]
ok $? "a v4-mapped resolver address on an AF_INET6 socket: answered from it" || diag "$out"
[ "$(line 10)" = "rcode=0 from=[::ffff:10.77.0.53]:53 an=10.77.0.10" ]
ok $? "DNS over TCP to the v4-mapped resolver address" || diag "$out"
[ "$(line 11)" = "rcode=0 from=10.77.0.99:53 an=10.77.0.10" ]
ok $? "any resolver address is redirected (10.77.0.99, nobody there): answered as from it" ||
	diag "$out"

# ---- what is not allowed ----
[ "$(line 12)" = "rcode=5 from=10.77.0.53:53 an=" ]
ok $? "a name not allowed (bad.test) gets REFUSED" || diag "$out"
[ "$(queries d4 bad.test)" = "$b4" ]
ok $? "and the resolver never saw it" || diag "$(cat "$TMP/d4.log")"
[ "$(line 13)" = EPERM ]
ok $? "bad.test's address 10.77.0.11:8080, by IP: EPERM (control above: it answers)" ||
	diag "$out"
[ "$(line 14)" = "getent 2" ]
ok $? "getent ahosts bad.test finds nothing" || diag "$out"
[ "$(line 15)" = "sendto EPERM" ]
ok $? "a query to a resolver on port 5353 (not 53) is denied (control above: it answers)" ||
	diag "$out"

# ---- only TCP and UDP go to the forwarder: UDP-Lite to port 53 meets --deny-all ----
# A host process binds UDP-Lite on 127.0.0.1:<the forwarder's port> (free: the forwarder
# listens on TCP and UDP only); CMD sends UDP-Lite to 192.0.2.1:53.
jailed "--allow-domain ok.test" 'echo up; sleep 2
	"$LP" send udplite none 192.0.2.1 53; "$LP" send udplite none 127.0.0.1 53' >"$TMP/ul" &
upid=$!
for i in $(seq 100); do grep -q up "$TMP/ul" && break; sleep 0.05; done
jp=$(pgrep -f "^$JAIL_AI run --deny-all --allow-domain ok.test -- " | head -n 1)
fport=$(nsenter --net="/run/netns/$NS_H" -- ss -Hlunp 2>/dev/null |
	awk -v p="pid=$jp," 'index($0, p) && $4 ~ /^127\.0\.0\.1:/ { sub(/.*:/, "", $4); print $4 }' |
	head -n 1)
nsenter --net="/run/netns/$NS_H" -- "$LP" serve 127.0.0.1 "${fport:-1}" 4 udplite >"$TMP/uls" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do grep -qs '^ready' "$TMP/uls" && break; sleep 0.05; done
nsenter --net="/run/netns/$NS_H" -- "$LP" send udplite none 127.0.0.1 "${fport:-1}" >/dev/null
sleep 0.3
c=$(grep -c '^udplite' "$TMP/uls")
wait "$upid"
sleep 0.3
[ -n "$fport" ] && [ "$c" = 1 ]
ok $? "control: a host UDP-Lite socket on the forwarder's port (${fport:-not found}) receives" ||
	diag "$(cat "$TMP/uls")"
[ "$(tr '\n' ' ' <<<"$(cat "$TMP/ul")")" = "up EPERM EPERM " ] && [ "$(grep -c '^udplite' "$TMP/uls")" = 1 ]
ok $? "CMD's UDP-Lite to 192.0.2.1:53 and 127.0.0.1:53: EPERM, never redirected to that socket" ||
	diag "$(cat "$TMP/ul" "$TMP/uls")"

# ---- nothing in the jail may send from port 53 on lo while the forwarder runs ----
# (it could forge the answer of a nameserver on loopback to the forwarder's upstream socket)
# Binding port 53 made possible in the host namespace for this part.
ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_unprivileged_port_start=0
nsenter --net="/run/netns/$NS_H" -- "$LP" serve 127.0.0.1 7053 6 udp >"$TMP/s53" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do grep -qs '^ready' "$TMP/s53" && break; sleep 0.05; done
out=$(jailed "--allow 127.0.0.1" '"$LP" send udp port53 127.0.0.1 7053')
sleep 0.3
n1=$(grep -c '^udp' "$TMP/s53")
[ "$out" = ok ] && [ "$n1" = 1 ]
ok $? "control: without --allow-domain, --allow 127.0.0.1: CMD's datagram from port 53 arrives" ||
	diag "$out" "$(cat "$TMP/err" "$TMP/s53")"
out=$(jailed "--allow 127.0.0.1 --allow-domain ok.test" '"$LP" send udp port53 127.0.0.1 7053
	"$LP" send udp none 127.0.0.1 7053')
sleep 0.3
[ "$(tr '\n' ' ' <<<"$out")" = "EPERM ok " ] && [ "$(grep -c '^udp' "$TMP/s53")" = 2 ]
ok $? "with --allow-domain: from port 53 dropped (EPERM), from another port it arrives" ||
	diag "$out" "$(cat "$TMP/err" "$TMP/s53")"
ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_unprivileged_port_start=1024

# ---- an allowed name never opens what another entry denies ----
# dig OPTS: in a jail with --allow-domain '*.ok.test' and OPTS, resolve each NAME then connect
# to its address; one line per name: "NAME ANSWER CONNECT".
dig() {
	jailed "--allow-domain *.ok.test $1" '
	for n in peer host lo deny; do
		a=$("$DP" sendto 10.77.0.53 53 $n.ok.test | sed -n "s/.* an=//p")
		echo "$n ${a:-none} $("$PROBE" tcp "${a:-10.77.0.250}" 8080)"
	done
	"$DP" sendto 10.77.0.53 53 ok.test'
}
out=$(dig "")
[ "$(sed -n 1p <<<"$out")" = "peer 10.77.0.12 ok" ]
ok $? "*.ok.test: peer.ok.test resolves to 10.77.0.12, which then connects" || diag "$out"
[ "$(sed -n 2p <<<"$out")" = "host 10.77.0.1 EPERM" ]
ok $? "host.ok.test resolves to the host's own 10.77.0.1: still EPERM (control above: it answers)" ||
	diag "$out"
[ "$(sed -n 3p <<<"$out")" = "lo 127.0.0.1 EPERM" ]
ok $? "lo.ok.test resolves to 127.0.0.1: still EPERM (control above: it answers)" || diag "$out"
[ "$(sed -n 4p <<<"$out")" = "deny 10.77.0.13 ok" ]
ok $? "control: deny.ok.test's 10.77.0.13 connects without --deny" || diag "$out"
[ "$(sed -n 5p <<<"$out")" = "rcode=5 from=10.77.0.53:53 an=" ]
ok $? "*.ok.test does not allow ok.test itself: REFUSED" || diag "$out"
out=$(dig "--deny 10.77.0.13")
[ "$(sed -n 4p <<<"$out")" = "deny 10.77.0.13 EPERM" ]
ok $? "with --deny 10.77.0.13, deny.ok.test's address stays EPERM" || diag "$out"
out=$(dig "--block-private")
[ "$(sed -n 1p <<<"$out")" = "peer 10.77.0.12 EPERM" ]
ok $? "with --block-private, peer.ok.test's private 10.77.0.12 stays EPERM (control: above)" ||
	diag "$out"

# ---- the allow lasts TTL (1 s) + DNS_GRACE_S (5 s), then lapses ----
out=$(T=30 jailed "--allow-domain ok.test" '
	"$DP" sendto 10.77.0.53 53 ok.test >/dev/null
	"$PROBE" tcp 10.77.0.10 8080; sleep 3
	"$PROBE" tcp 10.77.0.10 8080; sleep 4
	"$PROBE" tcp 10.77.0.10 8080
	"$DP" sendto 10.77.0.53 53 ok.test >/dev/null
	"$PROBE" tcp 10.77.0.10 8080')
[ "$(tr '\n' ' ' <<<"$out")" = "ok ok EPERM ok " ]
ok $? "TTL 1: reachable at once and 3 s later, EPERM 7 s later, reachable again once re-resolved" ||
	diag "$out" "$(cat "$TMP/err")"

# What the map holds (tests/dnsmap_probe reads the parent's jail_dns4/6): TTL 1 + 5 s of
# grace; a TTL of 99999 cut to 3600 + 5; the TTL-1 entry swept once lapsed, the other kept.
jailed "--allow-domain ok.test --allow-domain long.test" '
	"$DP" sendto 10.77.0.53 53 ok.test >/dev/null
	"$DP" sendto 10.77.0.53 53 long.test >/dev/null; echo resolved; sleep 9' >"$TMP/hold" &
hpid=$!
for i in $(seq 100); do grep -q resolved "$TMP/hold" && break; sleep 0.05; done
jp=$(pgrep -f "^$JAIL_AI run --deny-all --allow-domain ok.test --allow-domain long.test -- " |
	head -n 1)
m1=$("$MP" "$jp" 2>&1)
sleep 8
m2=$("$MP" "$jp" 2>&1)
wait "$hpid"
grep -Eqx '10\.77\.0\.10 [56]' <<<"$m1" && grep -Eqx '10\.77\.0\.14 360[45]' <<<"$m1"
ok $? "jail_dns4: ok.test (TTL 1) for 6 s, long.test (TTL 99999) for 3600 + 5 s" || diag "$m1"
[ "$(awk '$1 == "10.77.0.14" && $2 > 3500 { $2 = "T" } { printf "%s ", $0 }' <<<"$m2")" = \
	"10.77.0.14 T entries 1 " ]
ok $? "8 s later the lapsed entry is swept, the other kept" || diag "$m2"

# The same when nothing sweeps and nothing answers: the test's DNS server killed and the
# jail-ai parent (forwarder and sweeper) stopped; CMD goes on, and the program's own expiry
# check closes the address.
: >"$TMP/lapse"
T=40 jailed "--allow-domain ok.test" '
	"$DP" sendto 10.77.0.53 53 ok.test >/dev/null
	"$PROBE" tcp 10.77.0.10 8080; echo resolved; sleep 8
	"$PROBE" tcp 10.77.0.10 8080' >"$TMP/lapse" &
lpid=$!
for i in $(seq 100); do grep -q resolved "$TMP/lapse" && break; sleep 0.05; done
jp=$(pgrep -f "^$JAIL_AI run --deny-all --allow-domain ok.test -- " | head -n 1)
kill "$PID_d4"
[ -n "$jp" ] && kill -STOP "$jp"
sleep 9
out=$(cat "$TMP/lapse")
held=$([ -n "$jp" ] && "$MP" "$jp" 2>&1)
[ -n "$jp" ] && kill -CONT "$jp"
wait "$lpid"
[ "$(tr '\n' ' ' <<<"$out")" = "ok resolved EPERM " ] && [ -n "$jp" ]
ok $? "DNS server killed, jail-ai parent stopped (pid ${jp:-not found}): the allow still lapses" ||
	diag "$out" "$(cat "$TMP/err")"
grep -Eqx '10\.77\.0\.10 -[0-9]+' <<<"$held"
ok $? "and the map still held the lapsed entry then: the program's own expiry check refused it" ||
	diag "$held"
dns d4 10.77.0.53 53

# ---- an IPv6 upstream resolver (resolv.conf: nameserver fd77::53) ----
out=$(in_ns "$TMP/resolv6" env DP="$DP" PROBE="$PROBE" $JAIL_AI run --deny-all \
	--allow-domain ok.test -- sh -c 'getent ahostsv4 ok.test | head -n 1
	"$PROBE" tcp 10.77.0.10 8080' 2>"$TMP/err")
[[ "$(sed -n 1p <<<"$out")" == "10.77.0.10 "*"ok.test" ]] && [ "$(sed -n 2p <<<"$out")" = ok ]
ok $? "the forwarder asks an IPv6 nameserver; the answer's address then connects" ||
	diag "$out" "$(cat "$TMP/err")"
[ "$(queries d6 ok.test)" -ge 1 ]
ok $? "and that nameserver (fd77::53) was asked" || diag "$(cat "$TMP/d6.log")"

# ---- a full allow map fails the answer, never opens more ----
# bench/dnsmany at 10.77.0.54: nN.many.bench -> 198.18.x.y, peer.bench -> 10.77.0.12, TTL 3600.
"${HOSTCC:-cc}" -O2 -o "$TMP/dnsmany" bench/dnsmany.c 2>"$TMP/cc.err" ||
	bail "cannot build bench/dnsmany.c: $(cat "$TMP/cc.err")"
ip -n "$NS_P" addr add 10.77.0.54/24 dev vp || bail "ip addr add 10.77.0.54"
nsenter --net="/run/netns/$NS_P" -- "$TMP/dnsmany" 10.77.0.54 10.77.0.12 >"$TMP/dnsmany.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do grep -q '^ready' "$TMP/dnsmany.out" && break; sleep 0.05; done
many="--allow-domain *.many.bench --allow-domain peer.bench"
echo "nameserver 10.77.0.54" >"$TMP/resolvm" && chmod 644 "$TMP/resolvm"
out=$(RESOLV=$TMP/resolvm jailed "$many" '"$DP" sendto 10.77.0.54 53 peer.bench; "$PROBE" tcp 10.77.0.12 8080')
[ "$(tr '\n' ' ' <<<"$out")" = "rcode=0 from=10.77.0.54:53 an=10.77.0.12 ok " ]
ok $? "control: in a fresh jail peer.bench resolves and 10.77.0.12 connects" || diag "$out"
out=$(T=120 RESOLV=$TMP/resolvm jailed "$many" '
	i=0 bad=0
	while [ $i -lt 8192 ]; do
		"$DP" sendto 10.77.0.54 53 n$i.many.bench | grep -q "^rcode=0 " || bad=$((bad + 1))
		i=$((i + 1))
	done
	echo "filled, $bad failed"
	"$DP" sendto 10.77.0.54 53 peer.bench
	"$PROBE" tcp 10.77.0.12 8080
	"$DP" sendto 10.77.0.54 53 n5.many.bench
	t0=$(date +%s%N) i=0
	while [ $i -lt 100 ]; do "$DP" sendto 10.77.0.54 53 n5.many.bench >/dev/null; i=$((i + 1)); done
	t1=$(date +%s%N) i=0
	while [ $i -lt 100 ]; do "$DP" sendto 10.77.0.54 53 n$((9000 + i)).many.bench >/dev/null; i=$((i + 1)); done
	t2=$(date +%s%N)
	echo "held $(((t1 - t0) / 1000000)) full $(((t2 - t1) / 1000000))"')
[ "$(sed -n 1p <<<"$out")" = "filled, 0 failed" ]
ok $? "8192 answers fill jail_dns4" || diag "$out" "$(tail -n 3 "$TMP/err")"
[ "$(sed -n 2p <<<"$out")" = "rcode=2 from=10.77.0.54:53 an=" ]
ok $? "the 8193rd address: SERVFAIL (the map is full)" || diag "$out"
[ "$(sed -n 3p <<<"$out")" = EPERM ]
ok $? "and its address stays EPERM" || diag "$out"
[ "$(sed -n 4p <<<"$out")" = "rcode=0 from=10.77.0.54:53 an=198.18.0.6" ]
ok $? "an address already held is answered again (the forwarder keeps serving)" || diag "$out"
# A full map of unexpired entries is not walked again for each failing answer (a walk of
# 8,192 entries took 10-20 ms, in the loop that also applies refreshes and live policy).
read -r _ held _ full <<<"$(sed -n 5p <<<"$out")"
[ -n "$full" ] && [ "$full" -lt $((held * 3 / 2 + 300)) ]
ok $? "100 answers failing on the full map: ${full:-?} ms, 100 answered from it: ${held:-?} ms" ||
	diag "$out"

# ---- CMD holds none of the forwarder's sockets or the maps; the parent does (control) ----
jailed "--allow-domain fds.test" 'ls -l /proc/$$/fd; sleep 1.5' >"$TMP/fds" &
fpid=$!
for i in $(seq 100); do [ -s "$TMP/fds" ] && break; sleep 0.05; done
jp=$(pgrep -f "^$JAIL_AI run --deny-all --allow-domain fds.test -- " | head -n 1)
psock=$(ls -l "/proc/$jp/fd" 2>/dev/null | grep -c 'socket:')
pmap=$(ls -l "/proc/$jp/fd" 2>/dev/null | grep -c 'bpf-map')
# the relay: the parent's child, jail-ai's code, dumpable, visible to CMD
rp=$(pgrep -P "$jp" | head -n 1)
rfds=$(ls -l "/proc/$rp/fd" 2>&1)
# the parent's sockets (the forwarder's four among them) also open in the relay
shared=$(comm -12 <(ls -l "/proc/$jp/fd" 2>/dev/null | grep -o 'socket:.*' | sort) \
	<(grep -o 'socket:.*' <<<"$rfds" | sort) | wc -l)
wait "$fpid"
[ "$(grep -c -e 'socket:' -e 'bpf-map' -e 'anon_inode' "$TMP/fds")" = 0 ]
ok $? "CMD has no socket, map or other anonymous fd" || diag "$(cat "$TMP/fds")"
[ -n "$rp" ] && [ -n "$rfds" ] && [ "$shared" = 0 ] && ! grep -q 'bpf-map' <<<"$rfds"
ok $? "the run relay (pid ${rp:-not found}) holds none of the parent's sockets or the maps" ||
	diag "$shared shared" "$rfds" "$(ls -l "/proc/$jp/fd" 2>&1)"
[ -n "$jp" ] && [ "$psock" -ge 4 ] && [ "$pmap" -ge 2 ]
ok $? "control: the jail-ai parent (pid ${jp:-not found}) holds them ($psock sockets, $pmap maps)" ||
	diag "$(ls -l "/proc/$jp/fd" 2>&1)"

# ---- denial events keep working ----
out=$(jailed "--allow-domain ok.test --events $TMP/ev" '"$PROBE" tcp 10.77.0.11 8080')
grep '"10.77.0.11"' "$TMP/ev" | grep -q '"deny-all"'
ok $? "--events: the denied connect to 10.77.0.11 is an event of --deny-all's entry" ||
	diag "$out" "$(cat "$TMP/ev" "$TMP/err")"

# ---- refusals: nothing runs ----
refused() {
	local want=$1
	shift
	rm -f "$TMP/ran"
	out=$(in_ns "$TMP/resolv4" $JAIL_AI "$@" -- touch "$TMP/ran" 2>&1)
	st=$?
	[ "$st" = 125 ] && [[ "$out" == *"$want"* ]] && [ ! -e "$TMP/ran" ]
	ok $? "$* is refused (125, '$want'), nothing run" || diag "exit $st: $out"
}
refused "add --deny-all" run --allow-domain ok.test
refused "--no-dns" run --deny-all --no-dns --allow-domain ok.test
refused "without --allow-dns" run --proxy http://10.77.0.2:3128 --allow-domain ok.test
refused "'*' only as the whole first label" run --deny-all --allow-domain 'a.*.test'
refused "over a top-level domain" run --deny-all --allow-domain '*.com'
out=$($JAIL_AI run --dry-run --deny-all --allow-domain ok.test --allow-domain '*.ok.test' -- true)
grep -qx 'allow-domain ok.test  # .*' <<<"$out" && grep -qx 'allow-domain \*.ok.test  # .*' <<<"$out" &&
	grep -q '^# port 53 (UDP, TCP, any address): jail-ai' <<<"$out"
ok $? "run --dry-run names each --allow-domain and the port-53 redirect" || diag "$out"
out=$($JAIL_AI create --allow-domain ok.test t28dns-$$ 2>&1)
st=$?
[ "$st" = 125 ] && [[ "$out" == *'allow-only policy: add --deny-all'* ]]
ok $? "create --allow-domain without --deny-all: refused as for run (125; rootful podman: 59-podman-dns)" ||
	diag "exit $st: $out"

# ---- a normal user, through a login shell (runuser -l); --fs host: the script is in /tmp ----
install_as_user jail-ai-tty
cp "$PROBE" "$DP" "$TMP/" && chmod 755 "$TMP/probe" "$TMP/dns_probe" || bail "cp probes"
D=$CG2/jail-ai-t28dns-$$
t28_cleanup() {
	local st=$?
	remove_cgroup_tree "$D"
	(exit "$st")
	cleanup
}
trap t28_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"
cat >"$TMP/user.sh" <<EOF
#!/bin/sh
getent ahostsv4 ok.test | head -n 1
$TMP/probe tcp 10.77.0.10 8080
$TMP/dns_probe sendto 10.77.0.53 53 bad.test
$TMP/probe tcp 10.77.0.11 8080
EOF
chmod 755 "$TMP/user.sh"
out=$(sh -c 'echo $$ >"$0/cgroup.procs" && exec nsenter --net="/run/netns/$1" -- unshare -m \
	--propagation private sh -c "mount --bind \"\$0\" /etc/resolv.conf &&
	exec timeout 30 runuser -l \"\$1\" -c \"\$2\"" "$2" "$3" "$4"' "$D" "$NS_H" \
	"$TMP/resolv4" "$TUSER" "$INST run --fs host --deny-all --allow-domain ok.test -- $TMP/user.sh" 2>&1)
[[ "$(grep -v '^jail-ai:' <<<"$out" | tr '\n' ' ')" == "10.77.0.10 "*"ok.test ok rcode=5 from=10.77.0.53:53 an= EPERM " ]]
ok $? "as $TUSER through runuser -l: ok.test resolves and connects, bad.test REFUSED, its address EPERM" ||
	diag "$out"

done_testing
