#!/bin/bash
# tests/51-podman-rootless.t - podman jails for a normal user (rootless podman) with a setcap
# copy of jail-ai.
#
# Hybrid layout: a rootless container gets no cgroup v2 of its own, so `create --block-host`
# must refuse clearly and leave nothing running; unprotected jails work.  Simulated pure v2
# (a private mount namespace whose /sys/fs/cgroup is the cgroup2 hierarchy), with the user's
# processes in a cgroup it owns: `create --block-host` works and exec gets EPERM for the
# host's addresses; the life cycle works.
#
# Makes: the user jai-podman if missing (it stays), /run/user/UID if missing (removed),
# /dev/net/tun mode 666 for the run (restored), <cgroup2>/jai-podman-PID delegated to the
# user (removed), a setcap copy of jail-ai in $TMP.  Kills the user's processes (its rootless
# pause process pins the mount namespace it first ran in) before and after each layout: do
# not run two copies of this test at once.

SELF=$(readlink -f "$0")
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

TUSER=jai-podman

podman_layout_child "rootless " "podman_cleanup; rootless_cleanup"

require_root
require_tools
require_cgroup2
require_binaries
podman_require
for t in useradd setcap perl; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done

if [ -z "${PT_PHASE:-}" ]; then
	id -u "$TUSER" >/dev/null 2>&1 || useradd -m "$TUSER" >/dev/null 2>&1 ||
		bail "useradd $TUSER failed"
	grep -q "^$TUSER:" /etc/subuid && grep -q "^$TUSER:" /etc/subgid ||
		skip_all "$TUSER has no subordinate ids in /etc/subuid and /etc/subgid"
	TUID=$(id -u "$TUSER")
	RUNDIR_MADE=
	if [ ! -d "/run/user/$TUID" ]; then
		mkdir -p "/run/user/$TUID" && RUNDIR_MADE=1
	fi
	chown "$TUSER:" "/run/user/$TUID" && chmod 700 "/run/user/$TUID"
	TUN_MODE=$(stat -c %a /dev/net/tun 2>/dev/null) || skip_all "needs /dev/net/tun"
	chmod 666 /dev/net/tun
	trap 'st=$?; chmod "$TUN_MODE" /dev/net/tun; [ -n "$RUNDIR_MADE" ] && rm -rf "/run/user/$TUID";
		podman_cleanup; (exit $st); cleanup' EXIT

	podman_layouts "$SELF"
fi

# ---- a layout child ----
case $PT_PHASE in
hybrid) WANT_CGV=v1 ;;
*) WANT_CGV=v2 ;;
esac
TUID=$(id -u "$TUSER")
TGID=$(id -g "$TUSER")
THOME=$(getent passwd "$TUSER" | cut -d: -f6)
XDG=/run/user/$TUID
UD=$TMP/upodman
for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
podman_conf "$UD" "$TUSER" || bail "cannot write the user's podman config"
CAPS=$TMP/jail-ai-caps
NOCAPS=$TMP/jail-ai-nocaps
cp "$JAIL_AI" "$CAPS" && cp "$JAIL_AI" "$NOCAPS" && chmod 755 "$CAPS" "$NOCAPS" &&
	setcap cap_bpf,cap_net_admin+p "$CAPS" || bail "setcap on $CAPS failed"
D=
if [ "$WANT_CGV" = v2 ]; then
	# a cgroup the user owns; every command of the user's starts in it
	D=$CG2/jai-podman-$$
	mkdir "$D" && chown -R "$TUSER:" "$D" || bail "cannot delegate $D"
fi
netns_setup

# as_user CMD...: CMD as the test user in the host namespace (in $D when set), with a small
# environment, bounded in time.
as_user() {
	timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 125
		shift; exec "$@"' sh "$D" \
		setpriv --reuid="$TUID" --regid="$TGID" --init-groups \
		env -i HOME="$THOME" USER="$TUSER" LOGNAME="$TUSER" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
		XDG_RUNTIME_DIR="$XDG" CONTAINERS_CONF="$UD/containers.conf" \
		CONTAINERS_STORAGE_CONF="$UD/storage.conf" "$@"
}
upm() { as_user "$PODMAN" "$@"; }
ujp() { as_user "$CAPS" "$@"; }

rootless_cleanup() {
	local f p
	[ -n "${TUID:-}" ] || return 0
	upm rm -af -t 0 >/dev/null 2>&1
	# The rootless pause process (catatonit) and whatever else the test user still runs:
	# the user is this test's alone, and the next layout needs a fresh pause process.
	for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill "$p" 2>/dev/null; done
	for f in $(seq 20); do [ -z "$(ps -u "$TUSER" -o pid= 2>/dev/null)" ] && break; sleep 0.1; done
	for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	if [ -n "$D" ] && [ -d "$D" ]; then
		echo 1 >"$D/cgroup.kill" 2>/dev/null
		sleep 0.2
		find "$D" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	rm -rf "$UD" 2>/dev/null
	return 0
}

