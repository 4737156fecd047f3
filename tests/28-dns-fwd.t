#!/bin/bash
# tests/28-dns-fwd.t - dns.c's forwarder (the DNS half of --allow-domain) with real sockets:
# tests/dns_fwd_probe runs it in the "host" namespace made here (lib.sh), with a resolv.conf
# naming tests/dns_server instances in the peer namespace, and prints the allow callback's
# calls; the same probe is the client.  Allowed names are relayed over UDP and TCP, IPv4
# and IPv6, and the callback gets exactly their A/AAAA addresses (CNAME chain, lowest TTL)
# before the client has the answer; other names get REFUSED and never reach the server;
# forged answers (wrong id, wrong source port) are ignored; malformed queries, a full
# pending table and slow TCP clients do not stop it.  Controls show each forged answer
# was sent and that a client without the checks takes it.  Listeners made in a third
# namespace (dns_fwd_listeners there, dns_fwd_open_fds here, as for a podman jail) serve
# that namespace only, upstream from this one.  Under JAIL_AI=*-asan the
# forwarder runs under ASan+UBSan (tests/dns_fwd_probe-asan).
. "$(dirname "$0")/lib.sh"
require_root
require_tools
DS=$PWD/tests/dns_server
PR=$PWD/tests/dns_fwd_probe
case $JAIL_AI in *-asan) PR=$PWD/tests/dns_fwd_probe-asan ;; esac
[ -x "$DS" ] || bail "tests/dns_server is missing: run 'make tests/dns_server'"
[ -x "$PR" ] || bail "$PR is missing: run 'make ${PR#$PWD/}'"
netns_setup
for i in 3 4 5 6 7 8 9 10; do
	ip -n "$NS_P" addr add 10.77.0.$i/24 dev vp || bail "peer address 10.77.0.$i"
done
TO=1500		# the forwarders' upstream and TCP client timeout, ms

RECS=$TMP/records
cat >"$RECS" <<'EOF'
a.example.com A 192.0.2.1 300
a.example.com AAAA 2001:db8::1 200
www.example.com CNAME a.example.com 60
x.wild.test A 192.0.2.7 100
wild.test A 192.0.2.8 100
evil.test A 203.0.113.66 300
EOF

# server NAME ADDR ARGS...: tests/dns_server on ADDR port 53 in the peer, log $TMP/NAME.log.
server() {
	local name=$1 addr=$2 i
	shift 2
	: >"$TMP/$name.log"
	# nsenter itself, not in_peer: $! must be the server (cleanup kills it), not a subshell
	nsenter --net="/run/netns/$NS_P" -- "$DS" "$addr" 53 -f "$RECS" -l "$TMP/$name.log" "$@" \
		>"$TMP/$name.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do grep -q '^ready' "$TMP/$name.out" && return 0; sleep 0.05; done
	bail "dns_server $name on $addr did not start: $(cat "$TMP/$name.out")"
}

# fwd NAME "NAMESERVER..." ARGS...: a forwarder (output $TMP/NAME.fwd); sets P (its port).
fwd() {
	local name=$1 ns=$2 i
	shift 2
	for i in $ns; do echo "nameserver $i"; done >"$TMP/$name.resolv"
	nsenter --net="/run/netns/$NS_H" -- "$PR" fwd "$TMP/$name.resolv" $TO -c "$@" \
		>"$TMP/$name.fwd" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	eval "PID_$name=$!"
	for i in $(seq 100); do grep -q '^port' "$TMP/$name.fwd" && break; sleep 0.05; done
	P=$(awk '/^port/ { print $2 }' "$TMP/$name.fwd")
	[ -n "$P" ] || bail "forwarder $name did not start: $(cat "$TMP/$name.fwd")"
	eval "PORT_$name=$P"
}

q() { in_host "$PR" query "$@" 2>&1; }
# mark NAME: remembers how long NAME's forwarder output is; since NAME: its allow lines since.
mark() { eval "MARK_$1=$(wc -l <"$TMP/$1.fwd")"; }
since() { local m; eval "m=\$MARK_$1"; tail -n +$((m + 1)) "$TMP/$1.fwd" | grep '^allow' | sort | tr '\n' ' '; }
seen() { grep -c "^q $2 " "$TMP/$1.log"; }

