#!/bin/bash
# tests/27-terminal.t - CMD cannot type into the terminal that started the jail.
# A CMD sharing the caller's terminal pushes a line into its input queue (TIOCSTI),
# on fd 0, through /dev/tty with fds 0-2 all pipes, or by opening the caller's
# /dev/pts/N by path; the caller's shell runs that line outside the jail.  With the
# jail, CMD gets a pty of a devpts instance of its own (a relay copies both ways), so
# the line reaches only the jail's pty, and the host's ptys are not there to open.
# Each attack runs on a real pty (tmux), as root and as a normal user with the
# installed setcap binary from a login shell; the control, the same attack without
# the jail, makes the caller's shell run the line (so the test can fail).
#
# Interactive checks in the same panes: a raw-mode program gets single keys, Ctrl-C
# reaches CMD's foreground program, a resize reaches CMD, Ctrl-Z suspends the jail
# in the caller's shell and `fg` resumes it, a jail started with & leaves the
# keyboard to the shell until `fg`, a shell as CMD does its own job control, the
# exit status passes through and the terminal mode is restored.
#
# Makes (and removes): tmux servers on sockets in $TMP, the user jail-ai-tty if
# missing (it stays), <cgroup2>/jail-ai-t27-$$ delegated to it, an install in $TMP.

. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
require_binaries
for t in tmux runuser useradd setcap make; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
TTYP=$PWD/tests/tty_probe
[ -x "$TTYP" ] || bail "tests/tty_probe is missing: run 'make tests/tty_probe'"
[ "$(sysctl -n dev.tty.legacy_tiocsti 2>/dev/null || echo 1)" = 1 ] ||
	skip_all "dev.tty.legacy_tiocsti=0: TIOCSTI is refused by the kernel, no control possible"

install_as_user jail-ai-tty	# the installed binary, as a user gets it
cp "$TTYP" "$TMP/tty_probe" && chmod 755 "$TMP/tty_probe" || bail "cp tty_probe"
TTYP=$TMP/tty_probe

D=$CG2/jail-ai-t27-$$
t27_cleanup() {
	local st=$? s
	for s in "$UD"/tmux-*.sock; do
		[ -S "$s" ] && tmux -S "$s" kill-server 2>/dev/null
	done
	remove_cgroup_tree "$D"
	(exit "$st")
	cleanup
}
trap t27_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"

