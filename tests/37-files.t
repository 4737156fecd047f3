#!/bin/bash
# tests/37-files.t - `run`'s file rules (issue 14): CMD writes only its workspace, a
# private /tmp and --rw paths; everything else is read-only (Landlock); secrets,
# local IPC sockets and block devices are not there at all (CMD's mount namespace);
# abstract unix sockets outside the jail are out of reach (Landlock scopes).
#
# Each attack has a control that shows it works without the rule: outside the jail,
# or with --fs host.  Root CMD (the caller is root; it keeps CAP_DAC_OVERRIDE) and a
# normal user's CMD (the installed binary from `runuser -l`, and through `sh -c`).
#
# Makes (and removes): $TMP, /var/tmp/jail-ai-t37.*, a loop device on a file in $TMP, <cgroup2>/jail-ai-t37-$$
# delegated to the user, /run/user/UID of the user when missing; the user jail-ai-fs
# (it stays, with a planted ~/.ssh key that is removed).

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in runuser useradd setcap make losetup script; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
FSP=$PWD/tests/fs_probe
[ -x "$FSP" ] || bail "tests/fs_probe is missing: run 'make tests/fs_probe'"
install_as_user jail-ai-fs
UHOME=$(getent passwd "$TUSER" | cut -d: -f6)
# Outside /tmp: CMD's /tmp is a private one.  B: the test's files, any user may enter.
B=$(mktemp -d /var/tmp/jail-ai-t37.XXXXXX) && chmod 755 "$B" || bail "mktemp /var/tmp"
cp "$FSP" "$B/fs_probe" && chmod 755 "$B/fs_probe" || bail "cp fs_probe"
FSP=$B/fs_probe
D=$CG2/jail-ai-t37-$$
LOOP= RUNDIR_MADE=
t37_cleanup() {
	local st=$? i
	[ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
	rm -rf "$UHOME/.ssh" "$B" "/run/jail-ai-t37-$$.sock"
	[ -n "$RUNDIR_MADE" ] && rm -rf "$RUNDIR_MADE"
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
trap t37_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"

# The stand-in for /etc: a directory and file any uid may write by mode, so that
# only the jail stops a write.  The workspace, an --rw directory, a secret.
mkdir -m 777 "$B/etc" "$B/ws" "$B/extra" && echo keep >"$B/etc/conf" &&
	chmod 666 "$B/etc/conf" && chmod 777 "$B/ws" "$B/extra" || bail "setup"
echo topsecret >"$B/secret" && chmod 644 "$B/secret"
install -d -m 700 -o "$TUID" -g "$TGID" "$UHOME/.ssh"
echo "PRIVATE KEY of $TUSER" >"$UHOME/.ssh/id_ed25519"
chown "$TUID:$TGID" "$UHOME/.ssh/id_ed25519" && chmod 600 "$UHOME/.ssh/id_ed25519"

# r EXPECT DESC ARGS...: jail-ai ARGS as root (cwd $B/ws); EXPECT is fs_probe's
# word ("ok", "EACCES", ...), the output's last line.
r() {
	local want=$1 desc=$2 out
	shift 2
	out=$(cd "$B/ws" && timeout -k 2 "$TIMEOUT" "$JAIL_AI" "$@" 2>"$TMP/err")
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "$want" ]
	ok $? "$desc" || diag "wanted $want, got: $out" "stderr: $(cat "$TMP/err")"
}

# u EXPECT DESC CMDLINE: CMDLINE from a login shell of the user (runuser -l), in $D.
u() {
	local want=$1 desc=$2 out
	out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec timeout 30 runuser -l "$2" -c "$3"' \
		sh "$D" "$TUSER" "$3" 2>"$TMP/err")
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "$want" ]
	ok $? "$desc" || diag "wanted $want, got: $out" "stderr: $(cat "$TMP/err")"
}

# ---- writes: root CMD ----
r ok "control: --fs host, root CMD writes the /etc stand-in" run --fs host -- $FSP write "$B/etc/conf"
r EACCES "root CMD cannot write a file outside its workspace (the /etc stand-in)" \
	run -- $FSP write "$B/etc/conf"