server s4 10.77.0.2
server s6 fd77::2
server extra 10.77.0.3 -x "evil.test A 203.0.113.66 300"
server sid 10.77.0.4 -s id
server sport 10.77.0.5 -s port
server sidn 10.77.0.6 -s id -n
server drop 10.77.0.7 -d
server badlen 10.77.0.8 -m badlen

fwd f1 10.77.0.2 a.example.com www.example.com '*.wild.test'
F1=$P
grep -q '^port [0-9]* v6 1$' "$TMP/f1.fwd"
ok $? "the forwarder listens on one port for 127.0.0.1 and ::1 ($F1)" || diag "$(head -n 1 "$TMP/f1.fwd")"
n=$(in_host ss -Hlnup "sport = :$F1" | wc -l) t=$(in_host ss -Hlntp "sport = :$F1" | wc -l)
[ "$n" = 2 ] && [ "$t" = 2 ]
ok $? "UDP and TCP, IPv4 and IPv6 on port $F1 ($n UDP, $t TCP)" || diag "$(in_host ss -Hlnutp)"

# check DESC WANT_OUT WANT_ALLOW OUT: client output and the callback's calls.
check() {
	local got
	got=$(since f1)
	[ "$4" = "$2" ] && [ "$got" = "$3" ]
	ok $? "$1" || diag "client: $4" "wanted: $2" "allow calls: '$got'" "wanted: '$3'"
}
mark f1
out=$(q 127.0.0.1 $F1 a.example.com A)
check "UDP/IPv4: a.example.com A relayed; the callback got exactly its A" \
	"rcode 0"$'\n'"A 192.0.2.1 300" "allow 4 192.0.2.1 300 " "$out"
mark f1
out=$(q ::1 $F1 www.example.com AAAA)
check "UDP/IPv6: www.example.com AAAA via CNAME (TTL 60 < 200)" \
	"rcode 0"$'\n'"AAAA 2001:db8::1 60" "allow 6 2001:db8::1 60 " "$out"
mark f1
out=$(q -t 127.0.0.1 $F1 www.example.com A)
check "TCP/IPv4: www.example.com A" "rcode 0"$'\n'"A 192.0.2.1 60" "allow 4 192.0.2.1 60 " "$out"
mark f1
out=$(q -t ::1 $F1 a.example.com AAAA)
check "TCP/IPv6: a.example.com AAAA" "rcode 0"$'\n'"AAAA 2001:db8::1 200" \
	"allow 6 2001:db8::1 200 " "$out"
[ "$(seen s4 www.example.com)" = 2 ] && grep -q '^q www.example.com 1 tcp' "$TMP/s4.log"
ok $? "the server saw them, over UDP and TCP upstream too" || diag "$(cat "$TMP/s4.log")"

fwd f6 fd77::2 a.example.com
out=$(q 127.0.0.1 $P a.example.com A; q -t ::1 $P a.example.com AAAA)
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300"$'\n'"rcode 0"$'\n'"AAAA 2001:db8::1 200" ] &&
	[ "$(seen s6 a.example.com)" = 2 ]
ok $? "an IPv6 nameserver, over UDP and TCP" || diag "$out" "$(cat "$TMP/s6.log")"

# 10.77.0.9: no server (port unreachable), then 10.77.0.2
fwd fnext "10.77.0.9 10.77.0.2" a.example.com
t0=$(date +%s%N)
out=$(q 127.0.0.1 $P a.example.com A)
ms=$((($(date +%s%N) - t0) / 1000000))
out2=$(q 127.0.0.1 $P a.example.com A)
[ "$out" = "rcode 2" ] && [ "$ms" -lt 1000 ] && [ "$out2" = "rcode 0"$'\n'"A 192.0.2.1 300" ]
ok $? "a nameserver that refuses: SERVFAIL at once (${ms} ms), the retry goes to the next" ||
	diag "$out" "$out2"

