#!/bin/bash
# tests/57-containers-conf.t - jail-ai reads containers.conf as podman does: for each tree of
# files (/usr/share/containers, /etc/containers and its containers.conf.d, a root user's
# ~/.config, $CONTAINERS_CONF), the cgroup manager and the default network jail-ai takes are
# the ones `podman info` and `podman network ls` report under the same files.
#
# The trees are the test's own, bind-mounted over /etc/containers and /usr/share/containers
# in a private mount namespace per command (the machine's files are never touched).  jail-ai's
# view: `create --block-host --dry-run` refuses under systemd's cgroup manager (its message
# says so), and a create through a podman wrapper that fails `network inspect` names the
# default network it asked for.  Both cgroup managers and several networks come out of the
# cases, so a reader that ignores a file is caught.  Rootful only: jail-ai reads these files
# only on the rootful fast path.  Last, [containers] cgroups ("split", "disabled", "no-conmon")
# does not move a protected jail's container out from below its parent; and the canary, born in
# its cgroup with clone3(CLONE_INTO_CGROUP), still forks and joins where clone3 is filtered.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

require_root
require_tools
require_binaries
podman_require
command -v unshare >/dev/null || skip_all "needs unshare (util-linux)"

# the storage of podman-env.sh, but its containers.conf becomes the fake /etc one:
# CONTAINERS_CONF would hide every other file
podman_conf "$TMP/podman" || bail "cannot write podman config"
export CONTAINERS_STORAGE_CONF=$TMP/podman/storage.conf
PODMAN_DIRS="$PODMAN_DIRS $TMP/podman"
unset CONTAINERS_CONF XDG_CONFIG_HOME
BASE=$(grep -v '^cgroup_manager' "$TMP/podman/containers.conf")
ETC=$TMP/etc SHARE=$TMP/share
export HOME=$TMP/home
mkdir -p "$HOME" "$TMP/ws"
cat >"$TMP/nonet" <<-EOF
	#!/bin/sh
	case "\$*" in *"network inspect"*) exit 3 ;; esac
	exec $PODMAN "\$@"
EOF
chmod 755 "$TMP/nonet"

# inns CMD...: CMD with our trees over /etc/containers and /usr/share/containers, and with
# $PID1 (a file) over /proc/1/comm when set: PID 1's name decides podman's default manager.
inns() {
	unshare -m --propagation private -- sh -c 'mount --bind "$1" /etc/containers &&
		mount --bind "$2" /usr/share/containers &&
		{ [ -z "$3" ] || mount --bind "$3" /proc/1/comm; } && shift 3 && exec "$@"' sh \
		"$ETC" "$SHARE" "${PID1:-}" "$@"
}
# fresh: empty trees; /etc/containers/containers.conf is podman-env.sh's without a manager
# (so PID 1's name, init below, leaves podman's default: cgroupfs).
fresh() {
	rm -rf "$ETC" "$SHARE" "$HOME/.config"
	mkdir -p "$ETC/containers.conf.d" "$SHARE"
	cp -a /usr/share/containers/. "$SHARE" && rm -f "$SHARE/containers.conf"	# seccomp.json
	printf '%s\n' "$BASE" >"$ETC/containers.conf"
}
# put FILE LINES...: write LINES to FILE (dirs made).
put() {
	local f=$1
	shift
	mkdir -p "$(dirname "$f")" && printf '%s\n' "$@" >"$f"
}
sd() { put "$1" '[engine]' 'cgroup_manager = "systemd"'; }
fs() { put "$1" '[engine]' 'cgroup_manager = "cgroupfs"'; }
net() { put "$1" '[network]' "default_network = \"$2\""; }