r EACCES "root CMD cannot create a file outside its workspace" run -- $FSP write "$B/etc/new"
[ ! -e "$B/etc/new" ]
ok $? "... and no file was made"
r EACCES "root CMD cannot write the real /etc" run -- $FSP write /etc/jail-ai-t37
[ ! -e /etc/jail-ai-t37 ]
ok $? "... and /etc/jail-ai-t37 does not exist" || rm -f /etc/jail-ai-t37
r ok "control: --fs host, root CMD truncates the stand-in" run --fs host -- $FSP truncate "$B/etc/conf"
echo keep >"$B/etc/conf"
r EACCES "root CMD cannot truncate(2) a file outside its workspace" run -- $FSP truncate "$B/etc/conf"
[ "$(cat "$B/etc/conf")" = keep ]
ok $? "... and it kept its content"
r ok "root CMD writes its workspace (the current directory)" run -- $FSP write "$B/ws/out"
[ "$(cat "$B/ws/out" 2>/dev/null)" = jail ]
ok $? "... and the file is there outside the jail"
r ok "root CMD writes a relative path in its workspace" run -- $FSP write rel
r ok "--workspace DIR: root CMD writes DIR" run --workspace "$B/extra" -- $FSP write "$B/extra/w"
r EACCES "--workspace DIR: the current directory is not writable then" \
	run --workspace "$B/extra" -- $FSP write "$B/ws/w2"
r ok "--rw PATH: root CMD writes PATH too" run --rw "$B/etc" -- $FSP write "$B/etc/conf"
r ok "root CMD writes its private /tmp" run -- sh -c "$FSP write /tmp/jail-ai-t37-$$ && cat /tmp/jail-ai-t37-$$ >/dev/null && echo ok"
[ ! -e "/tmp/jail-ai-t37-$$" ]
ok $? "... which is not the host's /tmp"

# ---- reads: secrets, --hide, --unhide ----
r ok "control: --fs host, root CMD reads the user's planted ~/.ssh key" \
	run --fs host -- $FSP read "$UHOME/.ssh/id_ed25519"
r ENOENT "root CMD cannot read the user's ~/.ssh key (CAP_DAC_OVERRIDE kept)" \
	run -- $FSP read "$UHOME/.ssh/id_ed25519"
r ok "control: root CMD reads $B/secret without --hide" run -- $FSP read "$B/secret"
r EMPTY "--hide FILE: root CMD reads nothing of it" run --hide "$B/secret" -- $FSP read "$B/secret"
if [ -e /etc/shadow ]; then
	r ok "control: --fs host, root CMD reads /etc/shadow" run --fs host -- $FSP read /etc/shadow
	out=$(cd "$B/ws" && "$JAIL_AI" run -- cat /etc/shadow 2>&1)
	[ -z "$out" ]
	ok $? "root CMD reads nothing of /etc/shadow" || diag "$out"
fi
r ok "control: root CMD reads /etc/passwd" run -- $FSP read /etc/passwd

# ---- block devices: a loop device on a file ----
truncate -s 1M "$TMP/disk.img" && LOOP=$(losetup -f --show "$TMP/disk.img" 2>/dev/null)
if [ -n "$LOOP" ]; then
	r ok "control: --fs host, root CMD reads $LOOP" run --fs host -- $FSP read "$LOOP"
	r ENOENT "root CMD cannot read the block device $LOOP (a private /dev)" \
		run -- $FSP read "$LOOP"
else
	ok 1 "losetup: no loop device for the block-device case"
fi
for n in zero urandom full; do
	r ok "root CMD reads /dev/$n" run -- $FSP read /dev/$n
