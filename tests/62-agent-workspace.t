#!/bin/bash
# tests/62-agent-workspace.t - `--workspace DIR` and `--no-workspace` for agents and create, for
# real (the claude layers of the cached storage, tests/agents-env.sh; built when missing):
# an agent run from elsewhere with --workspace DIR gets DIR's jail and DIR at /workspace; with
# --no-workspace, run from $HOME (which a plain run refuses as a workspace), one jail per agent
# with nothing of the host at /workspace; create --no-workspace likewise; both options together
# are refused.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

podman_test_requires
agents_store

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
WS=$TMP/proj ELSE=$TMP/elsewhere
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$WS" "$ELSE"
echo '{ "name": "proj", "version": "1.0.0" }' >"$WS/package.json"
touch "$WS/marker"
t0=$(date +%s)
images_build "$WS" claude
ok $? "the claude layers are up to date ($(($(date +%s) - t0))s)" ||
	{ diag "$(tail -n 20 "$TMP/build.log")"; done_testing; }
netns_setup

# ja DIR ARGS...: jail-ai ARGS in DIR, in the host namespace; stdout in OUT, stderr in $TMP/err.
ja() {
	local d=$1
	shift
	OUT=$(cd "$d" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$@" \
		</dev/null 2>"$TMP/err")
	ST=$?
}
mounts_of() { pm inspect --format '{{range .Mounts}}{{.Destination}} {{end}}' "$1" 2>&1; }

# ---- --workspace DIR ----
NAME=jail-ai-claude-proj-$(printf %s "$WS" | sha256sum | cut -c1-8)
t0=$(date +%s)
ja "$ELSE" claude --workspace "$WS" -- --version
[ $ST = 0 ] && grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$OUT" && exists "$NAME"
ok $? "claude --workspace $WS from elsewhere: $OUT, in $NAME ($(($(date +%s) - t0))s)" ||
	diag "status $ST" "$(tail -n 10 "$TMP/err")"
out=$(jp exec "$NAME" -- ls /workspace 2>&1)
grep -q '^marker$' <<<"$out" && grep -q '^package.json$' <<<"$out"
ok $? "its /workspace is $WS" || diag "$out"

# ---- --no-workspace ----
ja "$HOME" claude -- --version
[ $ST = 125 ] && grep -q 'as the workspace would give' "$TMP/err"
ok $? "control: a plain run from \$HOME is refused (status $ST)" || diag "$(cat "$TMP/err")"
NW=jail-ai-claude-no-workspace
jp rm -f "$NW" >/dev/null 2>&1
t0=$(date +%s)
ja "$HOME" claude --no-workspace -- --version
[ $ST = 0 ] && grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$OUT" && exists "$NW"
ok $? "claude --no-workspace from \$HOME: $OUT, in $NW ($(($(date +%s) - t0))s)" ||
	diag "status $ST" "$(tail -n 10 "$TMP/err")"
m=$(mounts_of "$NW")
out=$(jp exec "$NW" -- sh -c 'ls -A /workspace | wc -l; touch /workspace/x && echo writable' 2>&1)
! grep -qw /workspace <<<"$m" && [ "$(head -n 1 <<<"$out")" = 0 ] && [ ! -e "$HOME/x" ]
ok $? "nothing of the host at /workspace (mounts: $m)" || diag "$out"
protection "$NW" attached
ja "$ELSE" claude --no-workspace -- --version
[ $ST = 0 ] && ! grep -q 'making the jail' "$TMP/err"
ok $? "a second --no-workspace run, from elsewhere, reuses $NW" || diag "$(cat "$TMP/err")"
ja "$ELSE" claude --no-workspace --workspace "$WS" -- --version
[ $ST = 125 ] && grep -q 'not both' "$TMP/err"
ok $? "--workspace and --no-workspace together: refused (status $ST)" || diag "$(cat "$TMP/err")"

# ---- create --no-workspace ----
C=$JT-nows
out=$(cd "$HOME" && jp create "$C" --no-workspace --image "$BASE_IMG" 2>&1)
m=$(mounts_of "$C")
[ -n "$m" ] && ! grep -qw /workspace <<<"$m" && [ "$(pm inspect --format \
	'{{index .Config.Labels "jail-ai.workspace"}}' "$C")" = "" ]
ok $? "create --no-workspace from \$HOME: no /workspace mount, an empty workspace label" ||
	diag "$out" "$m"

for n in "$NAME" "$NW" "$C"; do jp rm -f "$n" >/dev/null 2>&1; done
done_testing
