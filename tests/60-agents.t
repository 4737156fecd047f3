#!/bin/bash
# tests/60-agents.t - agents and layered images, for real: a Debian trixie base from debootstrap
# (cached), the nodejs layer and the claude agent layer built by `jail-ai images build claude`
# (npm registry), then `jail-ai claude --block-host -- --version` in a protected jail that
# cannot reach the host; the agent runs as the caller's (sudo's) uid, not root, and
# `claude --dangerously-skip-permissions --version` works there; a layer whose label does not match its recipe is rebuilt (and the
# layers below it are not); gemini (Node.js 20), codex and copilot build and print their
# --version in their jails; --isolated tags differ between workspaces; a project's recipe is
# built only onto a per-workspace tag; the config file; no auto-login without a terminal.
#
# Builds need the real network (Debian's mirror, the npm registry), so they run outside the
# test's namespace; everything that runs a jail runs in the "host" namespace $NS_H (lib.sh).
#
# Cache (same machine, between runs): /var/cache/jail-ai-test/ holds the debootstrap tarball
# and a podman storage of its own (podman-trixie/) whose images are the layer cache; the test
# removes only the containers it made there.  Measured on 2 shared cores (load 5): cold 225 s
# (debootstrap 25 s; base, nodejs and claude 93 s; gemini 9 s, codex 12 s, copilot 25 s), warm
# 49 s (nothing built but the nodejs rebuild below, from podman's cache).
# JAIL_AI_TEST_CACHE moves the cache; deleting the directory starts cold.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

podman_test_requires

# The cached storage, $BASE_IMG in it, JAIL_AI_BASE_IMAGE and the CA certificates
# (tests/agents-env.sh); the exit trap removes what this run made there.
agents_store
netns_setup
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME/jail-ai"
WS1=$TMP/ws1 WS2=$TMP/ws2
mkdir -p "$WS1" "$WS2"
echo '{ "name": "ws1", "version": "1.0.0" }' >"$WS1/package.json"
cp "$PROBE" "$WS1/probe"
echo '{ "name": "ws2", "version": "1.0.0" }' >"$WS2/package.json"
if [ -n "${JAIL_AI_CA_CERTS:-}" ]; then
	diag "images trust the local CA certificates: $(ls /usr/local/share/ca-certificates/*.crt)"
fi

# build DIR ARGS...: `jail-ai images build ARGS` in DIR, real network; output in $TMP/build.log
build() { images_build "$@"; }
# in_ws DIR CMD...: CMD in DIR
in_ws() { (cd "$1" && shift && "$@"); }

# ---- build: base, nodejs (detected from package.json), agent-claude ----
t0=$(date +%s)
build "$WS1" claude
st=$?
ok $st "jail-ai images build claude ($(($(date +%s) - t0))s)" || diag "$(tail -n 30 "$TMP/build.log")"
[ $st = 0 ] || done_testing
grep '^jail-ai: \[[0-9/]*\] building layer' "$TMP/build.log" | sed 's/^/# /'

out=$(in_ws "$WS1" "$JAIL_AI" images list claude 2>&1)
[ "$(echo "$out" | grep -c 'up to date')" = 3 ] &&
	echo "$out" | grep -q '^base .*localhost/jail-ai-base:latest' &&
	echo "$out" | grep -q '^nodejs .*localhost/jail-ai-nodejs:base ' &&
	echo "$out" | grep -q '^agent-claude .*localhost/jail-ai-agent-claude:base-nodejs '
ok $? "images list: base, nodejs (detected), agent-claude, all up to date" || diag "$out"

AGENT_TAG=localhost/jail-ai-agent-claude:base-nodejs
lab=$("$PODMAN" image inspect --format '{{index .Labels "jail-ai.recipe"}}' "$AGENT_TAG" 2>&1)
echo "$out" | grep '^agent-claude' | grep -q "recipe ${lab:0:12})"
ok $? "the agent image carries its recipe hash as jail-ai.recipe ($lab)"

build "$WS1" claude
! grep -q 'building layer' "$TMP/build.log"
ok $? "a second build builds nothing" || diag "$(grep 'building' "$TMP/build.log")"

