#!/bin/bash
# tests/22-privsep.t - privilege separation.  A normal user with a `setcap
# cap_bpf,cap_net_admin+p` copy of jail-ai gets --block-host, and no jail-ai process
# above CMD keeps a capability; without the capabilities, or without a cgroup of
# their own, the user is refused with the fix named and CMD never runs.  The
# privileged child, driven directly by tests/reqtool.c (as root and as the user),
# refuses every malformed request and every cgroup it must not touch, and after
# each refusal a query shows nothing attached.
#
# Controls: the user reaches 127.0.0.1 without a jail; a valid request from the
# user and from root attaches 1,1,1,1,1,1,0,0,0,0,0 (so the query can see an attachment).
#
# Makes (and removes on every exit path): the user jail-ai-test if missing (it
# stays), <cgroup2>/jail-ai-test-$$ delegated to it, copies of jail-ai in $TMP.
# Bind mounts happen only inside `unshare -m` namespaces, which die with the command.

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
for t in cc setcap getcap useradd unshare mount pgrep; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done

# enum jail_step in request.h
STEP_REQUEST=1 STEP_CGROUP=2 STEP_CAPS=3 STEP_MAP=4 STEP_DONE=9

TUSER=jail-ai-test
id -u "$TUSER" >/dev/null 2>&1 || useradd -m "$TUSER" >/dev/null 2>&1 ||
	bail "useradd $TUSER failed"
TUID=$(id -u "$TUSER") TGID=$(id -g "$TUSER")

# Everything the user runs lives in $TMP (755, like /tmp's chain).
cc -O1 -Wall -Wextra -I. -o "$TMP/reqtool" tests/reqtool.c 2>"$TMP/cc.err" ||
	bail "cannot build tests/reqtool.c: $(cat "$TMP/cc.err")"
RQ=$TMP/reqtool
CAPS=$TMP/jail-ai-caps NOCAPS=$TMP/jail-ai-nocaps
cp "$JAIL_AI" "$CAPS" && cp "$JAIL_AI" "$NOCAPS" && cp "$PROBE" "$TMP/probe" &&
	chmod 755 "$CAPS" "$NOCAPS" "$TMP/probe" || bail "cannot copy the binaries to $TMP"
PROBE=$TMP/probe
setcap cap_bpf,cap_net_admin+p "$CAPS" || bail "setcap on $CAPS failed"
getcap "$CAPS" | grep -q 'cap_net_admin,cap_bpf=p' || bail "getcap $CAPS: $(getcap "$CAPS")"
UDIR=$TMP/user
mkdir "$UDIR" && chown "$TUID:$TGID" "$UDIR" || bail "mkdir $UDIR failed"

# ---- cgroups: D delegated to the user; inside it one of each kind of owner ----
D=$CG2/jail-ai-test-$$ DREL=jail-ai-test-$$
t22_cleanup() {
	local st=$?
	remove_cgroup_tree "$D" || echo "# cleanup: could not remove $D"
	(exit "$st")
	cleanup
}
trap t22_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"
# fresh_cg NAME OWNER: a new cgroup $D/NAME owned by OWNER (uid:gid).  Every case
# gets its own, so that one wrongful attach cannot make later cases fail too.
fresh_cg() {
	mkdir "$D/$1" && chown "$2" "$D/$1" || bail "cannot make $D/$1 owned by $2"
}
ROOT=0:0 USER=$TUID:$TGID NOBODY=65534:65534

# as_user CGROUP_DIR CMD...: CMD as the user in the host namespace, after root moved
# the shell into CGROUP_DIR; bounded in time.
as_user() {
	local cg=$1
	shift
	timeout -k 2 "$TIMEOUT" nsenter --net="/run/netns/$NS_H" -- sh -c '
		cg=$1 u=$2 g=$3
		shift 3
		cd / && echo $$ >"$cg/cgroup.procs" &&
			exec setpriv --reuid="$u" --regid="$g" --init-groups -- "$@"' \
		sh "$cg" "$TUID" "$TGID" "$@"
}

