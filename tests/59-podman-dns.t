#!/bin/bash
# tests/59-podman-dns.t - `jail-ai create --deny-all --allow-domain NAME` for a protected
# rootful podman jail: root jail-ai makes the DNS forwarder's listeners in the container's
# network namespace after the start and hands them to the capability-free keeper, which
# forwards allowed names upstream from the host's namespace and lets their answers'
# addresses through (jail_dns4) until their TTL lapses.
#
#  - in the container, a query to any resolver address reaches the keeper: an allowed name
#    is answered and its address then connects (control: EPERM before the query); a name
#    not allowed is REFUSED (the server never sees it) and its address stays EPERM; an
#    allowed name resolving to a host address stays EPERM (--block-host first); a TTL of 1
#    lapses (EPERM again after TTL + 5 s of grace);
#  - upstream over TCP too (the keeper's Landlock keeps connect to port 53; control:
#    jail-ai-fault's keeper without that rule gets SERVFAIL over TCP, answers over UDP);
#  - without Landlock (jail-ai-fault landlock-abi=0) create --allow-domain is refused, 125;
#  - the pid the listeners' namespace is taken from must be in the jail's cgroup (jail-ai-fault
#    feeding jail-ai's own pid or 1: refused, 125);
#  - status shows the forwarder's counters (queries, refused, forwarded, allowed);
#  - the container's processes hold none of the listeners (only the keeper does);
#  - podman restart behind jail-ai's back: the listeners stay in the old namespace; the
#    keeper sees the new container cgroup, fails closed (the answers' allows revoked, the
#    ok address EPERM), status says why; jail-ai exec restarts it with a new keeper whose
#    DNS works again;
#  - control: a --block-host jail without --deny-all/--allow-domain queries the resolver
#    itself (the server sees the container's address, not the keeper's).
#
# The "resolver" is the host's /etc/resolv.conf's first nameserver (the keeper reads that
# file), made an address of the test's own host namespace (lo) and served there by
# tests/dns_server; nothing outside the test's namespaces is asked.
SERVE_SECS=900
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
podman_test_requires
DS=$PWD/tests/dns_server
DP=$PWD/tests/dns_probe
[ -x "$DS" ] || bail "tests/dns_server is missing: run 'make tests/dns_server'"
[ -x "$DP" ] || bail "tests/dns_probe is missing: run 'make tests/dns_probe'"
[ -x ./jail-ai-fault ] || bail "./jail-ai-fault is missing: run 'make jail-ai-fault'"
export HOME=$TMP/home
mkdir -p "$HOME"
podman_private_setup
NSADDR=$(awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ { print $2; exit }' /etc/resolv.conf)
[ -n "$NSADDR" ] || skip_all "no IPv4 nameserver in /etc/resolv.conf (the keeper's upstream)"
case $NSADDR in 127.*) ;; *) ip -n "$NS_H" addr add "$NSADDR/32" dev lo || bail "$NSADDR on lo" ;; esac
for i in 3 4; do ip -n "$NS_P" addr add 10.77.0.$i/24 dev vp || bail "peer address 10.77.0.$i"; done
PORT=7009
for i in 2 3 4; do serve "$NS_P" "p$i" 10.77.0.$i $PORT; done
serve "$NS_H" h1 10.77.0.1 $PORT
cat >"$TMP/records" <<'EOF'
ok.test A 10.77.0.2 300
short.test A 10.77.0.3 1
evil.test A 10.77.0.4 300
host.test A 10.77.0.1 300
EOF
: >"$TMP/dns.log"
nsenter --net="/run/netns/$NS_H" -- "$DS" "$NSADDR" 53 -f "$TMP/records" -l "$TMP/dns.log" \
	>"$TMP/dns.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do grep -q '^ready' "$TMP/dns.out" && break; sleep 0.05; done
grep -q '^ready' "$TMP/dns.out" || bail "dns_server on $NSADDR: $(cat "$TMP/dns.out")"
podman_image || bail "no test image"
WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$WS" && cp "$DP" "$WS/dns_probe" || bail "workspace"
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
N=$JT-podmandns
errs() { diag "exit $ST" "$(tail -n 20 "$TMP/err")"; }
jcreate() {
	local name=$1
	shift
	jp create "$name" --image "$TEST_IMAGE" --workspace "$WS" "$@" -- sh -c "$LOOP" \
		>"$TMP/out" 2>"$TMP/err"
	ST=$?
}
# q NAME HOST [MODE]: dns_probe in the container to 192.0.2.53 (any address: port 53 is
# redirected), A record.
q() { pm exec "$1" /workspace/dns_probe "${3:-sendto}" 192.0.2.53 53 "$2" A 2>&1; }
c() { pm exec "$1" probe tcp "$2" $PORT >/dev/null 2>&1; echo $?; }
seen() { grep -c "^q $1 " "$TMP/dns.log"; }

