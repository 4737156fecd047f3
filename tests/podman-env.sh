# tests/podman-env.sh - sourced after tests/lib.sh by the podman tests (tests/5x-*.t, 6x-*.t).
#
# Gives the test a podman of its own: a containers.conf that works on these machines (runc,
# no pids limit, ulimits under the hard limits, cgroupfs, file events) and a private storage
# (graphroot, runroot, tmp_dir under $TMP), so every container in it is the test's and the
# exit trap removes them all.  Builds the test image once per storage: busybox-static's
# /bin/busybox with a link per applet, plus tests/probe as /bin/probe.
#
# Debian packages it needs (scripts/deps test should list them):
PODMAN_PKGS="busybox-static podman runc slirp4netns uidmap netavark iptables"

TEST_IMAGE=localhost/jail-ai-test:latest
JT=jt$$				# every container name the test makes starts with this
PT_TIMEOUT=${PT_TIMEOUT:-90}	# seconds for one podman or jail-ai podman command
PODMAN_DIRS=			# private storages to clean up (root's)

# podman_require: the packages (installed when missing and we are root), then the binaries.
podman_require() {
	local p s missing=
	for p in $PODMAN_PKGS; do
		s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case $s in *" installed") ;; *) missing="$missing $p" ;; esac
	done
	if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing \
			>"$TMP/apt.log" 2>&1 ||
			diag "apt-get install$missing failed:" "$(tail -n 5 "$TMP/apt.log")"
	fi
	PODMAN=$(command -v podman) || skip_all "needs podman (apt-get install -y$missing)"
	command -v runc >/dev/null || skip_all "needs runc"
	[ -x /bin/busybox ] || skip_all "needs /bin/busybox from busybox-static"
}

# podman_test_requires: what every podman test needs (root, the kernel tools, cgroup v2,
# tests/probe and jail-ai, podman, runc, busybox); a file lacking one is skipped, and under
# CI=true fails (lib.sh's skip_all).  A test's own needs follow it, said the same way.
podman_test_requires() {
	require_root
	require_tools
	require_cgroup2
	require_binaries
	podman_require
}

# podman_private_setup: a podman storage of the test's own in $TMP/podman (exported, so jail-ai's
# podman uses it; the exit trap empties it) and the "host" namespace of lib.sh, where pm and jp
# run podman and jail-ai.  The test image is then one podman_image away.
podman_private_setup() {
	podman_conf "$TMP/podman" && podman_env "$TMP/podman" || bail "cannot write podman config"
	netns_setup
}

# podman_conf DIR [USER]: write DIR/containers.conf and DIR/storage.conf for a storage in DIR
# (owned by USER when given, for rootless podman).
podman_conf() {
	local d=$1 user=${2:-}
	mkdir -p "$d/graph" "$d/run" "$d/tmp" || return 1
	cat >"$d/containers.conf" <<-EOF
		[containers]
		pids_limit = 0
		default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		tmp_dir = "$d/tmp"
	EOF
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/graph"
		runroot = "$d/run"
	EOF
	if [ -n "$user" ]; then
		chown -R "$user:" "$d" && chmod 700 "$d/run" "$d/tmp"
	fi
}

# podman_env DIR: use the storage in DIR from now on (exported, so jail-ai's podman sees it).
podman_env() {
	export CONTAINERS_CONF=$1/containers.conf CONTAINERS_STORAGE_CONF=$1/storage.conf
	PODMAN_DIRS="$PODMAN_DIRS $1"
}

