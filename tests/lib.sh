# tests/lib.sh - sourced by the kernel tests (tests/2x-*.t): TAP output, prerequisites,
# two network namespaces joined by a veth pair, background listeners, cleanup.
#
# Runs as root.  Touches only what it creates: namespaces named jh$$ / jp$$, a temporary
# directory, its own background processes, and probe-escape-* cgroups a failed escape
# test may leave.  Never the machine's own interfaces, never an outside address.

cd "$(dirname "$0")/.." || exit 1
JAIL_AI=${JAIL_AI:-./jail-ai}
case $JAIL_AI in /*) ;; *) JAIL_AI=$PWD/${JAIL_AI#./} ;; esac
PROBE=$PWD/tests/probe
TIMEOUT=${TIMEOUT:-15}		# seconds for any one jailed command

T_N=0 T_FAILED=0 T_DONE=0
NS_H=jh$$ NS_P=jp$$
NETNS_MADE=
BG_PIDS=
TMP=$(mktemp -d /tmp/jail-ai-test.XXXXXX) || exit 1
chmod 755 "$TMP"

# ---- TAP ----

# ok STATUS DESCRIPTION...: STATUS 0 passes.  Returns STATUS so callers can diag on failure.
ok() {
	local st=$1
	shift
	T_N=$((T_N + 1))
	if [ "$st" = 0 ]; then
		echo "ok $T_N - $*"
	else
		echo "not ok $T_N - $*"
		T_FAILED=$((T_FAILED + 1))
	fi
	return "$st"
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }

# The plan goes at the end (the number of cases depends on the machine).
done_testing() {
	echo "1..$T_N"
	T_DONE=1
	[ "$T_FAILED" = 0 ]
	exit $?
}

# A missing prerequisite: skip the whole file, except under CI=true, where it fails.
skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "1..1"
		echo "not ok 1 - CI requires: $*"
		T_DONE=1
		exit 1
	fi
	echo "1..0 # SKIP $*"
	T_DONE=1
	exit 0
}

# Something the suite itself must provide is missing: always a failure, never a hang.
bail() {
	echo "1..1"
	echo "not ok 1 - $*"
	T_DONE=1
	exit 1
}

require_root() { [ "$(id -u)" = 0 ] || skip_all "needs root (cgroup eBPF, network namespaces)"; }

require_tools() {
	local t
	for t in ip nsenter setpriv timeout sysctl; do
		command -v "$t" >/dev/null || skip_all "needs $t"
	done
}

# CG2: the cgroup2 mount point (/sys/fs/cgroup on pure v2, /sys/fs/cgroup/unified on hybrid).
require_cgroup2() {
	CG2=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break;
		     if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
	[ -n "$CG2" ] || skip_all "needs a cgroup2 mount"
}

require_binaries() {
	[ -x "$PROBE" ] || bail "tests/probe is missing: run 'make tests/probe'"
	[ -x "$JAIL_AI" ] || bail "$JAIL_AI is missing or not executable: run 'make'"
}

# install_as_user USER: USER (made if missing; it stays) and jail-ai as `make install` puts it
# in place, with setcap, under $TMP/prefix (a copy of $JAIL_AI when that is another build).
# Sets TUSER TUID TGID PFX INST, and UD, a directory any user may write.
install_as_user() {
	TUSER=$1
	id -u "$TUSER" >/dev/null 2>&1 || useradd -m "$TUSER" >/dev/null 2>&1 ||
		bail "useradd $TUSER failed"
	TUID=$(id -u "$TUSER") TGID=$(id -g "$TUSER")
	PFX=$TMP/prefix
	make -s install PREFIX="$PFX" >"$TMP/install.log" 2>&1 ||
		bail "make install: $(cat "$TMP/install.log")"
	[ "$JAIL_AI" = "$PWD/jail-ai" ] || { cp "$JAIL_AI" "$PFX/bin/jail-ai" &&
		setcap cap_bpf,cap_net_admin+p "$PFX/bin/jail-ai"; } || bail "cannot install $JAIL_AI"
	INST=$PFX/bin/jail-ai
	UD=$TMP/u
	mkdir -m 777 "$UD" || bail "mkdir $UD"
}

# ---- namespaces ----

in_host() { nsenter --net="/run/netns/$NS_H" -- "$@"; }
in_peer() { nsenter --net="/run/netns/$NS_P" -- "$@"; }

# jail ARGS...: run jail-ai ARGS in the host namespace, bounded in time.
jail() { timeout -k 2 "$TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$@"; }

ns_sysctls() {
	nsenter --net="/run/netns/$1" -- sysctl -qw \
		net.ipv4.ping_group_range="0 2147483647" \
		net.ipv4.tcp_fastopen=3 \
		net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
}

# host: 10.77.0.1/24, 10.77.1.1/24, fd77::1/64, fe80::... on veth vh
# peer: 10.77.0.2/24, fd77::2/64 on veth vp
# Sets LL_HOST to the host veth's link-local address with its %scope.
netns_setup() {
	ip netns add "$NS_H" && NETNS_MADE="$NS_H" &&
		ip netns add "$NS_P" && NETNS_MADE="$NS_H $NS_P" ||
		skip_all "cannot create network namespaces"
	ns_sysctls "$NS_H" && ns_sysctls "$NS_P" || bail "namespace sysctls failed"
	ip -n "$NS_H" link set lo up &&
		ip -n "$NS_P" link set lo up &&
		ip -n "$NS_H" link add vh type veth peer name vp netns "$NS_P" &&
		ip -n "$NS_H" addr add 10.77.0.1/24 broadcast 10.77.0.255 dev vh &&
		ip -n "$NS_H" addr add 10.77.1.1/24 broadcast 10.77.1.255 dev vh &&
		ip -n "$NS_H" addr add fd77::1/64 dev vh nodad &&
		ip -n "$NS_P" addr add 10.77.0.2/24 broadcast 10.77.0.255 dev vp &&
		ip -n "$NS_P" addr add fd77::2/64 dev vp nodad &&
		ip -n "$NS_H" link set vh up &&
		ip -n "$NS_P" link set vp up || bail "veth setup failed"
	local i
	for i in $(seq 50); do
		LL_HOST=$(ip -n "$NS_H" -6 -o addr show dev vh scope link |
			awk '$0 !~ /tentative/ { sub("/.*", "", $4); print $4; exit }')
		[ -n "$LL_HOST" ] && break
		sleep 0.1
	done
	[ -n "$LL_HOST" ] || bail "no link-local address on the host veth"
	LL_HOST=$LL_HOST%vh
}

# serve NS NAME ADDR PORT: a probe listener in namespace NS, arrivals logged to $TMP/NAME.
serve() {
	local i
	: >"$TMP/$2"
	nsenter --net="/run/netns/$1" -- "$PROBE" serve "$3" "$4" "${SERVE_SECS:-900}" >"$TMP/$2" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 50); do
		grep -q '^ready' "$TMP/$2" && return 0
		sleep 0.05
	done
	bail "listener $2 on $3 port $4 did not start: $(cat "$TMP/$2")"
}

# arrivals NAME...: how many connections/datagrams those listeners have logged.
arrivals() {
	local f n=0
	for f in "$@"; do
		n=$((n + $(grep -c -e '^tcp' -e '^udp' "$TMP/$f")))
	done
	echo "$n"
}

cleanup() {
	local st=$? p ns
	for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $BG_PIDS; do wait "$p" 2>/dev/null; done
	for ns in $NETNS_MADE; do ip netns del "$ns" 2>/dev/null; done
	# A successful escape leaves the probe's sibling cgroup behind; the test reported it.
	[ -n "${CG2:-}" ] && find "$CG2" -maxdepth 4 -type d -name 'probe-escape-*' \
		-exec rmdir {} + 2>/dev/null
	rm -rf "$TMP"
	if [ "$T_DONE" = 0 ]; then
		echo "not ok $((T_N + 1)) - test script stopped early (status $st)"
		echo "1..$((T_N + 1))"
		exit 1
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# remove_cgroup_tree DIR: a cgroup the test delegated, emptied (cgroup.kill) and removed with
# everything below it; waits up to 5 s for the killed processes to leave.
remove_cgroup_tree() {
	local i
	[ -d "$1" ] || return 0
	echo 1 >"$1/cgroup.kill" 2>/dev/null
	for i in $(seq 50); do
		find "$1" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$1" ] || return 0
		sleep 0.1
	done
	return 1
}

# ---- shared by the kernel and podman tests ----

# serve_host LIST: a listener in the host namespace for each "name addr port" line of LIST;
# their names go to HOST_LOGS.
serve_host() {
	local name addr port
	HOST_LOGS=
	while read -r name addr port; do
		serve "$NS_H" "$name" "$addr" "$port"
		HOST_LOGS="$HOST_LOGS $name"
	done <<<"$1"
}

# arrived LOG BEFORE: the listener LOG logged something since it counted BEFORE.
arrived() {
	local i
	for i in $(seq 20); do
		[ "$(arrivals "$1")" -gt "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# expect_probe DESC WANT_STATUS WANT_LINE STATUS OUTPUT: one TAP line from a probe's exit
# status and last output line; on failure, what it printed and jail-ai's stderr ($TMP/err).
expect_probe() {
	[ "$4" = "$2" ] && [ "${5##*$'\n'}" = "$3" ]
	ok $? "$1" || diag "wanted exit $2 ($3), got exit $4:" "$5" \
		"jail-ai stderr:" "$(tail -n 5 "$TMP/err" 2>/dev/null)"
}