# ---- names not allowed ----
mark f1
out=$(q 127.0.0.1 $F1 evil.test A; q -t ::1 $F1 evil.test A; q ::1 $F1 wild.test A)
check "evil.test (UDP, TCP) and wild.test (*.wild.test is below it only): REFUSED, no call" \
	"rcode 5"$'\n'"rcode 5"$'\n'"rcode 5" "" "$out"
[ "$(seen s4 evil.test)" = 0 ] && [ "$(seen s4 wild.test)" = 0 ]
ok $? "the server never saw a refused name" || diag "$(cat "$TMP/s4.log")"
fwd ctl 10.77.0.2 evil.test
out=$(q 127.0.0.1 $P evil.test A)
[ "$out" = "rcode 0"$'\n'"A 203.0.113.66 300" ] && [ "$(seen s4 evil.test)" = 1 ]
ok $? "control: with evil.test allowed, it is forwarded and the server sees it" ||
	diag "$out" "$(cat "$TMP/s4.log")"
mark f1
out=$(q 127.0.0.1 $F1 x.wild.test A; q 127.0.0.1 $F1 deep.y.wild.test A)
check "wildcard: x.wild.test answered, deep.y.wild.test forwarded (NXDOMAIN there)" \
	"rcode 0"$'\n'"A 192.0.2.7 100"$'\n'"rcode 3" "allow 4 192.0.2.7 100 " "$out"
out=$(q 127.0.0.1 $F1 xwild.test A; q 127.0.0.1 $F1 wild.test.evil A)
[ "$out" = "rcode 5"$'\n'"rcode 5" ] && [ "$(seen s4 deep.y.wild.test)" = 1 ] &&
	[ "$(seen s4 xwild.test)" = 0 ]
ok $? "wildcard: xwild.test and wild.test.evil REFUSED" || diag "$out"

# ---- answers with more than they should carry ----
fwd fx 10.77.0.3 a.example.com
mark fx
out=$(q -x 127.0.0.1 $P a.example.com A)
got=$(since fx)
[ "$got" = "allow 4 192.0.2.1 300 " ]
ok $? "an answer with evil.test's A in it: only a.example.com's address allowed" ||
	diag "allow calls: $got"
case $out in *cb007142*) true ;; *) false ;; esac
ok $? "control: that answer did carry 203.0.113.66 (cb007142), relayed as it came" ||
	diag "$out"

# ---- forged answers ----
fwd fsid 10.77.0.4 a.example.com
mark fsid
out=$(q 127.0.0.1 $P a.example.com A)
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300" ] && [ "$(since fsid)" = "allow 4 192.0.2.1 300 " ]
ok $? "a forged answer with a wrong id first: the client gets the real one, 6.6.6.6 never allowed" ||
	diag "$out" "allow calls: $(since fsid)"
grep -q '^forged id' "$TMP/sid.log"
ok $? "control: the server did send the forged answer first" || diag "$(cat "$TMP/sid.log")"
out=$(q -n 10.77.0.4 53 a.example.com A)
case $out in "from 10.77.0.4 53 idmatch 0"$'\n'"rcode 0"$'\n'"A 6.6.6.6 300") true ;; *) false ;; esac
ok $? "control: a client that does not check the id takes 6.6.6.6" || diag "$out"

fwd fsport 10.77.0.5 a.example.com
mark fsport
out=$(q ::1 $P a.example.com A)
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300" ] && [ "$(since fsport)" = "allow 4 192.0.2.1 300 " ]
ok $? "a forged answer from another port first: the client gets the real one" ||
	diag "$out" "allow calls: $(since fsport)"
out=$(q -n 10.77.0.5 53 a.example.com A)
first=${out%%$'\n'*}
case $out in "from 10.77.0.5 "*" idmatch 1"$'\n'"rcode 0"$'\n'"A 6.6.6.6 300") [ "$first" != "from 10.77.0.5 53 idmatch 1" ] ;; *) false ;; esac
ok $? "control: a client that does not check the source port takes 6.6.6.6 ($first)" || diag "$out"

fwd fsidn 10.77.0.6 a.example.com
t0=$(date +%s%N)
out=$(q -w 4000 127.0.0.1 $P a.example.com A)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$out" = "rcode 2" ] && [ "$ms" -ge $((TO - 100)) ] && [ -z "$(since fsidn)" ] &&
	grep -q '^forged id' "$TMP/sidn.log"
