#!/bin/bash
# tests/28-lifetime.t - a jail does not outlive jail-ai.  `jail-ai run --block-host --
# sleep & kill -KILL $!` leaves no process (the relay and init die with their parent,
# CMD's pid namespace with init), and the next run removes the cgroup.  A run-*
# cgroup whose lock is held (a live run) is never removed, nor one of another
# naming (older versions took no lock); an unlocked one is, with what runs in it.
# `jail-ai list` shows live runs.  As root and as a normal user with the installed
# setcap binary from a login shell, in a cgroup it owns.
#
# Controls: before the kill, the jailed sleep is found alive in the run's cgroup (so
# "no process left" can fail); a fake stale cgroup holds a live process before the
# next run.
#
# Makes (and removes): the user jail-ai-tty if missing (it stays), <cgroup2>/jail-ai-t28-$$
# delegated to it, fake run-* cgroups below <cgroup2>/jail-ai and the user's cgroup.

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in runuser useradd setcap make flock pgrep; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
install_as_user jail-ai-tty	# the installed binary, as a user gets it

D=$CG2/jail-ai-t28-$$
FAKES=
t28_cleanup() {
	local st=$? f
	for f in $FAKES "$D"; do
		remove_cgroup_tree "$f"
	done
	(exit "$st")
	cleanup
}
trap t28_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"

# as_login CMD: CMD in a login shell of the user, in the user's cgroup $D.
as_login() {
	sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -l "$2" -c "$3"' sh "$D" "$TUSER" "$1"
}

# wait_pid PATTERN: the pid of the process whose command line is exactly PATTERN.
wait_pid() {
	local i p
	for i in $(seq 100); do
		p=$(pgrep -x -f "$1" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
gone() {
	local i
	for i in $(seq 50); do
		pgrep -x -f "$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# kill_test WHO: start a jailed sleep, kill -KILL jail-ai, check what is left.
kill_test() {
	local who=$1 mark="sleep 777.$$$RANDOM" jpid spid cg before
	if [ "$who" = root ]; then
		"$INST" run --block-host -- $mark >"$TMP/err.$who" 2>&1 &
		jpid=$!
	else
		as_login "$INST run --block-host -- $mark & echo \$! >$UD/jpid; wait" \
			>"$TMP/err.$who" 2>&1 &
		BG_PIDS="$BG_PIDS $!"
		for i in $(seq 100); do [ -s "$UD/jpid" ] && break; sleep 0.1; done
		jpid=$(cat "$UD/jpid")
	fi
	spid=$(wait_pid "$mark")
	cg=$(cg_of "$spid")
	[ -n "$spid" ] && [[ "$cg" == */run-*-block-host ]] && [ -d "$CG2$cg" ]
	ok $? "$who: control: the jailed '$mark' runs, in $cg" ||
		diag "$(cat "$TMP/err.$who")"
	"$INST" list >"$TMP/list.$who" 2>&1
	[ "$who" = root ] || as_login "$INST list" >"$TMP/list.$who" 2>&1
	grep -q "^${cg##*/} .*running.*block-host" "$TMP/list.$who"
	ok $? "$who: jail-ai list shows the live run ${cg##*/}" || diag "$(cat "$TMP/list.$who")"
	before=$(pgrep -c -f "$INST run --block-host -- $mark")
	kill -KILL "$jpid"
	gone "$mark"
	ok $? "$who: kill -KILL of jail-ai ($before jail-ai processes) leaves no '$mark'" ||
		diag "$(pgrep -a -f "$mark")"
	[ -z "$(pgrep -f "$INST run --block-host -- $mark")" ]
	ok $? "$who: no relay or init is left either" || diag "$(pgrep -a -f "$INST run")"
	# (cgroupfs files have size 0: read them)
	[ -n "$cg" ] && [ -z "$(cat "$CG2$cg/cgroup.procs" 2>/dev/null)" ]
	ok $? "$who: the cgroup $cg is empty" || diag "$(cat "$CG2$cg/cgroup.procs")"
	if [ "$who" = root ]; then
		"$INST" run -- true
	else
		as_login "$INST run -- true"
	fi
	ok $? "$who: the next run succeeds"
	[ ! -d "$CG2$cg" ]
	ok $? "$who: the next run removed the stale cgroup $cg"
}

kill_test root
kill_test "$TUSER"

# ---- a live run is never removed; stale ones are, with what runs in them ----
# root's parent is <cgroup2>/jail-ai; fakes named as jail-ai names its runs.
P=$CG2/jail-ai
mkdir -p "$P" || bail "mkdir $P"
LIVE=$P/run-99990-$$-0 STALE=$P/run-99991-$$-0-block-host OLD=$P/run-99992-$$
FAKES="$LIVE $STALE $OLD"
mkdir "$LIVE" "$STALE" "$OLD" || bail "cannot make the fake cgroups"
sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 778.1' sh "$LIVE" &
BG_PIDS="$BG_PIDS $!"
sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 778.2' sh "$STALE" &
BG_PIDS="$BG_PIDS $!"
sh -c 'echo $$ >"$1/cgroup.procs" && exec sleep 778.3' sh "$OLD" &
BG_PIDS="$BG_PIDS $!"
flock "$LIVE/cgroup.procs" sleep 60 &
LOCKP=$!
BG_PIDS="$BG_PIDS $LOCKP"
wait_pid "sleep 778.1" >/dev/null && wait_pid "sleep 778.2" >/dev/null &&
	wait_pid "sleep 778.3" >/dev/null
ok $? "control: a process runs in each fake run cgroup"
"$INST" list >"$TMP/list" 2>&1
grep -q "^${LIVE##*/} " "$TMP/list" && ! grep -q "^${STALE##*/} " "$TMP/list"
ok $? "list shows the locked run, not the unlocked one" || diag "$(cat "$TMP/list")"
"$INST" run -- true
ok $? "a run next to them succeeds"
[ -d "$LIVE" ] && pgrep -x -f "sleep 778.1" >/dev/null
ok $? "the locked (live) run's cgroup and process are left alone"
gone "sleep 778.2" && [ ! -d "$STALE" ]
ok $? "the unlocked (stale) run's process is killed and its cgroup removed"
[ -d "$OLD" ] && pgrep -x -f "sleep 778.3" >/dev/null
ok $? "a run-PID-TIME cgroup of an older jail-ai (no lock) is left alone"
# Concurrent real runs: one live while another starts and ends.
mark="sleep 779.$$"
"$INST" run -- $mark &
BG_PIDS="$BG_PIDS $!"
spid=$(wait_pid "$mark")
cg=$(cg_of "$spid")
for i in 1 2 3; do "$INST" run -- true; done
[ -n "$spid" ] && [ -d "$CG2$cg" ] && kill -0 "$spid"
ok $? "three runs while another runs leave the live one ($cg) in place"
kill "$spid" 2>/dev/null

done_testing