# pm ARGS...: podman in the host namespace, bounded in time.
pm() { timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$PODMAN" "$@"; }

# jp ARGS...: jail-ai in the host namespace, bounded in time (podman commands are slower
# than TIMEOUT allows).
jp() { timeout -k 5 "$PT_TIMEOUT" nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$@"; }

# podman_rootfs: $TMP/rootfs.tar, built once.
podman_rootfs() {
	local r=$TMP/rootfs a
	[ -s "$TMP/rootfs.tar" ] && return 0
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/workspace" "$r/proc" "$r/sys" \
		"$r/dev" "$r/run" "$r/home" "$r/mnt" "$r/var/tmp" || return 1
	chmod 1777 "$r/tmp" "$r/var/tmp"
	cp /bin/busybox "$r/bin/busybox" && cp "$PROBE" "$r/bin/probe" || return 1
	for a in $(/bin/busybox --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	ln -s bin "$r/sbin" && mkdir -p "$r/usr" && ln -s ../bin "$r/usr/bin" &&
		ln -s ../bin "$r/usr/sbin" || return 1
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
		>"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	tar -C "$r" --numeric-owner --owner=0 --group=0 -cf "$TMP/rootfs.tar" . &&
		rm -rf "$r"
}

# The Debian minbase root filesystem from debootstrap, cached per machine and keyed by what it
# is built from (the release and the variant: a new release is a new tarball, never a stale one;
# tests/55-new-user.t, tests/agents-env.sh); JAIL_AI_TEST_CACHE moves the cache.
CACHE=${JAIL_AI_TEST_CACHE:-/var/cache/jail-ai-test}
# debian_suite SUITE: the release debian_tar makes ($DEBIAN_SUITE) and its tarball ($BASE_TAR).
debian_suite() {
	DEBIAN_SUITE=$1
	BASE_TAR=$CACHE/debian-$DEBIAN_SUITE-minbase.tar
}
debian_suite bookworm

# The Debian mirror apt uses here (one-line or deb822 sources), not the security one.
mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^deb[ \t]/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) print $i }
		     /^URIs:/ { print $2 }' | grep -v -e security -e nodesource -e google |
		grep '/debian/*$' | head -n 1
}

# debian_tar: $BASE_TAR, from debootstrap once per machine and release.
debian_tar() {
	local m d=$CACHE/rootfs.$$
	[ -s "$BASE_TAR" ] && return 0
	m=$(mirror)
	[ -n "$m" ] || m=http://deb.debian.org/debian
	mkdir -p "$CACHE" || return 1
	timeout 900 debootstrap --variant=minbase "$DEBIAN_SUITE" "$d" "$m" >"$TMP/debootstrap.log" 2>&1 &&
		tar -C "$d" --numeric-owner -cf "$BASE_TAR.tmp.$$" . && mv "$BASE_TAR.tmp.$$" "$BASE_TAR"
	local st=$?
	rm -rf "$d" "$BASE_TAR.tmp.$$"
	return $st
}

# podman_image [PODMAN-CMD...]: import the test image into the current storage if missing.
# The optional command runs podman (e.g. as the rootless user); default pm.
podman_image() {
	local out
	[ $# = 0 ] && set -- pm
	"$@" image exists "$TEST_IMAGE" 2>/dev/null && return 0
	podman_rootfs || return 1
	out=$("$@" import "$TMP/rootfs.tar" "$TEST_IMAGE" 2>&1) ||
		{ diag "podman import failed:" "$out"; return 1; }
}

# podman_wrapper NAME SCRIPT-BODY: $TMP/NAME, an executable podman wrapper for JAIL_AI_PODMAN.
# jail-ai passes podman a small fixed environment, so the behaviour is baked in.  In the body
# $REAL is the real podman, $SUB the subcommand (the first argument not starting with -, after
# "container": `container inspect` is inspect) and $LAST the last argument.
podman_wrapper() {
	cat >"$TMP/$1" <<-EOF
		#!/bin/sh
		REAL=$PODMAN
		SUB=
		for a in "\$@"; do
		 	case \$a in -*) ;; container) [ -z "\$SUB" ] && SUB=- ;; *) SUB=\$a; break ;; esac
		done
		LAST=
		for a in "\$@"; do LAST=\$a; done
		echo "\$SUB \$*" >>$TMP/$1.log
		$2
		exec "\$REAL" "\$@"
	EOF
	chmod 755 "$TMP/$1"
}

