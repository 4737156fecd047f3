#!/bin/bash
# tests/58-podman-policy.t - `jail-ai create --deny-all` and `--block-private` on rootful
# podman jails: the mode is enforced on the jail's processes, kept in the jail-ai.mode label
# and rebuilt from it by a later `jail-ai start` (a restart must not drop it), and a jail with
# a network namespace of its own keeps its own loopback under --deny-all.  `create --proxy`:
# the proxy variables in the jail, the proxy reachable and nothing else, before and after a
# restart, on the host network and through a bridge's gateway.
#
# As tests/50-podman.t: podman and jail-ai run in the "host" namespace made here, with a
# storage of the test's own (podman-env.sh); the peer namespace carries a "public" address
# (198.51.100.2) next to lib.sh's private 10.77.0.2 and fd77::2.  The machine's cgroup layout
# only (tests/50-podman.t covers the others).

SERVE_SECS=1800
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
podman_test_requires
export HOME=$TMP/home
mkdir -p "$HOME"
podman_private_setup
ip -n "$NS_H" addr add 198.51.100.1/24 dev vh && ip -n "$NS_P" addr add 198.51.100.2/24 dev vp ||
	bail "cannot add 198.51.100.0/24"
serve "$NS_P" pub 198.51.100.2 7201
serve "$NS_P" pub2 198.51.100.2 7203
serve "$NS_P" peer4 10.77.0.2 7101
serve "$NS_P" peer6 fd77::2 7102
serve "$NS_P" peer4b 10.77.0.2 7103
serve "$NS_P" dns 10.77.0.2 53
serve_host "h1 10.77.0.1 7002
lo4 127.0.0.1 7001"
podman_image || bail "no test image"
WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$WS"

jcreate() {
	local name=$1
	shift
	jp create "$name" --image "$TEST_IMAGE" --workspace "$WS" "$@" >"$TMP/out" 2>"$TMP/err"
	ok $? "create $name $*" || diag "$(tail -n 10 "$TMP/err")"
}
# denied NAME MODE ADDR PORT LOG: exec probe gets EPERM and LOG hears nothing.
denied() {
	local n
	n=$(arrivals "$5" $HOST_LOGS)
	jx "$1" probe "$2" "$3" "$4"
	sleep 0.05
	[ "$ST" = 1 ] && [ "${OUT##*$'\n'}" = EPERM ] && [ "$(arrivals "$5" $HOST_LOGS)" = "$n" ]
	ok $? "$1: exec probe $2 $3 port $4 gets EPERM, nothing heard" ||
		diag "exit $ST, output '$OUT'" "$(tail -n 5 "$TMP/err")"
}
label() { pm inspect --format '{{index .Config.Labels "jail-ai.mode"}}' "$1" 2>&1; }

# ---- controls: plain podman on the host network reaches everything used below ----
pm run -d --name "$JT-plain" --network host "$TEST_IMAGE" sleep 600 >/dev/null 2>"$TMP/err" ||
	bail "podman cannot run the test image: $(cat "$TMP/err")"
for c in "tcp 198.51.100.2 7201 pub" "tcp 198.51.100.2 7203 pub2" "udp 10.77.0.2 7101 peer4" \
	"tcp fd77::2 7102 peer6" "tcp 10.77.0.1 7002 h1" "tcp 10.77.0.2 7101 peer4" \
	"tcp 10.77.0.2 7103 peer4b" "udp 10.77.0.2 53 dns"; do
	set -- $c
	n=$(arrivals "$4")
	out=$(pm exec "$JT-plain" probe "$1" "$2" "$3" 2>&1) && arrived "$4" "$n"
	ok $? "control, plain podman: $1 $2 port $3 reaches $4" || diag "$out"
done
pm rm -f -t 0 "$JT-plain" >/dev/null 2>&1

# ---- --deny-all on the host network, before and after a restart ----
DA=$JT-da
jcreate "$DA" --network host --deny-all --allow 198.51.100.2:7201
[ "$(label "$DA")" = deny-all ]
ok $? "$DA carries jail-ai.mode=deny-all" || diag "label: $(label "$DA")"
for round in create restart; do
	if [ $round = restart ]; then
		jp stop "$DA" >/dev/null 2>&1
		jp start "$DA" >"$TMP/out" 2>"$TMP/err"
		ok $? "stop and start $DA (the policy rebuilt from its labels)" ||
			diag "$(tail -n 5 "$TMP/err")"
	fi
	reaches "$DA" tcp 198.51.100.2 7201 pub
	reaches "$DA" udp ::ffff:198.51.100.2 7201 pub
	denied "$DA" tcp 198.51.100.2 7203 pub2
	denied "$DA" udp 10.77.0.2 7101 peer4
	denied "$DA" sendto fd77::2 7102 peer6
	denied "$DA" tcp 10.77.0.1 7002 h1