ok $? "only a forged answer: SERVFAIL at the timeout (${ms} ms), nothing allowed" ||
	diag "$out" "$(since fsidn)" "$(cat "$TMP/sidn.log")"

fwd fbad 10.77.0.8 a.example.com
out=$(q -w 4000 127.0.0.1 $P a.example.com A)
[ "$out" = "rcode 2" ] && [ -z "$(since fbad)" ] && [ "$(seen badlen a.example.com)" = 1 ]
ok $? "an answer with an A of rdlength 5: SERVFAIL, nothing allowed" || diag "$out" "$(since fbad)"

fwd ffail 10.77.0.2 a.example.com -F
out=$(q 127.0.0.1 $P a.example.com A)
[ "$out" = "rcode 2" ] && grep -q '^allow-fail 4 192.0.2.1 300' "$TMP/ffail.fwd"
ok $? "the callback fails: the client gets SERVFAIL, not the answer" || diag "$out"

fwd fslow 10.77.0.2 -D 400 a.example.com
t0=$(date +%s%N)
out=$(q 127.0.0.1 $P a.example.com A)
ms=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
out2=$(q 127.0.0.1 $P evil.test A)
ms2=$((($(date +%s%N) - t0) / 1000000))
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300" ] && [ "$ms" -ge 400 ] && [ "$out2" = "rcode 5" ] &&
	[ "$ms2" -lt 400 ]
ok $? "the answer waits for the callback (400 ms: answered in $ms ms; control: REFUSED in $ms2 ms)" ||
	diag "$out" "$out2"

# ---- listeners made in another network namespace (a podman jail's) ----
# The probe (in the host namespace) makes its listeners in NS_J (setns there and back, as
# root jail-ai does for a container), then forwards from the host namespace: NS_J has only
# lo, so it cannot reach the server itself.
NS_J=jj$$
ip netns add "$NS_J" && NETNS_MADE="$NETNS_MADE $NS_J" && ip -n "$NS_J" link set lo up ||
	bail "network namespace $NS_J"
in_jail() { nsenter --net="/run/netns/$NS_J" -- "$@"; }
fwd fj 10.77.0.2 -N "/run/netns/$NS_J" a.example.com
mark fj
out=$(in_jail "$PR" query 127.0.0.1 $P a.example.com A 2>&1; in_jail "$PR" query -t ::1 $P a.example.com AAAA 2>&1)
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300"$'\n'"rcode 0"$'\n'"AAAA 2001:db8::1 200" ] &&
	[ "$(since fj)" = "allow 4 192.0.2.1 300 allow 6 2001:db8::1 200 " ]
ok $? "listeners made in the jail's namespace: UDP/IPv4 and TCP/IPv6 there are answered and allowed" ||
	diag "$out" "allow calls: $(since fj)"
before=$(seen s4 evil.test)
out=$(in_jail "$PR" query 127.0.0.1 $P evil.test A 2>&1)
[ "$out" = "rcode 5" ] && [ "$(seen s4 evil.test)" = "$before" ]
ok $? "there too, a name not allowed is REFUSED and never forwarded" || diag "$out"
n=$(in_jail ss -Hlnu "sport = :$P" | wc -l) t=$(in_jail ss -Hlnt "sport = :$P" | wc -l)
h=$(in_host ss -Hlnut "sport = :$P" | wc -l)
[ "$n" = 2 ] && [ "$t" = 2 ] && [ "$h" = 0 ]
ok $? "the four listeners are in the jail's namespace ($n UDP, $t TCP), none in the host's ($h)" ||
	diag "$(in_jail ss -Hlnut)"
out=$(in_host "$PR" query -w 300 127.0.0.1 $P a.example.com A 2>&1)
[ "$out" != "rcode 0"$'\n'"A 192.0.2.1 300" ]
ok $? "control: the same port in the host's namespace answers nothing ($out)"
out=$(in_jail "$PR" query -w 300 10.77.0.2 53 a.example.com A 2>&1)
[ "$out" != "rcode 0"$'\n'"A 192.0.2.1 300" ] && [ "$(in_host "$PR" query 10.77.0.2 53 a.example.com A)" = \
	"rcode 0"$'\n'"A 192.0.2.1 300" ]
