#!/bin/bash
# tests/34-signal-scope.t - Landlock's signal scope (ABI 6, Linux 6.12,
# LANDLOCK_SCOPE_SIGNAL; issue 14): a jailed CMD cannot signal a process outside the
# jail's Landlock domain, even one of the same user.
#
# CMD's PID namespace already hides the host's processes, so the outside process is
# put where CMD can name it: the test enters CMD's PID namespace with nsenter (as a
# debugger or `nsenter` helper of the user would) and starts a sleeper there, which has
# no Landlock domain.  CMD (root, without CAP_KILL, so the same uid is what lets the
# signal through) then sends it signal 0 and SIGTERM.  Control: the same with
# --fs host (no Landlock domain): the signal arrives and the sleeper dies.
#
# Makes (and removes): a workspace directory under /var/tmp, the sleepers.

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
require_tools nsenter pgrep
FSP=$PWD/tests/fs_probe
[ -x "$FSP" ] || bail "tests/fs_probe is missing: run 'make tests/fs_probe'"
if ! "$JAIL_AI" run --dry-run -- true 2>/dev/null | grep -q '^scope.*signals'; then
	skip_all "this kernel's Landlock ABI has no signal scope (ABI 6, Linux 6.12): $("$JAIL_AI" run --dry-run -- true 2>&1 | grep -i 'landlock' | head -n 2 | tr '\n' ' ')"
fi
W=$(mktemp -d /var/tmp/jail-ai-t34.XXXXXX) && chmod 755 "$W" || bail "mktemp /var/tmp"
cp "$FSP" "$W/fs_probe" || bail "cp fs_probe"
SLEEPER=
t34_cleanup() {
	local st=$?
	[ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
	rm -rf "$W"
	(exit "$st")
	cleanup
}
trap t34_cleanup EXIT

# attempt FSARGS...: start `jail-ai run FSARGS` whose CMD waits for a pid in $W/ws/pid,
# then signals it; meanwhile enter CMD's PID namespace and start the sleeper there.
# Sets OUT (CMD's output), ALIVE (1: the sleeper survived, as CMD saw in its /proc).
attempt() {
	local mark=t34-$$-$RANDOM i jpid= hp
	rm -rf "$W/ws" && mkdir "$W/ws" || bail "mkdir ws"
	(cd "$W/ws" && exec timeout -k 2 "$TIMEOUT" "$JAIL_AI" run "$@" -- sh -c '
		: >ready; i=0
		while [ ! -s pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		p=$(cat pid); ../fs_probe kill "$p"; kill -TERM "$p" 2>/dev/null
		echo "kill-TERM=$?"; sleep 0.3
		[ -d "/proc/$p" ] && echo alive || echo dead; : "$0"' "$mark" >"$W/out" 2>"$W/err") &
	for i in $(seq 100); do [ -e "$W/ws/ready" ] && break; sleep 0.1; done
	for hp in $(pgrep -f "$mark"); do
		[ "$(readlink "/proc/$hp/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] &&
			jpid=$hp && break
	done
	[ -n "$jpid" ] || bail "CMD of jail-ai run $* did not start: $(cat "$W/err")"
	nsenter -t "$jpid" -p -- sleep 60 &
	SLEEPER=$!
	for i in $(seq 50); do
		hp=$(pgrep -P "$SLEEPER" sleep) && break	# nsenter -p forks
		sleep 0.1
	done
	awk '$1 == "NSpid:" { print $NF }' "/proc/$hp/status" >"$W/ws/pid.tmp" &&
		mv "$W/ws/pid.tmp" "$W/ws/pid"
	wait %1 2>/dev/null
	OUT=$(cat "$W/out")
	ALIVE=0	# seen from CMD: the sleeper dies with CMD's PID namespace
	[ "$(echo "$OUT" | tail -n 1)" = alive ] && ALIVE=1
	kill "$hp" "$SLEEPER" 2>/dev/null
	wait "$SLEEPER" 2>/dev/null
	SLEEPER=
}

attempt --fs host
[ "$(echo "$OUT" | head -n 1)" = ok ] && [ "$ALIVE" = 0 ]
ok $? "control: --fs host (no Landlock domain), CMD signals the process outside it, which dies" ||
	diag "CMD said: $OUT" "alive: $ALIVE" "stderr: $(cat "$W/err")"

attempt
[ "$(echo "$OUT" | head -n 1)" = EPERM ] && [ "$ALIVE" = 1 ]
ok $? "default: CMD cannot signal a process outside the jail's domain (EPERM), which lives on" ||
	diag "CMD said: $OUT" "alive: $ALIVE" "stderr: $(cat "$W/err")"

attempt --nested-sandbox
[ "$(echo "$OUT" | head -n 1)" = EPERM ] && [ "$ALIVE" = 1 ]
ok $? "--nested-sandbox: the signal scope stays (a domain without file rules)" ||
	diag "CMD said: $OUT" "alive: $ALIVE" "stderr: $(cat "$W/err")"

done_testing
