#!/bin/bash
# tests/69-nix.t - Nix dev shells, for real: a workspace with a flake.nix gets the nix layer
# (Debian's nix-bin, built from the cached Debian base, tests/agents-env.sh) and its jail runs
# exec, shell and the agent in `nix develop /workspace`.  The flake has no inputs (nothing to
# fetch: this machine reaches Debian and npm only); its dev shell sets JT_NIX_VAR and puts
# jt-nix-tool and a `claude` of its own first on PATH, so the agent command that runs is the
# dev shell's.  Controls: --no-nix (exec's, and a jail remade with it) sees neither.  A workspace
# without flake.nix gets no nix layer and no dev shell; a broken flake and one whose input needs
# the network exit 125 with the reason and run nothing.  Also: the store is the jail's volume
# (kept by --recreate, removed by rm), owned by the jail's user; Nix's sandbox cannot work in a
# jail (user namespaces exist, mounting /proc in one is refused), so the layer turns it off.
#
# Time budget: warm (nothing built), the whole file under 2 minutes (checked; 26-33 s here).
# Cold here (2 shared cores): 128 s, of which the nix, nodejs-on-nix and claude layers 96 s.
# The images are cached by recipe hash in $CACHE/podman-trixie like 60-67's.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

T_START=$(date +%s)
podman_test_requires
command -v script >/dev/null || skip_all "needs script (bsdutils)"
agents_store
netns_setup
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME"

WS=$TMP/nix-ws BAD=$TMP/nix-bad NET=$TMP/nix-net PLAIN=$TMP/nix-plain
mkdir -p "$WS" "$BAD" "$NET" "$PLAIN"
cat >"$WS/flake.nix" <<'EOF'
{
  description = "jail-ai test: a dev shell with no inputs";
  outputs = { self }: let
    shell = system: let
      tools = derivation {
        name = "jt-nix-tools";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" ''
          mkdir -p $out/bin
          printf '#!/bin/sh\necho "nix-tool-ran $JT_NIX_VAR"\n' >$out/bin/jt-nix-tool
          printf '#!/bin/sh\necho "claude-from-the-dev-shell $JT_NIX_VAR $*"\n' >$out/bin/claude
          chmod 755 $out/bin/jt-nix-tool $out/bin/claude
        '' ];
        PATH = "/usr/bin:/bin";
      };
    in derivation {
      name = "jt-nix-shell";
      inherit system;
      builder = "/bin/bash";
      outputs = [ "out" ];
      JT_NIX_VAR = "from-the-dev-shell";
      PATH = "${tools}/bin:/usr/bin:/bin";
    };
  in {
    devShells.x86_64-linux.default = shell "x86_64-linux";
    devShells.aarch64-linux.default = shell "aarch64-linux";
  };
}
EOF
printf '{ outputs = { self }: { devShells = ; }\n' >"$BAD/flake.nix"
cat >"$NET/flake.nix" <<'EOF'
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs }: {
    devShells.x86_64-linux.default = nixpkgs.legacyPackages.x86_64-linux.mkShell { };
  };
}
EOF
# No substituter and no global flake registry: nothing here reaches cache.nixos.org or
# channels.nixos.org, and nix would retry each for seconds.  Read through the jail's --env.
for d in "$WS" "$BAD" "$NET"; do
	printf 'substituters =\nflake-registry =\ndownload-attempts = 1\nconnect-timeout = 2\n' \
		>"$d/nix.conf"
done
chown -R 4321:4322 "$WS" "$BAD" "$NET" "$PLAIN"
NIXENV=(--env NIX_USER_CONF_FILES=/workspace/nix.conf)

# ---- the images: nix detected from flake.nix, under nodejs and the agent ----
t0=$(date +%s)
images_build "$WS" claude
st=$?
ok $st "images build claude for a flake.nix workspace ($(($(date +%s) - t0))s)" ||
	diag "$(tail -n 30 "$TMP/build.log")"