ok $? "control: the jail's namespace cannot reach the server itself, the host's can: the forwarder asked from there" ||
	diag "$out"

# ---- malformed queries ----
hdr=12340100
out=$(in_host "$PR" raw 127.0.0.1 $F1 00
	in_host "$PR" raw 127.0.0.1 $F1 "${hdr}0000000000000000"
	in_host "$PR" raw 127.0.0.1 $F1 "${hdr}000100000000000001"
	in_host "$PR" raw ::1 $F1 "${hdr}0001000000000000c00c00010001"
	in_host "$PR" raw 127.0.0.1 $F1 "${hdr}0001000000000000016101610161c00c00010001"
	in_host "$PR" raw 127.0.0.1 $F1 "12348100000100000000000001610000010001"
	in_host "$PR" raw 127.0.0.1 $F1 "${hdr}000100000000000009612e6578616d706c6503636f6d0000010001")
want="noreply
reply rcode 1 len 12
reply rcode 1 len 12
reply rcode 1 len 12
reply rcode 1 len 12
noreply
reply rcode 1 len 12"
[ "$out" = "$want" ]
ok $? "malformed queries: FORMERR, or dropped when not even a query header" || diag "$out"
out=$(q 127.0.0.1 $F1 a.example.com A)
kill -0 "$PID_f1" && [ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300" ]
ok $? "the forwarder still answers after them" || diag "$out" "$(tail -n 3 "$TMP/f1.fwd")"
grep -q 'malformed=7$' "$TMP/f1.fwd"
ok $? "all 7 counted as malformed (\"a.example\" as one label then com too, not forwarded)" ||
	diag "$(tail -n 1 "$TMP/f1.fwd")"

# ---- upstream sees only the rebuilt query: no EDNS option, trailing bytes, flags or case ----
# A.Example.COM A, flags RD AD CD, an EDNS OPT with option 10 "ABCD", 4 bytes of junk.
server sraw 10.77.0.10 -r
fwd fr 10.77.0.10 a.example.com
qn=0141074578616d706c6503434f4d00
edns="beef01300001000000000001${qn}00010001000029100000000000000008000a000441424344deadbeef"
in_host "$PR" raw 10.77.0.10 53 "$edns" >/dev/null
ctl=$(grep '^raw ' "$TMP/sraw.log")
[ "$ctl" = "raw $edns" ]
ok $? "control: the client's query sent to tests/dns_server directly arrives whole (EDNS option, junk)" ||
	diag "$ctl"
: >"$TMP/sraw.log"
out=$(in_host "$PR" raw 127.0.0.1 $P "$edns" hex)
up=$(grep '^raw ' "$TMP/sraw.log")
[[ "$up" =~ ^raw\ [0-9a-f]{4}010000010000000000000161076578616d706c6503636f6d0000010001$ ]]
ok $? "through the forwarder the server sees only id, RD, the question lowercase, class IN" ||
	diag "$up"
[[ "$(sed -n 1p <<<"$out")" == "reply rcode 0 "* ]] &&
	[[ "$(sed -n 2p <<<"$out")" =~ ^hex\ beef8[0-9a-f]{3}0001000100000000${qn}00010001 ]]
ok $? "the client's answer: its id and its question as it asked it (A.Example.COM)" || diag "$out"
txt="beef01000001000000000000${qn}00100001"
chaos="beef01000001000000000000${qn}00010003"
: >"$TMP/sraw.log"
out=$(in_host "$PR" raw 10.77.0.10 53 "$txt")
[[ "$out" == "reply rcode "* ]] && [ "$(grep -c '^q ' "$TMP/sraw.log")" = 1 ]
ok $? "control: the server answers TXT directly" || diag "$out" "$(cat "$TMP/sraw.log")"
: >"$TMP/sraw.log"
out=$(in_host "$PR" raw 127.0.0.1 $P "$txt"; in_host "$PR" raw 127.0.0.1 $P "$chaos")
[ "$out" = "reply rcode 5 len $(((${#txt}) / 2))"$'\n'"reply rcode 5 len $(((${#chaos}) / 2))" ] &&
	[ ! -s "$TMP/sraw.log" ]
ok $? "an allowed name's TXT, and class CH: REFUSED, never sent upstream" ||
	diag "$out" "$(cat "$TMP/sraw.log")"

# ---- a full pending table ----
fwd fdrop 10.77.0.7 a.example.com
out=$(in_host "$PR" fill 127.0.0.1 $P a.example.com 70 400)
[ "$out" = "rcode 2 count 6"$'\n'"noreply 64" ] && [ "$(seen drop a.example.com)" = 64 ]
ok $? "70 queries to a silent server: 64 pending, 6 SERVFAIL at once" ||
	diag "$out" "server saw $(seen drop a.example.com)"
sleep 1.6
grep -q 'forwarded=64 answered=0 failed=70' "$TMP/fdrop.fwd"
ok $? "at the timeout the 64 fail too and their slots are free" || diag "$(tail -n 2 "$TMP/fdrop.fwd")"
out=$(q -w 4000 127.0.0.1 $P a.example.com A)
[ "$out" = "rcode 2" ] && [ "$(seen drop a.example.com)" = 65 ]
ok $? "the next query is forwarded again" || diag "$out"

# ---- TCP clients ----
out=$(in_host "$PR" slowtcp 127.0.0.1 $F1 4000)
ms=${out#closed after }
ms=${ms% ms}
case $out in "closed after "*) [ "$ms" -ge $((TO - 100)) ] && [ "$ms" -le $((TO + 1000)) ] ;; *) false ;; esac
ok $? "a TCP client that sends one byte is closed at its deadline ($out)"
pids=
for i in 1 2 3 4 5 6 7 8 9; do
	nsenter --net="/run/netns/$NS_H" -- "$PR" slowtcp 127.0.0.1 $F1 4000 >"$TMP/slow$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