field_step() { sed -n 's/^step=\([0-9]*\) .*/\1/p' <<<"$1"; }
field_att() { sed -n 's/.* attached=\([0-9,-]*\)$/\1/p' <<<"$1"; }
field_what() { sed -n 's/.* what="\([^"]*\)".*/\1/p' <<<"$1"; }
# names DESC WANT OUT: the reply's what names the check that refused (issue 13).
names() {
	[ "$(field_what "$3")" = "$2" ]
	ok $? "$1: the reply names the check ('$2')" || diag "got: $3"
}

# nothing_attached DESC REL: root's query of REL succeeds and shows no program.
nothing_attached() {
	local q st
	q=$("$RQ" "$JAIL_AI" query "$2" 2>&1)
	st=$?
	[ "$st" = 0 ] && [ "$(field_step "$q")" = "$STEP_DONE" ] &&
		[ "$(field_att "$q")" = 0,0,0,0,0,0,0,0,0,0,0 ]
	ok $? "$1: nothing attached to $2" || diag "query: exit $st: $q"
}

# refused DESC WANT_STEP QUERY_REL ST OUT: exit 1 at WANT_STEP, then nothing attached.
refused() {
	[ "$4" = 1 ] && [ "$(field_step "$5")" = "$2" ]
	ok $? "$1: refused at step $2" || diag "wanted exit 1, step=$2; got exit $4: $5"
	nothing_attached "$1" "$3"
}

# attached DESC REL ST OUT: exit 0, DONE, and a query shows one of ours per hook.
attached() {
	local q
	[ "$3" = 0 ] && [ "$(field_step "$4")" = "$STEP_DONE" ] &&
		[ "$(field_att "$4")" = 1,1,1,1,1,1,0,0,0,0,0 ]
	ok $? "$1: attached" || diag "wanted exit 0, step=$STEP_DONE; got exit $3: $4"
	q=$("$RQ" "$JAIL_AI" query "$2" 2>&1)
	[ "$(field_att "$q")" = 1,1,1,1,1,1,0,0,0,0,0 ]
	ok $? "$1: a query of $2 shows 1,1,1,1,1,1,0,0,0,0,0" || diag "query: $q"
}

netns_setup
serve "$NS_H" lo4 127.0.0.1 7001
serve "$NS_H" h1 10.77.0.1 7002
serve "$NS_P" peer4 10.77.0.2 7101


# ---- the user with the setcap copy: --block-host works ----
n=$(arrivals lo4)
out=$(as_user "$D" "$PROBE" tcp 127.0.0.1 7001 2>&1)
st=$?
[ "$st" = 0 ] && arrived lo4 "$n"
ok $? "control, $TUSER without a jail: tcp 127.0.0.1 reaches the lo4 listener" ||
	diag "exit $st: $out"

for dst in "127.0.0.1 7001 lo4" "10.77.0.1 7002 h1" "::ffff:127.0.0.1 7001 lo4"; do
	set -- $dst
	n=$(arrivals lo4 h1)
	out=$(as_user "$D" "$CAPS" run --rw "$TMP" --block-host -- "$PROBE" tcp "$1" "$2" 2>"$TMP/err")
	expect_probe "$TUSER, setcap copy, --block-host: tcp $1 is EPERM" 1 EPERM $? "$out"
	sleep 0.05
	[ "$(arrivals lo4 h1)" = "$n" ]
	ok $? "$TUSER, setcap copy, --block-host: no host listener received tcp $1"
done
n=$(arrivals peer4)
out=$(as_user "$D" "$CAPS" run --rw "$TMP" --block-host -- "$PROBE" tcp 10.77.0.2 7101 2>"$TMP/err")
expect_probe "$TUSER, setcap copy, --block-host: tcp 10.77.0.2 (the peer) connects" \
	0 ok $? "$out"
arrived peer4 "$n"
ok $? "$TUSER, setcap copy, --block-host: the peer listener received it"

# While CMD runs: every process of the setcap copy (jail-ai, relay, init) holds no
# capability, and the privileged child is gone.  A unique duration marks our sleep.
mark=8.$$	# outlasts a /proc scan that forks per process on a loaded VM
as_user "$D" "$CAPS" run --rw "$TMP" --block-host -- sleep "$mark" >/dev/null 2>"$TMP/err.bg" &
BGP=$!
BG_PIDS="$BG_PIDS $BGP"
spid=
for i in $(seq 100); do
	spid=$(pgrep -x -f "sleep $mark")
	[ -n "$spid" ] && break
	sleep 0.05
