#!/bin/bash
# tests/31-knobs.t - no CMD of `jail-ai run`, root or not, writes a host kernel knob: not
# through CMD's own /proc and /sys, not through a proc or sysfs mount elsewhere on the host,
# not through a fresh proc or sysfs mounted in nested user + mount (+ pid / net) namespaces
# (the kernel allows that while some proc/sysfs mount is "fully visible": the test plants a
# chroot-style /proc and /sys as the enabler).  And podman jails refuse a -m source or a
# workspace that holds such a mount (podman binds recursively).
#
# The knobs: kernel.core_pattern, /sys/kernel/mm/ksm/run, /proc/irq/default_smp_affinity.
# tests/knobs_probe writes back the value it just read, so a write that succeeds changes
# nothing; the write(2) result is the evidence.  Controls outside the jail show each route
# works, so the refusals mean something.

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
KP=$PWD/tests/knobs_probe
[ -x "$KP" ] || bail "tests/knobs_probe is missing: run 'make tests/knobs_probe'"
command -v mount >/dev/null || skip_all "needs mount"
PROC_KNOB=sys/kernel/core_pattern
SYS_KNOB=kernel/mm/ksm/run
[ -e /sys/$SYS_KNOB ] || skip_all "needs /sys/$SYS_KNOB (CONFIG_KSM)"
[ -e /proc/irq/default_smp_affinity ] || skip_all "needs /proc/irq/default_smp_affinity"

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
CH=$TMP/chroot M=$TMP/m
mkdir -p "$CH/proc" "$CH/sys" "$M" && chmod 777 "$M" || bail "mkdir failed"
core_before=$(cat /proc/sys/kernel/core_pattern)
deleg=

knobs_cleanup() {
	local st=$?
	umount -l "$CH/proc" "$CH/sys" 2>/dev/null
	[ -n "$deleg" ] && rmdir "$deleg" 2>/dev/null
	(exit $st)
	cleanup
}
trap knobs_cleanup EXIT
# The enablers: a chroot's /proc and /sys, mounted read-write in the host's namespace.
mount -t proc proc "$CH/proc" && mount -t sysfs sysfs "$CH/sys" || bail "planting proc/sysfs failed"

# No network namespace here: jail-ai runs in the test's own.
jail() { timeout -k 2 "$TIMEOUT" "$JAIL_AI" "$@"; }

# expect_refused DESC STATUS OUTPUT: the probe said "refused" and wrote nothing.
expect_refused() {
	[ "$2" = 1 ] && [ "${3##*$'\n'}" = refused ] && [[ "$3" != *WROTE* ]]
	ok $? "$1" || diag "exit $2:" "$3" "jail-ai stderr:" "$(tail -n 3 "$TMP/err" 2>/dev/null)"
}
expect_wrote() {
	[ "$2" = 0 ] && [[ "${3##*$'\n'}" == WROTE* ]]
	ok $? "$1" || diag "exit $2:" "$3"
}

# ---- controls: root outside any jail ----
out=$("$KP" fresh proc "$M" $PROC_KNOB 2>&1); st=$?
expect_wrote "control: root mounts a fresh proc in new user+mount+pid namespaces and writes core_pattern" "$st" "$out"
out=$("$KP" fresh sysfs "$M" $SYS_KNOB 2>&1); st=$?
expect_wrote "control: root mounts a fresh sysfs in new user+mount+net namespaces and writes ksm/run" "$st" "$out"
out=$("$KP" direct "$CH/proc/$PROC_KNOB" 2>&1); st=$?
expect_wrote "control: root writes core_pattern through the planted proc" "$st" "$out"
out=$("$KP" rebind "$CH/proc" "$M" $PROC_KNOB 2>&1); st=$?
expect_wrote "control: root binds the planted proc in a user namespace and writes through it" "$st" "$out"
out=$($NOBODY "$KP" fresh proc "$M" $PROC_KNOB 2>&1); st=$?
[ "$st" = 1 ] && [[ "$out" == *"mount proc at $M: ok"* ]] && [[ "$out" == *"Permission denied"* ]]
ok $? "control: a non-root user mounts a fresh proc but the uid check refuses the write" ||
	diag "exit $st:" "$out"

# ---- a root CMD in `run` ----
run_probe() { jail run --rw "$TMP" -- "$@" 2>"$TMP/err"; }
out=$(run_probe "$KP" fresh proc "$M" $PROC_KNOB); st=$?
expect_refused "root CMD: a fresh read-write proc in nested namespaces is refused" "$st" "$out"
out=$(run_probe "$KP" fresh proc "$M" $PROC_KNOB ro); st=$?
expect_refused "root CMD: a fresh read-only proc has read-only knobs" "$st" "$out"
out=$(run_probe "$KP" fresh sysfs "$M" $SYS_KNOB); st=$?
expect_refused "root CMD: a fresh read-write sysfs in nested namespaces is refused" "$st" "$out"
out=$(run_probe "$KP" fresh sysfs "$M" $SYS_KNOB ro); st=$?
expect_refused "root CMD: a fresh read-only sysfs has read-only knobs" "$st" "$out"
out=$(run_probe "$KP" rebind "$CH/proc" "$M" $PROC_KNOB); st=$?
expect_refused "root CMD: a bind of the planted proc cannot be made writable" "$st" "$out"
for f in "$CH/proc/$PROC_KNOB" "$CH/sys/$SYS_KNOB" /proc/$PROC_KNOB /sys/$SYS_KNOB \
	/proc/irq/default_smp_affinity; do
	out=$(run_probe "$KP" direct "$f"); st=$?
	expect_refused "root CMD cannot write $f" "$st" "$out"
