#!/bin/bash
# tests/63-lifecycle.t - `jail-ai images prune` and `jail-ai clean`, for real, in a private podman
# storage (tests/podman-env.sh; the busybox test image as the base image).  Builds go through a
# podman wrapper that keeps only the FROM line of each generated Containerfile, so a layer is
# made in a second with the labels (recipe hash, parent id) jail-ai gives it.
# - prune: current layers are kept; a --rebuild's leftovers (dangling, hidden under each other)
#   go; tags whose recipe differs or that no recipe makes go; an image a container uses is kept
#   and said; other images (unlabelled dangling, a user's tag) are kept; without a terminal and
#   without -y nothing is removed.
# - clean: lists the jails and asks (answered through a real pty), -y without asking; only
#   jail-ai jails and their home volumes go; as root through sudo only $SUDO_UID's.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
command -v script >/dev/null || skip_all "needs script (bsdutils)"
podman_private_setup
podman_image || bail "no test image"

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config JAIL_AI_BASE_IMAGE=$TEST_IMAGE
unset JAIL_AI_CA_CERTS
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMP/ws"
echo '{ "name": "ws", "version": "1.0.0" }' >"$TMP/ws/package.json"
podman_wrapper pw '[ "$SUB" = build ] && { p=; for a in "$@"; do [ "$p" = --file ] &&
	sed -i "/^FROM /!d" "$a"; p=$a; done; }'
export JAIL_AI_PODMAN=$TMP/pw

# prune ARGS...: jail-ai images prune in the workspace; stdout in OUT, stderr in $TMP/err
prune() { OUT=$(cd "$TMP/ws" && "$JAIL_AI" images prune "$@" </dev/null 2>"$TMP/err"); ST=$?; }
# left OLD-IDS...: how many of these images still exist
left() { local i n=0; for i; do pm image exists "$i" && n=$((n + 1)); done; echo $n; }
uptodate() { (cd "$TMP/ws" && "$JAIL_AI" images list claude 2>&1) | grep -c 'up to date'; }

out=$(cd "$TMP/ws" && "$JAIL_AI" images build claude 2>&1)
[ $? = 0 ] && [ "$(uptodate)" = 3 ]
ok $? "base, nodejs, agent-claude built (through the wrapper)" || diag "$out"
prune -y
[ $ST = 0 ] && grep -q 'nothing to remove' "$TMP/err" && [ "$(uptodate)" = 3 ]
ok $? "prune with every layer current: nothing to remove" || diag "$OUT" "$(cat "$TMP/err")"

# ---- leftovers and stale tags ----
old=$(for t in base:latest nodejs:base agent-claude:base-nodejs; do
	pm image inspect --format '{{.Id}}' "localhost/jail-ai-$t"; done)
out=$(cd "$TMP/ws" && "$JAIL_AI" images build --rebuild claude 2>&1)
ok $? "images build --rebuild claude" || diag "$out"
shown=$(pm images --filter dangling=true --format '{{index .Labels "jail-ai.recipe"}}' | grep -c .)
# shellcheck disable=SC2086
[ "$(left $old)" = 3 ] && [ "$shown" -lt 3 ]
ok $? "the rebuild left the 3 old layers untagged, $shown of them shown as dangling" ||
	diag "$(pm images -a)"
AG=localhost/jail-ai-agent-claude:base-nodejs
pm tag "$AG" localhost/jail-ai-rust:base localhost/jail-ai-agent-nosuch:base localhost/mine:1
printf 'FROM %s\nLABEL x=1\n' "$TEST_IMAGE" >"$TMP/Containerfile"
pm build -q --no-cache -t localhost/plain:1 -f "$TMP/Containerfile" "$TMP" >/dev/null &&
	pm build -q --no-cache -t localhost/plain:1 -f "$TMP/Containerfile" "$TMP" >/dev/null
printf 'FROM localhost/jail-ai-base:latest\nLABEL jail-ai.recipe=%064d\n' 0 >"$TMP/Containerfile"
pm build -q -t localhost/jail-ai-go:base -f "$TMP/Containerfile" "$TMP" >/dev/null &&
	pm create -q --name "$JT-use" localhost/jail-ai-go:base true >/dev/null
ok $? "a stale go layer used by a container, a user's dangling image and tags"
prune
# shellcheck disable=SC2086
[ $ST = 125 ] && grep -q 'not a terminal' "$TMP/err" && [ "$(left $old)" = 3 ] &&
	pm image exists localhost/jail-ai-rust:base
