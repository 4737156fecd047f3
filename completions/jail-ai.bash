# bash completion for jail-ai.  Installed by `make install` as
# $(BASHCOMPDIR)/jail-ai; kept in step with the --help texts by tests/41-cli.t.
_jail_ai()
{
	local cur prev cmd words_opts
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	local jail="--block-host --no-block-host --allow --deny --deny-file --no-dns --force --deny-all --block-private --proxy --allow-dns"
	local podman="--image --workspace --mount --port --env --ssh-agent --network --memory --cpus --restart --force-mount --root --recreate --no-workspace --no-nix"
	local agents="claude copilot cursor gemini codex jules"
	local cmds="run create start stop rm exec shell list status images hostips check version help $agents clean upgrade policy events"

	case $prev in
	--deny-file|--workspace|--mount|-m|--rw|--hide|--unhide|--exec-only|--events) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--fs) COMPREPLY=($(compgen -W "host jail" -- "$cur")); return ;;
	--network) COMPREPLY=($(compgen -W "none private host" -- "$cur")); return ;;
	--allow|--deny|--remove|--name|--proxy|--image|--port|-p|--env|-e|--memory|--cpus|--restart|--layers|--base-image) return ;;
	esac
	if [ "$COMP_CWORD" = 1 ]; then
		COMPREPLY=($(compgen -W "$cmds $jail $podman --dry-run --help --version -V -h" -- "$cur"))
		return
	fi
	case $cmd in
	run) words_opts="$jail --allow-domain --name --workspace --rw --hide --unhide --exec-only --nested-sandbox --fs --events --dry-run --unsafe-keep-privileges --help" ;;
	policy) words_opts="--allow --deny --remove --show --help" ;;
	events) words_opts="--follow --help" ;;
	create) words_opts="$jail $podman --allow-domain --dry-run --help" ;;
	claude|copilot|cursor|gemini|codex|jules)
		words_opts="$jail $podman --allow-domain --shell --auth --$cmd-dir --agent-configs --git-gpg --layers --base-image --isolated --rebuild --quiet --help" ;;
	images)
		if [ "$COMP_CWORD" = 2 ]; then
			COMPREPLY=($(compgen -W "build list prune --help" -- "$cur"))
			return
		fi
		words_opts="--layers --base-image --isolated --rebuild --quiet -y $agents" ;;
	clean) words_opts="-y --help" ;;
	upgrade) words_opts="--quiet --help $agents" ;;
	rm) words_opts="-f --help" ;;
	exec) words_opts="-i -t --no-nix --help" ;;
	hostips) words_opts="--json --help" ;;
	help) words_opts="$cmds" ;;
	start|stop|shell|status|list|version) words_opts="--help" ;;
	-*) words_opts="$jail $podman --dry-run" ;;
	esac
	case $cmd in
	start|stop|rm|exec|shell|status)
		if [ "${cur#-}" = "$cur" ] && command -v podman >/dev/null 2>&1; then
			COMPREPLY=($(compgen -W "$(podman ps -a --filter label=jail-ai=1 --format '{{.Names}}' 2>/dev/null)" -- "$cur"))
			return
		fi ;;
	esac
	COMPREPLY=($(compgen -W "$words_opts" -- "$cur"))
}
complete -o default -F _jail_ai jail-ai