# ---- the agent in a protected jail ----
serve "$NS_H" host4 10.77.0.1 7002
NAME=jail-ai-claude-ws1-$(printf %s "$WS1" | sha256sum | cut -c1-8)
t0=$(date +%s)
out=$(cd "$WS1" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" claude --block-host \
	-- --version </dev/null 2>"$TMP/claude.err")
st=$?
[ $st = 0 ] && echo "$out" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+'
ok $? "jail-ai claude --block-host -- --version prints the CLI's version: $out ($(($(date +%s) - t0))s)" ||
	diag "status $st" "$(cat "$TMP/claude.err")"
! grep -q 'building layer' "$TMP/claude.err"
ok $? "the run built nothing (the images were up to date)"
grep -q "not logged in" "$TMP/claude.err" && grep -q "jail-ai claude --auth" "$TMP/claude.err"
ok $? "no credentials and no terminal: no login shell, a hint instead" || diag "$(cat "$TMP/claude.err")"
exists "$NAME"
ok $? "the jail is $NAME"
out=$(jp status "$NAME" 2>&1)
echo "$out" | grep -q '^protection: attached' && echo "$out" | grep -q "image: $AGENT_TAG"
ok $? "status: protected, from $AGENT_TAG" || diag "$out"

# 127.0.0.1 is the jail's own in its private network (issue 9, item 3): only host addresses.
for a in 10.77.0.1 10.77.1.1; do
	out=$(jp exec "$NAME" -- /workspace/probe tcp "$a" 7002 2>&1)
	st=$?
	[ $st = 1 ] && [ "$(arrivals host4)" = 0 ]
	ok $? "the agent's jail cannot reach the host: probe tcp $a:7002 gets EPERM" ||
		diag "status $st: $out" "arrivals: $(arrivals host4)"
done

out=$(cd "$WS1" && timeout -k 5 120 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" claude \
	-- --version </dev/null 2>&1)
echo "$out" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+'
ok $? "a second run reuses the jail: $(echo "$out" | tail -n 1)"

# ---- the agent is not root: sudo's user, files on the host are the caller's ----
WS3=$TMP/ws3
mkdir -p "$WS3"
echo '{ "name": "ws3", "version": "1.0.0" }' >"$WS3/package.json"
chown -R 4321:4322 "$WS3"
NAME3=jail-ai-claude-ws3-$(printf %s "$WS3" | sha256sum | cut -c1-8)
t0=$(date +%s)
out=$(cd "$WS3" && SUDO_UID=4321 SUDO_GID=4322 timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- \
	"$JAIL_AI" claude -- --dangerously-skip-permissions --version </dev/null 2>"$TMP/claude.err")
st=$?
[ $st = 0 ] && echo "$out" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+'
ok $? "sudo jail-ai claude -- --dangerously-skip-permissions --version runs: $out ($(($(date +%s) - t0))s)" ||
	diag "status $st" "$(tail -n 20 "$TMP/claude.err")"
out=$(jp exec "$NAME3" -- sh -c 'id -u; id -g; echo "$HOME"; echo hi >/workspace/by-agent' 2>&1)
[ "$out" = "4321
4322
/home/jail" ] && [ "$(stat -c %u:%g "$WS3/by-agent" 2>&1)" = 4321:4322 ]
ok $? "in the agent's jail id is 4321:4322 (SUDO_UID:SUDO_GID), not 0; a file written to /workspace is 4321:4322 on the host" ||
	diag "$out" "$(stat -c %u:%g "$WS3/by-agent" 2>&1)"
out=$(jp exec "$NAME3" -- sh -c 'ls -ld "$HOME/.claude.json" "$HOME" 2>&1; touch "$HOME/w" && echo writable')
echo "$out" | grep -q '^writable$'
ok $? "the agent's HOME is writable" || diag "$out"
# Claude Code refuses --dangerously-skip-permissions as root once it runs a prompt (--version
# does not check): as root it says so; as the jail's user it gets as far as logging in.
ROOTMSG='cannot be used with root/sudo privileges'
out=$(timeout 120 "$PODMAN" run --rm --network none "$AGENT_TAG" claude --dangerously-skip-permissions \
	-p hi </dev/null 2>&1)
grep -q "$ROOTMSG" <<<"$out"
ok $? "control: as root (plain podman, same image) claude --dangerously-skip-permissions -p refuses" ||
	diag "$out"
out=$(cd "$WS3" && SUDO_UID=4321 SUDO_GID=4322 timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- \
	"$JAIL_AI" claude -- --dangerously-skip-permissions -p hi </dev/null 2>&1)
! grep -q "$ROOTMSG" <<<"$out" && grep -qi 'log' <<<"$out"
ok $? "in the agent's jail it does not refuse (it asks to log in): $(echo "$out" | tail -n 1)" ||
	diag "$out"

# ---- a stale layer is rebuilt, the ones below it are not ----
"$PODMAN" tag "$BASE_IMG" localhost/jail-ai-nodejs:base || bail "podman tag failed"
out=$(in_ws "$WS1" "$JAIL_AI" images list claude 2>&1)
echo "$out" | grep '^nodejs' | grep -q 'recipe changed'
ok $? "a nodejs tag without the recipe's label is stale" || diag "$out"
t0=$(date +%s)
build "$WS1" claude
st=$?
grep -q '^jail-ai: \[1/2\] building layer nodejs (localhost/jail-ai-nodejs:base): recipe changed' "$TMP/build.log" &&
	! grep -q 'building layer base' "$TMP/build.log" && [ $st = 0 ]
ok $? "it is rebuilt, and the base is not ($(($(date +%s) - t0))s)" || diag "$(tail -n 20 "$TMP/build.log")"
grep '^jail-ai: \[[0-9/]*\] building layer' "$TMP/build.log" | sed 's/^/# /'
lab=$("$PODMAN" image inspect --format '{{index .Labels "jail-ai.recipe"}}' localhost/jail-ai-nodejs:base)
echo "$out" | grep '^nodejs' | grep -q "recipe ${lab:0:12})"
ok $? "the rebuilt nodejs layer has its recipe's label again"

# ---- every other agent whose install is reachable from here: built (cached like claude's, by
# recipe hash) and its --version run in its jail.  After the nodejs rebuild above, so that what
# they are built on is the stack the next run finds.  gemini needs Node.js >= 20: trixie's. ----
for ag in gemini codex copilot; do
	t0=$(date +%s)
	build "$WS1" "$ag"
	st=$?
	ok $st "jail-ai images build $ag ($(($(date +%s) - t0))s)" || diag "$(tail -n 30 "$TMP/build.log")"
	grep '^jail-ai: \[[0-9/]*\] building layer' "$TMP/build.log" | sed 's/^/# /'
	t0=$(date +%s)
	out=$(cd "$WS1" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$ag" \
		-- --version </dev/null 2>"$TMP/$ag.err")
	st=$?
	[ $st = 0 ] && grep -Eq '(^|[^0-9.])[0-9]+\.[0-9]+\.[0-9]+' <<<"$out"
	ok $? "jail-ai $ag -- --version prints the CLI's version: $(tr '\n' ' ' <<<"$out")($(($(date +%s) - \
		t0))s)" || diag "status $st" "$(tail -n 20 "$TMP/$ag.err")"
done
out=$(in_ws "$WS1" "$JAIL_AI" images list gemini 2>&1)
node=$("$PODMAN" run --rm --network none localhost/jail-ai-agent-gemini:base-nodejs node --version 2>&1)
[ "$(grep -c 'up to date' <<<"$out")" = 3 ] && [[ $node =~ ^v(2[0-9]|[3-9][0-9]) ]]
ok $? "gemini's stack is up to date and runs Node.js $node (>= 20)" || diag "$out"

# ---- the config file ----
printf '# test\nbase-image = %s\n' "$BASE_IMG" >"$XDG_CONFIG_HOME/jail-ai/config"
out=$(cd "$WS1" && env -u JAIL_AI_BASE_IMAGE "$JAIL_AI" images list claude 2>&1)
[ "$(echo "$out" | grep -c 'up to date')" = 3 ]
ok $? "base-image from \$XDG_CONFIG_HOME/jail-ai/config" || diag "$out"
out=$(cd "$WS1" && JAIL_AI_BASE_IMAGE=localhost/other:1 "$JAIL_AI" images list claude 2>&1)
[ "$(echo "$out" | grep -c 'recipe changed')" = 3 ]
ok $? "JAIL_AI_BASE_IMAGE wins over the config: every layer's recipe differs" || diag "$out"
printf 'base-image = %s\nbase-mage = x\n' "$BASE_IMG" >"$XDG_CONFIG_HOME/jail-ai/config"
out=$(cd "$WS1" && env -u JAIL_AI_BASE_IMAGE "$JAIL_AI" images list claude 2>&1)
st=$?
[ $st = 125 ] && echo "$out" | grep -q 'config .* line 2: unknown key'
ok $? "a bad config line is an error naming line 2 (status $st)" || diag "$out"
rm -f "$XDG_CONFIG_HOME/jail-ai/config"

# ---- --isolated and a project's recipe ----
o1=$(in_ws "$WS1" "$JAIL_AI" images list --isolated claude 2>&1 | awk '$1 == "agent-claude" { print $2 }')
o2=$(in_ws "$WS2" "$JAIL_AI" images list --isolated claude 2>&1 | awk '$1 == "agent-claude" { print $2 }')
[ -n "$o1" ] && [ -n "$o2" ] && [ "$o1" != "$o2" ] && [ "$o1" != "$AGENT_TAG" ]
ok $? "--isolated: two workspaces, two agent tags ($o1, $o2)"

mkdir -p "$WS2/.jail-ai"
printf 'RUN echo ws2 >/etc/jail-ai-project\n' >"$WS2/.jail-ai/Containerfile"
out=$(in_ws "$WS2" "$JAIL_AI" images list claude 2>&1)
echo "$out" | grep -q 'not used without --isolated' && ! echo "$out" | grep -q '^project'
ok $? "without --isolated a project's recipe is not used" || diag "$out"
t0=$(date +%s)
build "$WS2" --isolated claude
st=$?
ptag=$(grep -o 'building layer project ([^)]*)' "$TMP/build.log" | sed 's/.*(\(.*\))/\1/')
[ $st = 0 ] && [ -n "$ptag" ] && case $ptag in localhost/jail-ai-project:base-nodejs-????????) true ;;
	*) false ;; esac
ok $? "--isolated builds the project layer onto a per-workspace tag: $ptag ($(($(date +%s) - t0))s)" ||
	diag "$(tail -n 20 "$TMP/build.log")"
itag=$(in_ws "$WS2" "$JAIL_AI" images list --isolated claude 2>&1 | awk '$1 == "agent-claude" { print $2 }')
# every per-workspace tag this build made (base and nodejs too), so the cache does not keep them
ISO_TAGS="$ptag $(in_ws "$WS2" "$JAIL_AI" images list --isolated claude 2>&1 | awk 'NR > 1 { print $2 }')"
"$PODMAN" run --rm "$itag" cat /etc/jail-ai-project 2>/dev/null | grep -q ws2 &&
	! "$PODMAN" run --rm "$AGENT_TAG" test -e /etc/jail-ai-project 2>/dev/null
ok $? "the project's step is in $itag and not in the shared $AGENT_TAG"
printf 'FROM docker.io/evil\nRUN true\n' >"$WS2/.jail-ai/Containerfile"
out=$(in_ws "$WS2" "$JAIL_AI" images list --isolated claude 2>&1)
[ $? = 125 ] && echo "$out" | grep -q 'jail-ai puts the FROM line'
ok $? "a project recipe with its own FROM is refused" || diag "$out"

# ---- usage errors ----
out=$(in_ws "$WS1" "$JAIL_AI" claude --layers rust,ruby -- --version 2>&1)
[ $? = 125 ] && echo "$out" | grep -q 'unknown layer ruby'
ok $? "--layers rust,ruby: refused, naming ruby" || diag "$out"
out=$(in_ws "$WS1" "$JAIL_AI" claude --base-image 'x y' -- --version 2>&1)
[ $? = 125 ]
ok $? "--base-image with a space: refused" || diag "$out"

done_testing
