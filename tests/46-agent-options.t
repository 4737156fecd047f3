#!/bin/bash
# tests/46-agent-options.t - each agent's config options reach its jail as the mounts the usage
# promises, through the typed create (agents.c fills a struct create_opts): by default claude gets
# ~/.claude/.credentials.json only and the others nothing of the agent's; --AGENT-dir mounts the
# agent's config paths read-write at the same place below /home/jail (directories made when
# missing, files only when they exist); --agent-configs is the same; the user's own -m and -e
# are kept next to them.
#
# In a private podman storage (tests/podman-env.sh; the busybox test image as the base image),
# with a podman wrapper that keeps only the FROM line of each generated Containerfile, so an agent
# layer is made in a second (the agent itself is not installed: its --version exits 127, and the
# jail stays to be inspected).

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh

podman_test_requires
podman_private_setup
podman_image || bail "no test image"

export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config JAIL_AI_BASE_IMAGE=$TEST_IMAGE
unset JAIL_AI_CA_CERTS
WS=$TMP/agents2-ws
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$WS" "$TMP/extra"
podman_wrapper pw '[ "$SUB" = build ] && { p=; for a in "$@"; do [ "$p" = --file ] &&
	sed -i "/^FROM /!d" "$a"; p=$a; done; }'
export JAIL_AI_PODMAN=$TMP/pw
HASH=$(printf %s "$WS" | sha256sum | cut -c1-8)

# agent AGENT ARGS...: `jail-ai AGENT --no-block-host ARGS -- --version` in $WS; the jail's
# mounts below /home/jail (and of $TMP/extra), sorted, as "SRC DST rw|ro" lines in MOUNTS.
agent() {
	local a=$1 name
	shift
	name=jail-ai-$a-agents2-ws-$HASH
	pm rm -f -t 0 "$name" >/dev/null 2>&1
	OUT=$(cd "$WS" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "$a" \
		--no-block-host "$@" -- --version </dev/null 2>&1)
	ST=$?
	MOUNTS=$(pm inspect --format '{{range .Mounts}}{{.Source}} {{.Destination}} {{if .RW}}rw{{else}}ro{{end}}
{{end}}' "$name" 2>&1 | grep -e ' /home/jail/' -e ' /extra ' | sort)
}
# want LINES: MOUNTS is exactly LINES (H: $HOME, J: /home/jail).
want() {
	local w
	w=$(sed "s|H/|$HOME/|; s|J/|/home/jail/|" <<<"$1" | sort)
	[ "$MOUNTS" = "$w" ]
}
why() { diag "exit $ST; mounts:" "$MOUNTS" "output:" "$(tail -n 5 <<<"$OUT")"; }

mkdir -p "$HOME/.claude"
echo '{}' >"$HOME/.claude/.credentials.json"
echo '{}' >"$HOME/.claude.json"
agent claude
[ "$ST" = 127 ] && want "H/.claude/.credentials.json J/.claude/.credentials.json rw"
ok $? "claude by default: ~/.claude/.credentials.json only" || why

agent claude --recreate --claude-dir -m "$TMP/extra:/extra:ro" -e AGENTS2=1
want "H/.claude J/.claude rw
H/.claude.json J/.claude.json rw
$TMP/extra /extra ro" &&
	[ "$(pm inspect --format '{{range .Config.Env}}{{println .}}{{end}}' \
		"jail-ai-claude-agents2-ws-$HASH" | grep -c '^AGENTS2=1$')" = 1 ]
ok $? "claude --claude-dir with -m and -e: ~/.claude and ~/.claude.json, the user's mount and variable" ||
	why

agent cursor --cursor-dir
want "H/.cursor J/.cursor rw
H/.config/cursor J/.config/cursor rw" && [ -d "$HOME/.cursor" ] && [ -d "$HOME/.config/cursor" ]
ok $? "cursor --cursor-dir: ~/.cursor and ~/.config/cursor, made when missing (~/.config too)" || why

res=
for a in copilot:.copilot gemini:.gemini codex:.codex jules:.config/jules; do
	agent "${a%%:*}"
	[ -z "$MOUNTS" ] || res="$res ${a%%:*}(default: $MOUNTS)"
	agent "${a%%:*}" --recreate "--${a%%:*}-dir"
	want "H/${a#*:} J/${a#*:} rw" || res="$res ${a%%:*}(dir: $MOUNTS)"
done
[ -z "$res" ]
ok $? "copilot, gemini, codex, jules: nothing by default, --AGENT-dir mounts the agent's directory" ||
	diag "$res" "$OUT"

agent codex --recreate --agent-configs
want "H/.codex J/.codex rw"
ok $? "codex --agent-configs: the same as --codex-dir" || why

done_testing
