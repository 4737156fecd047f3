#!/bin/bash
# tests/53-podman-abi.t - a podman jail may use the native syscall ABI only (issue 8, class 2).
#
# podman's default seccomp profile admits x86 (ia32) and x32 next to x86_64, and the kernel
# runs the cgroup setsockopt program only for native calls: through ia32 a `--network host`
# jail set a routing header and reached the host.  jail-ai gives every jail podman's default
# profile with the architectures narrowed to the native one, written at create time to
# /run/jail-ai (root) and passed as --security-opt seccomp=FILE.
#
# Checked: the file (podman's default, nothing changed but the architectures); what podman
# stored and gave runc (the container's OCI config), against a plain podman container; that
# podman read the file at create (removed, the jail restarts with the same filter); x32 and
# native calls in the jail and in a plain container; ia32 where this kernel makes such calls
# (not on PVM guests: tests/26-abi.t runs ia32 in a VM for `run`; podman cannot run there).
# Rootful, the machine's cgroup layout (the profile does not depend on it).

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
podman_test_requires
ABI=$PWD/tests/abi_probe
[ -x "$ABI" ] || bail "tests/abi_probe is missing: run 'make tests/abi_probe'"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "needs /usr/bin/python3 (Debian's) to read JSON"

export HOME=$TMP/home
mkdir -p "$HOME/.ssh"
podman_private_setup
serve "$NS_H" lo6 ::1 7004
serve "$NS_H" lo4 127.0.0.1 7001
HOST_LOGS="lo6 lo4"
LOOP='trap "exit 0" TERM; while :; do sleep 1; done'
PROFILE=/run/jail-ai/seccomp-native.json
SRC=/usr/share/containers/seccomp.json
[ -e /etc/containers/seccomp.json ] && SRC=/etc/containers/seccomp.json

podman_image
ok $? "the test image $TEST_IMAGE is in the test's storage" || bail "no test image"

WS=$TMP/ws
mkdir -p "$WS" && chmod 777 "$WS" && cp "$ABI" "$WS/abi_probe" || bail "cannot make $WS"

# oci NAME: the seccomp part of the OCI config podman gave runc for NAME, as
# "ARCHES|DEFAULT_ACTION|NUMBER_OF_RULES RULES_HASH".
oci() {
	local cfg
	cfg=$(pm inspect --format '{{.OCIConfigPath}}' "$1" 2>/dev/null) || return 1
	"$PY" -c '
import hashlib, json, sys
s = json.load(open(sys.argv[1]))["linux"].get("seccomp") or {}
r = s.get("syscalls") or []
h = hashlib.sha256(json.dumps(r, sort_keys=True).encode()).hexdigest()[:12]
print(",".join(s.get("architectures") or []) + "|" + str(s.get("defaultAction")) + "|" +
      str(len(r)) + " " + h)' \
		"$cfg"
}

# abi NAME ARGS...: abi_probe ARGS in the jail NAME (jail-ai exec); verdict line in LAST.
abi() {
	local name=$1
	shift
	OUT=$(jp exec "$name" -- /workspace/abi_probe "$@" 2>"$TMP/err" </dev/null)
	ST=$?
	LAST=${OUT##*$'\n'}
}
# pabi NAME ARGS...: the same in a plain podman container.
pabi() {
	local name=$1
	shift
	OUT=$(pm exec "$name" /workspace/abi_probe "$@" 2>"$TMP/err" </dev/null)
	ST=$?
	LAST=${OUT##*$'\n'}
}

# ---- a plain podman container on the host network: the control ----
PL=$JT-plain
pm run -d --name "$PL" --network host -v "$WS:/workspace" "$TEST_IMAGE" sh -c "$LOOP" \
	>/dev/null 2>"$TMP/err"
ok $? "plain podman runs a --network host container" || bail "$(cat "$TMP/err")"
plain=$(oci "$PL")
case $plain in *SCMP_ARCH_X86*SCMP_ARCH_X32*"|SCMP_ACT_ERRNO|"*) st=0 ;; *) st=1 ;; esac
ok $st "control: podman's default profile admits x86 (ia32) and x32 (OCI config: ${plain%%|*})" ||
	diag "got '$plain'"

# ---- the jail ----
rm -f "$PROFILE"
JB=$JT-abi
jp create "$JB" --image "$TEST_IMAGE" --workspace "$WS" --network host --block-host \
	>"$TMP/out" 2>"$TMP/err"
ST=$?
ok $ST "create $JB --network host --block-host exits 0" ||
	bail "$(tail -n 5 "$TMP/err")"

