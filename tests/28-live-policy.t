#!/bin/bash
# tests/28-live-policy.t - `run --name NAME --block-host` and `jail-ai policy NAME`: live rules
# applied to a running jail (control.c), and the jailed CMD never reaching that control.
#
# Root and a normal user (a login shell by runuser -l, in a cgroup delegated to it).  The jail
# runs in the host namespace made here (lib.sh); its destination is a listener in the peer
# namespace (10.77.0.2).  CMD is a stepper: each step the test writes is run inside the running
# jail, so that one jail sees the policy before and after each live change.  Controls: each
# attempt on the control socket that is refused from inside works from outside.
. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
CP=$PWD/tests/ctl_probe
[ -x ./jail-ai-fault ] || bail "./jail-ai-fault is missing: run 'make jail-ai-fault'"
[ -x "$CP" ] || bail "tests/ctl_probe is missing: run 'make tests/ctl_probe'"
command -v runuser >/dev/null && command -v setcap >/dev/null || skip_all "needs runuser and setcap"
netns_setup
install_as_user jail-ai-tty
PORT=7401
serve "$NS_P" peer 10.77.0.2 $PORT

D=$CG2/jail-ai-t28l-$$
t28l_cleanup() {
	local st=$?
	touch "$UD"/*/end 2>/dev/null
	remove_cgroup_tree "$D"
	(exit "$st")
	cleanup
}
trap t28l_cleanup EXIT
mkdir "$D" && chown "$TUID:$TGID" "$D" "$D/cgroup.procs" "$D/cgroup.threads" \
	"$D/cgroup.subtree_control" || bail "cannot delegate $D to $TUSER"
cat >"$UD/stepper" <<'EOF'
#!/bin/sh
# stepper DIR: runs each DIR/go.N as it appears (output in out.N, then done.N); stops at DIR/end.
d=$1 n=1
while :; do
	while [ ! -e "$d/go.$n" ]; do [ -e "$d/end" ] && exit 0; sleep 0.02; done
	sh "$d/go.$n" >"$d/out.$n" 2>&1
	touch "$d/done.$n"
	n=$((n + 1))
done
EOF
chmod 755 "$UD/stepper"
ROOT_JA=$(readlink -f "$JAIL_AI")

# as WHO CMD: CMD in sh, as root or as the user (login shell, in $D), in the host namespace.
as() {
	if [ "$1" = root ]; then
		timeout -k 2 60 nsenter --net="/run/netns/$NS_H" -- sh -c "$2"
	else
		timeout -k 2 60 nsenter --net="/run/netns/$NS_H" -- sh -c \
			'echo $$ >"$1/cgroup.procs" && exec runuser -l "$2" -c "$3"' sh "$D" "$TUSER" "$2"
	fi
}
# start WHO NAME OPTS: a stepper jail named NAME in the background (its dir $UD/NAME), once
# `policy NAME --show` answers.
start() {
	local who=$1 name=$2 i
	mkdir -m 777 "$UD/$name" || bail "mkdir $UD/$name"
	as "$who" "$JA run --name $name $3 -- $UD/stepper $UD/$name" >"$UD/$name/log" 2>&1 &
	JPID=$!
	for i in $(seq 100); do
		as "$who" "$JA policy $name --show" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	bail "jail $name did not start: $(cat "$UD/$name/log")"
}
# stop NAME: the stepper ends, and the jail with it; ST: its exit status.
stop() {
	touch "$UD/$1/end"
	wait "$JPID"
	ST=$?
}
# inside NAME CMD: CMD run by NAME's stepper, inside the jail; prints its output.
inside() {
	local n i
	n=$(($(cat "$UD/$1/n" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$UD/$1/n"
	printf '%s\n' "$2" >"$UD/$1/tmp.$n" && mv "$UD/$1/tmp.$n" "$UD/$1/go.$n"
	for i in $(seq 200); do [ -e "$UD/$1/done.$n" ] && break; sleep 0.05; done
	cat "$UD/$1/out.$n" 2>/dev/null
}
pol() { local who=$1; shift; as "$who" "$JA policy $*"; }
connect() { inside "$1" "$PROBE tcp 10.77.0.2 ${2:-$PORT} | tail -n 1"; }
# parent_of NAME: the pid of NAME's jail-ai (its relay and init are forks of it, below it).
parent_of() {
	local p pp
	for p in $(pgrep -f -- "run --name $1 "); do
		pp=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ "$(readlink "/proc/$p/exe")" = "$JA_REAL" ] &&
			[ "$(readlink "/proc/$pp/exe")" != "$JA_REAL" ] && echo "$p"
	done | head -n 1
}
cg_path() {	# the jail's cgroup: its stepper's
	local p
	p=$(pgrep -f -- "^/bin/sh $UD/stepper $UD/$1\$" | head -n 1)
	echo "$CG2$(sed -n 's/^0:://p' "/proc/$p/cgroup")"
}

pass() {
	local who=$1 out n st i pp sock cg
	if [ "$who" = root ]; then
		JA=$ROOT_JA STATE=/run/jail-ai
	else
		JA=$INST STATE=$(getent passwd "$TUSER" | cut -d: -f6)/.cache/jail-ai
	fi
	JA_REAL=$(readlink -f "$JA")

	# ---- refusals at start ----
	out=$(as "$who" "$JA run --name x$who -- true" 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'need --block-host' <<<"$out"
	ok $? "$who: run --name without --block-host is refused (125, says why)" || diag "exit $st: $out"
	out=$(as "$who" "$JA run --name x$who --block-host --unsafe-keep-privileges -- true" 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'could reach the control socket' <<<"$out"
	ok $? "$who: --name with --unsafe-keep-privileges is refused" || diag "exit $st: $out"
	out=$(as "$who" "$JA run --name -bad --block-host -- true" 2>&1)
	[ $? = 125 ] && grep -q 'needs a jail name' <<<"$out"
	ok $? "$who: an invalid NAME is refused" || diag "$out"
	out=$(pol "$who" nosuch$who --show 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'no live jail named' <<<"$out"
	ok $? "$who: policy for an unknown NAME: 125, says so" || diag "exit $st: $out"

	# ---- --deny stops the next connect, --remove restores it ----
	# A jail started while the control directory does not exist yet must not see the one
	# a later named jail makes (run makes it before hiding it).
	as "$who" "rm -rf $STATE/ctl"
	rm -f "$UD/flag.$who"
	as "$who" "$JA run --block-host --fs host -- sh -c 'while [ ! -e $UD/flag.$who ]; do sleep 0.1; done; ls -A $STATE/ctl 2>&1 | wc -l'" \
		>"$UD/early.$who" 2>&1 &
	early=$!
	sleep 0.5
	start "$who" d$who "--block-host --fs host"
	touch "$UD/flag.$who"
	wait $early
	[ "$(tail -n 1 "$UD/early.$who")" = 0 ] && [ "$(ls -A "$STATE/ctl" | wc -l)" -ge 1 ]
	ok $? "$who: a jail started before the control directory existed sees it empty once a named jail made its socket there" ||
		diag "inside: $(cat "$UD/early.$who")" "outside: $(ls -A "$STATE/ctl")"
	out=$(connect d$who)
	[ "$out" = ok ]
	ok $? "$who: control: the peer is reachable from the jail before the live --deny" || diag "$out"
	out=$(pol "$who" d$who --deny 10.77.0.2 2>&1)
	ok $? "$who: policy --deny 10.77.0.2 is applied" || diag "$out"
	out=$(connect d$who)
	[ "$out" = EPERM ]
	ok $? "$who: the next connect from the same running CMD is EPERM" || diag "$out"
	out=$(pol "$who" d$who --show)
	grep -q '^deny  10.77.0.2/32 .*# live --deny$' <<<"$out" &&
		grep -q '^deny  127.0.0.0/8 .*# fixed range (loopback)$' <<<"$out" &&
		grep -q '^deny  10.77.0.1/32 .*# host address (fib_trie)$' <<<"$out"
	ok $? "$who: --show lists it as a live --deny, a fixed range and a host address with their sources" ||
		diag "$out"
	out=$(pol "$who" d$who --deny 10.77.0.2 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'has this rule already' <<<"$out"
	ok $? "$who: the same --deny again: 125, already there" || diag "exit $st: $out"
	out=$(pol "$who" d$who --remove 10.77.0.2 2>&1)
	ok $? "$who: policy --remove 10.77.0.2" || diag "$out"
	out=$(connect d$who)
	[ "$out" = ok ]
	ok $? "$who: after --remove the connect works again" || diag "$out"
	out=$(pol "$who" d$who --remove 10.77.0.2 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'no --allow or --deny rule of this jail is 10.77.0.2' <<<"$out"
	ok $? "$who: --remove of a rule not there: 125, says so" || diag "exit $st: $out"
	out=$(pol "$who" d$who --allow 10.79.0.0/16 && pol "$who" d$who --deny 10.79.0.0/16 &&
		pol "$who" d$who --remove 10.79.0.0/16 && pol "$who" d$who --show | grep -c '10\.79\.')
	[ "$(tail -n 2 <<<"$out")" = $'removed 10.79.0.0/16 (2 rules)\n0' ]
	ok $? "$who: --remove of a port-less RULE that is both an --allow and a --deny removes both" ||
		diag "$out"
	for k in magic version op nul show allow-empty flags badflag events-rule short; do
		out=$(as "$who" "$CP bad $STATE/ctl/d$who/sock $k")
		[ "$out" = "reply -71" ] || break
	done
	[ "$out" = "reply -71" ] && [ "$(connect d$who)" = ok ] && pol "$who" d$who --show >/dev/null
	ok $? "$who: damaged requests (magic, version, op, no NUL, --show with a rule, --allow without, FOLLOW on --show, an unknown flag, events with a rule, short): EPROTO each, the jail unchanged" ||
		diag "$k: $out"
	# A client that trickles its request (a byte every 200 ms: 27 s in all) is dropped after
	# 1 s, and a policy call meanwhile is served, not held behind it.
	as "$who" "$CP bad $STATE/ctl/d$who/sock trickle" >"$UD/trickle.$who" 2>&1 &
	tr=$!
	sleep 0.3
	t0=$SECONDS
	pol "$who" d$who --show >/dev/null
	st=$?
	wait $tr
	[ $st = 0 ] && [ $((SECONDS - t0)) -le 5 ] && grep -qx 'reply -71\|closed' "$UD/trickle.$who"
	ok $? "$who: a trickling client is dropped (its request has 1 s in all) and --show meanwhile is served" ||
		diag "exit $st after $((SECONDS - t0)) s" "$(cat "$UD/trickle.$who")"
	out=$(pol "$who" d$who --deny 10.77.0.2/8 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'not ADDR or ADDR/LEN' <<<"$out"
	ok $? "$who: a bad RULE (host bits set): 125, says so" || diag "exit $st: $out"
	out=$(pol "$who" d$who --allow 0.0.0.0/0 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'opens a whole fixed range' <<<"$out" &&
		[ "$(inside d$who "$PROBE tcp 127.0.0.1 9 | tail -n 1")" = EPERM ]
	ok $? "$who: --allow 0.0.0.0/0 is refused as on the command line (without --force): 125, the host stays denied" ||
		diag "exit $st: $out"
	out=$(as "$who" "$JA run --name d$who --block-host -- true" 2>&1)
	st=$?
	[ $st = 125 ] && grep -q 'running already' <<<"$out"
	ok $? "$who: a second run --name with the live jail's name is refused" || diag "exit $st: $out"

	# ---- concurrent updates: none lost ----
	: >"$UD/conc.err"
	chmod 666 "$UD/conc.err"
	as "$who" "for i in \$(seq 40); do $JA policy d$who --deny 10.78.\$i.0/24 >/dev/null 2>>$UD/conc.err & done; wait"
	n=$(pol "$who" d$who --show | grep -c '^deny  10\.78\..*# live --deny$')
	[ "$n" = 40 ] && [ ! -s "$UD/conc.err" ]
	ok $? "$who: 40 concurrent policy --deny: all 40 in the maps" || diag "got $n" "$(cat "$UD/conc.err")"
	as "$who" "for i in \$(seq 40); do $JA policy d$who --remove 10.78.\$i.0/24 >/dev/null 2>>$UD/conc.err & done; wait"
	n=$(pol "$who" d$who --show | grep -c '^deny  10\.78\.')
	[ "$n" = 0 ] && [ ! -s "$UD/conc.err" ]
	ok $? "$who: 40 concurrent --remove: none left" || diag "got $n" "$(cat "$UD/conc.err")"

	# ---- CMD cannot reach the control socket ----
	sock=$STATE/ctl/d$who/sock
	out=$(inside d$who "[ -e $sock ] && echo visible || echo hidden; ls -A $STATE/ctl | wc -l")
	[ "$out" = $'hidden\n0' ] && as "$who" "[ -S $sock ]"
	ok $? "$who: --fs host: the control directory is empty in CMD's view (outside, the socket is there)" ||
		diag "$out"
	out=$(as "$who" "$JA run --fs host -- sh -c 'ls -A $STATE/ctl | wc -l'" 2>/dev/null)
	[ "$out" = 0 ] && [ "$(ls -A "$STATE/ctl" | wc -l)" -ge 1 ]
	ok $? "$who: another run jail (no --name, no --block-host, --fs host) sees the control directory empty too (outside: not)" ||
		diag "$out"
	# (a root CMD can list init's fds; a user's init is not readable to it at all)
	out=$(inside d$who "for f in /proc/[0-9]*/fd/*; do readlink \$f; done 2>/dev/null | grep -c 'jail-ai/ctl\|^socket:'; ls /proc/1/fd 2>/dev/null | wc -l")
	[ "$(head -n 1 <<<"$out")" = 0 ] && { [ "$who" != root ] || [ "$(tail -n 1 <<<"$out")" -gt 0 ]; }
	ok $? "$who: no process in the jail (its init and relay included) holds an fd of the control directory or a socket" ||
		diag "$out"
	rm -f "$UD/pass.sock" "$UD/give.log"
	as "$who" "$CP give $UD/pass.sock $STATE/ctl" >"$UD/give.log" 2>&1 &
	for i in $(seq 50); do grep -q ready "$UD/give.log" && break; sleep 0.05; done
	out=$(as "$who" "$CP take $UD/pass.sock d$who")
	[ "$out" = "reply 0" ]
	ok $? "$who: control: an fd of the control directory, passed to a process outside, reaches the socket" ||
		diag "$out"
	out=$(inside d$who "$CP take $UD/pass.sock d$who")
	[ "$out" = "reply -1" ]
	ok $? "$who: the same fd passed into the jail: CMD's connect is refused (EPERM)" || diag "$out"
	out=$(as "$who" "$JA run --fs host -- $CP take $UD/pass.sock d$who" 2>/dev/null)
	[ "$out" = "reply -1" ]
	ok $? "$who: the fd passed into another run jail (outside d$who's cgroup, its own PID namespace): refused" ||
		diag "$out"
	kill %?give 2>/dev/null
	cg=$(cg_path d$who)
	out=$(as "$who" "$CP ask $sock")
	[ "$out" = "reply 0" ]
	ok $? "$who: control: a process outside asks by path and is served" || diag "$out"
	if [ "$who" = root ]; then
		out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" ask "$3"' sh "$cg" "$CP" "$sock" 2>&1)
	else
		out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -u "$2" -- "$3" ask "$4"' sh \
			"$cg" "$TUSER" "$CP" "$sock" 2>&1)
	fi
	[ "$out" = "reply -1" ]
	ok $? "$who: a process moved into the jail's cgroup (host PID namespace) is refused" || diag "$out ($cg)"
	pp=$(parent_of d$who)
	if [ "$who" != root ]; then
		out=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec runuser -u "$2" -- sh -c "$3"' sh "$cg" "$TUSER" \
			"ls /proc/$pp/fd >/dev/null 2>&1 && echo fd; readlink /proc/$pp/root >/dev/null 2>&1 && echo root; echo end")
		[ -n "$pp" ] && [ "$out" = end ]
		ok $? "$who: and it can open neither /proc/PPID/fd nor /proc/PPID/root of the non-dumpable parent" ||
			diag "pid '$pp': $out"
		out=$(as "$who" 'sleep 3 & ls /proc/$!/fd >/dev/null && readlink /proc/$!/root >/dev/null && echo both; kill $!')
		[ "$out" = both ]
		ok $? "$who: control: a dumpable process of the same user shows both" || diag "$out"
	fi
	# no abstract socket: every unix socket the parent holds is a pathname one (or unnamed)
	abstract_of() {
		local p=$1 f ino
		for f in /proc/"$p"/fd/*; do
			ino=$(readlink "$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
			[ -n "$ino" ] && awk -v i="$ino" '$7 == i { print $8 }' "/proc/$p/net/unix"
		done
	}
	out=$(abstract_of "$pp")
	! grep -q '^@' <<<"$out" && grep -q '/sock$' <<<"$out"
	ok $? "$who: the parent's unix sockets: the control one is a pathname socket, none abstract" ||
		diag "pid '$pp':" "$out"
	rm -f "$UD/abs.log"
	in_host "$CP" abstract "jail-ai-t28l-$$" 5 >"$UD/abs.log" &
	for i in $(seq 50); do grep -q ready "$UD/abs.log" 2>/dev/null && break; sleep 0.05; done
	out=$(abstract_of "$(pgrep -f "ctl_probe abstract jail-ai-t28l-$$" | head -n 1)")
	grep -q "^@jail-ai-t28l-$$" <<<"$out"
	ok $? "$who: control: the same scan finds an abstract socket where there is one" || diag "$out"
	stop d$who
	[ "$ST" = 0 ] && [ ! -e "$STATE/ctl/d$who" ]
	ok $? "$who: the jail ended: exit 0, its socket and directory are gone" ||
		diag "exit $ST" "$(ls -la "$STATE/ctl" 2>&1)" "$(cat "$UD/d$who/log")"

	# ---- --allow opens a --deny-all jail's destination; a full table ----
	start "$who" a$who "--deny-all --no-dns --fs host"
	out=$(connect a$who)
	[ "$out" = EPERM ]
	ok $? "$who: control: --deny-all refuses the peer" || diag "$out"
	out=$(pol "$who" a$who --allow 10.77.0.2:$PORT 2>&1)
	ok $? "$who: policy --allow 10.77.0.2:$PORT" || diag "$out"
	out=$(connect a$who)
	[ "$out" = ok ]
	ok $? "$who: the running jail now reaches it" || diag "$out"
	out=$(connect a$who $((PORT + 1)))
	[ "$out" = EPERM ]
	ok $? "$who: and only on that port (another: EPERM)" || diag "$out"
	out=$(pol "$who" a$who --show)
	grep -q "^deny  10.77.0.2/32 .* except ports $PORT  # live --allow 10.77.0.2:$PORT\$" <<<"$out" &&
		grep -q '^deny  0.0.0.0/0 .*# --deny-all$' <<<"$out"
	ok $? "$who: --show: the port it lets through and the sources (live --allow, --deny-all)" || diag "$out"
	out=$(as "$who" "n=0; for i in \$(seq 70); do $JA policy a$who --allow 10.91.0.\$i >/dev/null 2>$UD/full.$who.err || break; n=\$i; done; echo \$n; cat $UD/full.$who.err")
	[ "$(head -n 1 <<<"$out")" = 63 ] && grep -q 'table is full' <<<"$out"
	ok $? "$who: the 64-entry --allow table fills up (63 after the one above): the next --allow is refused and says so" ||
		diag "$out"
	out=$(as "$who" "n=0; for i in \$(seq 70); do $JA policy a$who --deny 10.92.0.\$i >/dev/null 2>$UD/full.$who.err || break; n=\$i; done; echo \$n; cat $UD/full.$who.err")
	[ "$(head -n 1 <<<"$out")" = 64 ] && grep -q 'the table is full (64 live --deny' <<<"$out"
	ok $? "$who: 64 live --deny rules at most: the next is refused and says so" || diag "$out"
	stop a$who

	# ---- hidden in every --fs mode ----
	for mode in "" "--nested-sandbox" "--fs host"; do
		sock=$STATE/ctl/h$who/sock
		rm -f "$UD/hide.out"
		as "$who" "$JA run --name h$who --block-host $mode -- sh -c '[ -e $sock ] && echo visible || echo hidden; ls -A $STATE/ctl 2>/dev/null | wc -l; sleep 2'" \
			>"$UD/hide.out" 2>"$UD/hide.err" &
		for i in $(seq 100); do [ -s "$UD/hide.out" ] && break; sleep 0.05; done
		as "$who" "[ -S $sock ]"
		st=$?
		wait $!
		[ $st = 0 ] && [ "$(sed -n 1p "$UD/hide.out")" = hidden ] &&
			[ "$(sed -n 2p "$UD/hide.out")" = 0 ]
		ok $? "$who: ${mode:-default file rules}: CMD sees no control socket, nothing in its directory (outside: there)" ||
			diag "outside: $st" "$(cat "$UD/hide.out" "$UD/hide.err")"
	done

	# ---- removed when CMD is killed or crashes ----
	n=$([ "$who" = root ] && echo "31.$$"0 || echo "31.$$"1)	# unique: no other test's sleep
	as "$who" "$JA run --name k$who --block-host -- sleep $n" >/dev/null 2>&1 &
	for i in $(seq 100); do pgrep -x -f "sleep $n" >/dev/null && break; sleep 0.05; done
	kill -KILL "$(pgrep -x -f "sleep $n" | head -n 1)"
	wait $!
	st=$?
	[ $st = 137 ] && [ ! -e "$STATE/ctl/k$who" ]
	ok $? "$who: CMD killed (SIGKILL): exit 137, the socket and directory are gone" ||
		diag "exit $st" "$(ls -la "$STATE/ctl")"
	# jail-ai itself killed: the socket stays, answers nothing, and the name is free again
	as "$who" "$JA run --name s$who --block-host -- sleep $n" >/dev/null 2>&1 &
	for i in $(seq 100); do [ -S "$STATE/ctl/s$who/sock" ] && [ -n "$(parent_of s$who)" ] && break; sleep 0.05; done
	kill -KILL "$(parent_of s$who)"
	wait $!
	out=$(pol "$who" s$who --show 2>&1)
	st=$?
	[ -S "$STATE/ctl/s$who/sock" ] && [ $st = 125 ] && grep -q 'no live jail named' <<<"$out" &&
		! pgrep -x -f "sleep $n" >/dev/null
	ok $? "$who: jail-ai SIGKILLed: CMD is gone, its stale socket answers nothing (policy: no live jail)" ||
		diag "exit $st: $out"
	out=$(as "$who" "$JA run --name s$who --block-host -- true" 2>&1)
	st=$?
	[ $st = 0 ] && [ ! -e "$STATE/ctl/s$who" ]
	ok $? "$who: and the next run --name with that name takes it over, then removes it" ||
		diag "exit $st: $out"
	if [ "$who" = root ]; then
		# the fallback before 6.5 (SO_PEERCRED's pid, then pidfd_open), forced by jail-ai-fault
		JAIL_AI_FAULT=nopeerpidfd timeout 20 nsenter --net="/run/netns/$NS_H" -- "$PWD/jail-ai-fault" \
			run --name proot --block-host -- sleep "7.$$" >/dev/null 2>&1 &
		for i in $(seq 100); do pgrep -x -f "sleep 7.$$" >/dev/null && [ -S "$STATE/ctl/proot/sock" ] && break; sleep 0.05; done
		cg=$CG2$(sed -n 's/^0:://p' "/proc/$(pgrep -n -x -f "sleep 7.$$")/cgroup")
		out=$("$CP" ask "$STATE/ctl/proot/sock")
		out2=$(sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" ask "$3"' sh "$cg" "$CP" "$STATE/ctl/proot/sock" 2>&1)
		[ "$out" = "reply 0" ] && [ "$out2" = "reply -1" ]
		ok $? "root: without SO_PEERPIDFD (jail-ai-fault nopeerpidfd): outside served, moved into the jail's cgroup refused" ||
			diag "outside: $out" "inside: $out2 ($cg)"
		kill -KILL "$(pgrep -n -x -f "sleep 7.$$")" 2>/dev/null
		wait $!
		out=$(JAIL_AI_FAULT=child timeout 20 nsenter --net="/run/netns/$NS_H" -- "$PWD/jail-ai-fault" \
			run --name froot --block-host -- true 2>&1)
		st=$?
		[ $st = 125 ] && grep -q 'nothing was started' <<<"$out" && [ ! -e "$STATE/ctl/froot" ]
		ok $? "root: an attach that fails after the socket was made (jail-ai-fault child): 125, socket and directory gone" ||
			diag "exit $st: $out" "$(ls -la "$STATE/ctl")"
	fi
	as "$who" "$JA run --name c$who --block-host -- sh -c 'kill -SEGV \$\$'" >/dev/null 2>&1
	st=$?
	[ $st = 139 ] && [ ! -e "$STATE/ctl/c$who" ]
	ok $? "$who: CMD crashed (SIGSEGV): exit 139, the socket and directory are gone" ||
		diag "exit $st" "$(ls -la "$STATE/ctl")"
}

pass root
[ -n "$ONLY_ROOT" ] || pass user
done_testing
