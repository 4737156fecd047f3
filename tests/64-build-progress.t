#!/bin/bash
# tests/64-build-progress.t - the build's progress, for real, in a private podman storage
# (tests/podman-env.sh; the busybox test image as the base image): a counter per layer built
# ("[2/3] building layer nodejs"), podman's output folded (indented) under it, a time per layer;
# --quiet shows the counter and not podman's output, except the end of a failed build's.  Builds
# go through a podman wrapper that keeps only the FROM line of each generated Containerfile (and
# makes the nodejs layer fail when $TMP/fail exists).

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
podman_private_setup
podman_image || bail "no test image"

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config JAIL_AI_BASE_IMAGE=$TEST_IMAGE
unset JAIL_AI_CA_CERTS
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMP/ws"
echo '{ "name": "ws", "version": "1.0.0" }' >"$TMP/ws/package.json"
podman_wrapper pw '[ "$SUB" = build ] && { p=; for a in "$@"; do [ "$p" = --file ] && {
	if [ -e '"$TMP"'/fail ] && grep -q "layer nodejs" "$a"; then
		printf "FROM %s\nRUN echo boom-from-nodejs; exit 3\n" "$(sed -n "s/^FROM //p" "$a")" >"$a.new"
		mv "$a.new" "$a"
	else sed -i "/^FROM /!d" "$a"; fi; }; p=$a; done; }'
export JAIL_AI_PODMAN=$TMP/pw

# build ARGS...: jail-ai images build ARGS in the workspace; stderr in ERR, status in ST
build() { ERR=$(cd "$TMP/ws" && "$JAIL_AI" images build "$@" 2>&1 >/dev/null </dev/null); ST=$?; }
# unfolded: lines that are neither ours nor indented
unfolded() { grep -v -e '^jail-ai: ' -e '^    ' <<<"$ERR"; }

build claude
[ $ST = 0 ] && grep -q '^jail-ai: \[1/3\] building layer base (localhost/jail-ai-base:latest): missing$' <<<"$ERR" &&
	grep -q '^jail-ai: \[2/3\] building layer nodejs (localhost/jail-ai-nodejs:base): missing$' <<<"$ERR" &&
	grep -q '^jail-ai: \[3/3\] building layer agent-claude (.*): missing$' <<<"$ERR" &&
	grep -q '^jail-ai: \[3/3\] agent-claude built in [0-9]*s$' <<<"$ERR"
ok $? "three layers built: [1/3] base, [2/3] nodejs, [3/3] agent-claude, each with its time" ||
	diag "$ERR"
grep -q '^    STEP 1/[0-9]*: FROM ' <<<"$ERR" && grep -q '^    Successfully tagged localhost/jail-ai-nodejs:base' <<<"$ERR" &&
	[ -z "$(unfolded)" ]
ok $? "podman's output is folded under them: every other line indented" || diag "$(unfolded)"

# Only what is stale is counted: the agent's recipe changed (its tag relabelled).
printf 'FROM localhost/jail-ai-agent-claude:base-nodejs\nLABEL jail-ai.recipe=x\n' >"$TMP/Containerfile"
pm build -q -t localhost/jail-ai-agent-claude:base-nodejs -f "$TMP/Containerfile" "$TMP" >/dev/null
build --quiet claude
[ $ST = 0 ] && grep -q '^jail-ai: \[1/1\] building layer agent-claude (.*): recipe changed$' <<<"$ERR" &&
	[ "$(grep -c 'building layer' <<<"$ERR")" = 1 ] && ! grep -q '^    ' <<<"$ERR"
ok $? "--quiet, one stale layer: [1/1] agent-claude, no podman output" || diag "$ERR"

touch "$TMP/fail"
build --rebuild --quiet claude
[ $ST = 125 ] && grep -q '^jail-ai: \[2/3\] building layer nodejs' <<<"$ERR" &&
	grep -q "the end of podman's output" <<<"$ERR" && grep -q '^    boom-from-nodejs$' <<<"$ERR" &&
	grep -q 'podman build of layer nodejs .* failed' <<<"$ERR" && ! grep -q 'STEP 1/[0-9]*: FROM localhost/jail-ai-test' <<<"$ERR"
ok $? "--quiet, a failed build: its output's end shown, folded, then the error (status $ST)" ||
	diag "$ERR"
build --rebuild claude
[ $ST = 125 ] && grep -q '^    boom-from-nodejs$' <<<"$ERR" && ! grep -q "the end of podman's output" <<<"$ERR" &&
	[ -z "$(unfolded)" ]
ok $? "without --quiet the failure's output is there, folded, once" || diag "$ERR"

done_testing