A=$N-a
jcreate "$A" --deny-all --allow-domain ok.test --allow-domain short.test \
	--allow-domain host.test
ok $ST "create $A --deny-all --allow-domain ok.test short.test host.test" || { errs; done_testing; }
K=$(head -n 1 "/run/jail-ai/keeper-$A.pid" 2>/dev/null)

r=$(c "$A" 10.77.0.2)
[ "$r" = 1 ]
ok $? "control: before any query, ok.test's address 10.77.0.2 is EPERM (probe exit $r)"
out=$(q "$A" ok.test)
case $out in "rcode=0 "*"an=10.77.0.2") true ;; *) false ;; esac
ok $? "ok.test resolves through the keeper ($out)"
r=$(c "$A" 10.77.0.2)
[ "$r" = 0 ]
ok $? "then 10.77.0.2 connects (probe exit $r)"
out=$(q "$A" ok.test tcp)
case $out in "rcode=0 "*"an=10.77.0.2") true ;; *) false ;; esac
ok $? "over TCP too, upstream TCP from the keeper ($out)" || diag "$(cat "$TMP/dns.log")"
grep -q '^q ok.test 1 tcp' "$TMP/dns.log"
ok $? "the server saw the TCP query (the keeper's Landlock keeps connect to port 53)" ||
	diag "$(cat "$TMP/dns.log")"

# control (jail-ai-fault, JAIL_AI_FAULT=keepernotcp): the keeper's Landlock without the rule
F=$N-f
JAIL_AI=$PWD/jail-ai-fault JAIL_AI_FAULT=keepernotcp jcreate "$F" --deny-all --allow-domain ok.test
ok $ST "control: create $F with jail-ai-fault (keepernotcp)" || errs
out=$(q "$F" ok.test tcp)
out2=$(q "$F" ok.test)
case $out in "rcode=2 "*) case $out2 in "rcode=0 "*) true ;; *) false ;; esac ;; *) false ;; esac
ok $? "control: without Landlock's port-53 rule upstream TCP fails (SERVFAIL: $out), UDP works ($out2)"
pm rm -f -t 0 "$F" >/dev/null 2>&1
# The pid podman gave, checked before its namespace is entered (pidfd, cgroup below the
# jail's parent, not jail-ai's own namespace): jail-ai's own pid, the host's init (a reused
# pid) are refused, no listeners, nothing left (jail-ai-fault dnspid-*); control: $A above.
for f in dnspid-self dnspid-1; do
	JAIL_AI=$PWD/jail-ai-fault JAIL_AI_FAULT=$f jcreate "$N-p" --deny-all --allow-domain ok.test
	[ "$ST" = 125 ] && grep -q "is not in a cgroup below /jail-ai/pod-$N-p" "$TMP/err" &&
		! pm container exists "$N-p"
	ok $? "$f: the container's pid is not the container's: create refused, 125, said" || errs
done

# no Landlock (jail-ai-fault landlock-abi=0): the keeper would parse the container's queries
# unfenced as uid 0, so the start is refused before anything is made (control: $A above)
G=$N-g
JAIL_AI=$PWD/jail-ai-fault JAIL_AI_FAULT=landlock-abi=0 jcreate "$G" --deny-all --allow-domain ok.test
[ "$ST" = 125 ] && grep -q "Landlock is not available" "$TMP/err" &&
	! pm container exists "$G" && [ ! -e "/run/jail-ai/keeper-$G.pid" ]
ok $? "without Landlock, create --allow-domain is refused (125), saying why; no container, no keeper" ||
	errs

out=$(q "$A" evil.test)
r=$(c "$A" 10.77.0.4)
case $out in "rcode=5 "*) [ "$r" = 1 ] && [ "$(seen evil.test)" = 0 ] ;; *) false ;; esac
ok $? "evil.test: REFUSED, never forwarded, 10.77.0.4 EPERM ($out; probe exit $r)"
out=$(q "$A" host.test)
r=$(c "$A" 10.77.0.1)
case $out in "rcode=0 "*"an=10.77.0.1") [ "$r" = 1 ] ;; *) false ;; esac
ok $? "host.test resolves to a host address (10.77.0.1), which stays EPERM ($out; exit $r)"

