#!/bin/bash
# tests/33-scope.t - a normal user whose cgroup is not its own (a login shell in a cgroup it
# cannot subdivide), through `runuser -l`: where a systemd user manager exists, `jail-ai run`
# re-launches itself once with `systemd-run --user --scope -p Delegate=yes --quiet SELF ARGS`
# and says so in one line; where none exists it says what an administrator must set up.
#
# These machines have no systemd: a fake systemd-run on PATH records its arguments and, as
# systemd would, has a root helper (this test) move it into a cgroup delegated to the user,
# then runs the command.  The user manager is faked by DBUS_SESSION_BUS_ADDRESS or by a
# socket at $XDG_RUNTIME_DIR/systemd/private.

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in useradd userdel runuser mkfifo; do
	command -v $t >/dev/null || skip_all "needs $t"
done
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3"

U=jail-ai-scope
id -u "$U" >/dev/null 2>&1 || useradd -m "$U" >/dev/null 2>&1 || bail "useradd $U failed"
UID_=$(id -u "$U") GID_=$(id -g "$U")
# The binary as installed (no file capabilities: not needed without --block-host).
BIN=$TMP/bin/jail-ai
install -D -m 0755 "$JAIL_AI" "$BIN" || bail "install failed"
DELEG=$CG2/jail-ai-scope-$$
FAKE=$TMP/fake LOG=$TMP/fake/log
mkdir -p "$FAKE" && : >"$LOG" && chmod 666 "$LOG" && chmod 755 "$FAKE" || bail "fake dir"
mkfifo -m 666 "$FAKE/move" "$FAKE/ack" || bail "mkfifo failed"
cat >"$FAKE/systemd-run" <<EOF
#!/bin/sh
# fake systemd-run: record, ask the "manager" (the test, as root) to move us, run the command
printf '%s\n' "\$*" >>"$LOG"
while [ \$# -gt 0 ]; do
	case \$1 in
	--user|--scope|--quiet) shift ;;
	-p) shift 2 ;;
	--) shift; break ;;
	-*) echo "fake systemd-run: unexpected \$1" >&2; exit 1 ;;
	*) break ;;
	esac
done
if [ ! -e "$FAKE/nomove" ]; then
	echo \$\$ >"$FAKE/move" && read -r ack <"$FAKE/ack"
fi
exec "\$@"
EOF
chmod 755 "$FAKE/systemd-run"

scope_cleanup() {
	local st=$?
	[ -n "${MOVER:-}" ] && kill "$MOVER" 2>/dev/null
	find "$DELEG" -depth -type d -exec rmdir {} + 2>/dev/null
	userdel -r "$U" >/dev/null 2>&1
	(exit $st)
	cleanup
}
trap scope_cleanup EXIT
mkdir "$DELEG" && chown "$UID_:$GID_" "$DELEG" "$DELEG/cgroup.procs" "$DELEG/cgroup.threads" \
	"$DELEG/cgroup.subtree_control" || bail "delegated cgroup $DELEG failed"
# The "user manager": moves a pid it is told into the delegated cgroup, then acknowledges.
(while :; do
	read -r pid <"$FAKE/move" || continue
	echo "$pid" >"$DELEG/cgroup.procs"
	echo ok >"$FAKE/ack"
done) &
MOVER=$!

# as_user ENV...: run `jail-ai run -- cat /proc/self/cgroup` from the user's login shell.
as_user() {
	timeout -k 2 30 runuser -l "$U" -c "cd /tmp && /usr/bin/env $* $BIN run -- /bin/cat /proc/self/cgroup" \
		2>"$TMP/err"
}
calls() { wc -l <"$LOG"; }
# in_deleg OUTPUT: CMD's cgroup v2 (from its /proc/self/cgroup) is a run-* below the delegation.
in_deleg() { grep -q "^0::/${DELEG#"$CG2"/}/run-[^/]*\$" <<<"$1"; }

# ---- control: the user's own cgroup is not its own ----
grep -q '^0::/$' /proc/self/cgroup || diag "the test runs in $(grep '^0::' /proc/self/cgroup)"
out=$(as_user PATH=/usr/bin:/bin); st=$?
[ "$st" = 125 ] && grep -q "not yours to subdivide and no systemd user manager" "$TMP/err"
ok $? "no user manager: refused (exit 125), saying none runs" || diag "exit $st:" "$out" "$(cat "$TMP/err")"
for w in "mkdir \$D" "chown $UID_:$GID_ \$D \$D/cgroup.procs \$D/cgroup.threads \$D/cgroup.subtree_control" \
	"echo PID >\$D/cgroup.procs" "D=$CG2/user-$UID_"; do
	grep -qF -- "$w" "$TMP/err"
	ok $? "no user manager: the message gives the administrator's command: $w" ||
		diag "$(cat "$TMP/err")"
