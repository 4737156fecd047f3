#!/bin/bash
# tests/54-podman-user.t - podman jails as people use them (rootful; issue 9 items 4-7):
#  - first use: `jail-ai create NAME` and `jail-ai` alone build the base layer from the
#    configured base image (podman's output streamed) instead of pulling an image nothing
#    built; with no base image and no registry the error gives the debootstrap + import recipe;
#  - the jail's user is not root: SUDO_UID:SUDO_GID, else the workspace's owner, else
#    1000:1000; files written to /workspace belong to that user on the host; HOME is a
#    writable per-jail volume; --root opts out; exec -u 0 still reaches root;
#  - options given on a later agent run that differ from the jail's are refused with the
#    list; --recreate remakes only the container (home volume and workspace stay);
#  - list and status show the protection as attached now: after `podman restart` behind
#    jail-ai's back still attached (the parent cgroup holds it), with the parent removed
#    first NOT attached, and `start` restores it;
#  - exec -e/-w/-u/--detach; list --json and status --json.
#
# No registry is reachable: the "configured base image" is a busybox root filesystem with a
# stub apt-get (and stub npm/claude for the agent layer), imported into the test's own
# podman storage.  The real Debian base and the real claude CLI are tests/60-agents.t's.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
PY=/usr/bin/python3
[ -x $PY ] || skip_all "needs /usr/bin/python3 (JSON checks)"

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME"
unset SUDO_UID SUDO_GID SUDO_USER JAIL_AI_IMAGE JAIL_AI_BASE_IMAGE
podman_private_setup
serve_host "h1 10.77.0.1 7002"

