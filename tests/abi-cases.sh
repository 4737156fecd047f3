#!/bin/sh
# tests/abi-cases.sh SECTION... - the ABI cases of tests/26-abi.t, in POSIX sh so that they
# run both in the test's own network namespace and as part of /init in a throwaway VM
# (busybox sh), where the kernel has a working ia32 entry.  Prints TAP lines without a plan
# ("ok - ...", numbered by the caller); exits 3 at once if SECTION ia32 is asked for and
# this kernel makes no ia32 call.
#
# SECTIONs: native (native calls in a jail keep working), x32, ia32.
# Environment: JAIL_AI, ABI (tests/abi_probe), PROBE (tests/probe), T (a scratch directory);
# optional HOST6, a host address to aim at too, and HOST6_TWIN, an address that is not the
# host's whose 16-bit words sum like HOST6's (the UDP checksum then holds).
# Touches only what it makes: listeners on ::1 and 127.0.0.1 of the namespace it runs in,
# and seg6_enabled there (run it only in a namespace or VM made for the test).

J="$JAIL_AI run --fs host --block-host --"
U="$JAIL_AI run --unsafe-keep-privileges --block-host --"
PIDS=

ok() {
	st=$1
	shift
	if [ "$st" = 0 ]; then echo "ok - $*"; else echo "not ok - $*"; fi
	return "$st"
}
diag() { for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

# is WANT DESC CMD...: the last output line of CMD is WANT.
is() {
	want=$1 desc=$2
	shift 2
	out=$("$@" 2>"$T/err")
	st=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	[ "$last" = "$want" ]
	ok $? "$desc" || diag "wanted '$want', got exit $st:" "$out" "$(tail -n 3 "$T/err")"
}

count() { grep -c -e '^udp' -e '^tcp' "$T/$1"; }

# arrived LOG BEFORE: LOG has more than BEFORE arrivals within a second.
arrived() {
	i=0
	while [ $i -lt 20 ]; do
		[ "$(count "$1")" -gt "$2" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

serve() {
	"$PROBE" serve "$2" "$3" 600 >"$T/$1" 2>&1 &
	PIDS="$PIDS $!"
	i=0
	while ! grep -q '^ready' "$T/$1"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { ok 1 "listener $1 on $2 port $3 starts"; return 1; }
		sleep 0.05
	done
}

# reach DESC WANT LOG CMD...: CMD ends with WANT and LOG hears a datagram.
reach() {
	desc=$1 want=$2 log=$3
	shift 3
	n=$(count "$log")
	is "$want" "$desc (verdict)" "$@"
	arrived "$log" "$n"
	ok $? "$desc: the $log listener hears it" ||
		diag "output: $out"
}

# quiet DESC WANT LOG CMD...: CMD ends with WANT and LOG hears nothing.
quiet() {
	desc=$1 want=$2 log=$3
	shift 3
	n=$(count "$log")
	is "$want" "$desc" "$@"
	sleep 0.2
	[ "$(count "$log")" = "$n" ]
	ok $? "$desc: the $log listener hears nothing" ||
		diag "$(($(count "$log") - n)) arrivals"
}

# skips DESC LOG CMD...: an ia32 IPV6_RTHDR is set past the setsockopt program ("ia32
# setsockopt: ok": the bypass), and the datagram, routed out through lo to a host address,
# is then refused by the egress program of a jail that shares the host's network namespace
# (the last line EPERM), so LOG hears nothing: the second layer, without the filter.
skips() {
	desc=$1 log=$2
	shift 2
	n=$(count "$log")
	out=$("$@" 2>"$T/err")
	printf '%s\n' "$out" | grep -q '^ia32 setsockopt: ok$' &&
		[ "$(printf '%s\n' "$out" | tail -n 1)" = EPERM ]
	ok $? "$desc: set past the setsockopt program, refused at lo by the egress program" ||
		diag "$out" "$(tail -n 3 "$T/err")"
	sleep 0.2
	[ "$(count "$log")" = "$n" ]
	ok $? "$desc: the $log listener hears nothing" || diag "$(($(count "$log") - n)) arrivals"
}

section_native() {
	is ok "run --block-host: a native getpid works" $J "$ABI" getpid native
	is ENOSYS "run --block-host: native clone3 still gets ENOSYS" $J "$ABI" clone3
	is ENOSYS "run --block-host: native syscall(-1) gets ENOSYS (not killed)" $J "$ABI" minus1
	is EPERM "run --block-host: native setsockopt IPV6_RTHDR gets EPERM (the program)" \
		$J "$ABI" rthdr6 native rthdr ::1
	is EPERM "run --block-host: native setsockopt IPV6_2292RTHDR gets EPERM" \
		$J "$ABI" rthdr6 native 2292rthdr
	is ok "run --block-host: a native io_uring_setup works" $J "$ABI" uring native
	quiet "run --block-host: native connect tcp 127.0.0.1 is EPERM" EPERM lo4 \
		$J "$ABI" connect native tcp 127.0.0.1 7001
}

section_x32() {
	out=$("$ABI" getpid x32 2>&1)
	x32=$(printf '%s\n' "$out" | tail -n 1)
	case $x32 in
	ok) diag "control: this kernel runs x32 calls (x32 getpid: ok)" ;;
	ENOSYS) diag "control: this kernel has no x32 ABI (x32 getpid: ENOSYS); the filter" \
		"still sees the x32 number, so SIGSYS in the jail below is the filter" ;;
	*) ok 1 "control: x32 getpid outside a jail is ok or ENOSYS" || diag "$out" ;;
	esac
	is "$x32" "control, --unsafe-keep-privileges (no seccomp filter): x32 getpid: $x32" \
		$U "$ABI" getpid x32
	is SIGSYS "run --block-host: x32 getpid kills the caller (SIGSYS)" $J "$ABI" getpid x32
	is SIGSYS "run --block-host, CMD as nobody: x32 getpid kills the caller" \
		$J "$ABI" as 65534 getpid x32
	is SIGSYS "run (no --block-host): x32 getpid kills the caller" \
		"$JAIL_AI" run --fs host -- "$ABI" getpid x32
}

