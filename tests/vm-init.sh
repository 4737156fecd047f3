#!/bin/sh
# tests/vm-init.sh - /init of the initramfs scripts/vm-test boots (busybox sh, as PID 1 of
# a VM running Debian's 6.1 kernel).  Sets up a "host" (this namespace) and a "peer"
# namespace joined by veth, listeners, then runs `jail-ai run --block-host` cases and prints
# TAP between VM-TAP-BEGIN and VM-TAP-END on the console; powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
exec </dev/console >/dev/console 2>&1

N=0 FAILED=0
ok() {	# ok STATUS DESCRIPTION
	N=$((N + 1))
	if [ "$1" = 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi
	return "$1"
}
diag() { printf "%s\n" "$@" | sed "s/^/# /"; }
finish() {
	echo "1..$N"
	echo "VM-TAP-END"
	poweroff -f
	sleep 10
}
echo "VM-TAP-BEGIN"
diag "kernel $(cat /proc/sys/kernel/osrelease), LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null)"

# ---- the network: host (here) and peer, joined by veth ----
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
insmod /veth.ko
ok $? "insmod the kernel's own veth.ko" || finish
ip link set lo up
unshare -n sleep 100000 &
PEER=$!
sleep 0.2
ip link add vh type veth
# busybox names the peer end veth0
ip link set veth0 netns "$PEER" &&
	ip addr add 10.77.0.1/24 dev vh && ip -6 addr add fd77::1/64 dev vh && ip link set vh up &&
	nsenter -t "$PEER" -n sh -c 'ip link set lo up && ip addr add 10.77.0.2/24 dev veth0 &&
		ip -6 addr add fd77::2/64 dev veth0 && ip link set veth0 up'
ok $? "host and peer namespaces joined by veth" || finish
sleep 1

probe serve 0.0.0.0 7001 600 >/tmp/any4 2>&1 &
probe serve ::1 7004 600 >/tmp/lo6 2>&1 &
nsenter -t "$PEER" -n probe serve 10.77.0.2 7101 600 >/tmp/peer4 2>&1 &
sleep 0.5
arrivals() { cat "$@" | grep -c -e '^tcp' -e '^udp'; }

# case DESC WANT_STATUS WANT_LINE CMD...: one probe, its status and its last line.
case_() {
	d=$1 ws=$2 wl=$3
	shift 3
	out=$("$@" 2>/tmp/err)
	st=$?
	last=$(echo "$out" | tail -n 1)
	[ "$st" = "$ws" ] && [ "$last" = "$wl" ]
	ok $? "$d" || diag "wanted $ws $wl, got $st: $out" "$(grep -v "^$" /tmp/err | tail -n 12)"
}

v=$(jail-ai --version)
ok $? "jail-ai --version: $v"
jail-ai check >/tmp/check 2>&1
st=$?
sed 's/^/# check: /' /tmp/check
ok $st "jail-ai check: nothing run --block-host needs is missing"
grep -q '^note *TIOCSTI *no legacy_tiocsti switch' /tmp/check
ok $? "jail-ai check: this kernel has no legacy_tiocsti switch (6.1)"
grep -q '^note *Landlock *ABI 2: run.s file rules need ABI 3' /tmp/check &&
	grep -q '^note *Landlock scopes *missing' /tmp/check
ok $? "jail-ai check: Landlock ABI 2, too old for run's file rules, no scopes (6.1)"

# run's default file rules need Landlock ABI 3: refused, saying what to use instead.
out=$(jail-ai run -- sh -c 'echo ran' 2>&1)
st=$?
[ "$st" = 125 ] && case $out in *"ABI 2"*TRUNCATE*--nested-sandbox*"--fs host"*) true;; *) false;; esac &&
	! echo "$out" | grep -q '^ran$'
ok $? "run: the default file rules are refused on ABI 2, naming --nested-sandbox and --fs host" ||
	diag "exit $st: $out"
# --nested-sandbox: the same rules by mounts alone.
echo keep >/etc/jail-ai-vm
out=$(jail-ai run --nested-sandbox -- sh -c 'echo x >/etc/jail-ai-vm; echo x >/tmp/t && echo tmp-ok' 2>&1)
[ "$(cat /etc/jail-ai-vm)" = keep ] && echo "$out" | grep -q '^tmp-ok$'
ok $? "run --nested-sandbox: /etc is read-only, the private /tmp writable" || diag "$out"

n=$(arrivals /tmp/any4)
case_ "control: tcp 127.0.0.1 reaches the host listener" 0 ok probe tcp 127.0.0.1 7001
[ "$(arrivals /tmp/any4)" -gt "$n" ]
ok $? "control: the host listener logged it"

n=$(arrivals /tmp/any4 /tmp/lo6)
for dst in "tcp 127.0.0.1 7001" "udp 127.0.0.1 7001" "tcp 10.77.0.1 7001" \
	"sendto 10.77.0.1 7001" "tcp ::1 7004" "tcp ::ffff:127.0.0.1 7001" "tcp 0.0.0.0 7001"; do
	set -- $dst
	case_ "run --block-host: $1 $2 is EPERM" 1 EPERM jail-ai run --nested-sandbox --block-host -- probe "$@"
done
sleep 0.2
[ "$(arrivals /tmp/any4 /tmp/lo6)" = "$n" ]
ok $? "no host listener heard any of them"

n=$(arrivals /tmp/peer4)
case_ "run --block-host: tcp to the peer 10.77.0.2 works" 0 ok \
	jail-ai run --nested-sandbox --block-host -- probe tcp 10.77.0.2 7101