# podman's view: "MANAGER NETWORK" (the default network: the one ps-* name `network ls` shows)
pview() {
	local m n
	m=$(inns timeout 60 "$PODMAN" info --format '{{.Host.CgroupManager}}' 2>"$TMP/perr")
	n=$(inns timeout 60 "$PODMAN" network ls --format '{{.Name}}' 2>>"$TMP/perr" |
		grep '^ps-' | tr '\n' ' ')
	n=${n% }
	echo "${m:-none}${n:+ $n}"
}
# jail-ai's view, the same words: the manager from the dry run, the network from the create
# that stops at `podman network inspect NAME` (only reached under cgroupfs).
jview() {
	local m=cgroupfs n=
	if ! inns timeout 60 "$JAIL_AI" create ps-57 --block-host --dry-run --image x \
		>/dev/null 2>"$TMP/jerr"; then
		grep -q "cgroup manager is systemd" "$TMP/jerr" && m=systemd || m="refused"
	fi
	if [ "$m" = cgroupfs ]; then
		inns env JAIL_AI_PODMAN="$TMP/nonet" timeout 60 "$JAIL_AI" create ps-57 \
			--block-host --image x --workspace "$TMP/ws" >/dev/null 2>"$TMP/jerr2"
		n=$(sed -n 's/.*podman network inspect \(ps-[^ ]*\) failed.*/\1/p' "$TMP/jerr2")
	fi
	echo "$m${n:+ $n}"
}
# same DESC [WANT]: podman and jail-ai agree (on WANT, when given: the case's expectation,
# so a case that shows nothing cannot pass).
same() {
	local p j
	p=$(pview) j=$(jview)
	[ "${p%% *}" = systemd ] && p="systemd"
	[ "$p" = "$j" ] && { [ -z "${2:-}" ] || [ "$p" = "$2" ]; }
	ok $? "$1: jail-ai takes what podman takes ('$p')${2:+, as expected}" ||
		diag "jail-ai: '$j'" "podman stderr: $(tail -n 3 "$TMP/perr")" \
			"jail-ai stderr: $(cat "$TMP/jerr" "$TMP/jerr2" 2>/dev/null | tail -n 3)"
}

# PID 1 named init in every case but two: the host's own PID 1 decides nothing here
echo init >"$TMP/comm-init"
PID1=$TMP/comm-init
fresh
same "no file sets the manager, PID 1 named init" cgroupfs
sd "$SHARE/containers.conf"
same "/usr/share/containers/containers.conf says systemd" systemd
fs "$ETC/containers.conf.d/10-fs.conf"
same "containers.conf.d/10-fs.conf overrides /usr/share's systemd" cgroupfs

fresh
sd "$ETC/containers.conf.d/10-sd.conf"
same "containers.conf.d/10-sd.conf says systemd" systemd
fs "$ETC/containers.conf.d/20-fs.conf"
same "containers.conf.d: 20-fs.conf read after 10-sd.conf" cgroupfs
fresh
fs "$ETC/containers.conf.d/B.conf"
sd "$ETC/containers.conf.d/a.conf"
same "containers.conf.d: byte order (a.conf after B.conf)" systemd

fresh
sd "$ETC/containers.conf.d/.hidden.conf"
same "containers.conf.d: a dot file ending in .conf is read" systemd
fresh
sd "$ETC/containers.conf.d/10-sd.conf.bak"
sd "$ETC/containers.conf.d/sub.conf/a.conf"
same "containers.conf.d: x.conf.bak and a directory sub.conf/ are not read" cgroupfs

# no file sets it: podman's default follows PID 1's name (systemd or not)
echo systemd >"$TMP/comm-systemd"
fresh
PID1=$TMP/comm-systemd same "no file sets it, PID 1 named systemd: podman's default" systemd
fs "$ETC/containers.conf.d/10-fs.conf"
PID1=$TMP/comm-systemd same "PID 1 named systemd, containers.conf.d says cgroupfs" cgroupfs

# TOML forms a hand-written file may use
for form in '[ engine ]|cgroup_manager = "systemd"' 'engine.cgroup_manager = "systemd"' \
	'engine . cgroup_manager="systemd"  # x' '[engine]|"cgroup_manager" = '"'systemd'" \
	'[engine]|  cgroup_manager = """systemd"""' '[engine.volume_plugins]|cgroup_manager = "systemd"' \
	'[engines]|cgroup_manager = "systemd"' '[engine]|cgroup_managers = "systemd"'; do
	fresh
	IFS='|' read -r -a lines <<<"$form"
	put "$ETC/containers.conf.d/50.conf" "${lines[@]}"
	case $form in *plugins* | *engines* | *managers*) want=cgroupfs ;; *) want=systemd ;; esac
	same "containers.conf.d/50.conf holding '${form//|/ \\n }'" "$want"
