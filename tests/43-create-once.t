#!/bin/bash
# tests/43-create-once.t - create builds podman's command line once: every
# option is checked before the image is built, and the image then goes into
# the line already made, so a rootless create asks `podman info` (the cgroup
# manager, for --cgroup-parent) once, not twice.
# No podman runs: JAIL_AI_PODMAN is a script that logs its arguments, says
# "cgroupfs" to info, no such container to inspect, and fails create.
# Runs as root to place a non-root caller in a cgroup v2 of its own (the
# case where create asks podman info); the cgroup is removed at the end.
. "$(dirname "$0")/lib.sh"
require_root
require_cgroup2
[ -x "$JAIL_AI" ] || bail "$JAIL_AI not built (make)"
command -v runuser >/dev/null || skip_all "needs runuser"
RUSER=nobody
id -u "$RUSER" >/dev/null 2>&1 || skip_all "needs the user $RUSER"

CG=$CG2/jai-create-once-$$
mkdir "$CG" || bail "mkdir $CG"
trap 'rmdir "$CG" 2>/dev/null; cleanup' EXIT

cat >"$TMP/podman" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$TMP/calls"
case "\$1" in
info) echo cgroupfs ;;
*) exit 1 ;;
esac
EOF
chmod 755 "$TMP/podman"
mkdir "$TMP/ws" "$TMP/home" && chmod 755 "$TMP/ws" &&
	chown "$RUSER" "$TMP/home" || bail "cannot make $TMP/ws and $TMP/home"
: >"$TMP/calls" && chmod 666 "$TMP/calls"
cp "$JAIL_AI" "$TMP/jail-ai" && chmod 755 "$TMP/jail-ai"

# create_as ARGS...: jail-ai create as $RUSER from inside $CG; output in $TMP/out.
create_as() {
	: >"$TMP/calls"
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		runuser -u "$RUSER" -- env -i PATH=/usr/bin:/bin HOME="$TMP/home" \
		JAIL_AI_PODMAN="$TMP/podman" "$TMP/jail-ai" create "$@" \
		--workspace "$TMP/ws" >"$TMP/out" 2>&1
}

create_as once1 --image docker.io/library/alpine:3; st=$?
ninfo=$(grep -c '^info ' "$TMP/calls")
ok "$([ "$st" = 125 ] && grep -q 'podman create once1 failed' "$TMP/out"; echo $?)" \
	"create reaches podman create (the fake podman fails it), exit 125" ||
	diag "exit $st" "$(cat "$TMP/out")" "$(cat "$TMP/calls")"
grep -q -- "--cgroup-parent=/jai-create-once-$$ " "$TMP/calls"
ok $? "the control: in a cgroup of its own, a rootless create asks for --cgroup-parent" ||
	diag "$(cat "$TMP/calls")"
[ "$ninfo" = 1 ]
ok $? "podman info is asked once ($ninfo)" || diag "$(cat "$TMP/calls")"
grep -q '^create .* docker\.io/library/alpine:3 /bin/sh -c ' "$TMP/calls"
ok $? "the image is in its place in podman create's line, before the main loop" ||
	diag "$(grep '^create ' "$TMP/calls")"
! grep -q 'the image, once built' "$TMP/calls"
ok $? "no placeholder is left in podman create's line" || diag "$(grep '^create ' "$TMP/calls")"

# A bad option is still refused before anything is built or made.
create_as once2 --image docker.io/library/alpine:3 --port 99999:80; st=$?
ok "$([ "$st" = 125 ] && grep -q -- '--port 99999:80' "$TMP/out" &&
	! grep -q '^create ' "$TMP/calls"; echo $?)" \
	"a bad --port: refused, podman create never asked" ||
	diag "exit $st" "$(cat "$TMP/out")" "$(cat "$TMP/calls")"

done_testing