section_ia32() {
	out=$("$ABI" getpid ia32 2>&1)
	if [ "$(printf '%s\n' "$out" | tail -n 1)" != ok ]; then
		diag "this kernel makes no ia32 call from 64-bit code:" "$out"
		exit 3
	fi
	ok 0 "control, no jail: an ia32 getpid (int 0x80) works"
	for f in all lo default; do
		echo 1 >"/proc/sys/net/ipv6/conf/$f/seg6_enabled" ||
			ok 1 "seg6_enabled=1 on $f in the test's namespace"
	done

	# The routing header: the datagram is judged by its sendto address 1:: (not a host
	# address, allowed) and delivered to the header's segment ::1.  The UDP checksum
	# covers the final address, so the attacker picks one whose 16-bit words sum like
	# the target's (1:: for ::1); the receiver then accepts it.
	reach "control, no jail: native IPV6_RTHDR (SRH segment ::1) + sendto 1::" \
		ok lo6 "$ABI" rthdr6 native rthdr ::1 1:: 7004
	reach "control, no jail: ia32 IPV6_RTHDR + sendto 1::" \
		ok lo6 "$ABI" rthdr6 ia32 rthdr ::1 1:: 7004
	if [ -n "${HOST6:-}" ]; then
		# The same to a host address (HOST6 on lo; HOST6_TWIN sums like it).
		serve h6 "$HOST6" 7005 || return
		reach "control, no jail: ia32 IPV6_RTHDR (segment host address $HOST6) + sendto $HOST6_TWIN" \
			ok h6 "$ABI" rthdr6 ia32 rthdr "$HOST6" "$HOST6_TWIN" 7005
		skips "control, --unsafe-keep-privileges --block-host: ia32 IPV6_RTHDR toward host address $HOST6" \
			h6 $U "$ABI" rthdr6 ia32 rthdr "$HOST6" "$HOST6_TWIN" 7005
		quiet "run --block-host: ia32 IPV6_RTHDR toward host address $HOST6 kills the caller" \
			SIGSYS h6 $J "$ABI" rthdr6 ia32 rthdr "$HOST6" "$HOST6_TWIN" 7005
	fi
	is EPERM "control, --unsafe-keep-privileges --block-host: native IPV6_RTHDR is EPERM" \
		$U "$ABI" rthdr6 native rthdr ::1
	skips "control, --unsafe-keep-privileges --block-host (programs, no seccomp filter): ia32 IPV6_RTHDR" \
		lo6 $U "$ABI" rthdr6 ia32 rthdr ::1 1:: 7004
	is ok "control, --unsafe-keep-privileges --block-host: ia32 IPV6_2292RTHDR is set" \
		$U "$ABI" rthdr6 ia32 2292rthdr
	quiet "run --block-host: ia32 IPV6_RTHDR + sendto kills the caller (SIGSYS)" \
		SIGSYS lo6 $J "$ABI" rthdr6 ia32 rthdr ::1 1:: 7004
	skips "control, --unsafe-keep-privileges --block-host, CMD as nobody: ia32 IPV6_RTHDR" \
		lo6 $U "$ABI" as 65534 rthdr6 ia32 rthdr ::1 1:: 7004
	quiet "run --block-host, CMD as nobody: ia32 IPV6_RTHDR + sendto kills the caller" \
		SIGSYS lo6 $J "$ABI" as 65534 rthdr6 ia32 rthdr ::1 1:: 7004
	is SIGSYS "run --block-host: ia32 IPV6_2292RTHDR kills the caller" \
		$J "$ABI" rthdr6 ia32 2292rthdr
	is SIGSYS "run --block-host: ia32 getpid kills the caller" $J "$ABI" getpid ia32
	is SIGSYS "run (no --block-host): ia32 getpid kills the caller" \
		"$JAIL_AI" run --fs host -- "$ABI" getpid ia32

	# connect: the address hooks judge compat connects too; the filter refuses them first.
	reach "control, no jail: ia32 connect tcp 127.0.0.1" ok lo4 \
		"$ABI" connect ia32 tcp 127.0.0.1 7001
	quiet "control, --unsafe-keep-privileges --block-host: ia32 connect 127.0.0.1 is EPERM" \
		EPERM lo4 $U "$ABI" connect ia32 tcp 127.0.0.1 7001
	quiet "run --block-host: ia32 connect tcp 127.0.0.1 kills the caller" SIGSYS lo4 \
		$J "$ABI" connect ia32 tcp 127.0.0.1 7001
	quiet "run --block-host: ia32 socketcall(SOCKET, CONNECT) udp 127.0.0.1 kills" SIGSYS \
		lo4 $J "$ABI" connect socketcall udp 127.0.0.1 7001

	# An io_uring ring made through the ia32 ABI is "compat": its setsockopt skips the
	# program too.  It cannot be made.
	is ok "control, no jail: an ia32 io_uring_setup makes a ring" "$ABI" uring ia32
	is ok "control, --unsafe-keep-privileges --block-host: an ia32 io_uring_setup works" \
		$U "$ABI" uring ia32
	is SIGSYS "run --block-host: an ia32 io_uring_setup kills the caller" \
		$J "$ABI" uring ia32
}

trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done' EXIT
serve lo6 ::1 7004 && serve lo4 127.0.0.1 7001 || exit 1
for s in "$@"; do
	"section_$s"
done
exit 0