done
out=$(jp list 2>&1)
grep "$DA" <<<"$out" | grep -q 'block-host, deny-all$'
ok $? "list shows $DA as block-host, deny-all" || diag "$out"
js=$(jp list --json 2>&1 | grep "\"$DA\"")
grep -q '"protection":"attached","mode":"deny-all"' <<<"$js"
ok $? "list --json: $DA's mode is deny-all" || diag "$js"
out=$(jp status "$DA" 2>&1)
grep -qx 'mode: deny-all' <<<"$out" && grep -q 'protection: attached' <<<"$out"
ok $? "status $DA: mode: deny-all, protection attached" || diag "$out"
out=$(jp status --json "$DA" 2>&1)
grep -q '"mode":"deny-all"' <<<"$out"
ok $? "status --json $DA: \"mode\":\"deny-all\"" || diag "$out"

# ---- --block-private on the host network, before and after a restart ----
BP=$JT-bp
jcreate "$BP" --network host --block-private
[ "$(label "$BP")" = block-private ]
ok $? "$BP carries jail-ai.mode=block-private" || diag "label: $(label "$BP")"
for round in create restart; do
	if [ $round = restart ]; then
		jp stop "$BP" >/dev/null 2>&1
		jp start "$BP" >"$TMP/out" 2>"$TMP/err"
		ok $? "stop and start $BP" || diag "$(tail -n 5 "$TMP/err")"
	fi
	reaches "$BP" tcp 198.51.100.2 7203 pub2
	out=$(jp status "$BP" 2>&1)
	grep -qx 'mode: block-private' <<<"$out"
	ok $? "status $BP ($round): mode: block-private" || diag "$out"
	denied "$BP" tcp 10.77.0.2 7101 peer4
	denied "$BP" udp ::ffff:10.77.0.2 7101 peer4
	denied "$BP" tcp fd77::2 7102 peer6
done

# ---- a mode this jail-ai does not know (a later version's label): refused, never dropped ----
pm create --name "$JT-future" --network host --label jail-ai=1 --label jail-ai.block-host=1 \
	--label jail-ai.mode=deny-all+domains "$TEST_IMAGE" sleep 600 >/dev/null 2>"$TMP/err" ||
	diag "podman create $JT-future: $(cat "$TMP/err")"
jp start "$JT-future" >"$TMP/out" 2>"$TMP/err"
st=$?
[ $st = 125 ] && grep -q 'jail-ai.mode deny-all+domains is not one this jail-ai knows' "$TMP/err" &&
	[ "$(state "$JT-future")" != running ]
ok $? "start of a jail whose jail-ai.mode is unknown: 125, not running" ||
	diag "exit $st, state $(state "$JT-future")" "$(cat "$TMP/err")"

# ---- --deny-all in a network namespace of its own: its loopback is its own ----
DB=$JT-db
jcreate "$DB" --deny-all
jx "$DB" sh -c 'probe serve 127.0.0.1 7400 5 >/tmp/s & sleep 0.5; probe tcp 127.0.0.1 7400'
[ "$ST" = 0 ]
ok $? "$DB (own netns): a server on 127.0.0.1 inside the jail is reachable" ||
	diag "exit $ST: $OUT" "$(tail -n 5 "$TMP/err")"
denied "$DB" tcp 10.77.0.1 7002 h1
GW=$(pm inspect --format '{{.NetworkSettings.Gateway}}' "$DB")
[ -n "$GW" ] && denied "$DB" tcp "$GW" 7002 h1
# ---- a full --allow table: refused with the reason, not a jail whose own loopback or
# resolver is silently left out.  In a netns of its own with --deny-all, two of the 64
# entries keep 127.0.0.0/8 and ::1, and without --no-dns one more the slirp resolver. ----
allows() { local i; for ((i = 1; i <= $1; i++)); do printf ' --allow 203.0.113.%d' "$i"; done; }
DF=$JT-full
for c in "63 --no-dns" "62"; do
	set -- $c
	jp create "$DF" --image "$TEST_IMAGE" --workspace "$WS" --deny-all $(allows "$1") $2 \
		>"$TMP/out" 2>"$TMP/err"
	st=$?
	[ "$st" = 125 ] && grep -q 'too many --allow rules: the table holds 64 entries' "$TMP/err" &&
		! pm container exists "$DF"
	ok $? "--deny-all, own netns, $1 allows $2: 125, says why, no container" ||
		diag "exit $st" "$(cat "$TMP/err")"
