#!/bin/bash
# tests/55-new-user.t - a new user, end to end (issue 9, "Done when"): a fresh unprivileged
# user with subordinate ids, `make install` with setcap, a project directory of its own, a
# base image in its podman storage (the cached debootstrap minbase imported: no registry is
# reachable) named by base-image in ~/.config/jail-ai/config, then `jail-ai --block-host`
# typed into a login shell on a real pty (tmux): it builds the project's image on first use
# (rootless `podman build`, apt from Debian's mirror) and opens a shell in the jail, in which
# a host address is refused (EPERM) and the container's own 127.0.0.1 works.
#
# Rootless --block-host needs a cgroup v2 of the container's own: on a hybrid host the test
# runs in the simulated pure v2 layout (tests/51-podman-rootless.t's v2sim: a private mount
# namespace whose /sys/fs/cgroup is the cgroup2 hierarchy), with a fresh pause process and
# the user's processes in a cgroup it owns.  The host address is slirp4netns' 10.0.2.2, the
# host's loopback: the user's containers.conf sets allow_host_loopback=true so that the
# control (a plain container of the user's) reaches a listener on the host's 127.0.0.1.
# The build needs the real network (--network=host builds), so the user's commands run in
# the machine's network namespace; nothing listens or is probed outside its loopback.
#
# Makes (and removes): the user jai-newuser (userdel -r: home, storage, images), /run/user/UID
# if missing, /dev/net/tun mode 666 for the run (restored), <cgroup2>/jai-newuser-PID, an
# install in $TMP, a tmux server.  Slow: the rootless base layer build (apt) takes minutes.

SELF=$(readlink -f "$0")
. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

TUSER=jai-newuser
BASE=localhost/debian:bookworm
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1200}

if [ -n "${PT_PHASE:-}" ]; then
	T_N=$PT_BASE
	skip_all() {
		ok 1 "CI requires: $*"	# the parent checked everything skippable
		T_DONE=1
		exit 0
	}
	bail() {
		ok 1 "$*"
		T_DONE=1
		exit 1
	}
	done_testing() {
		T_DONE=1
		exit 0
	}
	phase_exit() {
		local st=$?
		newuser_cleanup
		[ "$T_DONE" = 0 ] && ok 1 "test script stopped early (status $st)"
		echo "$T_N $T_FAILED" >"$PT_RES"
		T_DONE=1
		cleanup
	}
	trap phase_exit EXIT
fi

require_root
require_tools
require_cgroup2
require_binaries
podman_require
for t in useradd userdel setcap runuser tmux make; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done

if [ -z "${PT_PHASE:-}" ]; then
	if ! command -v debootstrap >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
			>"$TMP/apt.log" 2>&1 || skip_all "needs debootstrap (apt-get install failed)"
	fi
	t0=$(date +%s)
	debian_tar || bail "debootstrap --variant=minbase bookworm failed: $(tail -n 5 "$TMP/debootstrap.log" 2>/dev/null)"
	ok 0 "a Debian minbase root filesystem ($BASE_TAR, $(($(date +%s) - t0))s)"
	# fresh: a user left by an interrupted run goes first
	if id -u "$TUSER" >/dev/null 2>&1; then
		for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		sleep 0.2
		userdel -r "$TUSER" >/dev/null 2>&1
	fi
	install_as_user "$TUSER"
	grep -q "^$TUSER:" /etc/subuid && grep -q "^$TUSER:" /etc/subgid
	ok $? "useradd -m gave $TUSER subordinate ids" || bail "no subordinate ids for $TUSER"
	RUNDIR_MADE=
	if [ ! -d "/run/user/$TUID" ]; then
		mkdir -p "/run/user/$TUID" && RUNDIR_MADE=1
	fi
	chown "$TUSER:" "/run/user/$TUID" && chmod 700 "/run/user/$TUID"
	TUN_MODE=$(stat -c %a /dev/net/tun 2>/dev/null) || skip_all "needs /dev/net/tun"
	chmod 666 /dev/net/tun
	trap 'st=$?; chmod "$TUN_MODE" /dev/net/tun; [ -n "$RUNDIR_MADE" ] && rm -rf "/run/user/$TUID"
		for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		sleep 0.2; find /tmp /var/tmp -maxdepth 1 -user "$TUSER" -exec rm -rf {} + 2>/dev/null
		userdel -r "$TUSER" >/dev/null 2>&1; (exit $st); cleanup' EXIT

	res() {
		local n f
		if read -r n f <"$TMP/phase.res" 2>/dev/null; then
			T_N=$n
			T_FAILED=$((T_FAILED + f))
		else
			ok 1 "[$1] the layout child reported nothing"
		fi
	}
	export TUSER TUID TGID PFX INST UD
	if [ "$CG2" = /sys/fs/cgroup ]; then
		PT_PHASE=v2 PT_BASE=$T_N PT_RES=$TMP/phase.res bash "$SELF"
		res v2
	else
		PT_PHASE=v2sim PT_BASE=$T_N PT_RES=$TMP/phase.res unshare -m --propagation private -- \
			bash -c 'umount -R -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup &&
			exec bash "$1"' sh "$SELF"
		res v2sim
	fi
	done_testing