done
n=$(calls)
out=$(as_user PATH=$FAKE:/usr/bin:/bin); st=$?
[ "$st" = 125 ] && [ "$(calls)" = "$n" ]
ok $? "no user manager but systemd-run on PATH: not called" || diag "exit $st:" "$(cat "$TMP/err")"

# ---- a user manager by its bus ----
n=$(calls)
out=$(as_user PATH=$FAKE:/usr/bin:/bin DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent); st=$?
[ "$st" = 0 ] && in_deleg "$out"
ok $? "with a user manager (bus): CMD runs in a jail below the delegated scope" ||
	diag "exit $st:" "$out" "$(cat "$TMP/err")"
[ "$(calls)" = $((n + 1)) ] &&
	[ "$(tail -n 1 "$LOG")" = "--user --scope -p Delegate=yes --quiet $BIN run -- /bin/cat /proc/self/cgroup" ]
ok $? "systemd-run was called once: --user --scope -p Delegate=yes --quiet SELF ARGS" ||
	diag "log:" "$(cat "$LOG")"
[ "$(grep -c 're-launching in a transient systemd scope' "$TMP/err")" = 1 ] &&
	[ "$(wc -l <"$TMP/err")" = 1 ]
ok $? "one line on stderr says so" || diag "$(cat "$TMP/err")"

# ---- a user manager by its socket ----
X=$TMP/xdg
mkdir -p "$X/systemd" && /usr/bin/python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" \
	"$X/systemd/private" && chown -R "$UID_:$GID_" "$X" && chmod 700 "$X" || bail "fake XDG_RUNTIME_DIR"
n=$(calls)
out=$(as_user PATH=$FAKE:/usr/bin:/bin XDG_RUNTIME_DIR=$X); st=$?
[ "$st" = 0 ] && in_deleg "$out" && [ "$(calls)" = $((n + 1)) ]
ok $? "with a user manager (\$XDG_RUNTIME_DIR/systemd/private): re-launched and ran" ||
	diag "exit $st:" "$out" "$(cat "$TMP/err")"

# ---- a scope that gives no delegated cgroup: no loop ----
touch "$FAKE/nomove"
n=$(calls)
out=$(as_user PATH=$FAKE:/usr/bin:/bin DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent); st=$?
[ "$st" = 125 ] && [ "$(calls)" = $((n + 1)) ] && grep -q "even in the systemd scope" "$TMP/err" &&
	grep -qF "mkdir \$D" "$TMP/err"
ok $? "a scope without delegation: one re-launch, then the administrator's message" ||
	diag "exit $st, calls $(($(calls) - n)):" "$(cat "$TMP/err")"
rm -f "$FAKE/nomove"

# ---- a user manager but no systemd-run ----
mkdir -p "$TMP/nosd" && ln -s /usr/bin/env "$TMP/nosd/env"
n=$(calls)
out=$(as_user PATH=$TMP/nosd DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent); st=$?
[ "$st" = 125 ] && grep -q "systemd-run is not on PATH" "$TMP/err" && [ "$(calls)" = "$n" ]
ok $? "a user manager without systemd-run on PATH: the administrator's message" ||
	diag "exit $st:" "$(cat "$TMP/err")"

# ---- a user already in a delegated cgroup: no re-launch ----
n=$(calls)
out=$(timeout -k 2 30 sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$DELEG" \
	runuser -u "$U" -- env PATH="$FAKE:/usr/bin:/bin" DBUS_SESSION_BUS_ADDRESS=unix:path=/x \
	"$BIN" run -- /bin/cat /proc/self/cgroup 2>"$TMP/err"); st=$?
[ "$st" = 0 ] && in_deleg "$out" && [ "$(calls)" = "$n" ] &&
	[ ! -s "$TMP/err" ]
ok $? "a user in a delegated cgroup runs at once, without systemd-run" ||
	diag "exit $st:" "$out" "$(cat "$TMP/err")"

done_testing