done
ok "$([ -n "$spid" ]; echo $?)" "$TUSER, setcap copy: the jailed 'sleep $mark' starts" ||
	diag "$(cat "$TMP/err.bg")"
parent= procs= bad= nproc=0
# find, not a readlink per process: on a loaded machine that loop outlasted CMD.
for p in $(find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$CAPS" 2>/dev/null); do
	p=${p%/exe}
	cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
	capl=$(awk '$1 == "CapPrm:" || $1 == "CapEff:" { printf "%s%s ", $1, $2 }' \
		"$p/status" 2>/dev/null)
	procs="$procs${p#/proc/}: $cmd| $capl"$'\n'
	nproc=$((nproc + 1))
	[[ "$cmd" == "$CAPS run "* ]] && parent=${p#/proc/}
	[ "$capl" = "CapPrm:0000000000000000 CapEff:0000000000000000 " ] &&
		[[ "$cmd" != *--jail-ai-privileged-child* ]] || bad=1
done
[ -n "$parent" ]
ok $? "$TUSER, setcap copy: the jail-ai process above CMD is found" || diag "$procs"
[ -n "$parent" ] && [ -z "$bad" ]
ok $? "$TUSER, setcap copy: while CMD runs, none of the $nproc jail-ai processes has CapPrm or CapEff, and no privileged child is left" ||
	diag "$procs"
wait "$BGP"
st=$?
ok "$([ "$st" = 0 ]; echo $?)" "$TUSER, setcap copy: the jailed sleep exits 0" ||
	diag "exit $st:" "$(cat "$TMP/err.bg")"

# ---- the user with the copy without capabilities ----
out=$(as_user "$D" "$NOCAPS" run --rw "$TMP" --block-host -- touch "$UDIR/ran" 2>"$TMP/err")
st=$?
[ "$st" != 0 ] && grep -qF 'setcap cap_bpf,cap_net_admin+p' "$TMP/err"
ok $? "$TUSER, no capabilities, --block-host: refused, naming setcap cap_bpf,cap_net_admin+p" ||
	diag "exit $st; stderr:" "$(cat "$TMP/err")"
[ ! -e "$UDIR/ran" ]
ok $? "$TUSER, no capabilities, --block-host: CMD did not run" || diag "$UDIR/ran exists"
out=$(as_user "$D" "$NOCAPS" run --rw "$TMP" -- touch "$UDIR/ran-control" 2>"$TMP/err")
st=$?
[ "$st" = 0 ] && [ -e "$UDIR/ran-control" ]
ok $? "control, $TUSER, no capabilities, no --block-host: run -- touch works" ||
	diag "exit $st; stderr:" "$(cat "$TMP/err")"

# ---- the user without a cgroup of their own ----
fresh_cg rootcg-run "$ROOT"
for where in "$CG2:the root cgroup" "$D/rootcg-run:a root-owned cgroup"; do
	out=$(as_user "${where%%:*}" "$CAPS" run --rw "$TMP" -- touch "$UDIR/ran2" 2>"$TMP/err")
	st=$?
	[ "$st" != 0 ] && grep -qF 'An administrator can delegate one' "$TMP/err" &&
		[ ! -e "$UDIR/ran2" ]
	ok $? "$TUSER in ${where#*:}: run is refused, saying how to delegate a cgroup" ||
		diag "exit $st; stderr:" "$(cat "$TMP/err")"
done

# ---- controls: the child attaches for the user (own cgroup) and for root, and the
# query sees it; so the refusals below are refusals, and "nothing attached" can fail.
fresh_cg own-ok "$USER"
fresh_cg scratch-ok "$ROOT"
out=$(as_user "$D" "$RQ" "$CAPS" attach "$DREL/own-ok" 2>&1)
attached "control, $TUSER, setcap copy, own cgroup" "$DREL/own-ok" $? "$out"
out=$("$RQ" "$JAIL_AI" attach "$DREL/scratch-ok" 2>&1)
attached "control, root, scratch cgroup" "$DREL/scratch-ok" $? "$out"
# One policy per cgroup: a second attach (repeated calls would pin maps and JIT memory
# without bound) is refused, and the first stays as it was.
out=$("$RQ" "$JAIL_AI" attach "$DREL/scratch-ok" 2>&1)
st=$?
[ "$st" = 1 ] && [[ "$out" == *"err=EEXIST"* ]]
ok $? "a second attach to the same cgroup is refused with EEXIST" || diag "exit $st: $out"
q=$("$RQ" "$JAIL_AI" query "$DREL/scratch-ok" 2>&1)
[ "$(field_att "$q")" = 1,1,1,1,1,1,0,0,0,0,0 ]
ok $? "after the refused second attach, still one program per hook" || diag "query: $q"
rmdir "$D/scratch-ok" "$D/own-ok"
ok $? "the scratch cgroups with programs attached are removed"

# ---- the child refuses malformed requests: root, then the user ----
MALFORMED="truncated oversized badversion badmagic garbage empty toomany dotdot absolute
	badport hostbits badop queryrules nonul padding"
# Each names a cgroup the caller may attach to: a child that let one through would
# attach there, and the query would show it.
for m in $MALFORMED; do
	fresh_cg "r-$m" "$ROOT"
	out=$("$RQ" "$JAIL_AI" "$m" "$DREL/r-$m" 2>&1)
	refused "root, request $m" "$STEP_REQUEST" "$DREL/r-$m" $? "$out"
done
for m in $MALFORMED; do
	fresh_cg "u-$m" "$USER"
	out=$(as_user "$D" "$RQ" "$CAPS" "$m" "$DREL/u-$m" 2>&1)
	refused "$TUSER, request $m" "$STEP_REQUEST" "$DREL/u-$m" $? "$out"
done
# Valid as far as the request check goes; fails filling the map: nothing half-done.
fresh_cg r-dup "$ROOT"
out=$("$RQ" "$JAIL_AI" dup "$DREL/r-dup" 2>&1)
refused "root, a duplicate rule" "$STEP_MAP" "$DREL/r-dup" $? "$out"
fresh_cg u-nocaps "$USER"
out=$(as_user "$D" "$RQ" "$NOCAPS" attach "$DREL/u-nocaps" 2>&1)
refused "$TUSER, the copy without capabilities" "$STEP_CAPS" "$DREL/u-nocaps" $? "$out"

# ---- cgroups the child must not touch, as the user ----
# ".", "", ".." and "D/.." name the cgroup2 root or leave it: the request check
# refuses them before openat2 sees them (so these prove the check, not RESOLVE_BENEATH,
# which nothing that passes the check can reach).  Whether the root got anything is
# seen from outside: programs on the root would apply to this test's own sockets.
for cg in . "" .. "$DREL/.."; do
	out=$(as_user "$D" "$RQ" "$CAPS" attach "$cg" 2>&1)
	st=$?
	[ "$st" = 1 ] && [ "$(field_step "$out")" = "$STEP_REQUEST" ]
	ok $? "$TUSER, cgroup '$cg' (the root or above): refused at step $STEP_REQUEST" ||
		diag "got exit $st: $out"
done
n=$(arrivals lo4)
out=$(in_host "$PROBE" tcp 127.0.0.1 7001 2>&1)
[ "$?" = 0 ] && arrived lo4 "$n"
ok $? "after the root-cgroup attempts, root-cgroup processes still reach 127.0.0.1" ||
	diag "$out" "programs may be attached to $CG2 itself: inspect it now"

fresh_cg rootcg "$ROOT"
out=$(as_user "$D" "$RQ" "$CAPS" attach "$DREL/rootcg" 2>&1)
refused "$TUSER, a root-owned cgroup" "$STEP_CGROUP" "$DREL/rootcg" $? "$out"
names "$TUSER, a root-owned cgroup" "not owned by the caller's uid" "$out"
fresh_cg other "$NOBODY"
out=$(as_user "$D" "$RQ" "$CAPS" attach "$DREL/other" 2>&1)
refused "$TUSER, another user's (nobody's) cgroup" "$STEP_CGROUP" "$DREL/other" $? "$out"
names "$TUSER, another user's (nobody's) cgroup" "not owned by the caller's uid" "$out"
out=$(as_user "$D" "$RQ" "$CAPS" attach "$DREL/nosuch" 2>&1)
st=$?
[ "$st" = 1 ] && [ "$(field_step "$out")" = "$STEP_CGROUP" ]
ok $? "$TUSER, a cgroup that does not exist: refused at step $STEP_CGROUP" ||
	diag "got exit $st: $out"
names "$TUSER, a cgroup that does not exist" "openat2 beneath the cgroup2 mount" "$out"

# cgroupfs holds no symlinks, so RESOLVE_NO_SYMLINKS cannot be exercised; mounts can.
# In a private mount namespace, root covers the user's own mnt with (a) the root-owned
# rootcg2, (b) the cgroup2 root, (c) a tmpfs the user owns: the path names the user's
# cgroup, but what it reaches is someone else's or not a cgroup.  Refused by
# RESOLVE_NO_XDEV (and, for a and b, also the owner and root checks behind it).
fresh_cg mnt "$USER"
fresh_cg rootcg2 "$ROOT"
for what in "rootcg2:$D/rootcg2" "cgroup2 root:$CG2" "tmpfs:tmpfs"; do
	src=${what#*:}
	if [ "$src" = tmpfs ]; then
		mnt="mount -t tmpfs -o mode=755,uid=$TUID,gid=$TGID none $D/mnt"
	else
		mnt="mount --bind $src $D/mnt"
	fi
	out=$(unshare -m --propagation private -- sh -c "$mnt"' || exit 3
		cg=$1 u=$2 g=$3
		shift 3
		cd / && exec setpriv --reuid="$u" --regid="$g" --init-groups -- "$@"' \
		sh "$D" "$TUID" "$TGID" "$RQ" "$CAPS" attach "$DREL/mnt" 2>&1)
	st=$?
	[ "$st" = 1 ] && [ "$(field_step "$out")" = "$STEP_CGROUP" ]
	ok $? "$TUSER, own cgroup covered by ${what%%:*}: refused at step $STEP_CGROUP" ||
		diag "got exit $st: $out"
	names "$TUSER, own cgroup covered by ${what%%:*}" "openat2 beneath the cgroup2 mount" "$out"
done
nothing_attached "$TUSER, mounts over own cgroup" "$DREL/rootcg2"
nothing_attached "$TUSER, mounts over own cgroup" "$DREL/mnt"

# In a user namespace mapped to root, the child's real uid reads 0, but the cgroup2
# root shows as 65534 there (the real root is unmapped), so the owner check refuses;
# past it, its capabilities would be the namespace's, and bpf() wants init's.
fresh_cg rootcg3 "$ROOT"
out=$(as_user "$D" unshare --user --map-root-user -- "$RQ" "$CAPS" attach "$DREL/rootcg3" 2>&1)
st=$?
[ "$st" = 1 ] && [ "$(field_step "$out")" != "$STEP_DONE" ]
ok $? "$TUSER as root of a user namespace, a root-owned cgroup: refused" ||
	diag "got exit $st: $out"
# There the cgroup2 root shows as 65534 (real root unmapped): the owner check refuses.
names "$TUSER as root of a user namespace" "uid 0, but the cgroup2 root not uid 0's" "$out"
nothing_attached "$TUSER as root of a user namespace" "$DREL/rootcg3"

# ---- root: a mount makes a path name another cgroup ----
# mnt2 covered by bound: without RESOLVE_NO_XDEV root's request for mnt2 would land
# on bound, a cgroup it does not name.
fresh_cg mnt2 "$ROOT"
fresh_cg bound "$ROOT"
out=$(unshare -m --propagation private -- sh -c \
	'mount --bind "$1/bound" "$1/mnt2" || exit 3; shift; exec "$@"' \
	sh "$D" "$RQ" "$JAIL_AI" attach "$DREL/mnt2" 2>&1)
refused "root, a cgroup covered by a bind mount of another" "$STEP_CGROUP" \
	"$DREL/bound" $? "$out"

done_testing