out=$(q "$A" short.test)
r1=$(c "$A" 10.77.0.3)
sleep 7
r2=$(c "$A" 10.77.0.3)
case $out in "rcode=0 "*"an=10.77.0.3") [ "$r1" = 0 ] && [ "$r2" = 1 ] ;; *) false ;; esac
ok $? "short.test (TTL 1): 10.77.0.3 connects at once ($r1), EPERM 7 s later ($r2)"

out=$(jp status "$A" 2>&1)
line=$(printf '%s\n' "$out" | grep '^dns: ')
case $line in "dns: queries "*", refused 1, forwarded "*", allowed "*) true ;; *) false ;; esac
ok $? "status: the forwarder's counters ($line)" || diag "$out"
out=$(jp status --json "$A" 2>&1)
case $out in *'"dns":{"queries":'*'"refused":1,'*) true ;; *) false ;; esac
ok $? "status --json: the same in events.dns" || diag "$out"

out=$(pm exec "$A" sh -c 'for p in /proc/[0-9]*; do ls -l $p/fd 2>/dev/null; done' |
	grep -c 'socket:' )
ss=$(nsenter --net="/proc/$(pm inspect -f '{{.State.Pid}}' "$A")/ns/net" ss -Hlnup | wc -l)
[ "$ss" -ge 1 ] && [ -n "$K" ] && ls -l "/proc/$K/fd" 2>/dev/null | grep -q socket
ok $? "the listeners are in the container's namespace ($ss UDP there), held by the keeper $K"
diag "the keeper's resident memory after these queries: $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$K/status")"
[ "$out" = 0 ]
ok $? "no process of the container holds a socket ($out)"

# ---- podman restart behind jail-ai's back ----
pm restart --time 1 "$A" >/dev/null 2>&1
for i in $(seq 40); do [ -e "/proc/$K" ] && ! grep -q '^State:	Z' "/proc/$K/status" || break; sleep 0.1; done
why=$(cat "/run/jail-ai/keeper-$A.state" 2>/dev/null)
case $why in *"restarted behind jail-ai's back"*) true ;; *) false ;; esac
ok $? "podman restart: the keeper fails closed, saying why ($why)"
for i in $(seq 50); do
	[ "$(pm inspect -f '{{.State.Status}}' "$A" 2>/dev/null)" = running ] && break
	sleep 0.1
done
r=$(c "$A" 10.77.0.2)
[ "$r" = 1 ]
ok $? "and 10.77.0.2 is EPERM again (probe exit $r)" || diag "$(pm ps -a 2>&1 | tail -n 3)"
out=$(jp status "$A" 2>&1)
case $out in *"restarted behind jail-ai's back"*) true ;; *) false ;; esac
ok $? "status says why" || diag "$out"
jp exec "$A" true >"$TMP/out" 2>"$TMP/err"
ST=$?
ok $ST "jail-ai exec $A restarts it with a new keeper" || errs
out=$(q "$A" ok.test)
r=$(c "$A" 10.77.0.2)
case $out in "rcode=0 "*"an=10.77.0.2") [ "$r" = 0 ] ;; *) false ;; esac
ok $? "its DNS works again ($out; connect exit $r)"

# ---- refusals, control ----
out=$(jp create "$N-h" --image "$TEST_IMAGE" --network host --deny-all --allow-domain ok.test \
	-- true 2>&1)
st=$?
[ "$st" = 125 ] && case $out in *"--network host"*) true ;; *) false ;; esac
ok $? "--network host with --allow-domain: refused, 125 ($out)"
B=$N-b
jcreate "$B" --block-host
ok $ST "control: create $B --block-host" || errs
n0=$(seen ok.test)
out=$(pm exec "$B" /workspace/dns_probe sendto "$NSADDR" 53 ok.test A 2>&1)
case $out in "rcode=0 from=$NSADDR:53 an=10.77.0.2") [ "$(seen ok.test)" -gt "$n0" ] ;; *) false ;; esac
ok $? "control: without --allow-domain the container queries the resolver itself ($out)"
out=$(q "$B" ok.test)
case $out in "rcode=0 "*) false ;; *) true ;; esac
ok $? "control: and nothing answers for another address ($out)"
out=$(jp status "$B" 2>&1)
printf '%s\n' "$out" | grep -q '^events: ' && ! printf '%s\n' "$out" | grep -q '^dns: '
ok $? "control: its status has no dns line" || diag "$out"
done_testing
