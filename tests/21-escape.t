#!/bin/bash
# tests/21-escape.t - a command under `jail-ai run --block-host`, as root or as nobody,
# can neither detach the jail's programs nor leave the jail's cgroup, and stays blocked
# after trying; it runs with no_new_privs and without the capabilities that would help.
#
# Controls first: root outside any jail can leave a scratch cgroup and can detach the
# jail's programs, so the refusals below mean something.

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
netns_setup
serve "$NS_H" lo4 127.0.0.1 7001

NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# ---- controls ----
scratch=$CG2/jail-ai-test-$$
mkdir "$scratch" || bail "mkdir $scratch failed"
out=$(sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" escape' sh "$scratch" "$PROBE" 2>&1)
st=$?
[ "$st" = 0 ]
ok $? "control, no jail: root leaves a scratch cgroup (probe escape can fail the test)" ||
	diag "exit $st:" "$out"
# clone3(CLONE_INTO_CGROUP) needs only a read-only fd of the target cgroup: outside a
# jail, root lands a child in the scratch cgroup (so the jailed cases below can fail).
out=$("$PROBE" intocg "$scratch" 2>&1)
st=$?
[ "$st" = 0 ] && [[ "$out" == *"child in /jail-ai-test-$$"* ]]
ok $? "control, no jail: clone3(CLONE_INTO_CGROUP) lands a child in another cgroup" ||
	diag "exit $st:" "$out"
find "$scratch" -depth -type d -exec rmdir {} + 2>/dev/null

# A jailed sleep; root outside the jail detaches its programs by id.
before=$(find "$CG2/jail-ai" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort)
# A unique duration marks our sleep: never touch another jail on this machine.
mark=3.$$
jail run --block-host -- sleep "$mark" >/dev/null 2>"$TMP/err" &
JPID=$!
BG_PIDS="$BG_PIDS $JPID"
jdir=
for i in $(seq 40); do
	for d in $(comm -13 <(echo "$before") \
		<(find "$CG2/jail-ai" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort)); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "sleep $mark" &&
				jdir=$d
		done
	done
	[ -n "$jdir" ] && break
	sleep 0.05
done
if [ -n "$jdir" ]; then
	out=$("$PROBE" detach "$jdir" 2>&1)
	st=$?
	[ "$st" = 0 ]
	ok $? "control, outside the jail: root detaches the programs of $jdir" ||
		diag "exit $st:" "$out"
else
	ok 1 "control: a jailed 'sleep $mark' shows up in a new cgroup under $CG2/jail-ai" ||
		diag "$(cat "$TMP/err")"
fi

# ---- inside the jail, as root and as nobody ----
for who in root nobody; do
	pfx=
	[ $who = nobody ] && pfx=$NOBODY

	out=$(jail run --block-host -- $pfx "$PROBE" detach self 2>"$TMP/err")
	st=$?
	[ "$st" = 1 ] && [ "${out##*$'\n'}" = refused ]
	ok $? "$who in the jail cannot detach the jail's programs" ||
		diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"

	out=$(jail run --block-host -- $pfx "$PROBE" escape 2>"$TMP/err")
	st=$?
	[ "$st" = 1 ] && [[ "${out##*$'\n'}" == stayed:* ]]
	ok $? "$who in the jail cannot leave the jail's cgroup" ||
		diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"

	out=$(jail run --block-host -- $pfx "$PROBE" intocg "$CG2" 2>"$TMP/err")
	st=$?
	[ "$st" != 0 ] && [[ "$out" != *"child in"* ]]
	ok $? "$who in the jail cannot clone3(CLONE_INTO_CGROUP) a child out (${out##*$'\n'})" ||
		diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"

	# The same process tries to escape, then detaches, then connects.
	n=$(arrivals lo4)
	out=$(jail run --block-host -- $pfx "$PROBE" escape -- /bin/sh -c \
		'"$0" detach self; exec "$0" tcp 127.0.0.1 7001' "$PROBE" 2>"$TMP/err")
	st=$?
	[ "$st" = 1 ] && [ "${out##*$'\n'}" = EPERM ] && [[ "$out" == *stayed:* ]]
	ok $? "$who: after escape and detach attempts, tcp 127.0.0.1 is still EPERM" ||
		diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"
	sleep 0.05
	[ "$(arrivals lo4)" = "$n" ]
	ok $? "$who: the 127.0.0.1 listener received nothing"
done

# A root process outside the jail whose capabilities are a subset of CMD's is open to
# CMD through /proc/PID/root, where the cgroup2 mount is writable.
setpriv --no-new-privs --bounding-set=-all --inh-caps=-all sleep 20 &
BG_PIDS="$BG_PIDS $!"
n=$(arrivals lo4)
out=$(jail run --block-host -- "$PROBE" escape -- "$PROBE" tcp 127.0.0.1 7001 2>"$TMP/err")
st=$?
[ "$st" = 1 ] && [ "${out##*$'\n'}" = EPERM ] && [[ "$out" == *stayed:* ]]
ok $? "root cannot leave through /proc/PID/root of a capability-less root process outside" ||
	diag "exit $st:" "$(grep -v -e '^userns' -e '^mountns' <<<"$out")" "$(tail -n 3 "$TMP/err")"
sleep 0.05
[ "$(arrivals lo4)" = "$n" ]
ok $? "root, capability-less root process outside: the 127.0.0.1 listener received nothing"

# ---- privileges of CMD ----
out=$(jail run --block-host -- "$PROBE" caps 2>"$TMP/err")
st=$?
nnp=$(echo "$out" | awk '$1 == "NoNewPrivs:" { print $2 }')
bnd=$(echo "$out" | awk '$1 == "CapBnd:" { print $2 }')
[ "$st" = 0 ] && [ "$nnp" = 1 ]
ok $? "CMD runs with no_new_privs" || diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"
for cap in sys_admin:21 net_admin:12 bpf:39; do
	[ -n "$bnd" ] && [ $(((16#$bnd >> ${cap#*:}) & 1)) = 0 ]
	ok $? "CMD's bounding set lacks cap_${cap%:*}" || diag "CapBnd: ${bnd:-none}"
done

# A root CMD writes kernel knobs by file mode alone (core_pattern would run a program as
# root outside the jail): /proc/sys and /sys are read-only for it.
out=$(jail run --block-host -- /bin/sh -c 'for f in /proc/sys/kernel/core_pattern \
	/sys/kernel/mm/transparent_hugepage/enabled; do (true >>"$f") 2>/dev/null && echo "writable $f"; done; echo done' \
	2>"$TMP/err")
[ "$out" = done ]
ok $? "root CMD cannot open /proc/sys/kernel/core_pattern or a /sys knob for writing" ||
	diag "$out" "$(tail -n 3 "$TMP/err")"

# An inherited descriptor keeps the cgroup it was made in: only 0-2 reach CMD.
out=$(jail run --block-host -- /bin/sh -c 'ls /proc/self/fd' 7</dev/null 2>"$TMP/err")
[[ "$out" != *7* ]]
ok $? "an inherited fd 7 is closed before CMD runs" || diag "$out"

wait "$JPID"
done_testing