done
# The same with --unsafe-keep-privileges (no confinement): the route is open, so the
# refusals above are the jail's doing.
out=$(jail run --unsafe-keep-privileges -- "$KP" fresh proc "$M" $PROC_KNOB 2>"$TMP/err"); st=$?
expect_wrote "control: with --unsafe-keep-privileges root CMD writes core_pattern via a fresh proc" "$st" "$out"
# CMD's own /proc still works.
out=$(jail run -- sh -c 'read -r a b </proc/self/stat && echo "pid $a"' 2>"$TMP/err")
[ "$out" = "pid 2" ]
ok $? "root CMD reads its own /proc (it is pid 2 there)" || diag "$out" "$(cat "$TMP/err")"

# ---- a non-root CMD in a root `run` ----
out=$(run_probe $NOBODY "$KP" fresh proc "$M" $PROC_KNOB); st=$?
expect_refused "nobody CMD: no writable fresh proc" "$st" "$out"
out=$(run_probe $NOBODY "$KP" fresh sysfs "$M" $SYS_KNOB); st=$?
expect_refused "nobody CMD: no writable fresh sysfs" "$st" "$out"

# ---- a non-root caller (its own user namespace; safe by uid, not by mounts) ----
deleg=$CG2/jail-ai-knobs-$$
mkdir "$deleg" && chown 65534:65534 "$deleg" "$deleg/cgroup.procs" "$deleg/cgroup.subtree_control" ||
	bail "delegated cgroup $deleg failed"
as_user() {
	timeout -k 2 "$TIMEOUT" sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh \
		"$deleg" $NOBODY "$JAIL_AI" run --rw "$TMP" ${NESTED:-} -- "$@" 2>"$TMP/err"
}
# --nested-sandbox: no Landlock file domain, whose mount() refusal would come first.
out=$(NESTED=--nested-sandbox as_user "$KP" fresh proc "$M" $PROC_KNOB); st=$?
expect_refused "non-root caller: a fresh proc gives no write to core_pattern" "$st" "$out"
[[ "$out" == *"Permission denied"* ]]
ok $? "non-root caller: refused by the uid check (Permission denied)" || diag "$out"
out=$(as_user "$KP" fresh sysfs "$M" $SYS_KNOB); st=$?
expect_refused "non-root caller: a fresh sysfs gives no write to ksm/run" "$st" "$out"
for f in "$CH/proc/$PROC_KNOB" "$CH/sys/$SYS_KNOB" /proc/irq/default_smp_affinity; do
	out=$(as_user "$KP" direct "$f"); st=$?
	expect_refused "non-root caller cannot write $f" "$st" "$out"
done

# ---- podman: sources that hold a kernel filesystem mount are refused ----
if command -v podman >/dev/null; then
	mkdir -p "$TMP/podman" "$TMP/ws" && git -C "$TMP/ws" init -q 2>/dev/null
	printf '[engine]\nruntime = "runc"\n' >"$TMP/podman/containers.conf"
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$TMP/podman/graph" "$TMP/podman/run" >"$TMP/podman/storage.conf"
	export CONTAINERS_CONF=$TMP/podman/containers.conf
	export CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf
	for src in "$CH" "$CH/proc" "$CH/sys/kernel"; do
		out=$(cd "$TMP/ws" && timeout 60 "$JAIL_AI" create jk$$ --force-mount \
			-m "$src:/x" 2>&1); st=$?
		[ "$st" = 125 ] && [[ "$out" == *"kernel filesystem mount"* ]]
		ok $? "podman: -m $src is refused (holds or lies in a proc/sysfs mount)" ||
			diag "exit $st:" "$out"
	done
	out=$(cd "$CH" && git init -q 2>/dev/null; timeout 60 "$JAIL_AI" create jk$$ 2>&1); st=$?
	[ "$st" = 125 ] && [[ "$out" == *"workspace $CH"*"kernel filesystem mount"* ]]
	ok $? "podman: a workspace that holds a proc mount is refused" || diag "exit $st:" "$out"
	timeout 30 podman rm -f jk$$ >/dev/null 2>&1
else
	skip "podman is not installed"
fi

[ "$(cat /proc/sys/kernel/core_pattern)" = "$core_before" ]
ok $? "core_pattern is unchanged after the test"
done_testing