fi

# ---- the layout child: pure cgroup v2 (real or simulated) ----
THOME=$(getent passwd "$TUSER" | cut -d: -f6)
PROJ=$THOME/project
PORT=$((20000 + $$ % 20000))
SOCK=$UD/tmux.sock
for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
D=$CG2/jai-newuser-$$
mkdir "$D" && chown -R "$TUSER:" "$D" || bail "cannot delegate $D"

newuser_cleanup() {
	local p i
	[ -S "$SOCK" ] && tmux -S "$SOCK" kill-server 2>/dev/null
	[ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null
	as_user podman rm -af -t 0 >/dev/null 2>&1
	as_user podman rmi -af >/dev/null 2>&1
	as_user podman volume prune -f >/dev/null 2>&1
	for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill "$p" 2>/dev/null; done
	for i in $(seq 20); do [ -z "$(ps -u "$TUSER" -o pid= 2>/dev/null)" ] && break; sleep 0.1; done
	for p in $(ps -u "$TUSER" -o pid= 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	if [ -d "$D" ]; then
		echo 1 >"$D/cgroup.kill" 2>/dev/null
		sleep 0.2
		find "$D" -depth -type d -exec rmdir {} + 2>/dev/null
	fi
	return 0
}

# as_user CMD...: CMD as the user from a login shell, in $D, bounded in time.
as_user() {
	local c
	printf -v c '%q ' "$@"
	timeout -k 5 "$PT_TIMEOUT" sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -l "$2" -c "$3"' \
		sh "$D" "$TUSER" "$c"
}

# ---- what a new user sets up: podman's config for these machines, the base image, the
# jail-ai config naming it, a project ----
C=$THOME/.config/containers
podman_conf "$THOME/.local/share/containers" "$TUSER" && mkdir -p "$C" &&
	mv "$THOME/.local/share/containers/containers.conf" "$THOME/.local/share/containers/storage.conf" "$C/" &&
	echo 'network_cmd_options = ["allow_host_loopback=true"]' >>"$C/containers.conf" &&
	mkdir -p "$THOME/.config/jail-ai" && printf 'base-image = %s\n' "$BASE" >"$THOME/.config/jail-ai/config" &&
	mkdir -p "$PROJ" && cp "$PROBE" "$PROJ/probe" && chown -R "$TUSER:" "$THOME/.config" "$THOME/.local" "$PROJ" ||
	bail "cannot write the user's configuration"
cgv=$(as_user podman info --format '{{.Host.CgroupsVersion}}' 2>"$TMP/err")
[ "$cgv" = v2 ]
ok $? "[$PT_PHASE] the user's rootless podman (fresh pause process) reports cgroup v2" ||
	diag "got '$cgv'" "$(cat "$TMP/err")"
t0=$(date +%s)
out=$(PT_TIMEOUT=300 as_user podman import "$BASE_TAR" "$BASE" 2>&1)
ok $? "[$PT_PHASE] podman import of the minbase tarball into the user's storage as $BASE ($(($(date +%s) - t0))s)" ||
	bail "podman import: $out"

# a listener on the host's loopback; slirp4netns' 10.0.2.2 reaches it (allow_host_loopback)
"$PROBE" serve 127.0.0.1 "$PORT" 900 >"$TMP/hostlo" 2>&1 &
SRV=$!
for i in $(seq 50); do grep -q '^ready' "$TMP/hostlo" && break; sleep 0.05; done
n=$(arrivals hostlo)
out=$(as_user podman run --rm -v "$PROJ:/workspace" "$BASE" /workspace/probe tcp 10.0.2.2 "$PORT" 2>&1)
[ $? = 0 ] && arrived hostlo "$n"
ok $? "[$PT_PHASE] control: a plain rootless container of the user's reaches the host's 127.0.0.1:$PORT at 10.0.2.2" ||
	diag "$out"

# ---- the login shell on a real pty ----
sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -l "$2" -c "$3"' sh "$D" "$TUSER" \
	"tmux -S $SOCK new-session -d -s main -x 160 -y 50" && chmod 777 "$SOCK" ||
	bail "tmux as $TUSER failed"
screen() { tmux -S "$SOCK" capture-pane -p -J -t main -S -; }
type_line() { tmux -S "$SOCK" send-keys -t main -l "$1" && tmux -S "$SOCK" send-keys -t main Enter; }
# wait_screen REGEX SECONDS
wait_screen() {
	local i
	for i in $(seq $(($2 * 5))); do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.2
	done
	return 1
}
sleep 0.5
type_line "cd ~/project && $INST --block-host; echo jail-ai-exit=\$?"
t0=$(date +%s)
wait_screen 'jail@[^ ]*:/workspace\$|jail-ai-exit=[0-9]' "$BUILD_TIMEOUT"
ST=$?
secs=$(($(date +%s) - t0))
scr=$(screen)
grep -q '^jail-ai: \[1/[0-9]*\] building layer base' <<<"$scr" && grep -q "FROM $BASE" <<<"$scr" &&
	grep -q 'Successfully tagged localhost/jail-ai-base:latest' <<<"$scr" && ! grep -q 'jail-ai-exit=[0-9]' <<<"$scr" && [ $ST = 0 ]
ok $? "[$PT_PHASE] jail-ai --block-host in the project, first use: builds the base layer FROM $BASE and opens a shell in the jail (${secs}s)" ||
	{ diag "screen:" "$(tail -n 40 <<<"$scr")"; done_testing; }
grep -E '^jail-ai:|WARN|level=|^Error' <<<"$scr" | sed 's/^/# /'
[ -n "${NEWUSER_SCREEN:-}" ] && printf '%s\n' "$scr" >"$NEWUSER_SCREEN"

# ---- in the jail's shell ----
type_line "/workspace/probe tcp 10.0.2.2 $PORT >/workspace/r.host 2>&1; echo \$? >>/workspace/r.host"
type_line "/workspace/probe serve 127.0.0.1 $((PORT + 1)) 30 >/workspace/r.srv 2>&1 &"
type_line "sleep 0.5; /workspace/probe tcp 127.0.0.1 $((PORT + 1)) >/workspace/r.lo 2>&1; echo \$? >>/workspace/r.lo"
type_line "sleep 0.3; id -u >/workspace/r.id; echo done >/workspace/r.done"
for i in $(seq 150); do [ -s "$PROJ/r.done" ] && break; sleep 0.1; done
n=$(arrivals hostlo)
[ "$(head -n 1 "$PROJ/r.host" 2>/dev/null)" = EPERM ] && [ "$(tail -n 1 "$PROJ/r.host")" = 1 ] &&
	[ "$n" = 1 ]
ok $? "[$PT_PHASE] in the jail's shell: tcp 10.0.2.2 port $PORT (the host's loopback) gets EPERM, no host arrival" ||
	diag "$(cat "$PROJ/r.host" 2>&1)" "host arrivals $n" "screen:" "$(screen | tail -n 20)"
[ "$(tail -n 1 "$PROJ/r.lo" 2>/dev/null)" = 0 ] && grep -q '^tcp' "$PROJ/r.srv"
ok $? "[$PT_PHASE] in the jail's shell: its own 127.0.0.1 works (probe serve and probe tcp inside)" ||
	diag "tcp: $(cat "$PROJ/r.lo" 2>&1)" "serve: $(cat "$PROJ/r.srv" 2>&1)"
[ "$(cat "$PROJ/r.id" 2>/dev/null)" = "$TUID" ]
ok $? "[$PT_PHASE] the jail's shell runs as the user's uid ($TUID), not root" || diag "$(cat "$PROJ/r.id" 2>&1)"
st=$(stat -c %u "$PROJ/r.id" 2>&1)
[ "$st" = "$TUID" ]
ok $? "[$PT_PHASE] files it writes to /workspace are the user's on the host ($st)"
type_line "exit"
wait_screen 'jail-ai-exit=[0-9]' 30
grep -q 'jail-ai-exit=0' <<<"$(screen)"
ok $? "[$PT_PHASE] exit in the jail's shell: back in the login shell, status 0" || diag "$(screen | tail -n 10)"
out=$(as_user "$INST" list 2>&1)
grep -q 'block-host$' <<<"$out"
ok $? "[$PT_PHASE] jail-ai list: the project's jail, block-host attached" || diag "$out"

done_testing