done
grep -q "own loopback" "$TMP/err"
ok $? "the refusal names the jail's own loopback" || diag "$(cat "$TMP/err")"
jcreate "$DF" --deny-all --no-dns $(allows 62)
jx "$DF" sh -c 'probe serve 127.0.0.1 7400 5 >/tmp/s & sleep 0.5; probe tcp 127.0.0.1 7400'
[ "$ST" = 0 ]
ok $? "$DF with 62 allows and --no-dns: its own loopback still works" ||
	diag "exit $ST: $OUT" "$(tail -n 5 "$TMP/err")"

# ---- --proxy: the variables in the jail, the proxy reachable, nothing else; kept by a
# restart (labels jail-ai.proxy, jail-ai.no-dns, jail-ai.mode, jail-ai.options) ----
PX=$JT-proxy
URL=http://10.77.0.2:7101
jcreate "$PX" --network host --proxy "$URL"
lab=$(pm inspect --format '{{index .Config.Labels "jail-ai.proxy"}} {{index .Config.Labels "jail-ai.no-dns"}} {{index .Config.Labels "jail-ai.mode"}} {{index .Config.Labels "jail-ai.options"}}' "$PX" 2>&1)
[[ "$lab" == "$URL 1 deny-all v1 "*"--proxy=$URL"* ]]
ok $? "$PX carries jail-ai.proxy, no-dns=1, mode deny-all and --proxy in jail-ai.options" ||
	diag "labels: $lab"
out=$(jp status "$PX" 2>&1)
grep -qx "proxy: $URL" <<<"$out" && grep -qx 'mode: deny-all' <<<"$out"
ok $? "status $PX: proxy: $URL, mode: deny-all" || diag "$out"
out=$(jp status --json "$PX" 2>&1)
grep -q "\"proxy\":\"$URL\"" <<<"$out"
ok $? "status --json $PX: \"proxy\":\"$URL\"" || diag "$out"
out=$(jp status "$DA" 2>&1)
! grep -q '^proxy:' <<<"$out"
ok $? "status $DA (no --proxy): no proxy line" || diag "$out"
for round in create restart; do
	if [ $round = restart ]; then
		jp stop "$PX" >/dev/null 2>&1
		jp start "$PX" >"$TMP/out" 2>"$TMP/err"
		ok $? "stop and start $PX (the proxy rebuilt from its labels)" ||
			diag "$(tail -n 5 "$TMP/err")"
	fi
	jx "$PX" env
	got=$(printf '%s\n' "$OUT" | grep -i '^\(https\?\|no\)_proxy=' | LC_ALL=C sort | tr '\n' ' ')
	[ "$got" = "HTTPS_PROXY=$URL HTTP_PROXY=$URL NO_PROXY=localhost,127.0.0.1,::1 http_proxy=$URL https_proxy=$URL no_proxy=localhost,127.0.0.1,::1 " ]
	ok $? "$PX ($round): exec env shows the six proxy variables" || diag "exit $ST: $got"
	reaches "$PX" tcp 10.77.0.2 7101 peer4
	denied "$PX" tcp 10.77.0.2 7103 peer4b
	denied "$PX" tcp 198.51.100.2 7201 pub
	denied "$PX" tcp fd77::2 7102 peer6
	denied "$PX" tcp 10.77.0.1 7002 h1
	denied "$PX" udp 10.77.0.2 53 dns
	denied "$PX" tcp 10.77.0.2 53 dns
done
# in a network namespace of its own: a proxy on the host is its bridge's gateway, on its port
if [ -n "$GW" ]; then
	serve "$NS_H" gw "$GW" 7500
	PB=$JT-proxy-br
	jcreate "$PB" --proxy "http://$GW:7500"
	reaches "$PB" tcp "$GW" 7500 gw
	denied "$PB" tcp "$GW" 7002 h1
	denied "$PB" udp "$GW" 53 h1
	denied "$PB" tcp 10.77.0.1 7002 h1
	denied "$PB" tcp 10.77.0.2 7101 peer4
else
	skip "no bridge gateway for $DB: the bridged --proxy case cannot run"
fi
done_testing