done

# a form jail-ai does not read: refused, with the reason (podman takes systemd from each)
for form in '[engine]|cgroup_manager = "sys\u0074emd"' 'engine = { cgroup_manager = "systemd" }' \
	'[engine]|cgroup_manager = """|systemd"""'; do
	fresh
	IFS='|' read -r -a lines <<<"$form"
	put "$ETC/containers.conf.d/50.conf" "${lines[@]}"
	p=$(pview)
	inns "$JAIL_AI" create ps-57 --block-host --dry-run --image x >/dev/null 2>"$TMP/jerr"
	st=$?
	[ "${p%% *}" = systemd ] && [ "$st" = 125 ] &&
		grep -q "cgroup_manager: cannot read it as podman would" "$TMP/jerr"
	ok $? "'${form//|/ \\n }': podman takes systemd, jail-ai refuses (125) saying it cannot read it" ||
		diag "podman '$p', jail-ai exit $st: $(cat "$TMP/jerr")"
done

# the default network, through the same layers
fresh
net "$SHARE/containers.conf" ps-share
same "default_network from /usr/share" "cgroupfs ps-share"
net "$ETC/containers.conf.d/10.conf" ps-d10
net "$ETC/containers.conf.d/20.conf" ps-d20
same "default_network: containers.conf.d/20.conf last" "cgroupfs ps-d20"
# root reads no user file (podman as root neither): ~/.config and $XDG_CONFIG_HOME ignored
sd "$HOME/.config/containers/containers.conf"
net "$HOME/.config/containers/containers.conf.d/90.conf" ps-user
same "as root, ~/.config/containers/ is not read" "cgroupfs ps-d20"
XDG_CONFIG_HOME=$HOME/.config same "as root, \$XDG_CONFIG_HOME/containers/ is not read" \
	"cgroupfs ps-d20"

# $CONTAINERS_CONF: that file alone
put "$TMP/env.conf" '[engine]' 'cgroup_manager = "cgroupfs"' '[network]' \
	'default_network = "ps-env"'
sd "$ETC/containers.conf.d/30-sd.conf"
CONTAINERS_CONF=$TMP/env.conf same "\$CONTAINERS_CONF alone (over a .d saying systemd)" \
	"cgroupfs ps-env"
sd "$TMP/env.conf"
fresh
CONTAINERS_CONF=$TMP/env.conf same "\$CONTAINERS_CONF saying systemd (over /etc's none)" systemd