case_ "run --block-host: udp to the peer 10.77.0.2 works" 0 ok \
	jail-ai run --nested-sandbox --block-host -- probe udp 10.77.0.2 7101
case_ "run --block-host: a raw socket is refused" 1 EPERM \
	jail-ai run --nested-sandbox --block-host -- probe socket raw4
case_ "run --block-host, CMD as uid 1000: tcp 127.0.0.1 is EPERM" 1 EPERM \
	jail-ai run --nested-sandbox --block-host -- su -s /bin/sh jt -c 'probe tcp 127.0.0.1 7001'

# Denial events on this kernel: the programs (with their event code) loaded above; the
# parent reads the ring as root here.  pid from bpf_get_current_pid_tgid in connect4.
: >/tmp/ev
jail-ai run --nested-sandbox --block-host --events /tmp/ev -- probe tcp 127.0.0.1 7001 >/dev/null 2>&1
grep -q '"hook":"connect4".*"dst":"127.0.0.1","port":7001' /tmp/ev &&
	grep -q '"pid":[0-9]' /tmp/ev && grep -q '"summary":true.*"connect4":1,' /tmp/ev
ok $? "run --block-host --events: the connect4 denial is one line with its pid, and counted" ||
	diag "$(cat /tmp/ev)"
: >/tmp/ev
jail-ai run --unsafe-keep-privileges --block-host --events /tmp/ev -- probe socket raw4 >/dev/null 2>&1
grep -q '"hook":"sock_create".*"kind":"socket"' /tmp/ev
ok $? "run --block-host --events: a raw socket of a root CMD with CAP_NET_RAW is a sock_create line" ||
	diag "$(cat /tmp/ev)"

# --allow-domain on this kernel: all eleven programs load (recvmsg and getpeername too);
# a name not allowed is answered REFUSED by the forwarder through the redirect (sendmsg4
# rewrites to it, egress lets it through lo, recvmsg4 shows the server asked).
echo "nameserver 10.77.0.2" >/etc/resolv.conf
out=$(jail-ai run --nested-sandbox --deny-all --allow-domain ok.test -- \
	nslookup bad.test 10.77.0.2 2>&1)
echo "$out" | grep -q "bad.test: REFUSED"
ok $? "run --deny-all --allow-domain: bad.test is REFUSED through the redirect" || diag "$out"
case_ "run --deny-all --allow-domain: tcp to an address no answer gave is EPERM" 1 EPERM \
	jail-ai run --nested-sandbox --deny-all --allow-domain ok.test -- probe tcp 10.77.0.2 7101

jail-ai run --fs host -- /nonexistent >/dev/null 2>&1
ok $(( $? == 127 ? 0 : 1 )) "run: a CMD that does not exist exits 127"
jail-ai run --fs host -- sh -c 'exit 7'
ok $(( $? == 7 ? 0 : 1 )) "run: CMD's own status comes back"
[ ! -e /proc/sys/dev/tty/legacy_tiocsti ]
ok $? "this kernel has no legacy_tiocsti switch (as 6.1 should not)"
[ -z "$(ls /sys/fs/cgroup/jail-ai 2>/dev/null | grep '^run-')" ]
ok $? "no run cgroup left behind"

# ---- TIOCLINUX: 6.1 lacks 6.7's CAP_SYS_ADMIN check on selection and paste ----
# The caller sits on the VT tty1 (its controlling terminal: setsid -c).  Control: a
# uid-1000 process there selects text on the screen and pastes it into the VT's input,
# a line for the caller's shell, legacy_tiocsti or not.  In the jail (root CMD, the
# strongest): fd 0 is CMD's own pty, no VT; tty1 by path is not CMD's controlling
# terminal, and taking it by force (TIOCSCTTY 1) needs CAP_SYS_ADMIN.  What tty1 has
# queued is read before the session ends (its leader's exit hangs up a VT, flushing it).
# A build whose run has Landlock file rules needs ABI 3 for them; 6.1 has 2: mounts alone.
RUN_FS=
jail-ai run --help 2>&1 | grep -q -- --nested-sandbox && RUN_FS=--nested-sandbox
vt_session() {	# vt_session CMD...: CMD on tty1, "status N", "queued: ..."
	setsid -c sh -c '"$@"; echo "status $?"; vt_probe drain /dev/tty1' sh "$@" \
		<>/dev/tty1 2>&1
}
vt_probe show /dev/tty1 JAILAIVT >/tmp/vt 2>&1
ok $? "tty1 is a VT that shows text here (the TIOCLINUX cases need one)" || diag "$(cat /tmp/vt)"
out=$(vt_session su -s /bin/sh jt -c 'vt_probe paste 0 8')
[ "$out" = "$(printf 'pasted\nstatus 0\nqueued: JAILAIVT')" ]
ok $? "control: uid 1000 on tty1 pastes screen text into its input (TIOCLINUX, no 6.7 check)" ||
	diag "$out"
for how in "paste 0" "paste /dev/tty1" "steal /dev/tty1"; do
	vt_probe show /dev/tty1 JAILAIVT >/dev/null
	out=$(vt_session jail-ai run $RUN_FS -- vt_probe $how 8)
	last=$(echo "$out" | grep -v -e '^status ' -e '^queued: ' -e '^# ' | tail -n 1)
	echo "$out" | grep -qx 'status 1' && echo "$out" | grep -qx 'queued: nothing' &&
		case $last in "TIOCL_SETSEL on "*": E"*|"open "*": E"*) true ;; *) false ;; esac
	ok $? "run: root CMD's TIOCLINUX $how is refused ($last), nothing queued on tty1" ||
		diag "$out"
done
finish
