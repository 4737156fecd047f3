#!/bin/bash
# tests/37-bwrap.t - bubblewrap inside `jail-ai run` (issue 14): any Landlock file domain
# makes mount() fail in a nested user + mount namespace, so by default bubblewrap fails
# in the jail, and run says so at start (and in --dry-run and --help), naming
# --nested-sandbox; with --nested-sandbox it works, the files still read-only.
# Control: --fs host, where it works and nothing is said.
#
# bubblewrap runs as a normal user (the installed binary, from `runuser`, in a cgroup
# delegated to the user), as agents start it.  Without bwrap (scripts/deps test installs
# it) the same steps run with util-linux's `unshare -Urm` + a recursive bind mount,
# except under CI=true, where a missing bwrap fails.
#
# Makes (and removes): $TMP, /var/tmp/jail-ai-t37b.*, <cgroup2>/jail-ai-t37b-$$ delegated
# to the user; the user jail-ai-fs (it stays).

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in runuser useradd setcap make unshare; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
if command -v bwrap >/dev/null; then
	TOOL=bwrap
	SB="bwrap --ro-bind / / --tmpfs /tmp -- /bin/sh -c 'echo sandboxed'"
elif [ "${CI:-}" = true ]; then
	skip_all "bwrap (bubblewrap; scripts/deps test installs it)"
else
	TOOL=unshare
	SB="unshare -Urm sh -c 'mount --rbind / /mnt && echo sandboxed'"
	diag "no bwrap here: unshare -Urm and a recursive bind mount stand in for it"
fi
install_as_user jail-ai-fs
B=$(mktemp -d /var/tmp/jail-ai-t37b.XXXXXX) && chmod 755 "$B" && mkdir -m 777 "$B/ws" ||
	bail "mktemp /var/tmp"
D=$CG2/jail-ai-t37b-$$
t37b_cleanup() {
	local st=$? i
	rm -rf "$B"
	if [ -d "$D" ]; then
		echo 1 >"$D/cgroup.kill" 2>/dev/null
		for i in $(seq 50); do
			rmdir "$D" 2>/dev/null
			[ -d "$D" ] || break
			sleep 0.1
		done
	fi
	(exit "$st")
	cleanup
}
trap t37b_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"

# u ARGS...: `jail-ai run ARGS -- $SB` as the user in $D (cwd $B/ws); OUT, ERR, RC.
u() {
	OUT=$(sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" &&
		exec timeout 30 runuser -u "$3" -- "$4" run $5 -- sh -c "$6"' \
		sh "$D" "$B/ws" "$TUSER" "$INST" "$*" "$SB" 2>"$TMP/err")
	RC=$? ERR=$(cat "$TMP/err")
}
said() { [[ "$ERR" == *"$TOOL sandboxes itself with mounts"*"--nested-sandbox keeps"* ]]; }

u --fs host
[ "$OUT" = sandboxed ] && ! said
ok $? "control: --fs host, $TOOL works in the jail and nothing about it is said" ||
	diag "rc $RC, out: $OUT" "stderr: $ERR"

u
[ "$OUT" != sandboxed ] && [ "$RC" != 0 ]
ok $? "default: $TOOL fails under the Landlock file domain (its mount() is refused)" ||
	diag "rc $RC, out: $OUT" "stderr: $ERR"
# sh -c hides the name; the start message is for CMD itself being the tool.
OUT=$(sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && exec timeout 30 runuser -u "$3" -- \
	"$4" run -- '"$SB" sh "$D" "$B/ws" "$TUSER" "$INST" 2>"$TMP/err")
RC=$? ERR=$(cat "$TMP/err")
[ "$OUT" != sandboxed ] && said
ok $? "default, CMD is $TOOL: run says at start why it fails and names --nested-sandbox" ||
	diag "rc $RC, out: $OUT" "stderr: $ERR"

u --nested-sandbox
[ "$OUT" = sandboxed ] && [ "$RC" = 0 ]
ok $? "--nested-sandbox: $TOOL works in the jail" || diag "rc $RC, out: $OUT" "stderr: $ERR"
if [ "$TOOL" = bwrap ]; then
	W="bwrap --bind / / -- /bin/sh -c 'echo x >>/var/tmp/jail-ai-t37b-\$\$'"
else
	W="unshare -Urm sh -c 'mount -o remount,bind,rw / 2>/dev/null; echo x >>/var/tmp/jail-ai-t37b-\$\$'"
fi
OUT=$(sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && exec timeout 30 runuser -u "$3" -- \
	"$4" run --fs host -- sh -c "$5"' sh "$D" "$B/ws" "$TUSER" "$INST" "$W" 2>&1)
ls /var/tmp/jail-ai-t37b-* >/dev/null 2>&1
ok $? "control: --fs host, inside $TOOL's namespace CMD writes /var/tmp" || diag "$OUT"
rm -f /var/tmp/jail-ai-t37b-*
OUT=$(sh -c 'echo $$ >"$1/cgroup.procs" && cd "$2" && exec timeout 30 runuser -u "$3" -- \
	"$4" run --nested-sandbox -- sh -c "$5"' sh "$D" "$B/ws" "$TUSER" "$INST" "$W" 2>&1)
[[ "$OUT" == *"Read-only file system"* ]] && ! ls /var/tmp/jail-ai-t37b-* >/dev/null 2>&1
ok $? "--nested-sandbox: inside $TOOL's namespace CMD still cannot write outside its workspace" ||
	{ diag "$OUT"; rm -f /var/tmp/jail-ai-t37b-*; }
OUT=$(cd "$B/ws" && "$JAIL_AI" run --dry-run -- $TOOL --version 2>&1)
[[ "$OUT" == *"# nested sandboxes (bubblewrap"*"--nested-sandbox keeps them working"* ]] &&
	[[ "$OUT" == *"$TOOL sandboxes itself with mounts"* ]]
ok $? "--dry-run lists the nested-sandbox limit, and the start message for $TOOL" || diag "$OUT"
OUT=$(cd "$B/ws" && "$JAIL_AI" run --dry-run --nested-sandbox -- $TOOL --version 2>&1)
[[ "$OUT" != *"nested sandboxes ("* ]] && [[ "$OUT" != *"sandboxes itself"* ]]
ok $? "--dry-run --nested-sandbox: neither" || diag "$OUT"
OUT=$("$JAIL_AI" run --help 2>&1)
[[ "$OUT" == *"bubblewrap and other sandboxes work inside"*"mount() fails"* ]]
ok $? "run --help says why nested sandboxes fail by default" || diag "$OUT"

# A root CMD: its capabilities are dropped, and writing the uid_map of a user namespace
# of its own fails (EPERM), with --nested-sandbox and --fs host alike; README says so.
# Control: root outside the jail maps one.
OUT=$(unshare -Ur true 2>&1)
ok $? "control: root outside the jail maps a user namespace of its own" || diag "$OUT"
for fs in --nested-sandbox "--fs host"; do
	OUT=$(cd "$B/ws" && "$JAIL_AI" run $fs -- unshare -Ur true 2>&1)
	st=$?
	[ "$st" != 0 ] && [[ "$OUT" == *"uid_map: Operation not permitted"* ]]
	ok $? "root CMD under $fs cannot map a user namespace of its own (exit $st)" || diag "$OUT"
done

done_testing