# ---- [containers] cgroups: a protected jail's container below its parent whatever it says ----
# "split" would put the payload below podman's caller, "disabled" in the caller's cgroup; podman
# refuses both with a --cgroup-parent (the control: jail-ai's line without --cgroups=enabled),
# and jail-ai's --cgroups=enabled overrides them.  conmon is podman's, not below the parent.
podman_image "$PODMAN" || bail "no test image"
mkdir -p "$TMP/wsc" && chmod 777 "$TMP/wsc"
for mode in split disabled no-conmon; do
	sed "s/^\[containers\]\$/[containers]\ncgroups = \"$mode\"/" "$TMP/podman/containers.conf" \
		>"$TMP/cg-$mode.conf"
	n=$JT-cg-$mode
	export CONTAINERS_CONF=$TMP/cg-$mode.conf
	if [ "$mode" != no-conmon ]; then
		timeout 60 "$PODMAN" run -d --name "$n-ctl" --network none \
			--cgroup-parent="/jail-ai/pod-$n-ctl" "$TEST_IMAGE" sleep 60 >/dev/null 2>"$TMP/err"
		st=$?
		grep -qiE "cgroup[- ]parent" "$TMP/err"
		ok $(( st == 0 || $? )) "control: cgroups = \"$mode\": podman refuses a --cgroup-parent without --cgroups=enabled" ||
			diag "exit $st: $(cat "$TMP/err")"
		timeout 60 "$PODMAN" rm -f -t 0 "$n-ctl" >/dev/null 2>&1
		rmdir /sys/fs/cgroup/jail-ai/pod-"$n"-ctl /sys/fs/cgroup/*/jail-ai/pod-"$n"-ctl 2>/dev/null
	fi
	(cd "$TMP/wsc" && timeout 90 "$JAIL_AI" create "$n" --image "$TEST_IMAGE" --network none \
		--block-host -- sleep 600) >"$TMP/out" 2>"$TMP/err"
	st=$?
	pid=$(timeout 30 "$PODMAN" inspect --format '{{.State.Pid}}' "$n" 2>/dev/null)
	cg=$(sed -n 's/^0:://p' "/proc/${pid:-0}/cgroup" 2>/dev/null)
	[ "$st" = 0 ] && case $cg in "/jail-ai/pod-$n/"?*) true ;; *) false ;; esac
	ok $? "cgroups = \"$mode\": create --block-host puts the container below /jail-ai/pod-$n" ||
		diag "exit $st, cgroup '$cg'" "$(tail -n 5 "$TMP/err")"
	out=$(timeout 30 "$JAIL_AI" status "$n" 2>&1)
	grep -q "protection: attached" <<<"$out"
	ok $? "cgroups = \"$mode\": status says the programs are in effect on it" || diag "$out"
	timeout 60 "$JAIL_AI" rm -f "$n" >/dev/null 2>&1
	unset CONTAINERS_CONF
done

# ---- the canary where clone3 is filtered (ENOSYS, as container runtimes' default profiles do):
# it is born in its leaf with clone3(CLONE_INTO_CGROUP) where it can, else forks and joins ----
cat >"$TMP/noclone3.pl" <<-'EOF'
	my $f = pack("S C C L", 0x20, 0, 0, 0) . pack("S C C L", 0x15, 0, 1, 435) .
		pack("S C C L", 0x06, 0, 0, 0x00050026) . pack("S C C L", 0x06, 0, 0, 0x7fff0000);
	my $prog = pack("S x6 Q", 4, unpack("Q", pack("p", $f)));
	syscall(157, 22, 2, $prog) == 0 or die "seccomp: $!\n";
	exec @ARGV or die "exec $ARGV[0]: $!\n";
EOF
if [ "$(uname -m)" = x86_64 ] && command -v strace >/dev/null; then
	# run's canary is the same code as a podman start's (protect.c); podman itself is not
	# run under the filter (runc then fails to set the container's rlimits here).  CMD joins
	# run's cgroup by a write of "0" either way; a canary that forks writes one more.
	joins() { grep -c 'write([0-9]*, "0", 1) *= 1' "$1"; }
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0	# LSan fails under ptrace
	strace -f -b execve -qq -e trace=clone3,write -o "$TMP/canary0.tr" \
		"$JAIL_AI" run --block-host -- /bin/true >/dev/null 2>&1 </dev/null
	grep -q 'clone3({flags=CLONE_INTO_CGROUP.*= [1-9]' "$TMP/canary0.tr"
	ok $? "control, clone3 not filtered: the canary is born in the cgroup (clone3 CLONE_INTO_CGROUP)" ||
		diag "$(grep -E 'clone3|"0", 1' "$TMP/canary0.tr" | head -n 5)"
	perl "$TMP/noclone3.pl" strace -f -b execve -qq -e trace=clone3,write -o "$TMP/canary.tr" \
		"$JAIL_AI" run --block-host -- /bin/echo ran >"$TMP/out" 2>"$TMP/err" </dev/null
	st=$?
	grep -q 'clone3(.*= -1 ENOSYS' "$TMP/canary.tr" &&
		[ "$(joins "$TMP/canary.tr")" = $(($(joins "$TMP/canary0.tr") + 1)) ]
	ok $? "clone3 filtered: the canary's clone3 fails with ENOSYS and it joins its cgroup by a write" ||
		diag "$(grep -E 'clone3|"0", 1' "$TMP/canary.tr" | head -n 5)"
	[ "$st" = 0 ] && [ "$(cat "$TMP/out")" = ran ]
	ok $? "clone3 filtered: run --block-host still proves its programs and runs CMD" ||
		diag "exit $st: $(tail -n 3 "$TMP/err")"
elif [ "${CI:-}" = true ]; then
	ok 1 "CI requires x86_64 and strace (the clone3 filter and its trace)"
else
	skip "the clone3 filter is written for x86_64 and traced with strace"
fi

done_testing
