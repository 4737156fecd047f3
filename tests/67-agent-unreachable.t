#!/bin/bash
# tests/67-agent-unreachable.t - the agents whose install needs what this machine or the base may
# lack (gemini: Node.js >= 20 and the npm registry; jules: the npm registry and Google's storage,
# from which its install script fetches the CLI; cursor: cursor.com and downloads.cursor.com) fail
# to build with one message naming what was missing, not the end of an install log, for real (the
# Debian base and nodejs layers of the cached storage, tests/agents-env.sh; built when missing:
# after a cold 60-agents, the kubernetes layer and a nodejs on it take 42 s, warm the test 13 s).
#
# Nothing outside is asked: the builds run in the test's "host" namespace (lib.sh), which has no
# route out, and the sources are faked there: a podman wrapper puts a `node` that says v18.19.0
# (bookworm's; the stack is trixie's, whose Node.js 20 passes) or an npm registry at
# 10.77.0.1:8080 (busybox httpd, 404 for everything) into an agent layer's Containerfile when
# $TMP/inject says so.  Control: with trixie's Node.js 20 and the registry faked, gemini's checks
# pass and the build fails later, as a plain failure.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

podman_test_requires
agents_store

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
WS=$TMP/ws
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$WS" "$TMP/www"
# gemini's builds here stack it on the kubernetes layer: tests/60-agents.t builds gemini on
# base-nodejs into the same cached storage, and an agent layer that is up to date is not built
# again, so these builds would see no check fail.  This also builds a language layer for real
# (cached by its recipe hash like the others).
GL='--layers kubernetes'
t0=$(date +%s)
images_build "$WS" --layers nodejs && images_build "$WS" --layers kubernetes,nodejs
ok $? "the base, kubernetes and nodejs layers are up to date ($(($(date +%s) - t0))s)" ||
	{ diag "$(tail -n 20 "$TMP/build.log")"; done_testing; }
out=$(timeout 120 "$PODMAN" run --rm --network none localhost/jail-ai-kubernetes:base \
	kubectl version --client 2>&1)
grep -q '^Client Version: v1\.[0-9]' <<<"$out"
ok $? "the kubernetes layer's kubectl runs: $(head -n 1 <<<"$out")" || diag "$out"
netns_setup
nsenter --net="/run/netns/$NS_H" -- busybox httpd -f -p 10.77.0.1:8080 -h "$TMP/www" &
BG_PIDS="$BG_PIDS $!"

podman_wrapper pw '[ "$SUB" = build ] && [ -s '"$TMP"'/inject ] && { p=; for a in "$@"; do
	[ "$p" = --file ] && grep -q "^# jail-ai layer agent-" "$a" &&
		sed -i "/^FROM /r '"$TMP"'/inject" "$a"; p=$a; done; }'
export JAIL_AI_PODMAN=$TMP/pw
FAKE_NODE18="RUN printf '#!/bin/sh\\ncase \"\$1\" in --version) echo v18.19.0 ;; *) exec /usr/bin/node \"\$@\" ;; esac\\n' >/usr/local/bin/node && chmod 755 /usr/local/bin/node"
FAKE_REG='ENV npm_config_registry=http://10.77.0.1:8080/'

# bh ARGS...: jail-ai ARGS in $WS, in the namespace with no route out; output in OUT, status ST.
bh() {
	OUT=$(cd "$WS" && timeout -k 10 600 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$@" \
		</dev/null 2>&1)
	ST=$?
}
# said TEXT: the build's error is jail-ai's last line and names TEXT; exit 125.
said() {
	[ "$ST" = 125 ] && tail -n 1 <<<"$OUT" | grep -q "^jail-ai: images: layer agent-.* cannot be built here: $1"
}
why() { diag "exit $ST" "$(tail -n 8 <<<"$OUT")"; }

# ---- gemini: Node.js >= 20 ----
echo "$FAKE_NODE18" >"$TMP/inject"
bh images build $GL gemini
said 'Node.js >= 20 missing from the base (it has v18\.19\.0); gemini needs it'
ok $? "gemini on a Node.js 18 (bookworm's): the build names Node.js >= 20 missing and the version found" ||
	why
bh images build --quiet $GL gemini
said 'Node.js >= 20 missing' && ! grep -q "the end of podman's output" <<<"$OUT" &&
	[ "$(grep -vc '^jail-ai: ' <<<"$OUT")" = 0 ]
ok $? "gemini --quiet: the message alone, no build log" || why
out=$(cd "$WS" && "$JAIL_AI" images list $GL gemini 2>&1)
grep -q '^nodejs .*up to date' <<<"$out" && grep -q '^agent-gemini .*missing' <<<"$out"
ok $? "the layers below the agent are kept, no agent-gemini image was made" || diag "$out"

# ---- the npm registry unreachable ----
: >"$TMP/inject"
bh images build $GL gemini
said 'the npm registry (http.*@google%2fgemini-cli) is not reachable from here'
ok $? "gemini with trixie's Node.js 20, no route to the registry: the build names the npm registry" || why
: >"$TMP/inject"
bh images build jules
said 'the npm registry (https://registry.npmjs.org/@google%2fjules) is not reachable from here'
ok $? "jules, no route to the registry: the build names the npm registry and its URL" || why

# ---- the hosts outside npm ----
echo "$FAKE_REG" >"$TMP/inject"
bh images build jules
said 'storage.googleapis.com (https://storage.googleapis.com/jules-cli/) is not reachable'
ok $? "jules with the registry answering: the build names Google's storage, where the CLI is" ||
	why
: >"$TMP/inject"
bh images build cursor
said 'cursor.com (https://cursor.com/install) is not reachable from here'
ok $? "cursor, no route out: the build names cursor.com's installer" || why

# Control: everything the checks ask for answers (trixie's Node.js 20, a fake registry): no
# "cannot be built here"; the install itself fails (the fake registry has no package).
echo "$FAKE_REG" >"$TMP/inject"
bh images build $GL gemini
[ "$ST" = 125 ] && ! grep -q 'cannot be built here' <<<"$OUT" &&
	grep -q 'podman build of layer agent-gemini .* failed' <<<"$OUT"
ok $? "control: with trixie's Node.js 20 and a registry that answers, gemini's checks pass (a plain failure later)" ||
	why

# ---- the agent command ----
: >"$TMP/inject"
bh jules --no-block-host -- --version
said 'the npm registry (https://registry.npmjs.org/@google%2fjules)' &&
	[ -z "$(pm ps -a --format '{{.Names}}' | grep '^jail-ai-jules-')" ]
ok $? "jail-ai jules: the same message, exit 125, no jail made" || why
echo "$FAKE_NODE18" >"$TMP/inject"
bh gemini --no-block-host $GL -- --version
said 'Node.js >= 20 missing' && [ -z "$(pm ps -a --format '{{.Names}}' | grep '^jail-ai-gemini-')" ]
ok $? "jail-ai gemini: the same message, exit 125, no jail made" || why

done_testing
