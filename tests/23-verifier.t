#!/bin/bash
# tests/23-verifier.t - a program the verifier rejects: the jail does not
# run, the message names the program and shows the verifier's log.  Built
# from a copy of the tree whose bpf_insns.h has one instruction broken (a
# context read far out of bounds in jail_connect4); nothing is installed.
. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
command -v "${HOSTCC:-cc}" >/dev/null || skip_all "needs a C compiler"

src=$TMP/src
mkdir -p "$src" && cp ./*.c ./*.h "$src"/
# jail_connect4's first load (user_ip4: ctx at offset 4, instruction 1 since the
# denial events keep ctx in r6); make it offset 2000.
awk 'BEGIN { p = 0 }
	/jail_insns_connect4\[\]/ { p = 1 }
	p == 1 && /\.code = 0x61,/ && /\.off = 4,/ { sub(/\.off = 4,/, ".off = 2000,"); p = 2 }
	{ print }' "$PWD/bpf_insns.h" >"$src/bpf_insns.h"
cmp -s bpf_insns.h "$src/bpf_insns.h"
ok $(( $? == 1 ? 0 : 1 )) "the copy's bpf_insns.h differs (one instruction broken)"
"${HOSTCC:-cc}" -std=gnu11 -D_GNU_SOURCE -O1 -o "$TMP/jail-ai-bad" "$src"/*.c \
	>"$TMP/cc.log" 2>&1
ok $? "a jail-ai with the broken program builds" || diag "$(tail -n 5 "$TMP/cc.log")"

runs() { find "$CG2/jail-ai" -mindepth 1 -maxdepth 1 -type d -name 'run-*' 2>/dev/null | sort; }
before=$(runs)	# other jails' (a concurrent run, a test's live one) are not ours
"$TMP/jail-ai-bad" run --block-host -- touch "$TMP/ran" >"$TMP/out" 2>"$TMP/err"
st=$?
ok $(( st == 125 ? 0 : 1 )) "run --block-host exits 125 (got $st)" || diag "$(cat "$TMP/err")"
[ ! -e "$TMP/ran" ]
ok $? "the command never ran"
grep -q "load program jail_connect4" "$TMP/err"
ok $? "the message names the program that failed to load" || diag "$(cat "$TMP/err")"
grep -q "verifier log:" "$TMP/err" && grep -q "invalid bpf_context access" "$TMP/err"
ok $? "the verifier's log is shown, with its reason" || diag "$(head -n 20 "$TMP/err")"
grep -q "protection could not be established" "$TMP/err"
ok $? "the message says protection was not established"
left=$(comm -13 <(echo "$before") <(runs) | grep .)
[ -z "$left" ]
ok $? "no jail cgroup left behind" || diag "left: $left"
done_testing