# podman_umount DIR: unmount what containers/storage left mounted under DIR.
podman_umount() {
	awk -v d="$1/" '{ if (index($5 "/", d) == 1) print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

# pod_parents_remove NAME...: the rootful fast path's parents (jail-ai/pod-NAME, in cgroup2 and
# podman's v1 ones) of containers removed with podman rm, and their keepers' files (a keeper
# ends with its parent, keeper.c); NAME may be a glob.
pod_parents_remove() {
	local n d
	for n in "$@"; do
		for d in /sys/fs/cgroup/jail-ai/pod-$n /sys/fs/cgroup/*/jail-ai/pod-$n; do
			[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		rm -rf /run/jail-ai/keeper-$n.pid /run/jail-ai/keeper-$n.state \
			/run/jail-ai/keeper-$n.live
	done
	return 0
}

# podman_cleanup: remove every container and image in our storages; catch strays named $JT*
# in the default storage (a jail-ai that ignored CONTAINERS_STORAGE_CONF).
podman_cleanup() {
	local d n ns=() strays names=
	[ -n "${NS_H:-}" ] && [ -e "/run/netns/$NS_H" ] && ns=(nsenter --net="/run/netns/$NS_H" --)
	for d in $PODMAN_DIRS; do
		names="$names $(CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
			timeout -k 5 30 "$PODMAN" ps -a --format '{{.Names}}' 2>/dev/null)"
		CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
			timeout -k 5 120 "${ns[@]}" "$PODMAN" rm -af -t 0 >/dev/null 2>&1
		CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
			timeout -k 5 60 "$PODMAN" rmi -af >/dev/null 2>&1
		podman_umount "$d"
	done
	# the rootful fast path's parents (jail-ai/pod-NAME), in cgroup2 and podman's v1 ones:
	# ours by prefix, and those of every container our storages held (project jails)
	# shellcheck disable=SC2086
	pod_parents_remove "$JT-*" $names
	if [ -n "${PODMAN:-}" ]; then
		strays=$(env -u CONTAINERS_STORAGE_CONF timeout 30 "$PODMAN" ps -a \
			--format '{{.Names}}' 2>/dev/null | grep "^$JT-")
		[ -n "$strays" ] && echo "# removing stray containers: $strays" &&
			env -u CONTAINERS_STORAGE_CONF timeout -k 5 120 "${ns[@]}" "$PODMAN" rm -f \
				-t 0 $strays >/dev/null 2>&1
	fi
	return 0
}

# The trap: our containers first (while the host namespace still exists), then lib.sh's.
trap 'st=$?; podman_cleanup; (exit $st); cleanup' EXIT

# nobpf_setup: $TMP/nobpf.pl; `perl $TMP/nobpf.pl CMD...` runs CMD with bpf(2) failing with
# EPERM (a seccomp filter, inherited by CMD's children, so jail-ai's privileged child fails
# while podman and runc work; x86_64 only: syscall 321).  Root needs no no_new_privs for it.
nobpf_setup() {
	cat >"$TMP/nobpf.pl" <<-'EOF'
		my $f = pack("S C C L", 0x20, 0, 0, 0) . pack("S C C L", 0x15, 0, 1, 321) .
			pack("S C C L", 0x06, 0, 0, 0x00050001) . pack("S C C L", 0x06, 0, 0, 0x7fff0000);
		my $prog = pack("S x6 Q", 4, unpack("Q", pack("p", $f)));
		syscall(157, 22, 2, $prog) == 0 or die "seccomp: $!\n";
		exec @ARGV or die "exec $ARGV[0]: $!\n";
	EOF
}

# ---- small helpers for the tests ----

# exists NAME: a container NAME exists in the current storage.
exists() { pm container exists "$1" 2>/dev/null; }
# state NAME: podman's state of NAME (running, exited, created, ...).
state() { pm inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
# cgroup_of NAME: the cgroup v2 path (below the cgroup2 mount) of NAME's init process.
cgroup_of() {
	local pid
	pid=$(pm inspect --format '{{.State.Pid}}' "$1" 2>/dev/null)
	[ -n "$pid" ] && [ "$pid" != 0 ] && sed -n 's/^0:://p' "/proc/$pid/cgroup"
}

# ---- checks shared by the podman tests; $JP is the jail-ai runner (jp, or ujp for the
# rootless test user) ----
JP=${JP:-jp}

# jx NAME CMD...: jail-ai exec NAME -- CMD; stdout in OUT, status in ST.
jx() {
	local name=$1
	shift
	OUT=$("$JP" exec "$name" -- "$@" 2>"$TMP/err" </dev/null)
	ST=$?
}

# blocked NAME MODE ADDR PORT: exec probe is refused with EPERM and no host listener hears it.
blocked() {
	local n
	n=$(arrivals $HOST_LOGS)
	jx "$1" probe "$2" "$3" "$4"
	sleep 0.05
	[ "$ST" = 1 ] && [ "${OUT##*$'\n'}" = EPERM ] && [ "$(arrivals $HOST_LOGS)" = "$n" ]
	ok $? "$1 (block-host): exec probe $2 $3 port $4 gets EPERM, no host listener hears it" ||
		diag "exit $ST, output '$OUT', host arrivals $(($(arrivals $HOST_LOGS) - n))" \
			"$(tail -n 5 "$TMP/err")"
}

# reaches NAME MODE ADDR PORT LOG: exec probe succeeds and LOG hears it.
reaches() {
	local n
	n=$(arrivals "$5")
	jx "$1" probe "$2" "$3" "$4"
	[ "$ST" = 0 ] && arrived "$5" "$n"
	ok $? "$1: exec probe $2 $3 port $4 reaches the $5 listener" ||
		diag "exit $ST, output '$OUT'" "$(tail -n 5 "$TMP/err")"
}

# protection NAME WANT: `jail-ai status NAME` says "protection: WANT" (attached, NOT attached,
# off).
protection() {
	local out
	out=$("$JP" status "$1" 2>&1)
	grep -q "protection: $2" <<<"$out"
	ok $? "status $1 says 'protection: $2'" || diag "$out"
}

# ---- tests that run once per cgroup layout (50, 51, 56) ----
# The script runs itself as a "layout child" per layout: on the machine's, and on a hybrid
# machine also in a simulated pure v2 one (a mount namespace whose /sys/fs/cgroup is the
# cgroup2 hierarchy alone).  A child's TAP lines continue the parent's numbering, with no
# plan; its counts go to $PT_RES.

# podman_layout_child LABEL CLEANUP: in a layout child (PT_PHASE set), name each line
# "[LABEL$PT_PHASE]" and run CLEANUP (a command) at exit.  Outside one, nothing.
podman_layout_child() {
	[ -n "${PT_PHASE:-}" ] || return 0
	PT_LABEL=$1 PT_CLEANUP=$2
	T_N=$PT_BASE
	eval "lib_$(declare -f ok)"
	ok() {
		local st=$1
		shift
		lib_ok "$st" "[$PT_LABEL$PT_PHASE] $*"
	}
	skip_all() {
		if [ "${CI:-}" = true ]; then ok 1 "CI requires: $*"; else skip "[$PT_PHASE] $*"; fi
		T_DONE=1
		exit 0
	}
	bail() {
		ok 1 "$*"
		T_DONE=1
		exit 1
	}
	done_testing() {
		T_DONE=1
		exit 0
	}
	phase_exit() {
		local st=$?
		eval "$PT_CLEANUP"
		[ "$T_DONE" = 0 ] && ok 1 "test script stopped early (status $st)"
		echo "$T_N $T_FAILED" >"$PT_RES"
		T_DONE=1
		cleanup
	}
	trap phase_exit EXIT
}

# podman_run_phase NAME CMD...: run a layout child; count its TAP lines as ours.
podman_run_phase() {
	local name=$1 n f
	shift
	rm -f "$TMP/phase.res"
	PT_PHASE=$name PT_BASE=$T_N PT_RES=$TMP/phase.res "$@"
	if read -r n f <"$TMP/phase.res" 2>/dev/null; then
		T_N=$n
		T_FAILED=$((T_FAILED + f))
	else
		ok 1 "[$name] the layout child reported nothing"
	fi
}

# podman_layouts SELF: run SELF as a child per layout, then end the parent's test.  The
# simulated v2 mounts cgroup2 afresh, or with PT_V2SIM=bind binds the old mount
# (DESIGN.md's recipe), which leaves the old cgroup2 mount first in mountinfo, hidden.
podman_layouts() {
	local sim
	if [ "$CG2" = /sys/fs/cgroup ]; then
		podman_run_phase v2 bash "$1"
	else
		podman_run_phase hybrid bash "$1"
		if [ "${PT_V2SIM:-mount}" = bind ]; then
			sim='mount --bind "$1" /sys/fs/cgroup'
		else
			sim='umount -R -l /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup'
		fi
		podman_run_phase v2sim unshare -m --propagation private -- \
			bash -c "$sim"' && exec bash "$2"' sh "$CG2" "$1"
	fi
	done_testing
}
