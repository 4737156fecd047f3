#!/bin/bash
# tests/58-podman-live.t - live policy and denial events of protected rootful podman jails,
# served by the jail's keeper (keeper.c) on the control socket `run --name` jails use
# (control.c), /run/jail-ai/ctl/NAME/sock:
#
#  - policy NAME --deny makes the next connect from the container EPERM, --remove restores it,
#    --show lists the entry with its source; 20 concurrent --deny then --remove lose nothing;
#  - a process of the container cannot use the socket even with /run/jail-ai bind-mounted in:
#    refused by the PID namespace check, and with --pid=host by the cgroup check; control: the
#    same client from the host is served; jail-ai itself refuses to mount /run/jail-ai;
#  - events NAME shows a denied connect with its entry, --follow streams a new one, status's
#    counters match the events; a storm while the keeper is stopped is counted (read +
#    dropped = denied) and the keeper answers after it;
#  - a podman jail without a keeper gets 125 and why; the keeper's ps line is its own.
#
# podman and jail-ai run in lib.sh's "host" namespace with a storage of the test's own
# (tests/podman-env.sh); the peer 10.77.0.2 is reached from the bridge through the host.

SERVE_SECS=600
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
podman_test_requires
export HOME=$TMP/home
mkdir -p "$HOME"
podman_private_setup
serve "$NS_P" p1 10.77.0.2 7003
podman_image || bail "no test image"
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
N=$JT-keepctl
L=$N-l
WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$WS"
# The client inside a container: the static build (an ASan one needs the host's libraries).
STATIC=$PWD/jail-ai
[ -x "$STATIC" ] || bail "./jail-ai is missing: run make"
pprobe() { OUT=$(pm exec "$1" probe tcp "$2" "$3" 2>&1); ST=$?; }
pol() { jp policy "$L" "$@"; }
kpid() { head -n 1 "/run/jail-ai/keeper-$1.pid" 2>/dev/null; }

timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" create "$L" \
	--image "$TEST_IMAGE" --workspace "$WS" --block-host -- sh -c "$LOOP" >"$TMP/out" 2>"$TMP/err"
ok $? "create $L --block-host (bridge)" || { diag "$(tail -n 20 "$TMP/err")"; done_testing; }
K=$(kpid "$L")
[ -S "/run/jail-ai/ctl/$L/sock" ] && [ "$(stat -c '%a %U' "/run/jail-ai/ctl/$L")" = "700 root" ]
ok $? "its keeper (pid $K) listens on /run/jail-ai/ctl/$L/sock, in a root 0700 directory" ||
	diag "$(ls -lR /run/jail-ai 2>&1 | head -n 20)"
[ "$(tr '\0' ' ' <"/proc/$K/cmdline" | sed 's/ *$//')" = "jail-ai-keeper $L" ]
ok $? "ps shows the keeper as 'jail-ai-keeper $L', not the command that made it" ||
	diag "$(tr '\0' ' ' <"/proc/$K/cmdline")"

# ---- --deny, --show, --remove ----
n=$(arrivals p1)
pprobe "$L" 10.77.0.2 7003
[ "$ST" = 0 ] && arrived p1 "$n"
ok $? "control: the peer 10.77.0.2:7003 is reached from $L" || diag "exit $ST: $OUT"
out=$(pol --deny 10.77.0.2 2>&1)
ok $? "policy $L --deny 10.77.0.2" || diag "$out"
n=$(arrivals p1)
pprobe "$L" 10.77.0.2 7003
sleep 0.05
[ "$ST" = 1 ] && [ "$OUT" = EPERM ] && [ "$(arrivals p1)" = "$n" ]
ok $? "the next connect from the container is EPERM, nothing heard" || diag "exit $ST: $OUT"
out=$(pol --show 2>&1)
grep -q '^deny  10.77.0.2/32 .*# live --deny$' <<<"$out" && grep -q '# fixed range' <<<"$out"
ok $? "--show lists the live --deny and the fixed ranges with their sources" || diag "$out"
out=$(jp events "$L" 2>&1)
line=$(grep '"dst":"10.77.0.2"' <<<"$out" | tail -n 1)
grep -q '"hook":"connect4"' <<<"$line" && grep -q '"kind":"deny"' <<<"$line" &&
	grep -q '"entry":"10.77.0.2/32"' <<<"$line" && grep -q '"port":7003' <<<"$line"
ok $? "events $L: the denied connect, hook connect4, kind deny, entry 10.77.0.2/32" || diag "$out"
out=$(pol --remove 10.77.0.2 2>&1)
ok $? "policy $L --remove 10.77.0.2" || diag "$out"
n=$(arrivals p1)
pprobe "$L" 10.77.0.2 7003
[ "$ST" = 0 ] && arrived p1 "$n"
ok $? "--remove restores it: reached again" || diag "exit $ST: $OUT"

# ---- concurrent updates lose nothing ----
# (wait for these only: the listener is a background job too)
pids=
for i in $(seq 20); do pol --deny "10.78.$i.0/24" >/dev/null 2>>"$TMP/conc.err" & pids="$pids $!"; done
wait $pids
n=$(pol --show | grep -c '^deny  10\.78\..*# live --deny$')
[ "$n" = 20 ]
ok $? "20 concurrent --deny: all 20 in the maps" || diag "got $n" "$(cat "$TMP/conc.err")"
pids=
for i in $(seq 20); do pol --remove "10.78.$i.0/24" >/dev/null 2>>"$TMP/conc.err" & pids="$pids $!"; done
wait $pids
n=$(pol --show | grep -c '^deny  10\.78\.')
[ "$n" = 0 ]
ok $? "20 concurrent --remove: none left" || diag "got $n" "$(cat "$TMP/conc.err")"