[ $st = 0 ] || done_testing
grep '^jail-ai: \[[0-9/]*\] building layer' "$TMP/build.log" | sed 's/^/# /'
BUILT=$(grep -c '^jail-ai: \[[0-9/]*\] building layer' "$TMP/build.log")
out=$(cd "$WS" && "$JAIL_AI" images list claude 2>&1)
size=$(awk '$1 == "nix" { print $3 }' <<<"$out")
grep -q '^nix .*localhost/jail-ai-nix:base .*up to date' <<<"$out" &&
	grep -q '^agent-claude .*localhost/jail-ai-agent-claude:base-nix-nodejs ' <<<"$out" &&
	[[ $size =~ ^[0-9.]+[MG]B$ ]]
ok $? "images list: the nix layer (detected), its size $size, under nodejs and agent-claude" ||
	diag "$out"
out=$(cd "$PLAIN" && "$JAIL_AI" images list 2>&1)
grep -q '^base ' <<<"$out" && ! grep -q '^nix ' <<<"$out"
ok $? "a workspace without flake.nix gets no nix layer" || diag "$out"
out=$(cd "$PLAIN" && "$JAIL_AI" create "$JT-nixplain" --dry-run 2>&1)
grep -q -- '--workdir=/workspace' <<<"$out" && ! grep -q -e 'jail-ai.nix' -e '-nix:/nix' <<<"$out"
ok $? "... and its jail no dev shell: no jail-ai.nix label, no store volume (dry run)" || diag "$out"
mkdir -p "$TMP/nix-shellnix" && echo '{ }' >"$TMP/nix-shellnix/shell.nix"
out=$(cd "$TMP/nix-shellnix" && "$JAIL_AI" create "$JT-nixsn" --dry-run 2>&1)
grep -q -- '--workdir=/workspace' <<<"$out" && ! grep -q -e 'jail-ai.nix' -e '-nix:/nix' <<<"$out"
ok $? "shell.nix alone: no dev shell (dry run)" || diag "$out"
out=$(cd "$WS" && "$JAIL_AI" create "$JT-nixdry" --dry-run 2>&1)
grep -q -- "--label=jail-ai.nix=1" <<<"$out" && grep -q -- "--volume=$JT-nixdry-nix:/nix" <<<"$out"
ok $? "a flake.nix workspace's jail: label jail-ai.nix=1, the volume NAME-nix at /nix (dry run)" ||
	diag "$out"