st=$(stat -c '%a %U' /run/jail-ai "$PROFILE" 2>&1 | tr '\n' ' ')
[ "$st" = "700 root 600 root " ]
ok $? "the profile is $PROFILE, mode 600 in a directory of mode 700, root's" || diag "got: $st"
out=$("$PY" -c '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
arch = b.pop("archMap", None); a.pop("archMap", None)
print("same" if a == b else "differs", json.dumps(arch))' "$SRC" "$PROFILE" 2>&1)
[ "$out" = 'same [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}]' ]
ok $? "the profile is $SRC with archMap narrowed to x86_64 alone, the rest unchanged" ||
	diag "got: $out"

# The rules podman keeps depend on the capabilities: compare with a plain container that
# has the jail's user and drops the jail's capabilities (create drops by name, adds none).
caps=$(pm inspect --format '{{range .HostConfig.CapDrop}}{{.}},{{end}}' "$JB" 2>/dev/null)
user=$(pm inspect --format '{{.Config.User}}' "$JB" 2>/dev/null)
pm run -d --name "$JT-caps" --network host --cap-drop="${caps%,}" ${user:+--user="$user"} \
	--security-opt=no-new-privileges "$TEST_IMAGE" sh -c "$LOOP" >/dev/null 2>"$TMP/err"
same=$(oci "$JT-caps")
pm rm -f -t 0 "$JT-caps" >/dev/null 2>&1
jail=$(oci "$JB")
[ "${jail%%|*}" = SCMP_ARCH_X86_64 ] && [ "${jail#*|}" = "${same#*|}" ] && [ -n "$caps" ]
ok $? "podman gave runc the native arch only, with the default action and rules of its" \
	"default profile for the same capabilities ($jail vs ${same#*|})" ||
	diag "jail '$jail', plain as ${user:-root} dropping ${caps%,}: '$same'" "$(cat "$TMP/err")"

# podman reads the file at create and keeps the result: without the file the jail restarts
# with the same filter.
rm -f "$PROFILE"
jp stop "$JB" >/dev/null 2>&1
jp start "$JB" >"$TMP/out" 2>"$TMP/err"
ST=$?
again=$(oci "$JB")
[ "$ST" = 0 ] && [ "$(state "$JB")" = running ] && [ "$again" = "$jail" ]
ok $? "with the profile file removed, $JB restarts with the same filter ($again)" ||
	diag "start exit $ST, state $(state "$JB"): $(tail -n 3 "$TMP/err")"

# Fail closed: without podman's default profile there is nothing to narrow; create refuses
# before podman runs and says which file.
out=$(unshare -m --propagation private -- sh -c \
	'mount -t tmpfs none /usr/share/containers && exec "$@"' sh timeout 60 nsenter \
	--net="/run/netns/$NS_H" -- "$JAIL_AI" create "$JT-nosrc" --image "$TEST_IMAGE" \
	--workspace "$WS" --network host 2>&1 </dev/null)
st=$?
if [ -e /etc/containers/seccomp.json ]; then
	diag "/etc/containers/seccomp.json exists: the missing-profile case is not checked"
else
	[ "$st" = 125 ] && [[ "$out" == *"seccomp profile /usr/share/containers/seccomp.json"* ]] &&
		! exists "$JT-nosrc"
	ok $? "without podman's default profile, create exits 125 naming the file; no container" ||
		diag "exit $st: $out"
fi

# ---- calls in the jail and in the plain container ----
abi "$JB" getpid native
[ "$LAST" = ok ]
ok $? "$JB: a native getpid works" || diag "exit $ST: $OUT" "$(tail -n 3 "$TMP/err")"
abi "$JB" rthdr6 native rthdr ::1
[ "$LAST" = EPERM ]
ok $? "$JB: native setsockopt IPV6_RTHDR gets EPERM (the program)" || diag "exit $ST: $OUT"
n=$(arrivals lo4)
abi "$JB" connect native tcp 127.0.0.1 7001
sleep 0.1
[ "$LAST" = EPERM ] && [ "$(arrivals lo4)" = "$n" ]
ok $? "$JB: native connect 127.0.0.1 is EPERM, the listener hears nothing" ||
	diag "exit $ST: $OUT"

pabi "$PL" getpid x32
px32=$LAST
case $px32 in
ok) diag "control: x32 calls run in a plain podman container" ;;
ENOSYS) diag "control: x32 getpid in a plain container: ENOSYS (podman's profile admits x32;" \
	"this kernel has no x32 ABI)" ;;
esac
[ "$px32" = ok ] || [ "$px32" = ENOSYS ]
ok $? "control: a plain container's x32 getpid passes podman's filter ($px32)" ||
	diag "exit $ST: $OUT"
abi "$JB" getpid x32
[ "$LAST" = SIGSYS ]
ok $? "$JB: an x32 getpid is refused by the jail's filter: SIGSYS (the plain container: $px32)" ||
	diag "exit $ST: $OUT" "$(tail -n 3 "$TMP/err")"

pabi "$PL" getpid ia32
if [ "$LAST" != ok ]; then
	diag "this kernel makes no ia32 call from 64-bit code ($LAST); the ia32 cases for podman" \
		"are the OCI config above (runc filters on its architectures); tests/26-abi.t" \
		"runs ia32 against \`run\` in a VM"
else
	pabi "$PL" rthdr6 ia32 rthdr ::1
	[ "$LAST" = ok ]
	ok $? "control, plain podman --network host: ia32 setsockopt IPV6_RTHDR is set" ||
		diag "exit $ST: $OUT"
	for c in "getpid ia32" "rthdr6 ia32 rthdr ::1 1:: 7004" "rthdr6 ia32 2292rthdr" \
		"connect ia32 tcp 127.0.0.1 7001" "connect socketcall udp 127.0.0.1 7001" \
		"uring ia32"; do
		n=$(arrivals $HOST_LOGS)
		abi "$JB" $c
		sleep 0.1
		case $LAST in ok | "") st=1 ;; *) st=0 ;; esac
		[ "$(arrivals $HOST_LOGS)" = "$n" ] || st=1
		ok $st "$JB: $c is refused ($LAST), no host listener hears anything" ||
			diag "exit $ST: $OUT"
	done
fi

jp rm -f "$JB" >/dev/null 2>&1
pm rm -f -t 0 "$PL" >/dev/null 2>&1
done_testing