# ---- tmux: one server per caller, one window per check ----
# tm_start WHO: a tmux server for root or the user; panes run bash without rc files.
tm_start() {
	local sock=$UD/tmux-$1.sock sh="env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=$UD TERM=xterm PS1='\$ ' bash --norc --noprofile"
	if [ "$1" = root ]; then
		tmux -S "$sock" new-session -d -s main -x 100 -y 30 "$sh"
	else
		# A login shell of the user, in a cgroup it owns.
		sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -l "$2" -c "$3"' sh \
			"$D" "$TUSER" "tmux -S $sock new-session -d -s main -x 100 -y 30 \"$sh\"" &&
			chmod 777 "$sock" 2>/dev/null
	fi
}
# tm WHO ARGS...: tmux on WHO's server.
tm() { local w=$1; shift; tmux -S "$UD/tmux-$w.sock" "$@"; }
WIN=0
# tm_new WHO: a fresh window; sets W to its target.
tm_new() {
	WIN=$((WIN + 1))
	tm "$1" new-window -d -t "main:$WIN" -n "w$WIN" \
		"env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin HOME=$UD TERM=xterm PS1='\$ ' bash --norc --noprofile" ||
		bail "tmux new-window failed"
	W=main:$WIN
	sleep 0.2
}
# type WHO TEXT: TEXT typed into window W, then Enter.
type_line() { tm "$1" send-keys -t "$W" -l "$2" && tm "$1" send-keys -t "$W" Enter; }
screen() { tm "$1" capture-pane -p -J -t "$W" -S -100; }
# wait_for FILE|TEXT: a file to exist (path starting with /) or TEXT on W's screen.
wait_screen() {
	local i
	for i in $(seq 100); do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
wait_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# attack WHO NAME WITH_JAIL CMDLINE: type "CMDLINE" (with {J} replaced by the jail
# prefix or nothing) in a fresh window; its exit status goes to st.NAME; the payload
# is "touch $UD/inj.NAME".  Sets INJ=1 if the caller's shell ran the payload.
attack() {
	local who=$1 name=$2 j=$3 line=$4 pre=
	[ "$j" = jail ] && pre="$INST run --rw $TMP -- "
	line=${line//\{J\}/$pre}
	line=${line//\{P\}/touch $UD/inj.$name}
	tm_new "$who"
	type_line "$who" "$line; echo \$? >$UD/st.$name"
	wait_file "$UD/st.$name" || diag "no exit status for $name; screen:" "$(screen "$who")"
	# The shell reads what was pushed into its input after the command line ended.
	local i
	INJ=0
	for i in $(seq 20); do
		[ -e "$UD/inj.$name" ] && { INJ=1; break; }
		sleep 0.1
	done
}

# check_attack WHO NAME DESC LINE: the control injects; with the jail nothing is.
check_attack() {
	attack "$1" "c-$2" nojail "$4"
	ok "$([ "$INJ" = 1 ]; echo $?)" "$1: control without the jail: $3 makes the caller's shell run a command" ||
		diag "$(screen "$1")"
	attack "$1" "j-$2" jail "$4"
	ok "$([ "$INJ" = 0 ] && [ -s "$UD/st.j-$2" ]; echo $?)" "$1: in the jail: $3 runs nothing in the caller's shell" ||
		diag "$(screen "$1")"
}

for who in root "$TUSER"; do
	tm_start "$who" || bail "tmux for $who did not start"
	sleep 0.3
	check_attack "$who" sti0 "TIOCSTI on fd 0" '{J}'"$TTYP"' sti 0 "{P}"'
	check_attack "$who" devtty "TIOCSTI on /dev/tty with fds 0-2 pipes" \
		'echo | {J}'"$TTYP"' sti /dev/tty "{P}" 2>&1 | cat'
	check_attack "$who" path "TIOCSTI on the caller's /dev/pts/N opened by path" \
		'{J}'"$TTYP"' sti $(tty) "{P}"'
	# By path: what CMD opens at the caller's /dev/pts/N is not the caller's terminal.
	tm_new "$who"
	pts=$(tm "$who" display -p -t "$W" '#{pane_tty}')
	hostdev=$(stat -c %d "$pts")
	type_line "$who" "$TTYP stat $pts >$UD/stat.c.$who; $INST run --rw $TMP -- $TTYP stat $pts >$UD/stat.j.$who 2>&1; echo \$? >$UD/st.stat.$who"
	wait_file "$UD/st.stat.$who"
	c=$(cat "$UD/stat.c.$who") j=$(cat "$UD/stat.j.$who")
	[[ "$c" == "dev=$hostdev "* ]]
	ok $? "$who: control: the caller's $pts opens (read/write) outside the jail: $c"
	[[ "$j" == "open: No such file or directory" || ( "$j" == dev=* && "$j" != "dev=$hostdev "* ) ]]
	ok $? "$who: in the jail, $pts is not the caller's terminal (host devpts dev $hostdev): $j"
done

# ---- interactive: root's server, then the user's for the main ones ----
for who in root "$TUSER"; do
	# exit status and terminal mode
	tm_new "$who"
	type_line "$who" "stty -g >$UD/mode1.$who; $INST run --rw $TMP -- sh -c 'exit 7'; echo \$? >$UD/st.exit.$who; stty -g >$UD/mode2.$who"
	wait_file "$UD/mode2.$who"
	ok "$([ "$(cat "$UD/st.exit.$who")" = 7 ]; echo $?)" "$who: exit status 7 passes through the pty relay"
	cmp -s "$UD/mode1.$who" "$UD/mode2.$who"
	ok $? "$who: the terminal's mode is restored after the jail" ||
		diag "before: $(cat "$UD/mode1.$who")" "after: $(cat "$UD/mode2.$who")"

	# raw mode: single keys, no Enter
	tm_new "$who"
	type_line "$who" "$INST run --rw $TMP -- $TTYP raw >$UD/raw.$who; echo \$? >$UD/st.raw.$who"
	wait_screen "$who" RAWREADY || diag "$(screen "$who")"
	tm "$who" send-keys -t "$W" -l 'ab'
	sleep 0.2
	tm "$who" send-keys -t "$W" C-c
	tm "$who" send-keys -t "$W" -l 'q'
	wait_file "$UD/st.raw.$who"
	grep -q 'got 61 62 03 71' "$UD/raw.$who"
	ok $? "$who: a raw-mode program in the jail reads single keys, ^C as a byte" ||
		diag "$(cat "$UD/raw.$who")" "$(screen "$who")"

	# Ctrl-C reaches the foreground program
	tm_new "$who"
	type_line "$who" "$INST run --rw $TMP -- $TTYP sigint; echo st=\$?"
	wait_screen "$who" READY
	tm "$who" send-keys -t "$W" C-c
	wait_screen "$who" "st=42"
	ok $? "$who: Ctrl-C reaches CMD's foreground program (its handler ran, exit 42)" ||
		diag "$(screen "$who")"
	tm_new "$who"
	type_line "$who" "$INST run --rw $TMP -- sh -c 'echo SLEEP\"\"ING; sleep 100'; echo st=\$?"
	wait_screen "$who" SLEEPING
	tm "$who" send-keys -t "$W" C-c
	wait_screen "$who" "st=130"
	ok $? "$who: Ctrl-C ends a jailed sleep: status 130" || diag "$(screen "$who")"

	# a resize reaches CMD
	tm_new "$who"
	type_line "$who" "$INST run --rw $TMP -- sh -c 'stty size; echo RESIZE-NOW; read x; stty size; tput cols' >$UD/size.$who; echo \$? >$UD/st.size.$who"
	wait_file "$UD/size.$who"
	sleep 0.5
	tm "$who" resize-window -t "$W" -x 120 -y 40
	sleep 0.5
	tm "$who" send-keys -t "$W" Enter
	wait_file "$UD/st.size.$who"
	sz=$(tr '\n' ' ' <"$UD/size.$who")
	[[ "$sz" == *"RESIZE-NOW 40 120 120 "* ]]
	ok $? "$who: a window resize reaches CMD (stty size, tput cols): $sz"
done

# Ctrl-Z on a non-shell CMD suspends the jail like any job; fg resumes it.
who=root
tm_new "$who"
type_line "$who" "$INST run --rw $TMP -- sh -c 'echo Z\"\"ZZ; sleep 2; echo RES\"\"UMED; exit 3'"
wait_screen "$who" ZZZ
tm "$who" send-keys -t "$W" C-z
wait_screen "$who" Stopped
ok $? "Ctrl-Z on a non-shell CMD stops the jail as a job of the caller's shell" ||
	diag "$(screen "$who")"
type_line "$who" "jobs -l >$UD/jobs"
wait_file "$UD/jobs"
grep -q Stopped "$UD/jobs"
ok $? "the caller's shell lists it as stopped" || diag "$(cat "$UD/jobs")"
sleep 2.5
screen "$who" | grep -q RESUMED
ok "$([ $? != 0 ]; echo $?)" "while stopped, CMD does not run on" || diag "$(screen "$who")"
type_line "$who" "fg; echo fgst=\$?"
wait_screen "$who" "fgst=3" && screen "$who" | grep -q RESUMED
ok $? "fg resumes CMD; it finishes and its status (3) passes through" ||
	diag "$(screen "$who")"

# Started in the background, the jail leaves the terminal to the shell; fg gives
# it the keyboard.
tm_new "$who"
type_line "$who" "$INST run --rw $TMP -- $TTYP raw >$UD/bgraw &"
wait_file "$UD/bgraw"
type_line "$who" "echo SHELL-HAS-IT >$UD/bgshell"
wait_file "$UD/bgshell"
ok $? "a jail started with & leaves the keyboard to the caller's shell"
type_line "$who" "fg"
sleep 0.5
tm "$who" send-keys -t "$W" -l 'xq'
for i in $(seq 50); do grep -q 'got' "$UD/bgraw" && grep -q 71 "$UD/bgraw" && break; sleep 0.1; done
grep -q 'got 78 71' "$UD/bgraw"
ok $? "after fg the jailed raw-mode program gets the keys" ||
	diag "$(cat "$UD/bgraw")" "$(screen "$who")"

# A shell as CMD does its own job control.
tm_new "$who"
type_line "$who" "$INST run --rw $TMP -- env PS1='IN''> ' bash --norc --noprofile -i; echo st=\$?"
wait_screen "$who" "IN> "
type_line "$who" "sleep 100"
sleep 0.5
tm "$who" send-keys -t "$W" C-z
sleep 0.5
type_line "$who" 'jobs; echo INNER-PGRP-OK'
wait_screen "$who" INNER-PGRP-OK
screen "$who" | grep -q 'Stopped.*sleep 100'
ok $? "a shell as CMD: Ctrl-Z stops its own job (its job control works)" ||
	diag "$(screen "$who")"
# bash may still list the killed job as stopped right after `wait` (seen under ASan's load), and
# then refuses the first exit: wait until the job has left its table.
type_line "$who" 'kill -9 %1; while jobs %1 >/dev/null 2>&1; do sleep 0.1; done; echo JOB''-GONE'
wait_screen "$who" JOB-GONE
type_line "$who" 'exit 5'
wait_screen "$who" "st=5"
ok $? "a shell as CMD exits 5, passed through" || diag "$(screen "$who")"

done_testing
