#!/bin/bash
# tests/68-upgrade.t - `jail-ai upgrade [AGENT]`, for real, in a private podman storage
# (tests/podman-env.sh; the busybox test image as the base image).  Builds go through a podman
# wrapper that keeps only the FROM line of each generated Containerfile (a layer in a second,
# with the labels jail-ai gives it) and logs every podman command line.
# - upgrade AGENT: that agent's layer is built again, without cache (a new image id); base,
#   nodejs and the other agent's image keep their ids; a container made from the old image keeps
#   it (jails keep their image until recreated, and the output says so).
#   It prints the id and `claude --version` (a fake claude, new at each build) before and after.
# - upgrade: every agent image there is, each agent layer once; "?" for a version an image cannot
#   give.
# - a lower layer whose recipe changed is rebuilt first, as in any build; one unchanged is not.
# - an agent without an image: "nothing to upgrade; jail-ai images build AGENT", exit 125.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
podman_private_setup
podman_image || bail "no test image"

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config JAIL_AI_BASE_IMAGE=$TEST_IMAGE
unset JAIL_AI_CA_CERTS
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMP/ws"
# The agent-claude layer gets a fake claude whose --version is new at each build (2.0.1, 2.0.2...).
podman_wrapper pw '[ "$SUB" = build ] && { p=; for a in "$@"; do [ "$p" = --file ] && {
	fake=; grep -q "layer agent-claude" "$a" && fake=1; sed -i "/^FROM /!d" "$a"
	[ -n "$fake" ] && echo x >>'"$TMP"'/builds && n=$(grep -c . '"$TMP"'/builds) &&
		echo "RUN mkdir -p /usr/local/bin && echo \"#!/bin/sh\" >/usr/local/bin/claude && echo \"echo 2.0.$n\" >>/usr/local/bin/claude && chmod 755 /usr/local/bin/claude" >>"$a"; }
	p=$a; done; }'
export JAIL_AI_PODMAN=$TMP/pw

B=localhost/jail-ai-base:latest N=localhost/jail-ai-nodejs:base
C=localhost/jail-ai-agent-claude:base-nodejs X=localhost/jail-ai-agent-codex:base-nodejs
id_of() { pm image inspect --format '{{.Id}}' "$1" 2>/dev/null; }
# upgrade ARGS...: jail-ai upgrade in the workspace; stdout in OUT, stderr in ERR, status in ST;
# the podman build command lines it ran in BUILDS
upgrade() {
	: >"$TMP/pw.log"
	OUT=$(cd "$TMP/ws" && "$JAIL_AI" upgrade "$@" 2>"$TMP/err" </dev/null); ST=$?
	ERR=$(cat "$TMP/err"); BUILDS=$(grep '^build ' "$TMP/pw.log")
}

for a in claude codex; do
	(cd "$TMP/ws" && "$JAIL_AI" images build --quiet $a) >"$TMP/b" 2>&1 || bail "images build $a: $(cat "$TMP/b")"
done
b0=$(id_of $B) n0=$(id_of $N) c0=$(id_of $C) x0=$(id_of $X)
[ -n "$b0" ] && [ -n "$n0" ] && [ -n "$c0" ] && [ -n "$x0" ] || bail "the layers are not there"
pm create -q --name "$JT-upgrade-use" "$C" true >/dev/null || bail "cannot make a container"

upgrade claude
c1=$(id_of $C)
[ $ST = 0 ] && [ -n "$c1" ] && [ "$c1" != "$c0" ] &&
	grep -q "^jail-ai: \[1/1\] building layer agent-claude ($C): upgrade, without cache$" <<<"$ERR" &&
	[ "$(grep -c 'building layer' <<<"$ERR")" = 1 ] &&
	[ "$(grep -c . <<<"$BUILDS")" = 1 ] && grep -q -- "--no-cache .*--tag $C " <<<"$BUILDS"
ok $? "upgrade claude: only the agent-claude layer built, with --no-cache: a new image id" ||
	diag "exit $ST, ${c0:0:12} -> ${c1:0:12}" "$ERR" "$BUILDS"
ok "$([ "$(id_of $B)" = "$b0" ] && [ "$(id_of $N)" = "$n0" ] && [ "$(id_of $X)" = "$x0" ]; echo $?)" \
	"base, nodejs and codex's image keep their ids"
grep -q "^claude  *$C  *${c0:0:12} 2\.0\.1 -> ${c1:0:12} 2\.0\.2$" <<<"$OUT" && ! grep -q codex <<<"$OUT"
ok $? "it prints claude's image id and version (claude --version in the image) before and after, nothing of codex" ||
	diag "$OUT"
[ "$(pm inspect --format '{{.Image}}' "$JT-upgrade-use")" = "$c0" ] &&
	grep -q 'existing jails keep their old image until recreated' <<<"$ERR"
ok $? "a container of the old image keeps it, and the output says jails keep theirs until recreated" ||
	diag "$ERR"
pm rm -f "$JT-upgrade-use" >/dev/null 2>&1

upgrade --quiet
c2=$(id_of $C) x2=$(id_of $X)
[ $ST = 0 ] && [ "$c2" != "$c1" ] && [ "$x2" != "$x0" ] && [ "$(grep -c . <<<"$BUILDS")" = 2 ] &&
	[ "$(grep -c -- '--no-cache' <<<"$BUILDS")" = 2 ] && ! grep -q '^    ' <<<"$ERR" &&
	[ "$(id_of $B)" = "$b0" ] && [ "$(id_of $N)" = "$n0" ] &&
	grep -q "^claude  *$C .* 2\.0\.2 -> .* 2\.0\.3$" <<<"$OUT" && grep -q "^codex  *$X .* ? -> .* ?$" <<<"$OUT"
ok $? "upgrade: every agent image, each agent layer once; base and nodejs kept" ||
	diag "exit $ST" "$OUT" "$ERR" "$BUILDS"

# A lower layer whose recipe changed is rebuilt first (nodejs relabelled), not the base.
printf 'FROM %s\nLABEL jail-ai.recipe=x\n' "$N" >"$TMP/Containerfile"
pm build -q -t "$N" -f "$TMP/Containerfile" "$TMP" >/dev/null
upgrade codex
[ $ST = 0 ] && grep -q "^jail-ai: \[1/2\] building layer nodejs ($N): recipe changed$" <<<"$ERR" &&
	grep -q "^jail-ai: \[2/2\] building layer agent-codex ($X): upgrade, without cache$" <<<"$ERR" &&
	[ "$(id_of $B)" = "$b0" ] && [ "$(id_of $X)" != "$x2" ]
ok $? "upgrade codex with nodejs stale: nodejs rebuilt first, then codex; the base kept" ||
	diag "exit $ST" "$ERR"

upgrade gemini
[ $ST = 125 ] && [ "$ERR" = "jail-ai: upgrade: nothing to upgrade; jail-ai images build gemini" ] &&
	[ -z "$BUILDS" ]
ok $? "upgrade gemini, never built: nothing to upgrade, exit 125, nothing built" || diag "exit $ST: $ERR"

done_testing