# ---- exec in the dev shell, and --no-nix ----
N=$JT-nix
t0=$(date +%s)
out=$(cd "$WS" && jp create "$N" "${NIXENV[@]}" 2>&1)
ok $? "create $N for the flake workspace ($(($(date +%s) - t0))s)" || diag "$out"
t0=$(date +%s)
jx "$N" sh -c 'echo "var=$JT_NIX_VAR"; jt-nix-tool'
[ "$ST" = 0 ] && [ "$OUT" = "var=from-the-dev-shell
nix-tool-ran from-the-dev-shell" ]
ok $? "exec runs in nix develop: the dev shell's variable and tool ($(($(date +%s) - t0))s, first: builds it)" ||
	diag "exit $ST, output '$OUT'" "$(tail -n 20 "$TMP/err")"
grep -q "error (ignored).*flake:nixpkgs" "$TMP/err"
ok $? "no nixpkgs input: nix develop's registry look-up for a bash fails, ignored" || diag "$(cat "$TMP/err")"
t0=$(date +%s)
jx "$N" sh -c 'echo "var=$JT_NIX_VAR"; jt-nix-tool'
[ "$ST" = 0 ] && [ "${OUT%%$'\n'*}" = var=from-the-dev-shell ] && ! grep -q building "$TMP/err"
ok $? "a second exec builds nothing ($(($(date +%s) - t0))s)" || diag "exit $ST '$OUT'" "$(cat "$TMP/err")"
jx "$N" sh -c 'exit 7'
[ "$ST" = 7 ]
ok $? "CMD's exit status comes through nix develop (7)" || diag "exit $ST" "$(cat "$TMP/err")"
OUT=$(jp exec --no-nix "$N" -- sh -c 'echo "var=$JT_NIX_VAR"; command -v jt-nix-tool || echo no-tool' \
	2>"$TMP/err" </dev/null)
[ "$OUT" = "var=
no-tool" ]
ok $? "control: exec --no-nix sees neither" || diag "'$OUT'" "$(cat "$TMP/err")"
OUT=$(jp exec -u 0 "$N" -- sh -c 'echo "var=$JT_NIX_VAR"' 2>"$TMP/err" </dev/null)
[ "$OUT" = "var=" ]
ok $? "exec -u 0 runs outside the dev shell" || diag "'$OUT'" "$(cat "$TMP/err")"
jx "$N" sh -c 'id -u; stat -c %u /nix /nix/store /nix/var/nix; ls /nix/var/nix'
[ "$ST" = 0 ] && [ "$(head -n 4 <<<"$OUT" | sort -u)" = 4321 ] && grep -q '^db$' <<<"$OUT"
ok $? "the store /nix is the jail user's (4321): a single-user store" || diag "exit $ST '$OUT'"

# The sandbox: user namespaces can be made in a jail, but mounting /proc in one is refused,
# so Nix's sandbox cannot start (sandbox = false in the layer's nix.conf).
OUT=$(jp exec --no-nix "$N" -- sh -c 'unshare -Ur true && echo userns-ok
	cd /tmp && echo "derivation { name = \"jt-sbx\"; system = builtins.currentSystem;
	  builder = \"/bin/sh\"; args = [ \"-c\" \"echo x >\$out\" ]; }" >sbx.nix
	nix-build --no-out-link --option sandbox true --option sandbox-fallback false sbx.nix 2>&1 |
	  tail -n 1; nix-build --no-out-link sbx.nix >/dev/null 2>&1 && echo built-unsandboxed
	nix config show 2>/dev/null | grep "^sandbox = "' 2>&1 </dev/null)
grep -q 'does not support the kernel namespaces' <<<"$OUT" && grep -q '^built-unsandboxed$' <<<"$OUT" &&
	grep -q '^sandbox = false$' <<<"$OUT"
ok $? "Nix's sandbox cannot start in a jail; sandbox = false builds (control)" || diag "$OUT"

# ---- the shell on a pty ----
shell_pty() {
	local l
	for l; do sleep 1.5; printf '%s\n' "$l"; done | timeout 60 script -qec \
		"nsenter --net=/run/netns/$NS_H -- $JAIL_AI shell $N; echo shell-exit=\$?" /dev/null 2>&1 |
		tr -d '\r\000'
}
out=$(shell_pty 'echo "v=$JT_NIX_VAR z=$ZSH_VERSION"; jt-nix-tool' 'exit')
grep -q '^v=from-the-dev-shell z=5' <<<"$out" && grep -q '^nix-tool-ran from-the-dev-shell' <<<"$out" &&
	grep -q 'shell-exit=0' <<<"$out"
ok $? "jail-ai shell: zsh in the dev shell (its variable and tool)" || diag "$out"

# ---- the store lives with the jail ----
out=$(cd "$WS" && jp create "$N" --recreate "${NIXENV[@]}" 2>&1)
ok $? "create --recreate $N" || diag "$out"
jx "$N" sh -c 'echo "var=$JT_NIX_VAR"'
[ "$ST" = 0 ] && [ "$OUT" = var=from-the-dev-shell ] && ! grep -q building "$TMP/err"
ok $? "after --recreate the store (volume $N-nix) is kept: nothing built again" ||
	diag "exit $ST '$OUT'" "$(cat "$TMP/err")"
jp rm -f "$N" >/dev/null 2>&1
! pm volume exists "$N-nix"
ok $? "rm removes the store volume $N-nix"

# ---- the agent ----
AG=jail-ai-claude-nix-ws-$(printf %s "$WS" | sha256sum | cut -c1-8)
agent_in() { (cd "$WS" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" claude \
	"$@" 2>"$TMP/agent.err"); }
agent() { agent_in "$@" </dev/null; }
t0=$(date +%s)
out=$(agent "${NIXENV[@]}" -- --version)
st=$?
[ $st = 0 ] && [ "$out" = "claude-from-the-dev-shell from-the-dev-shell --version" ]
ok $? "jail-ai claude runs in the dev shell: its PATH and variable ($(($(date +%s) - t0))s)" ||
	diag "status $st '$out'" "$(tail -n 20 "$TMP/agent.err")"
out=$(agent_in "${NIXENV[@]}" --shell <<<'echo "v=$JT_NIX_VAR"')
grep -q '^v=from-the-dev-shell$' <<<"$out"
ok $? "jail-ai claude --shell: in the dev shell" || diag "'$out'" "$(tail -n 20 "$TMP/agent.err")"
out=$(agent "${NIXENV[@]}" --no-nix -- --version)
st=$?
[ $st != 0 ] && grep -q -- 'not in the jail: --no-nix' "$TMP/agent.err"
ok $? "--no-nix on a jail made without it is refused (an option the jail was not made with)" ||
	diag "status $st '$out'" "$(tail -n 20 "$TMP/agent.err")"
out=$(agent "${NIXENV[@]}" --no-nix --recreate -- --version)
st=$?
[ $st = 0 ] && grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+' <<<"$out"
ok $? "control: claude --no-nix --recreate runs the image's claude: $out" ||
	diag "status $st '$out'" "$(tail -n 20 "$TMP/agent.err")"
out=$(agent_in "${NIXENV[@]}" --auth <<<'echo "v=$JT_NIX_VAR"')
grep -q '^v=$' <<<"$out"
ok $? "claude --auth: the login shell is not in the dev shell" || diag "'$out'" "$(tail -n 20 "$TMP/agent.err")"
"$JAIL_AI" rm -f "$AG" >/dev/null 2>&1

# ---- the bare jail-ai: this project's jail, its shell in the dev shell ----
PJ=jail-ai-nix-ws-$(printf %s "$WS" | sha256sum | cut -c1-8)
out=$(cd "$WS" && timeout -k 5 300 nsenter --net="/run/netns/$NS_H" -- "$JAIL_AI" "${NIXENV[@]}" \
	2>"$TMP/pj.err" <<<'echo "v=$JT_NIX_VAR"')
grep -q '^v=from-the-dev-shell$' <<<"$out"
ok $? "the bare jail-ai: its shell is in the dev shell" || diag "'$out'" "$(tail -n 20 "$TMP/pj.err")"
"$JAIL_AI" rm -f "$PJ" >/dev/null 2>&1

# ---- a dev shell that cannot be made: 125, the reason, nothing run ----
for w in bad net; do
	d=$BAD
	[ $w = net ] && d=$NET
	out=$(jp create "$JT-nix$w" --workspace "$d" "${NIXENV[@]}" 2>&1)
	ok $? "create $JT-nix$w" || diag "$out"
	t0=$(date +%s)
	jx "$JT-nix$w" sh -c 'echo ran >/workspace/ran'
	[ "$ST" = 125 ] && [ ! -e "$d/ran" ] && grep -q 'jail-ai: nix develop /workspace failed' "$TMP/err" &&
		grep -q "jail-ai exec --no-nix $JT-nix$w" "$TMP/err"
	ok $? "$w flake: exit 125, nix's error and jail-ai's reason, CMD not run ($(($(date +%s) - t0))s)" ||
		diag "exit $ST" "$(cat "$TMP/err")"
	case $w in
	bad) grep -q 'syntax error' "$TMP/err" ;;
	net) grep -q -e 'github' -e 'resolve' "$TMP/err" ;;
	esac
	ok $? "$w flake: nix's own error is shown" || diag "$(cat "$TMP/err")"
	jx "$JT-nix$w" sh -c 'exit 125'
	[ "$ST" = 125 ] && grep -q 'jail-ai: nix develop' "$TMP/err"
	ok $? "$w flake: the reason is jail-ai's, not CMD's own 125" || diag "exit $ST" "$(cat "$TMP/err")"
	OUT=$(jp exec --no-nix "$JT-nix$w" -- sh -c 'echo ran >/workspace/ran' 2>&1 </dev/null)
	ST=$?
	[ "$ST" = 0 ] && [ -e "$d/ran" ]
	ok $? "$w flake, control: exec --no-nix runs CMD" || diag "exit $ST '$OUT'"
	jp rm -f "$JT-nix$w" >/dev/null 2>&1
done

# The budget: warm (the images up to date), the whole file in under 2 minutes.
secs=$(($(date +%s) - T_START))
if [ "$BUILT" = 0 ]; then
	[ $secs -lt 120 ]
	ok $? "warm run (nothing built) within its budget: ${secs}s < 120s"
else
	diag "cold run ($BUILT layers built): ${secs}s"
fi
done_testing