STUB=localhost/jail-ai-test-stubbase:1
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
errs() { diag "exit $ST; stdout:" "$(head -n 20 "$TMP/out")" "stderr:" "$(tail -n 20 "$TMP/err")"; }
WS_N=0
new_ws() {
	WS_N=$((WS_N + 1))
	WS=$TMP/ws$WS_N
	mkdir -p "$WS" && chmod 755 "$WS" && chown "${1:-0}:${1:-0}" "$WS"
}
# in_ws CMD...: jail-ai CMD in $WS, in the host namespace; status in ST.
in_ws() {
	(cd "$WS" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$@") \
		>"$TMP/out" 2>"$TMP/err" </dev/null
	ST=$?
}
cid() { pm inspect --format '{{.Id}}' "$1" 2>/dev/null; }
json_ok() { $PY -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l)
    for k in sys.argv[1:]:
        assert k in o, k' "$@"; }

# ---- the stub base image: busybox, apt-get/npm that do nothing, a claude that says a version
r=$TMP/stubroot
podman_rootfs && mkdir -p "$r" && tar -C "$r" -xf "$TMP/rootfs.tar" || bail "no rootfs"
printf '#!/bin/sh\nexit 0\n' >"$r/bin/apt-get"
printf '#!/bin/sh\nexit 0\n' >"$r/bin/npm"
printf '#!/bin/sh\necho "9.9.9 (stub claude)"\n' >"$r/bin/claude"
chmod 755 "$r/bin/apt-get" "$r/bin/npm" "$r/bin/claude"
tar -C "$r" --numeric-owner -cf "$TMP/stub.tar" . && rm -rf "$r"
out=$(pm import "$TMP/stub.tar" "$STUB" 2>&1)
ok $? "the stub base image $STUB is in the test's storage" || bail "podman import: $out"

# ---- 9.4: first use ----
new_ws
in_ws create "$JT-nobase"
grep -q 'pulling the base image docker.io/library/debian:trixie-slim' "$TMP/err" &&
	grep -q 'debootstrap --variant=minbase trixie' "$TMP/err" &&
	grep -q 'podman import - localhost/debian:trixie' "$TMP/err" &&
	grep -q "base-image = localhost/debian:trixie" "$TMP/err" && [ "$ST" = 125 ] &&
	! exists "$JT-nobase"
ok $? "first use, no base image, no registry: create tries the default base, fails (125) with the debootstrap + podman import recipe" ||
	errs
! grep -q 'localhost/jail-ai-base:latest.*pull\|pulling.*jail-ai-base' "$TMP/err"
ok $? "it never tries to pull localhost/jail-ai-base:latest" || errs

export JAIL_AI_BASE_IMAGE=$STUB
t0=$(date +%s)
in_ws create "$JT-first"
[ "$ST" = 0 ] && grep -q '^jail-ai: \[1/[0-9]*\] building layer base (localhost/jail-ai-base:latest)' "$TMP/err" &&
	grep -q "FROM $STUB" "$TMP/out" "$TMP/err"
ok $? "first use: create builds the base layer FROM the configured base, podman's steps shown ($(($(date +%s) - t0))s)" ||
	errs
img=$(pm inspect --format '{{.ImageName}}' "$JT-first" 2>&1)
[ "$img" = localhost/jail-ai-base:latest ] && [ "$(state "$JT-first")" = running ]
ok $? "the jail runs from the layer it built ($img)"
in_ws create "$JT-second"
[ "$ST" = 0 ] && ! grep -q 'building layer' "$TMP/err"
ok $? "a second create builds nothing" || errs

name=jail-ai-$(basename "$WS")-$(printf %s "$WS" | sha256sum | cut -c1-8)
OUT=$(cd "$WS" && echo 'id -u; echo $HOME; exit' | timeout -k 5 120 nsenter \
	--net="/run/netns/$NS_H" -- "$JAIL_AI" 2>"$TMP/err")
ST=$?
[ "$ST" = 0 ] && exists "$name" && [ "$(echo "$OUT" | head -n 1)" = 1000 ] &&
	[ "$(echo "$OUT" | sed -n 2p)" = /home/jail ]
ok $? "jail-ai alone in a project: makes $name, a shell as 1000 with HOME /home/jail" ||
	diag "exit $ST: $OUT" "$(tail -n 10 "$TMP/err")"

# ---- 9.5: the jail's user ----
new_ws 4321
in_ws create "$JT-sudo" --image "$STUB"
ST0=$ST
WS_SUDO=$WS
mkdir -p "$TMP/cfgdir"
(cd "$WS" && SUDO_UID=4321 SUDO_GID=4322 timeout -k 5 120 nsenter --net="/run/netns/$NS_H" -- \
	"$JAIL_AI" create "$JT-sudo2" --image "$STUB" -m "$TMP/cfgdir:/home/jail/.cfg/dir") \
	>"$TMP/out" 2>"$TMP/err"
ST=$?
ok $ST "create under sudo (SUDO_UID=4321 SUDO_GID=4322) exits 0" || errs
jx "$JT-sudo2" id -u
u=$OUT
jx "$JT-sudo2" id -g
[ "$u" = 4321 ] && [ "$OUT" = 4322 ]
ok $? "id in the jail is SUDO_UID:SUDO_GID, not root ($u:$OUT)"
jx "$JT-sudo2" sh -c 'echo hi >/workspace/made-by-jail'
st=$(stat -c %u:%g "$WS/made-by-jail" 2>&1)
[ "$st" = 4321:4322 ]
ok $? "a file written to /workspace belongs to 4321:4322 on the host ($st)"
jx "$JT-sudo2" sh -c 'whoami; echo "$HOME"; touch ~/x && stat -c %u ~/.cfg'
[ "$(echo "$OUT" | head -n 1)" = jail ] && [ "$(echo "$OUT" | sed -n 2p)" = /home/jail ] &&
	[ "$ST" = 0 ] && [ "$(echo "$OUT" | tail -n 1)" = 4321 ]
ok $? "podman's passwd entry (jail), HOME=/home/jail writable, the directory made for a mount below it is the user's" ||
	diag "exit $ST: $OUT"
[ "$ST0" = 0 ]
jx "$JT-sudo" id -u
[ "$OUT" = 4321 ]
ok $? "root without sudo: the workspace's owner (4321) is the jail's user" || diag "$OUT"
new_ws
in_ws create "$JT-ru" --image "$STUB"
jx "$JT-ru" id -u
[ "$OUT" = 1000 ]
ok $? "root without sudo, workspace root's: 1000" || diag "$OUT"
in_ws create "$JT-root" --image "$STUB" --root
jx "$JT-root" id -u
[ "$OUT" = 0 ]
ok $? "control: --root runs the jail as root" || diag "$OUT"
OUT=$(pm run --rm "$STUB" id -u 2>&1)
[ "$OUT" = 0 ]
ok $? "control: plain podman runs the image as root" || diag "$OUT"
jx "$JT-ru" touch /home/jail/kept
in_ws create "$JT-ru" --image "$STUB" --recreate -e R=1
jx "$JT-ru" sh -c 'ls /home/jail/kept && echo "$R"'
[ "$ST" = 0 ] && [ "$(echo "$OUT" | tail -n 1)" = 1 ]
ok $? "create --recreate: new options, the home volume kept" || diag "exit $ST: $OUT"
jp rm -f "$JT-ru" >/dev/null 2>&1
! pm volume exists "$JT-ru-home"
ok $? "rm -f removes the jail's home volume"

# ---- the jail's non-root user holds no capability ----
# podman gives what --cap-add names to a non-root --user in every set, ambient included:
# the jail's user would read and write the host's files in its mounts (DAC_OVERRIDE) and
# become root (SETUID).  A root-only file in the workspace stands for the host's files.
capsof() { grep -E '^Cap(Prm|Eff|Amb)' "$@" | awk '{print $2}' | tr '\n' ' '; }
echo secret >"$WS_SUDO/root-only" && chown 0:0 "$WS_SUDO/root-only" &&
	chmod 600 "$WS_SUDO/root-only"
pm run -d --name "$JT-capctl" --user 4321:4322 --cap-drop=all \
	--cap-add=CHOWN,DAC_OVERRIDE,FOWNER,FSETID,SETGID,SETUID,KILL,NET_BIND_SERVICE,SYS_CHROOT \
	--security-opt=no-new-privileges -v "$WS_SUDO:/workspace" "$STUB" sh -c "$LOOP" \
	>/dev/null 2>"$TMP/err"
ctl=$(pm exec "$JT-capctl" sh -c 'grep ^Cap /proc/self/status; cat /workspace/root-only' 2>&1)
pm rm -f -t 0 "$JT-capctl" >/dev/null 2>&1
[ "$(capsof <<<"$ctl")" != "0000000000000000 0000000000000000 0000000000000000 " ] &&
	grep -q '^secret$' <<<"$ctl"
ok $? "control: plain podman --cap-drop=all --cap-add=... --user 4321 gives the user the capabilities (Prm Eff Amb: $(capsof <<<"$ctl")) and it reads a root-only file" ||
	diag "$ctl"
jx "$JT-sudo2" sh -c 'grep ^Cap /proc/self/status; grep ^Cap /proc/1/status'
c=$(capsof <<<"$OUT")
[ "$c" = "0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000 " ]
ok $? "the jail's user (4321) holds no capability, in exec and in the container's first process ($c)" ||
	diag "$OUT"
jx "$JT-sudo2" sh -c 'cat /workspace/root-only'
[ "$ST" != 0 ] && ! grep -q secret <<<"$OUT"
ok $? "the jail's user cannot read a root-only file in its workspace (exit $ST)"
OUT=$(jp exec -u 0 "$JT-sudo2" sh -c 'grep ^CapEff /proc/self/status; cat /workspace/root-only' 2>&1)
grep -q '^secret$' <<<"$OUT" && ! grep -q 'CapEff:.*0000000000000000' <<<"$OUT"
ok $? "exec -u 0 keeps root's few capabilities ($(grep CapEff <<<"$OUT" | awk '{print $2}'))" ||
	diag "$OUT"
rm -f "$WS_SUDO/root-only"

# ---- exec options ----
jx "$JT-sudo2" true
OUT=$(jp exec -e K=V -w /tmp -u 0 "$JT-sudo2" sh -c 'echo "$K $(pwd) $(id -u)"' 2>"$TMP/err")
[ "$OUT" = "V /tmp 0" ]
ok $? "exec -e K=V -w /tmp -u 0 NAME CMD (podman's order)" || diag "$OUT" "$(cat "$TMP/err")"
OUT=$(jp exec "$JT-sudo2" --env K=W --workdir / -- sh -c 'echo "$K $(pwd)"' 2>&1)
[ "$OUT" = "W /" ]
ok $? "exec NAME --env --workdir -- CMD" || diag "$OUT"
rm -f "$WS_SUDO/late" "$WS_SUDO/started"
jp exec --detach "$JT-sudo2" sh -c 'touch /workspace/started; sleep 30; touch /workspace/late' \
	>"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && [ ! -e "$WS_SUDO/late" ] && grep -Eq '^[0-9a-f]{64}$' "$TMP/out"
ok $? "exec --detach returns before CMD ends, printing the exec session's id" || errs
for i in $(seq 100); do [ -e "$WS_SUDO/started" ] && break; sleep 0.1; done
[ -e "$WS_SUDO/started" ]
ok $? "and the detached command runs"
jp exec -e 'BAD KEY=1' "$JT-sudo2" true >/dev/null 2>&1
[ $? = 125 ]
ok $? "exec -e with a bad name: 125"

# ---- 9.6: options on a later run ----
# (the workspace is the jail user's: a root-owned one is not writable for 1000, README)
new_ws 1000
in_ws claude -- --version
[ "$ST" = 0 ] && grep -q 'stub claude' "$TMP/out"
ok $? "jail-ai claude (stub agent layer) makes its jail and runs" || errs
AG=jail-ai-claude-$(basename "$WS")-$(printf %s "$WS" | sha256sum | cut -c1-8)
id0=$(cid "$AG")
jx "$AG" sh -c 'touch /home/jail/kept /workspace/ws-kept; id -u'
[ "$OUT" = 1000 ]
ok $? "the agent's jail runs as 1000, not root" || diag "$OUT"
in_ws claude -e K=V --memory 512m -- --version
[ "$ST" = 125 ] && grep -q 'asked now, not in the jail: --env=K=V' "$TMP/err" &&
	grep -q 'asked now, not in the jail: --memory=512m' "$TMP/err" && grep -q -- --recreate "$TMP/err" &&
	! grep -q 'stub claude' "$TMP/out" && [ "$(cid "$AG")" = "$id0" ]
ok $? "different options on a later run: refused (125), each listed, --recreate offered, the jail untouched" ||
	errs
in_ws claude -e K=V --memory 512m --recreate -- --version
id1=$(cid "$AG")
[ "$ST" = 0 ] && [ -n "$id1" ] && [ "$id1" != "$id0" ]
ok $? "--recreate makes a new container" || errs
jx "$AG" sh -c 'echo "$K"; ls /home/jail/kept /workspace/ws-kept >/dev/null && echo kept'
mem=$(pm inspect --format '{{.HostConfig.Memory}}' "$AG")
[ "$OUT" = "V
kept" ] && [ "$mem" = 536870912 ]
ok $? "it has K=V and 512m; the home and the workspace survived" || diag "$OUT / $mem"
in_ws claude -e K=V --memory 512m -- --version
[ "$ST" = 0 ] && [ "$(cid "$AG")" = "$id1" ]
ok $? "the same options again: the jail is used" || errs
in_ws claude --memory 1g -e K=V -- --version
[ "$ST" = 125 ] && grep -q 'in the jail, not asked now: --memory=512m' "$TMP/err"
ok $? "a changed value is refused, naming the jail's value" || errs
in_ws claude -- --version
[ "$ST" = 0 ]
ok $? "no options: the jail is used as it is" || errs

# ---- 9.7: the protection as attached now ----
new_ws
in_ws create "$JT-bh" --image "$STUB" --block-host -- sh -c "$LOOP"
ok $ST "create $JT-bh --block-host" || errs
out=$(jp list 2>&1)
grep "^$JT-bh " <<<"$out" | grep -q 'block-host$'
ok $? "list: $JT-bh block-host (attached)" || diag "$out"
pm restart -t 0 "$JT-bh" >/dev/null 2>"$TMP/err"
ok $? "podman restart $JT-bh behind jail-ai's back" || diag "$(cat "$TMP/err")"
out=$(jp list 2>&1)
grep "^$JT-bh " <<<"$out" | grep -q 'block-host$'
ok $? "list: still attached after the restart (the parent cgroup keeps the programs)" ||
	diag "$out"
# Its parent cgroup gone (as after a reboot), podman makes it again without programs.
pm stop -t 0 "$JT-bh" >/dev/null 2>&1
for d in "$CG2/jail-ai/pod-$JT-bh" /sys/fs/cgroup/*/jail-ai/pod-"$JT-bh"; do
	[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done
pm start "$JT-bh" >/dev/null 2>"$TMP/err"
ok $? "parent removed, podman start $JT-bh behind jail-ai's back" || diag "$(cat "$TMP/err")"
out=$(jp list 2>&1)
grep "^$JT-bh " <<<"$out" | grep -q 'NOT attached'
ok $? "list: NOT attached after that start" || diag "$out"
jp list --json >"$TMP/list.json" 2>"$TMP/err"
ST=$?
json_ok name state image workspace user block_host protection <"$TMP/list.json" &&
	grep "\"name\":\"$JT-bh\"" "$TMP/list.json" | grep -q '"protection":"not-attached"' &&
	grep "\"name\":\"$JT-bh\"" "$TMP/list.json" | grep -q '"block_host":true'
ok $? "list --json: one object a line, documented fields, not-attached" ||
	diag "exit $ST" "$(cat "$TMP/list.json" "$TMP/err")"
protection "$JT-bh" "NOT attached"
jp status --json "$JT-bh" >"$TMP/st.json" 2>"$TMP/err"
json_ok name state image workspace user network block_host protection allow deny options \
	mounts programs program_ids <"$TMP/st.json" && grep -q '"protection":"not-attached"' "$TMP/st.json"
ok $? "status --json: documented fields, not-attached" || diag "$(cat "$TMP/st.json" "$TMP/err")"
jp start "$JT-bh" >"$TMP/out" 2>"$TMP/err"
ST=$?
[ "$ST" = 0 ] && ! grep -q 'is not running' "$TMP/err" && [ "$(state "$JT-bh")" = running ]
ok $? "start on the unprotected running jail: 0, restarted protected, no 'is not running'" || errs
protection "$JT-bh" attached
blocked "$JT-bh" tcp 10.77.0.1 7002
out=$(jp list --json 2>&1)
grep "\"name\":\"$JT-bh\"" <<<"$out" | grep -q '"protection":"attached"'
ok $? "list --json: attached again" || diag "$out"
jp stop "$JT-bh" >/dev/null 2>&1
out=$(jp list 2>&1)
grep "^$JT-bh " <<<"$out" | grep -q 'attached on start'
ok $? "list: a stopped protected jail is 'attached on start'" || diag "$out"
jp status --json "$JT-sudo2" >"$TMP/st.json" 2>&1
$PY -c 'import json, sys
o = json.load(open(sys.argv[1]))
assert o["protection"] == "off" and o["block_host"] is False and o["user"] == "4321:4322"
assert any(m["destination"] == "/workspace" for m in o["mounts"])' "$TMP/st.json"
ok $? "status --json of an unprotected jail: off, its user, its mounts" || diag "$(cat "$TMP/st.json")"

done_testing
