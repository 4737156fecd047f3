#!/bin/bash
# tests/29-sockopt-values.t - under `jail-ai run --block-host`, the options the setsockopt
# program lets through reach the kernel with the caller's value: the program answers
# optlen = 0 ("use the caller's buffer") instead of making the kernel copy every value
# (bench/run measured that copy: a kmalloc and kfree on every setsockopt).  Each value is
# read back with getsockopt and compared with the same calls made without a jail,
# including a value longer than a page (the kernel's other path).

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
[ -x /usr/bin/python3 ] || skip_all "needs /usr/bin/python3"
netns_setup

cat >"$TMP/sockopts.py" <<'EOF'
import socket, struct
S = socket
def show(name, v):
    print(name, v)
t = S.socket(S.AF_INET, S.SOCK_STREAM)
t.setsockopt(S.SOL_SOCKET, S.SO_LINGER, struct.pack("ii", 1, 7))
show("SO_LINGER", struct.unpack("ii", t.getsockopt(S.SOL_SOCKET, S.SO_LINGER, 8)))
t.setsockopt(S.IPPROTO_TCP, S.TCP_CONGESTION, b"reno")
show("TCP_CONGESTION", t.getsockopt(S.IPPROTO_TCP, S.TCP_CONGESTION, 16).rstrip(b"\0"))
t.setsockopt(S.IPPROTO_TCP, S.TCP_NODELAY, 1)
show("TCP_NODELAY", t.getsockopt(S.IPPROTO_TCP, S.TCP_NODELAY))
u = S.socket(S.AF_INET, S.SOCK_DGRAM)
u.setsockopt(S.IPPROTO_IP, S.IP_TTL, 9)
show("IP_TTL", u.getsockopt(S.IPPROTO_IP, S.IP_TTL))
u.setsockopt(S.IPPROTO_IP, S.IP_TOS, 0x10)
show("IP_TOS", u.getsockopt(S.IPPROTO_IP, S.IP_TOS))
u.setsockopt(S.SOL_SOCKET, S.SO_RCVBUF, 65536)
show("SO_RCVBUF", u.getsockopt(S.SOL_SOCKET, S.SO_RCVBUF))
# longer than a page: the kernel hands the program at most a page
u.setsockopt(S.IPPROTO_IP, S.IP_TTL, struct.pack("i", 11) + b"\0" * 6000)
show("IP_TTL_6004_BYTES", u.getsockopt(S.IPPROTO_IP, S.IP_TTL))
six = S.socket(S.AF_INET6, S.SOCK_DGRAM)
six.setsockopt(S.IPPROTO_IPV6, S.IPV6_UNICAST_HOPS, 5)
show("IPV6_UNICAST_HOPS", six.getsockopt(S.IPPROTO_IPV6, S.IPV6_UNICAST_HOPS))
six.setsockopt(S.IPPROTO_IPV6, S.IPV6_TCLASS, 0x20)
show("IPV6_TCLASS", six.getsockopt(S.IPPROTO_IPV6, S.IPV6_TCLASS))
EOF

ctl=$(in_host /usr/bin/python3 "$TMP/sockopts.py" 2>&1)
st=$?
[ "$st" = 0 ] && [ "$(printf '%s\n' "$ctl" | wc -l)" = 9 ]
ok $? "control, no jail: 9 options set and read back" || diag "exit $st:" "$ctl"
# The control's values are the ones asked for (so that equal output below means something).
printf '%s\n' "$ctl" | grep -qx 'SO_LINGER (1, 7)' &&
	printf '%s\n' "$ctl" | grep -qx 'IP_TTL_6004_BYTES 11' &&
	printf '%s\n' "$ctl" | grep -qx "TCP_CONGESTION b'reno'"
ok $? "control, no jail: SO_LINGER, TCP_CONGESTION and the 6004-byte IP_TTL took effect" ||
	diag "$ctl"

for opts in "" "--block-host"; do
	out=$(jail run $opts --rw "$TMP" -- /usr/bin/python3 "$TMP/sockopts.py" 2>"$TMP/err")
	st=$?
	[ "$st" = 0 ] && [ "$out" = "$ctl" ]
	ok $? "run $opts: every option reaches the kernel with the caller's value" ||
		diag "exit $st; expected:" "$ctl" "got:" "$out" "stderr:" "$(cat "$TMP/err")"
done

done_testing