ok $? "without a terminal and without -y: listed, nothing removed (status $ST)" ||
	diag "$OUT" "$(cat "$TMP/err")"
grep -q 'stale .*localhost/jail-ai-rust:base$' <<<"$OUT" &&
	grep -q 'stale .*localhost/jail-ai-agent-nosuch:base$' <<<"$OUT" &&
	grep -q 'stale .*localhost/jail-ai-go:base$' <<<"$OUT" && grep -q ' dangling ' <<<"$OUT" &&
	! grep -q -e 'mine' -e "$AG" -e 'plain' <<<"$OUT"
ok $? "the list: the stale tags and the dangling leftovers, not the current or the user's" ||
	diag "$OUT"
prune -y
# shellcheck disable=SC2086
[ $ST = 0 ] && [ "$(left $old)" = 0 ]
ok $? "prune -y: the 3 old layers are gone (status $ST)" || diag "$OUT" "$(cat "$TMP/err")" \
	"$(pm images -a)"
! pm image exists localhost/jail-ai-rust:base && ! pm image exists localhost/jail-ai-agent-nosuch:base
ok $? "the stale tags are gone"
[ "$(uptodate)" = 3 ] && pm image exists localhost/mine:1 &&
	[ "$(pm images --filter dangling=true --format '{{.Labels}}' | grep -c 'x:1')" = 1 ]
ok $? "kept: the current layers, the user's tag and the user's dangling image" || diag "$(pm images -a)"
pm image exists localhost/jail-ai-go:base && grep -q 'jail-ai-go:base kept: a container uses it' "$TMP/err"
ok $? "kept and said: the stale image a container uses" || diag "$(cat "$TMP/err")"
pm rm -f "$JT-use" >/dev/null 2>&1

# ---- clean ----
mkdir -p "$TMP/w1" "$TMP/w2" "$TMP/w3"
chown 4321:4322 "$TMP/w1"
mk() { jp create "$@" --image "$TEST_IMAGE" >/dev/null 2>"$TMP/err" || diag "$(cat "$TMP/err")"; }
mk "$JT-a" --workspace "$TMP/w1"
SUDO_UID=4321 SUDO_GID=4322 mk "$JT-b" --workspace "$TMP/w2"
mk "$JT-c" --workspace "$TMP/w3"
pm create -q --name "$JT-plain" "$TEST_IMAGE" true >/dev/null
exists "$JT-a" && exists "$JT-b" && exists "$JT-c" && exists "$JT-plain"
ok $? "jails $JT-a (4321), $JT-b (sudo 4321), $JT-c (1000) and a plain container"
out=$(jp clean 2>&1 </dev/null)
st=$?
[ $st = 125 ] && grep -q "$JT-a" <<<"$out" && grep -q "$JT-c" <<<"$out" && ! grep -q "$JT-plain" <<<"$out" &&
	exists "$JT-a"
ok $? "clean without a terminal or -y: the list, nothing removed (status $st)" || diag "$out"
out=$(echo n | script -qec "SUDO_UID=4321 nsenter --net=/run/netns/$NS_H -- $JAIL_AI clean" /dev/null 2>&1)
grep -q 'Remove these 2 jails' <<<"$out" && exists "$JT-a" && exists "$JT-b"
ok $? "SUDO_UID=4321 clean on a terminal asks about 2 jails; 'n' removes nothing" || diag "$out"
out=$(echo y | script -qec "SUDO_UID=4321 nsenter --net=/run/netns/$NS_H -- $JAIL_AI clean" /dev/null 2>&1)
! exists "$JT-a" && ! exists "$JT-b" && exists "$JT-c" &&
	! pm volume exists "$JT-a-home" && ! pm volume exists "$JT-b-home"
ok $? "'y': $JT-a and $JT-b and their home volumes are gone, $JT-c (another user's) stays" ||
	diag "$out"
out=$(jp clean -y 2>&1 </dev/null)
! exists "$JT-c" && exists "$JT-plain" && ! pm volume exists "$JT-c-home"
ok $? "clean -y: $JT-c gone, the plain container stays" || diag "$out"
out=$(jp clean -y 2>&1 </dev/null)
[ $? = 0 ] && grep -q 'no jails' <<<"$out"
ok $? "clean with no jails: says so" || diag "$out"

done_testing
