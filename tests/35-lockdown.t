#!/bin/bash
# tests/35-lockdown.t - the privileged child confines itself (lockdown.c).
#
# For each build (./jail-ai with musl, ./jail-ai-asan with glibc and the sanitizers, and a
# plain glibc build made here): strace the child on every path it has (attach, query, a
# duplicate rule failing in the map, each malformed request, a second attach that finds the
# hook taken and detaches, an attach that hands the map fds over (MAPFDS) and one refused,
# a program the verifier rejects and the reload with a log) and
# compare the syscalls it made after its first filter with the build's allow-list
# (tests/lockdown_list*); any difference either way fails.  Then builds with a deliberate
# fault: an unlisted syscall after the filter dies of SIGSYS with nothing attached; an open()
# after the Landlock step gets EACCES.  Root only (strace must see the exec gain caps).
. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in cc strace; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
[ -x tests/lockdown_list ] && [ -x tests/lockdown_list-asan ] ||
	bail "tests/lockdown_list* missing: run 'make tests/lockdown_list tests/lockdown_list-asan'"

STEP_CGROUP=2 STEP_DONE=9
cc -O1 -Wall -Wextra -I. -o "$TMP/reqtool" tests/reqtool.c 2>"$TMP/cc.err" ||
	bail "cannot build tests/reqtool.c: $(cat "$TMP/cc.err")"
RQ=$TMP/reqtool
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1	# LSan cannot run under strace

D=$CG2/jail-ai-lockdown-$$ DREL=jail-ai-lockdown-$$
t35_cleanup() {
	local st=$? i
	for i in $(seq 50); do
		[ -d "$D" ] || break
		find "$D" -depth -type d -exec rmdir {} + 2>/dev/null
		sleep 0.1
	done
	(exit "$st")
	cleanup
}
trap t35_cleanup EXIT
mkdir "$D" || bail "mkdir $D failed"
N=0
fresh() { N=$((N + 1)); mkdir "$D/c$N" && CG=$DREL/c$N; }