# ---- the container cannot use the socket ----
intrude() {
	OUT=$(pm run --rm "$@" --cgroup-parent="/jail-ai/pod-$L" -v /run/jail-ai:/run/jail-ai \
		-v "$STATIC:/jail-ai:ro" "$TEST_IMAGE" /jail-ai policy "$L" --deny 10.77.0.9 2>&1)
	ST=$?
}
intrude
[ "$ST" = 125 ] && grep -q 'another PID namespace' <<<"$OUT"
ok $? "a root process in a container below the jail's cgroup, /run/jail-ai bind-mounted in: refused (PID namespace)" ||
	diag "exit $ST: $OUT"
intrude --pid=host
[ "$ST" = 125 ] && grep -q "inside the jail's cgroup" <<<"$OUT"
ok $? "the same with --pid=host: refused (its cgroup is the jail's)" || diag "exit $ST: $OUT"
out=$(pol --show 2>&1)
! grep -q '10.77.0.9' <<<"$out"
ok $? "neither changed the policy" || diag "$out"
out=$(timeout 10 "$STATIC" policy "$L" --deny 10.77.0.9 2>&1) &&
	out=$(timeout 10 "$STATIC" policy "$L" --remove 10.77.0.9 2>&1)
ok $? "control: the same client from the host is served" || diag "$out"
out=$(jp create "$N-m" --image "$TEST_IMAGE" --workspace "$WS" --mount /run/jail-ai:/x \
	--force-mount -- true 2>&1)
st=$?
[ $st = 125 ] && grep -q 'is or holds /run/jail-ai' <<<"$out" && ! exists "$N-m"
ok $? "create --mount /run/jail-ai (--force-mount too): 125, no jail sees the control sockets" ||
	diag "exit $st: $out"
out=$(jp create "$N-m" --image "$TEST_IMAGE" --workspace "$WS" --mount /run:/x --force-mount -- true 2>&1)
st=$?
[ $st = 125 ] && ! exists "$N-m"
ok $? "create --mount /run: 125 too (it holds /run/jail-ai)" || diag "exit $st: $out"

# ---- events --follow, status counters ----
jp events "$L" --follow >"$TMP/follow" 2>&1 &
FP=$!
sleep 0.3
pol --deny 10.77.0.2 >/dev/null
pprobe "$L" 10.77.0.2 7003
for i in $(seq 40); do grep -q '"dst":"10.77.0.2"' "$TMP/follow" && break; sleep 0.05; done
kill "$FP" 2>/dev/null
wait "$FP" 2>/dev/null
c=$(grep -c '"dst":"10.77.0.2"' "$TMP/follow")
[ "$c" = 2 ]
ok $? "events --follow: the backlog's denial, then the new one as it comes" || diag "$(cat "$TMP/follow")"
pol --remove 10.77.0.2 >/dev/null
nev=$(jp events "$L" | grep -c '"hook":"connect4"')
js=$(jp status --json "$L" | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin)["events"]; print(j["denied"]["connect4"], j["events_dropped"])' 2>&1)
[ "$js" = "$nev 0" ] && [ "$nev" -ge 2 ]
ok $? "status --json: events.denied.connect4 ($js) = the connect4 events listed ($nev), none dropped" ||
	diag "$js"
out=$(jp status "$L" 2>&1)
grep -q "^events: denied connect4 $nev, connect6 0, .*; dropped 0$" <<<"$out"
ok $? "status: the counters in the text" || diag "$out"

# ---- a storm while the keeper is stopped: counted drops, no stall ----
pol --deny 10.77.0.2 >/dev/null
kill -STOP "$K"
pm exec "$L" probe storm 10.77.0.2 7003 1500 >"$TMP/storm" 2>&1
kill -CONT "$K"
t0=$(date +%s%N)
out=$(pol --show 2>&1)
st=$?
t=$((($(date +%s%N) - t0) / 1000000))
[ $st = 0 ] && [ "$t" -lt 5000 ]
ok $? "after the storm the keeper answers (--show in $t ms)" || diag "$out"
js=$(jp status --json "$L" | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin)["events"]; print(sum(j["denied"].values()), j["events_read"], j["events_dropped"])' 2>&1)
read -r den rd dr <<<"$js"
diag "storm: $(cat "$TMP/storm"); denied $den, read $rd, dropped $dr"
[ -n "$dr" ] && [ "$dr" -gt 0 ] && [ "$den" = $((rd + dr)) ]
ok $? "the storm is counted: $dr dropped, read + dropped = denied" || diag "$js"
n=$(jp events "$L" | wc -l)
[ "$n" = 1024 ]
ok $? "events keeps the last 1,024 lines" || diag "got $n"
pol --remove 10.77.0.2 >/dev/null

# ---- no keeper: 125 and why ----
kill -9 "$K"
sleep 0.2
out=$(jp policy "$L" --show 2>&1)
st=$?
[ $st = 125 ] && grep -q "podman jail with no live keeper" <<<"$out"
ok $? "keeper killed: policy says the jail has no live keeper (125)" || diag "exit $st: $out"
out=$(jp events "$L" 2>&1)
[ $? = 125 ] && grep -q "no live keeper" <<<"$out"
ok $? "and events the same" || diag "$out"
jp rm -f "$L" >/dev/null 2>&1
[ ! -e "/run/jail-ai/ctl/$L" ]
ok $? "rm removes the keeper's socket directory" || diag "$(ls -l /run/jail-ai/ctl)"

done_testing
