#!/bin/bash
# tests/36-attach-race.t - "one policy per cgroup" holds when children start at once: the
# child takes the cgroup directory's lock across query and attach (loader.c), so of eight
# children started together on one cgroup exactly one attaches and the rest are refused
# with EEXIST; each hook then holds exactly one program.  Repeated over fresh cgroups.
. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
command -v cc >/dev/null || skip_all "needs cc"

STEP_ATTACH=6 STEP_DONE=9
cc -O1 -Wall -Wextra -I. -o "$TMP/reqtool" tests/reqtool.c 2>"$TMP/cc.err" ||
	bail "cannot build tests/reqtool.c: $(cat "$TMP/cc.err")"
RQ=$TMP/reqtool
D=$CG2/jail-ai-race-$$ DREL=jail-ai-race-$$
t36_cleanup() {
	local st=$?
	find "$D" -depth -type d -exec rmdir {} + 2>/dev/null
	(exit "$st")
	cleanup
}
trap t36_cleanup EXIT
mkdir "$D" || bail "mkdir $D failed"

# race BIN ROUND: eight attaches at once on $D/ROUND; prints "DONE EEXIST OTHER HOOKS".
race() {
	local bin=$1 cg=$DREL/$2 i done=0 eexist=0 other=0 q
	mkdir "$D/$2" || return 1
	for i in 1 2 3 4 5 6 7 8; do
		"$RQ" "$bin" attach "$cg" >"$TMP/r$i" 2>&1 &
	done
	wait
	for i in 1 2 3 4 5 6 7 8; do
		if grep -q "^step=$STEP_DONE " "$TMP/r$i"; then
			done=$((done + 1))
		elif grep -q "^step=$STEP_ATTACH err=EEXIST " "$TMP/r$i"; then
			eexist=$((eexist + 1))
		else
			other=$((other + 1))
			cat "$TMP/r$i" >>"$TMP/other"
		fi
	done
	q=$("$RQ" "$JAIL_AI" query "$cg" 2>&1 | sed -n 's/.* attached=//p')
	echo "$done $eexist $other $q"
}

bad=0
for round in $(seq 10); do
	set -- $(race "$JAIL_AI" "r$round")
	[ "$1" = 1 ] && [ "$2" = 7 ] && [ "$3" = 0 ] && [ "$4" = 1,1,1,1,1,1,0,0,0,0,0 ] || {
		bad=$((bad + 1))
		diag "round $round: $1 attached, $2 EEXIST, $3 other, hooks $4"
	}
done
ok "$bad" "10 rounds of 8 concurrent attaches: exactly one attaches each time, one program a hook (egress: none without HOSTNET)" ||
	diag "$(head -n 5 "$TMP/other" 2>/dev/null)"

done_testing