# traced BIN MODE CGROUP: run reqtool under strace; append the syscalls the child made after
# its first seccomp filter to $TMP/seen; print reqtool's reply line.
traced() {
	local log=$TMP/strace.log pid
	strace -f -qq -o "$log" "$RQ" "$1" "$2" "$3" >/dev/null 2>&1
	pid=$(awk '/execve.*--jail-ai-privileged-child/ { print $1; exit }' "$log")
	awk -v p="$pid" '$1 == p' "$log" |
		sed -n '/PR_SET_SECCOMP/,$p' | sed '1d' |
		sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed>.*/\1/; s/\(.*//' |
		grep -E '^[a-z0-9_]+$' >>"$TMP/seen"
}

# A build whose connect4 program the verifier rejects (as tests/23-verifier.t makes it),
# plain glibc: the reload-with-log path, and the third list.
src=$TMP/src
mkdir -p "$src" && cp ./*.c ./*.h "$src"/ && cp tests/lockdown_list.c "$src"/ll.c
awk 'BEGIN { p = 0 }
	/jail_insns_connect4\[\]/ { p = 1 }
	p == 1 && /\.code = 0x61,/ && /\.off = 4,/ { sub(/\.off = 4,/, ".off = 2000,"); p = 2 }
	{ print }' "$PWD/bpf_insns.h" >"$src/bpf_insns.h"
build() {	# build NAME CFLAGS...: $TMP/NAME from the copy
	local name=$1
	shift
	(cd "$src" && cc -std=gnu11 -D_GNU_SOURCE -O1 "$@" -o "$TMP/$name" \
		$(ls ./*.c | grep -v '^./ll.c$')) >"$TMP/cc.log" 2>&1
}
build jail-ai-bad && (cd "$src" && cc -std=gnu11 -D_GNU_SOURCE -O1 -o "$TMP/ll-glibc" ll.c lockdown.c) \
	>>"$TMP/cc.log" 2>&1
ok $? "a plain glibc build with a broken program, and its list, build" ||
	diag "$(tail -n 5 "$TMP/cc.log")"

MODES_BAD="truncated oversized badversion badmagic garbage empty toomany dotdot absolute
	badport hostbits badop queryrules nonul padding"
# check_build NAME BIN LIST: every path of BIN's child, traced, against LIST's output.
check_build() {
	local name=$1 bin=$2 list=$3 m out st
	: >"$TMP/seen"
	fresh && traced "$bin" attach "$CG"
	traced "$bin" attach "$CG"	# the hooks are taken: refused, detached
	traced "$bin" query "$CG"
	fresh && traced "$bin" dup "$CG"
	fresh && traced "$bin" mapfds "$CG"	# the reply with the map fds: sendmsg
	traced "$bin" mapfds "$CG"	# refused: the plain reply, on the socket
	for m in $MODES_BAD; do
		fresh && traced "$bin" "$m" "$CG"
	done
	sort -u "$TMP/seen" >"$TMP/seen.u"
	"$list" | sort -u >"$TMP/list.u"
	diff "$TMP/list.u" "$TMP/seen.u" >"$TMP/diff"
	ok $? "$name: the child's syscalls on every path are exactly its allow-list" ||
		diag "< listed only, > made only:" "$(cat "$TMP/diff")"
	grep -q '^bpf$' "$TMP/seen.u" && grep -q '^landlock_restrict_self$' "$TMP/seen.u"
	ok $? "$name: the trace saw the filtered part (bpf, landlock)" ||
		diag "$(tr '\n' ' ' <"$TMP/seen.u")"
}
check_build "musl ./jail-ai" "$JAIL_AI" tests/lockdown_list
[ -x ./jail-ai-asan ] || bail "./jail-ai-asan missing: run 'make jail-ai-asan'"
check_build "ASan ./jail-ai-asan" ./jail-ai-asan tests/lockdown_list-asan
# The broken build's load fails: the reload with a log buffer is one more path.
fresh
out=$("$RQ" "$TMP/jail-ai-bad" attach "$CG" 2>/dev/null)
grep -q '^step=5 ' <<<"$out"
ok $? "the broken build fails at the load step" || diag "$out"
: >"$TMP/seen"
fresh && traced "$TMP/jail-ai-bad" attach "$CG"
fresh && traced "$TMP/jail-ai-bad" query "$CG"
fresh && traced "$TMP/jail-ai-bad" dup "$CG"
sort -u "$TMP/seen" >"$TMP/seen.u"
"$TMP/ll-glibc" | sort -u >"$TMP/list.u"
# The verifier path makes no attach, detach or Landlock-free call the list lacks; it may
# make fewer (no attach): only "made but not listed" fails here.
comm -13 "$TMP/list.u" "$TMP/seen.u" >"$TMP/extra"
[ ! -s "$TMP/extra" ]
ok $? "plain glibc build: verifier-log path makes nothing outside its list" ||
	diag "made but not listed: $(tr '\n' ' ' <"$TMP/extra")"

# ---- the reply says what the child put on itself ----
fresh
out=$("$RQ" "$JAIL_AI" attach "$CG" 2>&1)
grep -q ' confined=3 ' <<<"$out"
ok $? "the reply reports seccomp and Landlock in force (confined=3)" || diag "$out"

# ---- deliberate faults ----
build jail-ai-extra -DJAIL_LOCKDOWN_PROBE=1
ok $? "a build whose child makes an unlisted syscall builds" || diag "$(tail -n 5 "$TMP/cc.log")"
fresh
out=$("$RQ" "$TMP/jail-ai-extra" attach "$CG" 2>&1)
grep -q 'signal 31' <<<"$out"
ok $? "its child dies of SIGSYS" || diag "$out"
q=$("$RQ" "$JAIL_AI" query "$CG" 2>&1)
grep -q 'attached=0,0,0,0,0,0' <<<"$q"
ok $? "and nothing is attached to its cgroup" || diag "$q"

build jail-ai-open -DJAIL_LOCKDOWN_PROBE=2
ok $? "a build whose child opens / after the Landlock step builds" ||
	diag "$(tail -n 5 "$TMP/cc.log")"
fresh
out=$("$RQ" "$TMP/jail-ai-open" attach "$CG" 2>&1)
grep -q "^step=$STEP_CGROUP err=EACCES what=\"lockdown probe: open /\"" <<<"$out"
ok $? "its open() fails with EACCES (Landlock: no filesystem at all)" || diag "$out"
q=$("$RQ" "$JAIL_AI" query "$CG" 2>&1)
grep -q 'attached=0,0,0,0,0,0' <<<"$q"
ok $? "and nothing is attached" || diag "$q"

# ---- the normal path still works end to end ----
fresh
out=$("$RQ" "$JAIL_AI" attach "$CG" 2>&1)
grep -q "^step=$STEP_DONE " <<<"$out"
ok $? "a normal attach under all three filters completes" || diag "$out"
done_testing
