#!/bin/bash
# tests/29-user-paths.t - a normal user runs the installed binary the way users do.
# `make install` gives jail-ai cap_bpf,cap_net_admin+p; started from a login shell
# (runuser -l, su -l) or through sh -c, whose permitted set is empty, the exec makes
# it non-dumpable, and a non-dumpable process cannot write its own uid_map: `run`
# failed with "namespaces for CMD: Permission denied".  jail-ai makes itself
# dumpable once its capability sets are empty; the privileged child, which regains
# them by exec, stays non-dumpable (its /proc files belong to root and the user
# cannot read its environ, a ptrace-mode check).
#
# Controls: without the jail the user reaches the connect that --block-host
# refuses (ECONNREFUSED, not EPERM); the child is seen holding capabilities (so the
# non-dumpable check is about a capability-bearing process).
#
# Makes (and removes): the user jail-ai-tty if missing (it stays), <cgroup2>/jail-ai-t29-$$
# delegated to it, an install in $TMP.

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in runuser su useradd setcap getcap make; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
install_as_user jail-ai-tty	# the installed binary, as a user gets it
cp "$PROBE" "$TMP/probe" && chmod 755 "$TMP/probe" || bail "cp probe"
PROBE=$TMP/probe
D=$CG2/jail-ai-t29-$$
t29_cleanup() {
	local st=$?
	remove_cgroup_tree "$D"
	(exit "$st")
	cleanup
}
trap t29_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"

getcap "$INST" | grep -q 'cap_net_admin,cap_bpf=p'
ok $? "make install (PREFIX=$PFX) gives the binary cap_bpf,cap_net_admin+p" ||
	diag "$(getcap "$INST")" "$(cat "$TMP/install.log")"

# login VIA CMD: CMD in a login shell of the user (runuser -l or su -l), in $D.
login() {
	local via=$1
	shift
	case $via in
	runuser) sh -c 'echo $$ >"$1/cgroup.procs" && exec timeout 30 runuser -l "$2" -c "$3"' \
		sh "$D" "$TUSER" "$*" ;;
	su) sh -c 'echo $$ >"$1/cgroup.procs" && exec timeout 30 su -l "$2" -c "$3"' \
		sh "$D" "$TUSER" "$*" ;;
	esac
}

for via in runuser su; do
	for how in direct "sh -c"; do
		if [ "$how" = direct ]; then
			c="$INST run -- id -u"
		else
			c="sh -c '$INST run -- id -u'"
		fi
		out=$(login "$via" "$c" 2>&1)
		st=$?
		[ "$st" = 0 ] && [ "$out" = "$TUID" ]
		ok $? "$via -l, $how: jail-ai run -- id -u runs CMD as the user" ||
			diag "exit $st: $out"
	done
	out=$(login "$via" "$INST run --rw $TMP --block-host -- $PROBE tcp 127.0.0.1 9" 2>&1)
	st=$?
	[ "$st" = 1 ] && [[ "$out" == *EPERM* ]]
	ok $? "$via -l: run --block-host refuses a connect to 127.0.0.1 (EPERM)" ||
		diag "exit $st: $out"
done
out=$(login runuser "$PROBE tcp 127.0.0.1 9" 2>&1)
st=$?
[ "$st" = 2 ] && [[ "$out" != *EPERM* ]]
ok $? "control: without the jail the same connect is not EPERM" || diag "exit $st: $out"

# While CMD runs: jail-ai (the parent) holds no capability.  Under `run` alone it is
# dumpable (its /proc files are the user's); under `run --block-host` it holds the
# jail's map fds for the address refresh, so it is not dumpable while CMD runs (its
# /proc files are root's: no /proc/PID/fd, no pidfd_getfd for a same-user process),
# and CMD's process made itself dumpable again before its namespaces (test 7 ran).
parent_of() {
	local mark=$1 opts=$2 i spid parent
	login runuser "$INST run ${opts:+$opts }-- $mark" >"$TMP/err.bg" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	spid=
	for i in $(seq 100); do
		spid=$(pgrep -x -f "$mark")
		[ -n "$spid" ] && break
		sleep 0.1
	done
	parent=$(pgrep -x -f "$INST run ${opts:+$opts }-- $mark" | head -n 1)
	PARENT_UIDMAP=$(stat -c %u "/proc/$parent/uid_map" 2>&1)
	PARENT_CAPS=$(grep Cap "/proc/$parent/status" 2>&1)
	[ -n "$spid" ] && kill "$spid"
	[ -n "$parent" ]
}
parent_of "sleep 29.1$$" "" && [ "$PARENT_UIDMAP" = "$TUID" ] &&
	grep -q '^CapPrm:.0000000000000000' <<<"$PARENT_CAPS"
ok $? "jail-ai above CMD (run): no capabilities, dumpable (its uid_map is the user's)" ||
	diag "uid_map owner $PARENT_UIDMAP" "$PARENT_CAPS" "$(cat "$TMP/err.bg")"
parent_of "sleep 29.2$$" "--block-host" && [ "$PARENT_UIDMAP" = 0 ] &&
	grep -q '^CapPrm:.0000000000000000' <<<"$PARENT_CAPS"
ok $? "jail-ai above CMD (run --block-host, holding the map fds): no capabilities, not dumpable" ||
	diag "uid_map owner $PARENT_UIDMAP" "$PARENT_CAPS" "$(cat "$TMP/err.bg")"

# The privileged child, started as the user from a login shell, blocked reading its
# request (fd 3 a pipe nobody writes yet): it holds capabilities and is not dumpable.
login runuser "sleep 5 | $INST --jail-ai-privileged-child-v1 3<&0 4>/dev/null" >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
cpid=
for i in $(seq 100); do
	cpid=$(pgrep -x -f "$INST --jail-ai-privileged-child-v1")
	[ -n "$cpid" ] && break
	sleep 0.05
done
capprm=$(awk '$1 == "CapPrm:" { print $2 }' "/proc/$cpid/status" 2>/dev/null)
[ -n "$cpid" ] && [ -n "$capprm" ] && [ "$capprm" != 0000000000000000 ]
ok $? "control: the privileged child holds capabilities (CapPrm $capprm)"
[ "$(stat -c %u "/proc/$cpid/uid_map" 2>/dev/null)" = 0 ]
ok $? "the privileged child is not dumpable: its /proc files belong to root"
out=$(login runuser "cat /proc/$cpid/environ" 2>&1)
st=$?
[ "$st" != 0 ] && [[ "$out" == *"Permission denied"* ]]
ok $? "the user cannot read the privileged child's environ (ptrace access refused)" ||
	diag "exit $st: $out"

done_testing