early=0 late=0
for i in 1 2 3 4 5 6 7 8 9; do
	ms=$(sed -n 's/^closed after \([0-9]*\) ms/\1/p' "$TMP/slow$i")
	[ -z "$ms" ] && continue
	if [ "$ms" -lt 500 ]; then early=$((early + 1)); else late=$((late + 1)); fi
done
[ "$early" = 1 ] && [ "$late" = 8 ]
ok $? "9 TCP clients at once: 8 held (DNS_MAX_TCP), the 9th closed at once ($early early, $late late)" ||
	diag "$(cat "$TMP"/slow?)"
out=$(q -t 127.0.0.1 $F1 a.example.com A)
[ "$out" = "rcode 0"$'\n'"A 192.0.2.1 300" ]
ok $? "TCP serves again after them" || diag "$out"

# ---- refusals at the start ----
out=$(in_host "$PR" fwd "$TMP/none.resolv" $TO a.example.com 2>&1)
st=$?
[ "$st" = 111 ] && [ "$out" = "dns_fwd_probe: dns forwarder: read $TMP/none.resolv: No such file or directory" ]
ok $? "no resolv.conf: refused, naming the file" || diag "exit $st: $out"
printf 'search example.com\nnameserver 10.77.0.300\n' >"$TMP/empty.resolv"
out=$(in_host "$PR" fwd "$TMP/empty.resolv" $TO a.example.com 2>&1)
st=$?
[ "$st" = 111 ] && case $out in *"no nameserver in $TMP/empty.resolv"*) true ;; *) false ;; esac
ok $? "a resolv.conf without a valid nameserver: refused" || diag "exit $st: $out"
out=$(in_host "$PR" fwd "$TMP/s4.log" $TO 'a.*.com' 2>&1)
st=$?
[ "$st" = 100 ] && case $out in *'"a.*.com": '*"'*'"*) true ;; *) false ;; esac
ok $? "a bad name: refused, saying why ($out)" || diag "exit $st"

bad=$(cat "$TMP"/*.fwd | grep -c '^badflags')
[ "$bad" = 0 ]
ok $? "every fd polled was non-blocking and close-on-exec" || diag "$(grep -h badflags "$TMP"/*.fwd | sort -u)"
done_testing