done
r ok "root CMD writes /dev/null" run -- $FSP write /dev/null
r ok "root CMD writes /dev/shm" run -- $FSP write /dev/shm/x
out=$(cd "$B/ws" && script -qec "$JAIL_AI run -- sh -c 'tty; echo on-tty >/dev/tty'" /dev/null 2>&1)
[[ "$out" == */dev/pts/* ]] && [[ "$out" == *on-tty* ]]
ok $? "on a pty (script): CMD has a terminal and writes /dev/tty" || diag "$out"

# ---- a normal user, the installed binary, from a login shell ----
u ok "control: user, --fs host writes the /etc stand-in" \
	"cd $B/ws && $INST run --fs host -- $FSP write $B/etc/conf"
u EACCES "user CMD cannot write the /etc stand-in" \
	"cd $B/ws && $INST run -- $FSP write $B/etc/conf"
u ok "user CMD writes its workspace" "cd $B/ws && $INST run -- $FSP write $B/ws/user"
u ok "user CMD writes its workspace through sh -c" \
	"sh -c 'cd $B/ws && $INST run -- $FSP write $B/ws/user'"
u EACCES "user CMD from its home (no workspace) cannot write its home" \
	"$INST run -- $FSP write $UHOME/.profile-t37"
u ok "control: the user reads its own ~/.ssh key outside the jail" "$FSP read $UHOME/.ssh/id_ed25519"
u EACCES "user CMD cannot read its own ~/.ssh key (an empty mode-000 directory)" "$INST run -- $FSP read $UHOME/.ssh/id_ed25519"
u ok "--unhide ~/.ssh: user CMD reads it" \
	"$INST run --unhide $UHOME/.ssh -- $FSP read $UHOME/.ssh/id_ed25519"

# ---- local IPC: a service outside, in a hidden directory; an abstract socket ----
RUN=/run/user/$TUID
if [ ! -d "$RUN" ]; then
	install -d -m 700 -o "$TUID" -g "$TGID" "$RUN" && RUNDIR_MADE=$RUN
fi
runuser -u "$TUSER" -- timeout 600 "$FSP" serve-unix "$RUN/bus" 20 >"$TMP/bus.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
timeout -k 2 600 "$FSP" serve-unix "@jail-ai-t37-$$" 20 >"$TMP/abs.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
AG=$(mktemp -d "$B/ssh-XXXXXX") && chmod 755 "$AG"
timeout -k 2 600 "$FSP" serve-unix "$AG/agent.sock" 20 >"$TMP/agent.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do
	[ -S "$RUN/bus" ] && [ -S "$AG/agent.sock" ] && grep -q listening "$TMP/abs.log" && break
	sleep 0.1
done
u ok "control: the user connects to $RUN/bus outside the jail" "$FSP connect $RUN/bus"
u ok "control: user, --fs host connects to $RUN/bus" "$INST run --fs host -- $FSP connect $RUN/bus"
u EACCES "user CMD cannot connect to a socket in /run/user/\$UID (hidden)" \
	"$INST run -- $FSP connect $RUN/bus"
u ok "--unhide /run/user/\$UID: user CMD connects" "$INST run --unhide $RUN -- $FSP connect $RUN/bus"
r ok "control: --fs host, root CMD connects to \$SSH_AUTH_SOCK" \
	run --fs host -- $FSP connect "$AG/agent.sock"
out=$(cd "$B/ws" && SSH_AUTH_SOCK=$AG/agent.sock "$JAIL_AI" run -- $FSP connect "$AG/agent.sock" 2>&1)
[ "$out" = ENOENT ]
ok $? "CMD cannot connect to \$SSH_AUTH_SOCK (its directory is hidden)" || diag "$out"
# An agent socket right in /run: the socket alone is hidden (/run must stay).
RS=/run/jail-ai-t37-$$.sock
timeout -k 2 600 "$FSP" serve-unix "$RS" 20 >"$TMP/rs.log" 2>&1 &
BG_PIDS="$BG_PIDS $!"
for i in $(seq 50); do [ -S "$RS" ] && break; sleep 0.1; done
r ok "control: --fs host, CMD connects to \$SSH_AUTH_SOCK=$RS" run --fs host -- $FSP connect "$RS"
out=$(cd "$B/ws" && SSH_AUTH_SOCK=$RS "$JAIL_AI" run -- $FSP connect "$RS" 2>&1)
[ "$out" = ECONNREFUSED ]
ok $? "CMD cannot connect to \$SSH_AUTH_SOCK in /run (the socket alone is hidden)" || diag "$out"
r ok "control: --fs host, CMD connects to an abstract socket outside" \
	run --fs host -- $FSP connect "@jail-ai-t37-$$"
r EPERM "CMD cannot connect to an abstract unix socket outside the jail (scope)" \
	run -- $FSP connect "@jail-ai-t37-$$"
r ok "CMD's own abstract socket works inside the jail" run -- sh -c \
	"$FSP serve-unix @t37in 1 >/dev/null & sleep 0.3; $FSP connect @t37in"

# ---- nested sandboxes ----
r ok "control: --fs host, a nested user+mount namespace can bind-mount" \
	run --fs host -- $FSP nested-mount
r EPERM "default: the nested bind mount is refused (Landlock file domain)" \
	run -- $FSP nested-mount

r ok "--nested-sandbox: the nested bind mount works (bubblewrap's first step)" \
	run --nested-sandbox -- $FSP nested-mount
u ok "--nested-sandbox, user CMD: the nested bind mount works" \
	"cd $B/ws && $INST run --nested-sandbox -- $FSP nested-mount"
r EROFS "--nested-sandbox: root CMD cannot write the /etc stand-in (read-only mount)" \
	run --nested-sandbox -- $FSP write "$B/etc/conf"
r EROFS "--nested-sandbox: root CMD cannot truncate it either" \
	run --nested-sandbox -- $FSP truncate "$B/etc/conf"
r ok "--nested-sandbox: root CMD writes its workspace" run --nested-sandbox -- $FSP write "$B/ws/n"
r ok "--nested-sandbox: and --rw PATH" run --nested-sandbox --rw "$B/extra" -- $FSP write "$B/extra/n"
r ok "--nested-sandbox: and its private /tmp" run --nested-sandbox -- $FSP write /tmp/n
r ENOENT "--nested-sandbox: the user's ~/.ssh key stays hidden" \
	run --nested-sandbox -- $FSP read "$UHOME/.ssh/id_ed25519"
r EPERM "--nested-sandbox: the abstract socket outside stays out of reach (scope kept)" \
	run --nested-sandbox -- $FSP connect "@jail-ai-t37-$$"
u EROFS "--nested-sandbox, user CMD: the /etc stand-in is read-only" \
	"cd $B/ws && $INST run --nested-sandbox -- $FSP write $B/etc/conf"
out=$(cd "$B/ws" && "$JAIL_AI" run --nested-sandbox -- true 2>&1)
[[ "$out" == *"--nested-sandbox: files read-only and hidden by mounts alone"* ]]
ok $? "--nested-sandbox is said at start" || diag "$out"

# ---- --exec-only ----
r ok "control: CMD execs a program from /var/tmp" run -- sh -c "$FSP read /etc/passwd"
out=$(cd "$B/ws" && "$JAIL_AI" run --exec-only /usr -- sh -c "$FSP read /etc/passwd; echo st=\$?" 2>&1)
[[ "$out" == *"Permission denied"* ]] && [ "$(echo "$out" | tail -n 1)" = st=126 ]
ok $? "--exec-only /usr: CMD cannot exec a program outside /usr" || diag "$out"
cp "$FSP" "$B/ws/prog"
out=$(cd "$B/ws" && "$JAIL_AI" run --exec-only /usr -- sh -c "./prog read /etc/passwd; echo st=\$?" 2>&1)
[ "$(echo "$out" | tail -n 1)" = st=126 ]
ok $? "--exec-only /usr: nor one it finds in its workspace" || diag "$out"
out=$(cd "$B/ws" && "$JAIL_AI" run --exec-only /usr -- /usr/bin/true 2>&1; echo st=$?)
[ "$(echo "$out" | tail -n 1)" = st=0 ]
ok $? "--exec-only /usr: /usr/bin/true runs" || diag "$out"
out=$(cd "$B/ws" && "$JAIL_AI" run --exec-only /usr --nested-sandbox -- true 2>&1; echo st=$?)
[ "$(echo "$out" | tail -n 1)" = st=125 ] && [[ "$out" == *"--exec-only needs a Landlock"* ]]
ok $? "--exec-only with --nested-sandbox is refused (no Landlock file domain to hold it)" ||
	diag "$out"

# ---- missing protections ----
out=$(cd "$B/ws" && $FSP deny 444 38 "$JAIL_AI" run -- $FSP write "$B/ws/nolandlock" 2>&1)
st=$?
[ "$st" = 125 ] && [[ "$out" == *Landlock*"--fs host"* ]] && [ ! -e "$B/ws/nolandlock" ]
ok $? "no Landlock (ENOSYS): run refuses, names it and --fs host; CMD did not run" ||
	diag "exit $st: $out"
out=$(cd "$B/ws" && $FSP deny 444 38 "$JAIL_AI" run --fs host -- $FSP write "$B/ws/host" 2>&1)
[ "$(echo "$out" | tail -n 1)" = ok ] && [[ "$out" == *"--fs host"*secret* ]]
ok $? "no Landlock: --fs host runs CMD, said loudly" || diag "$out"
out=$(cd "$B/ws" && $FSP deny 446 1 "$JAIL_AI" run -- $FSP write "$B/ws/norestrict" 2>&1)
st=$?
[ "$st" = 125 ] && [[ "$out" == *"Landlock domain for CMD"*"--fs host"* ]] && [ ! -e "$B/ws/norestrict" ]
ok $? "landlock_restrict_self fails (EPERM): CMD does not run, the message names it and --fs host" ||
	diag "exit $st: $out"
out=$(cd "$B/ws" && $FSP deny 428 1 "$JAIL_AI" run -- $FSP write "$B/ws/nomount" 2>&1)
st=$?
[ "$st" = 125 ] && [[ "$out" == *"file rules: mount"*"--fs host"* ]] && [ ! -e "$B/ws/nomount" ]
ok $? "open_tree fails (EPERM): CMD does not run, the message names the mount and --fs host" ||
	diag "exit $st: $out"
out=$(cd "$B/ws" && $FSP deny 444 38 "$JAIL_AI" run --nested-sandbox -- $FSP write "$B/etc/conf" 2>&1)
[ "$(echo "$out" | tail -n 1)" = EROFS ] && [[ "$out" == *"no Landlock scopes"*"no Landlock)"* ]]
ok $? "no Landlock: --nested-sandbox still makes files read-only, and says the scopes are missing" ||
	diag "$out"
FAULT=$PWD/jail-ai-fault
if [ -x "$FAULT" ]; then
	out=$(cd "$B/ws" && JAIL_AI_FAULT=landlock-abi=2 "$FAULT" run -- true 2>&1)
	st=$?
	[ "$st" = 125 ] && [[ "$out" == *"ABI 2"*TRUNCATE*"--fs host"* ]]
	ok $? "Landlock ABI 2 (Debian 12's 6.1): run refuses, names TRUNCATE and --fs host" ||
		diag "exit $st: $out"
	out=$(cd "$B/ws" && JAIL_AI_FAULT=landlock-abi=5 "$FAULT" run -- \
		$FSP connect "@jail-ai-t37-$$" 2>&1)
	[ "$(echo "$out" | tail -n 1)" = ok ] && [[ "$out" == *"no Landlock scopes"*"this kernel: ABI 5"* ]]
	ok $? "Landlock ABI 5: no scopes, said at start (and the abstract socket is reachable)" ||
		diag "$out"
else
	ok 1 "./jail-ai-fault is missing: run 'make jail-ai-fault'"
fi
out=$("$JAIL_AI" check 2>&1)
[[ "$out" == *"Landlock"*"ABI"* ]]
ok $? "jail-ai check reports the Landlock ABI" || diag "$out"

# ---- --dry-run ----
out=$(cd "$B/ws" && "$JAIL_AI" run --dry-run --hide "$B/secret" --rw "$B/extra" -- true 2>&1)
[[ "$out" == *"write	$B/ws	workspace"* ]] && [[ "$out" == *"write	$B/extra	--rw"* ]] &&
	[[ "$out" == *"hide	$B/secret	--hide"* ]] && [[ "$out" == *"hide	$UHOME/.ssh	secret"* ]]
ok $? "run --dry-run lists the workspace, --rw, --hide and the default secrets" || diag "$out"

done_testing