HOST_LISTENERS="lo4 127.0.0.1 7001
h1 10.77.0.1 7002
h2 10.77.1.1 7003
lo6 ::1 7004
h6 fd77::1 7005
any4 0.0.0.0 7007"
serve_host "$HOST_LISTENERS"
serve "$NS_P" peer4 10.77.0.2 7101

LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
errs() { diag "exit $ST; stdout:" "$(head -n 20 "$TMP/out")" "stderr:" "$(tail -n 20 "$TMP/err")"; }
WS_N=0
new_ws() {
	WS_N=$((WS_N + 1))
	WS=$TMP/uws$WS_N
	mkdir -p "$WS" && chown "$TUSER:" "$WS"
}
ustate() { upm inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
ugone() { ! upm container exists "$1" 2>/dev/null; }
JP=ujp			# the shared checks in podman-env.sh run jail-ai as the test user

# ---- infrastructure: rootless podman, no jail-ai ----
cgv=$(upm info --format '{{.Host.CgroupsVersion}}' 2>"$TMP/err")
[ "$cgv" = "$WANT_CGV" ]
ok $? "rootless podman info reports cgroup $WANT_CGV" || diag "got '$cgv'" "$(cat "$TMP/err")"
podman_rootfs && chmod 644 "$TMP/rootfs.tar"
podman_image upm
ok $? "the test image is in the user's storage" || bail "no test image for $TUSER"
upm run -d --name "$JT-plain" "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>"$TMP/err"
ok $? "rootless podman runs a container (slirp4netns) in the host namespace" ||
	bail "rootless podman cannot run the test image: $(cat "$TMP/err")"
pid=$(upm inspect --format '{{.State.Pid}}' "$JT-plain")
cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
mine=$(as_user cat /proc/self/cgroup | sed -n 's/^0:://p')
diag "a plain rootless container's cgroup: '$cg'; the user's own: '$mine'"
if [ "$PT_PHASE" = hybrid ]; then
	[ "$cg" = "$mine" ]
	ok $? "hybrid: a rootless container stays in its caller's cgroup (no cgroup v2 of its own)"
fi
upm rm -f -t 0 "$JT-plain" >/dev/null 2>&1
CGP=()
[ -n "$D" ] && CGP=(--cgroup-parent="${D#$CG2}")
upm run -d --name "$JT-plain2" "${CGP[@]}" "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>"$TMP/err" &&
	[ -n "$D" ] && {
	pid=$(upm inspect --format '{{.State.Pid}}' "$JT-plain2")
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	diag "with ${CGP[*]}: the container's cgroup is '$cg'"
}
n=$(arrivals h1)
out=$(upm exec "$JT-plain2" probe tcp 10.77.0.1 7002 2>&1)
[ $? = 0 ] && arrived h1 "$n"
ok $? "control, plain rootless podman: tcp 10.77.0.1 port 7002 reaches the host" || diag "$out"
upm rm -f -t 0 "$JT-plain2" >/dev/null 2>&1

out=$("$JAIL_AI" create --help 2>&1 </dev/null)
st=$?
ok $st "jail-ai create --help exits 0 (the podman commands exist)" || {
	diag "exit $st: $out"
	done_testing
}

# ---- a user without capabilities: --block-host refuses with the setcap line ----
new_ws
as_user "$NOCAPS" create "$JT-nocap" --image "$TEST_IMAGE" \
	--workspace "$WS" --block-host >"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" != 0 ] && grep -q setcap "$TMP/err" && [ "$(ustate "$JT-nocap")" != running ]
ok $? "no capabilities: create --block-host fails naming setcap, nothing running" || errs
ugone "$JT-nocap"
ok $? "no capabilities: no container left" || diag "state $(ustate "$JT-nocap")"

