#!/bin/bash
# tests/65-layers.t - what the base layer carries, for real (built from the cached Debian base,
# tests/agents-env.sh): the developer tools run in a jail (zsh, fzf, rg, fd, jq, tmux, htop, vim,
# nano, gh); `jail-ai shell` opens zsh on a real pty (script) with a bash-like prompt, keeps its
# history in the jail's home, and exits with a background job running without asking;
# `images list` shows each layer's size.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

podman_test_requires
command -v script >/dev/null || skip_all "needs script (bsdutils)"
agents_store

IMG=localhost/jail-ai-base:latest
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMP/empty" "$TMP/ws"
t0=$(date +%s)
images_build "$TMP/empty"
ok $? "the base layer is up to date ($(($(date +%s) - t0))s)" || diag "$(tail -n 20 "$TMP/build.log")"
out=$(cd "$TMP/empty" && "$JAIL_AI" images list 2>&1)
size=$(awk '$1 == "base" { print $3 }' <<<"$out")
grep -q '^LAYER .* SIZE .*STATE' <<<"$out" && [[ $size =~ ^[0-9.]+[MG]B$ ]]
ok $? "images list shows the layer's size: $size" || diag "$out"
netns_setup

chown 4321:4322 "$TMP/ws"
N=$JT-tools
out=$(jp create "$N" --workspace "$TMP/ws" --image "$IMG" 2>&1)
ok $? "create $N from $IMG" || diag "$out"
out=$(jp exec "$N" -- sh -c 'for c in zsh fzf rg fd fdfind jq tmux htop vim nano gh git curl; do
	command -v $c >/dev/null && echo "$c ok" || echo "$c MISSING"; done
	rg --version | head -n 1; fd --version; gh --version | head -n 1' 2>&1)
! grep -q MISSING <<<"$out" && [ "$(grep -c ' ok$' <<<"$out")" = 13 ]
ok $? "zsh fzf rg fd jq tmux htop vim nano gh git curl run in the jail: $(grep -v ' ok$' <<<"$out" |
	tr '\n' ' ')" || diag "$out"

# shell_pty LINES...: `jail-ai shell $N` on a real pty, the lines typed one by one
shell_pty() {
	local l
	for l; do sleep 1.5; printf '%s\n' "$l"; done | timeout 60 script -qec \
		"nsenter --net=/run/netns/$NS_H -- $JAIL_AI shell $N; echo shell-exit=\$?" /dev/null 2>&1 |
		tr -d '\r\000'
}
t0=$(date +%s)
out=$(shell_pty 'echo "zsh=$ZSH_VERSION"' 'echo hist-marker-$((6*7))' 'sleep 60 &' 'exit')
secs=$(($(date +%s) - t0))
grep -q '^zsh=5' <<<"$out" && grep -q 'jail@jail-ai:/workspace\$ ' <<<"$out" &&
	grep -q 'shell-exit=0' <<<"$out" && ! grep -qi -e 'error' -e "can't" -e 'running jobs' <<<"$out" &&
	[ $secs -lt 30 ]
ok $? "jail-ai shell on a pty: zsh, prompt jail@jail-ai:/workspace\$, exit with a job running (${secs}s)" ||
	diag "$out"
out=$(jp exec "$N" -- sh -c 'cat "$HOME/.zsh_history"' 2>&1)
grep -q 'hist-marker-\$((6\*7))' <<<"$out"
ok $? "the shell's history is in the jail's home" || diag "$out"

jp rm -f "$N" >/dev/null 2>&1
done_testing