# ---- unprotected life cycle ----
new_ws
echo from-host >"$WS/hello"
chmod 644 "$WS/hello"
ujp create "$JT-rl" --image "$TEST_IMAGE" --workspace "$WS" >"$TMP/out" 2>"$TMP/err"
ST=$?
ok $ST "rootless create $JT-rl exits 0" || errs
jx "$JT-rl" cat /workspace/hello
[ "$OUT" = from-host ]
ok $? "the workspace is at /workspace" || diag "exit $ST: $OUT" "$(cat "$TMP/err")"
jx "$JT-rl" touch /workspace/made
[ -e "$WS/made" ]
ok $? "a file created in /workspace is visible on the host" || diag "exit $ST"
st=$(stat -c %u:%g "$WS/made" 2>&1)
[ "$st" = "$TUID:$TGID" ]
ok $? "it belongs to the user on the host ($st)"
jx "$JT-rl" sh -c 'id -u; id -g; echo "$HOME"; touch "$HOME/x" && echo writable'
[ "$OUT" = "$TUID
$TGID
/home/jail
writable" ]
ok $? "the jail runs as the user's uid:gid, not root (--userns=keep-id); HOME /home/jail is writable" ||
	diag "exit $ST: $OUT" "$(cat "$TMP/err")"
jx "$JT-rl" whoami
[ "$OUT" = jail ]
ok $? "podman's passwd entry names it (whoami: $OUT)"
out=$(ujp list 2>&1)
grep -q "$JT-rl" <<<"$out"
ok $? "list shows $JT-rl" || diag "$out"
protection "$JT-rl" off
ujp stop "$JT-rl" >/dev/null 2>"$TMP/err" && [ "$(ustate "$JT-rl")" != running ]
ok $? "stop $JT-rl" || diag "$(cat "$TMP/err")"
ujp start "$JT-rl" >/dev/null 2>"$TMP/err" && [ "$(ustate "$JT-rl")" = running ]
ok $? "start $JT-rl" || diag "$(cat "$TMP/err")"
jx "$JT-rl" sh -c 'exit 7'
[ "$ST" = 7 ]
ok $? "exec returns CMD's status" || diag "got $ST"
ujp rm -f "$JT-rl" >/dev/null 2>"$TMP/err" && ugone "$JT-rl"
ok $? "rm -f $JT-rl" || diag "$(cat "$TMP/err")"

# ---- --block-host ----
new_ws
WS_BH=$WS
BH=$JT-rbh
ujp create "$BH" --image "$TEST_IMAGE" --workspace "$WS" --block-host \
	-- sh -c "probe tcp 10.77.0.1 7002 >/workspace/cmd.out 2>&1; $LOOP" >"$TMP/out" 2>"$TMP/err"
ST=$?
if [ "$PT_PHASE" = hybrid ]; then
	[ "$ST" != 0 ] && [ "$(ustate "$BH")" != running ] && [ ! -e "$WS_BH/cmd.out" ]
	ok $? "hybrid: create --block-host refuses (no cgroup v2 of its own); nothing ran" || errs
	grep -q "a hybrid layout) makes no cgroups" "$TMP/err" &&
		grep -q "needs a cgroup v2 subtree delegated to you" "$TMP/err" &&
		grep -q "Either use rootful podman" "$TMP/err" &&
		grep -q "a pure cgroup v2 host" "$TMP/err"
	ok $? "hybrid: the refusal says why (no cgroup of its own; no delegated cgroup v2 to put podman in) and the ways out" ||
		errs
	diag "its message: $(tail -n 3 "$TMP/err")"
	ugone "$BH"
	ok $? "hybrid: no container $BH left" || diag "state $(ustate "$BH")"
	# status of a protected jail here (one made elsewhere, or by hand: the labels) says so
	upm create --name "$BH-st" --label jail-ai=1 --label jail-ai.block-host=1 \
		--label "jail-ai.workspace=$WS_BH" "$TEST_IMAGE" true >/dev/null 2>"$TMP/err"
	out=$(ujp status "$BH-st" 2>&1)
	grep -q "protection: attached on every start (not running; rootless, but here a start refuses: the container would share your cgroup v2" <<<"$out"
	ok $? "hybrid: status of a stopped protected rootless jail says a start refuses here, and why" ||
		diag "$out" "$(cat "$TMP/err")"
	upm rm -f "$BH-st" >/dev/null 2>&1
	# README (Rootless on a hybrid host): the user can make no cgroup v2, and cannot move
	# itself into one root made and gave it; control: a process root placed inside can
	as_user mkdir "$CG2/$JT-umk" 2>"$TMP/err"
	st=$?
	[ "$st" != 0 ] && [ ! -d "$CG2/$JT-umk" ]
	ok $? "hybrid: the user cannot mkdir in $CG2" || diag "exit $st: $(cat "$TMP/err")"
	rmdir "$CG2/$JT-umk" 2>/dev/null
	G=$CG2/$JT-given
	mkdir "$G" && chown "$TUSER:" "$G" "$G/cgroup.procs" || bail "cannot make $G"
	as_user sh -c 'mkdir "$1/sub" && echo $$ >"$1/sub/cgroup.procs"' sh "$G" 2>"$TMP/err"
	st=$?
	[ -d "$G/sub" ] && [ "$st" != 0 ] && [ -z "$(cat "$G/sub/cgroup.procs")" ]
	ok $? "hybrid: in a cgroup v2 root gave the user, it makes a child but cannot move itself in" ||
		diag "exit $st: $(cat "$TMP/err")"
	out=$(D=$G as_user sh -c 'echo $$ >"$1/sub/cgroup.procs" && sed -n "s/^0:://p" /proc/self/cgroup' \
		sh "$G" 2>&1)
	[ "$out" = "${G#$CG2}/sub" ]
	ok $? "hybrid, control: a user process root placed in it moves itself within it" || diag "$out"
	rmdir "$G/sub" "$G" 2>/dev/null
	done_testing
fi

ok $ST "create $BH --block-host exits 0 (user's processes in a cgroup it owns)" ||
	{ errs; done_testing; }
for i in $(seq 50); do [ -s "$WS_BH/cmd.out" ] && break; sleep 0.1; done
[ "$(tail -n 1 "$WS_BH/cmd.out" 2>/dev/null)" = EPERM ]
ok $? "$BH's own command gets EPERM for tcp 10.77.0.1" || diag "$(cat "$WS_BH/cmd.out" 2>&1)"
protection "$BH" attached
# No keeper for rootless jails (keeper.c is the rootful fast path's): status says so.
out=$(ujp status "$BH" 2>&1)
js=$(ujp status --json "$BH" 2>&1 | /usr/bin/python3 -c \
	'import json, sys; j = json.load(sys.stdin); print(j["keeper"], j["keeper_pid"])' 2>&1)
grep -qx 'keeper: no address refresh (rootless)' <<<"$out" && [ "$js" = "rootless None" ]
ok $? "status $BH: no address refresh (rootless); --json keeper rootless" || diag "$out" "$js"
# No keeper, no live policy or events: 125 and the reason.
out=$(ujp policy "$BH" --show 2>&1)
st=$?
[ $st = 125 ] && grep -q "is a rootless podman jail: live policy and events need the rootful fast path" <<<"$out"
ok $? "policy $BH --show: 125, live policy needs the rootful fast path" || diag "exit $st: $out"
out=$(ujp events "$BH" 2>&1)
st=$?
[ $st = 125 ] && grep -q "is a rootless podman jail" <<<"$out"
ok $? "events $BH: 125, the same reason" || diag "exit $st: $out"
for mode in tcp udp sendto; do
	# its own network: 127.0.0.1 and ::1 are the jail's own (tests/52-podman-netns.t)
	for dst in "10.77.0.1 7002" "10.77.1.1 7003" "fd77::1 7005" "10.0.2.2 7007"; do
		blocked "$BH" $mode $dst
	done
done
jx "$BH" probe socket raw4
[ "$ST" = 1 ] && [ "$OUT" = EPERM ]
ok $? "$BH: socket raw4 is refused with EPERM" || diag "exit $ST: $OUT"
reaches "$BH" tcp 10.77.0.2 7101 peer4

ujp stop "$BH" >/dev/null 2>"$TMP/err" && ujp start "$BH" >/dev/null 2>>"$TMP/err"
ok $? "stop + start $BH" || diag "$(cat "$TMP/err")"
protection "$BH" attached
blocked "$BH" tcp 10.77.0.1 7002
ujp stop "$BH" >/dev/null 2>&1
upm start "$BH" >/dev/null 2>&1
out=$(ujp list 2>&1)
grep "^$BH " <<<"$out" | grep -q 'NOT attached'
ok $? "list says $BH's protection is NOT attached" || diag "$out"
# Rootless keeps init/attach/start: a start behind our back is unprotected, and exec
# stops it and starts it protected before CMD runs.
rm -f "$WS_BH/marker"
n=$(arrivals $HOST_LOGS)
jx "$BH" sh -c 'probe tcp 10.77.0.1 7002; touch /workspace/marker'
[ "$ST" = 0 ] && [ "$OUT" = EPERM ] && [ -e "$WS_BH/marker" ] && [ "$(arrivals $HOST_LOGS)" = "$n" ] &&
	grep -q 'starting it protected' "$TMP/err"
ok $? "exec into $BH started behind jail-ai's back: re-protected first, CMD's probe gets EPERM" ||
	diag "exit $ST, output '$OUT'" "$(cat "$TMP/err")"
protection "$BH" attached
ujp start "$BH" >"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && ! grep -q 'is not running' "$TMP/err"
ok $? "start $BH restarts it protected (no 'is not running')" || errs
protection "$BH" attached
blocked "$BH" tcp 10.77.0.1 7002
ujp rm -f "$BH" >/dev/null 2>"$TMP/err" && ugone "$BH"
ok $? "rm -f $BH" || diag "$(cat "$TMP/err")"

done_testing
