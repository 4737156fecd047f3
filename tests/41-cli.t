#!/bin/bash
# tests/41-cli.t - the command line as podman and coreutils users expect it:
# --help and -h on every command (exit 0, 80 columns), --opt=value, version
# and -V, hostips --json, run --dry-run (the policy with its sources; nothing
# started), create --dry-run (the podman command line), the man page naming
# every option any --help prints, the completions, make install/uninstall.
# Runs as root for run's cgroup; never starts podman (JAIL_AI_PODMAN=/bin/false).
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$JAIL_AI" ] || bail "$JAIL_AI not built (make)"
export JAIL_AI_PODMAN=/bin/false
J=$JAIL_AI
cmds="start stop rm exec shell list status hostips version run create images
      upgrade claude copilot cursor gemini codex jules"

# ---- --help and -h ----
: >"$TMP/allhelp"
"$J" --help >"$TMP/h" 2>"$TMP/e"; st=$?
ok "$([ $st = 0 ] && grep -q '^usage: jail-ai' "$TMP/h" && [ ! -s "$TMP/e" ]; echo $?)" \
	"jail-ai --help: usage on stdout, exit 0" || diag "exit $st" "$(cat "$TMP/e")"
cat "$TMP/h" >>"$TMP/allhelp"
for c in $cmds; do
	for h in --help -h; do
		"$J" $c $h >"$TMP/h" 2>"$TMP/e"; st=$?
		wide=$(awk 'length > 80' "$TMP/h")
		ok "$([ $st = 0 ] && grep -q '^usage: jail-ai' "$TMP/h" && [ ! -s "$TMP/e" ] &&
			[ -z "$wide" ]; echo $?)" "$c $h: its usage, exit 0, no line over 80 columns" ||
			diag "exit $st" "$(head -3 "$TMP/e")" "$wide"
	done
	cat "$TMP/h" >>"$TMP/allhelp"
	"$J" help $c >"$TMP/h2" 2>&1
	ok "$(cmp -s "$TMP/h" "$TMP/h2"; echo $?)" "help $c is $c --help"
done
"$J" start foo --help >"$TMP/h" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^usage: jail-ai start' "$TMP/h"; echo $?)" \
	"start NAME --help: the usage, not 'not a valid jail name'" || diag "$(cat "$TMP/h")"
"$J" images build --layers rust -h >"$TMP/h" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^usage: jail-ai images' "$TMP/h"; echo $?)" \
	"images build --layers rust -h: the usage" || diag "$(cat "$TMP/h")"
"$J" --block-host --help >"$TMP/h" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^usage: jail-ai \[JAIL-OPTIONS\]' "$TMP/h"; echo $?)" \
	"jail-ai --block-host --help: the bare project jail takes jail options" || diag "$(cat "$TMP/h")"
# CMD's own -h is CMD's: exec's options end at CMD, run's at --.
"$J" exec somejail -- ls -h >"$TMP/h" 2>&1; st=$?
ok "$([ $st = 125 ] && ! grep -q usage: "$TMP/h"; echo $?)" \
	"exec NAME -- ls -h: not exec's help (exit $st)" || diag "$(cat "$TMP/h")"
out=$(timeout 10 "$J" run -- /bin/echo -h --deny=192.0.2.1 --help 2>&1); st=$?
ok "$([ $st = 0 ] && [ "$out" = "-h --deny=192.0.2.1 --help" ]; echo $?)" \
	"run -- CMD: CMD's arguments untouched (-h, --deny=..., --help)" || diag "exit $st: $out"
"$J" bogus >"$TMP/h" 2>&1; st=$?
ok "$([ $st = 125 ] && grep -q 'unknown command bogus' "$TMP/h"; echo $?)" "an unknown command: 125"

# ---- version ----
v=$("$J" version); v1=$("$J" -V); v2=$("$J" --version)
ok "$([ -n "$v" ] && [ "$v" = "$v1" ] && [ "$v" = "$v2" ] &&
	case $v in "jail-ai "[0-9]*) true ;; *) false ;; esac; echo $?)" \
	"version, -V and --version: '$v'"
mv=$(sed -n 's/^\.TH JAIL-AI 1 [^ ]* "\(jail-ai [^"]*\)".*/\1/p' jail-ai.1)
vv=${v%-asan}; vv=${vv%-fault}
ok "$([ "$vv" = "$mv" ]; echo $?)" "the man page is of the same version ($mv)"

# ---- --opt=value ----
"$J" run --block-host --dry-run --deny=192.0.2.0/24 --allow=[2001:db8::1]:443 -- true \
	>"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^deny  *192\.0\.2\.0/24  *--deny$' "$TMP/d" &&
	grep -q '^allow  *\[2001:db8::1\]:443  *--allow$' "$TMP/d"; echo $?)" \
	"--deny=P and --allow=R as --deny P and --allow R" || diag "$(tail -5 "$TMP/d")"
"$J" run --block-host=yes -- true >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 125 ] && grep -q -- '--block-host takes no value' "$TMP/d"; echo $?)" \
	"--block-host=yes: a flag takes no value (125)" || diag "$(cat "$TMP/d")"
"$J" run --block-host --deny=300.1.2.3 -- true >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 125 ] && grep -q -- '--deny 300.1.2.3' "$TMP/d"; echo $?)" \
	"--deny=BAD: refused naming the value as split" || diag "$(cat "$TMP/d")"
"$J" create j1 --memory=512m --cpus=1.5 --env=A=B=C --dry-run >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q -- '--memory 512m' "$TMP/d" && grep -q -- '--cpus 1.5' "$TMP/d" &&
	grep -q -- '--env A=B=C' "$TMP/d"; echo $?)" \
	"create --memory=, --cpus=, --env=A=B=C (split at the first =)" || diag "$(cat "$TMP/d")"

# ---- podman's systemd cgroup manager: protected jails refused up front ----
# Read from containers.conf (no podman call; JAIL_AI_PODMAN is /bin/false
# here): [engine] cgroup_manager, the last line of the table winning.
printf '[engine]\ncgroup_manager = "cgroupfs"\n# x\n  cgroup_manager = "systemd"\n' >"$TMP/sd.conf"
printf '[engine]\n#cgroup_manager = "systemd"\ncgroup_manager=\x27cgroupfs\x27\n[engine.x]\ncgroup_manager = "systemd"\n' >"$TMP/fs.conf"
CONTAINERS_CONF=$TMP/sd.conf "$J" create j1 --block-host --dry-run >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 125 ] && grep -q "cgroup manager is systemd" "$TMP/d" &&
	grep -q 'cgroup_manager = "cgroupfs"' "$TMP/d" && ! grep -q '^podman' "$TMP/d"; echo $?)" \
	"create --block-host, containers.conf cgroup_manager systemd: refused before anything, saying why" ||
	diag "exit $st" "$(cat "$TMP/d")"
CONTAINERS_CONF=$TMP/sd.conf "$J" create j1 --dry-run >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^podman' "$TMP/d"; echo $?)" \
	"control: the same containers.conf without --block-host: created (dry run)" ||
	diag "exit $st" "$(cat "$TMP/d")"
CONTAINERS_CONF=$TMP/fs.conf "$J" create j1 --block-host --dry-run >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q '^podman' "$TMP/d"; echo $?)" \
	"create --block-host, cgroupfs (a comment and another table saying systemd): not refused" ||
	diag "exit $st" "$(cat "$TMP/d")"

# ---- hostips --json ----
"$J" hostips >"$TMP/t"; "$J" hostips --json >"$TMP/j"; st=$?
res=$(/usr/bin/python3 - "$TMP/j" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert set(o) == {"prefix", "family", "source", "why"}, o
    assert o["family"] in (4, 6) and "/" in o["prefix"], o
    assert o["source"] in ("fixed", "fib_trie", "if_inet6", "ipv6_route"), o
    assert (o["why"] is None) == (o["source"] != "fixed"), o
    n += 1
print(n)
EOF
)
ok "$([ $st = 0 ] && [ "$res" = "$(wc -l <"$TMP/t")" ] && [ "$res" -gt 5 ]; echo $?)" \
	"hostips --json: $res objects, the documented fields, as many as the text lines" ||
	diag "$res"

# ---- run --dry-run ----
printf '# deny-file\n203.0.113.0/24\n\n198.51.100.7\n' >"$TMP/denies"
"$J" run --block-host --dry-run --deny 192.0.2.0/24 --deny-file "$TMP/denies" \
	-- touch "$TMP/ran" >"$TMP/d" 2>"$TMP/e"; st=$?
ok "$([ $st = 0 ] && [ ! -e "$TMP/ran" ]; echo $?)" "run --dry-run: exit 0, CMD not run" ||
	diag "exit $st" "$(cat "$TMP/e")"
ok "$(grep -q '^deny  *127\.0\.0\.0/8  *fixed  *# loopback' "$TMP/d" &&
	grep -q '^deny  *169\.254\.0\.0/16  *fixed' "$TMP/d" &&
	grep -q '^deny  *127\.0\.0\.1/32  *fib_trie$' "$TMP/d"; echo $?)" \
	"dry run: the fixed ranges (with why) and fib_trie's addresses" || diag "$(head "$TMP/d")"
if [ -s /proc/net/if_inet6 ] && grep -qv ' 00000001 \| lo$' /proc/net/if_inet6; then
	ok "$(grep -q ' if_inet6$' "$TMP/d"; echo $?)" "dry run: if_inet6's addresses"
fi
ok "$(grep -q '^deny  *192\.0\.2\.0/24  *--deny$' "$TMP/d" &&
	grep -q "^deny  *203\.0\.113\.0/24  *--deny-file $TMP/denies:2\$" "$TMP/d" &&
	grep -q "^deny  *198\.51\.100\.7/32  *--deny-file $TMP/denies:4\$" "$TMP/d"; echo $?)" \
	"dry run: --deny and --deny-file entries with their source (FILE:LINE)" ||
	diag "$(tail -4 "$TMP/d")"
# A resolver on a host address gets port 53, said as "resolver".
ns=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
if [ -n "$ns" ]; then
	"$J" run --block-host --dry-run --deny "$ns" -- true >"$TMP/d" 2>&1
	ok "$(grep -q "^allow  *\[*$ns\]*:53  *resolver" "$TMP/d"; echo $?)" \
		"dry run: the resolver $ns, denied, is allowed on port 53 as 'resolver'" ||
		diag "$(tail -3 "$TMP/d")"
	"$J" run --block-host --no-dns --dry-run --deny "$ns" -- true >"$TMP/d" 2>&1
	ok "$(grep -q "^deny  *\[*$ns\]*:53  *resolver" "$TMP/d"; echo $?)" \
		"dry run --no-dns: the resolver stays denied"
fi
# Without capabilities the dry run still shows the policy; the real run refuses.
cp "$J" "$TMP/nocaps" && chmod 755 "$TMP/nocaps"
(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TMP/nocaps" run --block-host --dry-run -- true) >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q 'fixed' "$TMP/d"; echo $?)" \
	"dry run without capabilities (uid 65534): the policy, exit 0" || diag "$(head -3 "$TMP/d")"
if [ "$(stat -c %a "$HOME")" = 700 ] && [ -z "${XDG_CONFIG_HOME:-}" ]; then
	ok "$(grep -q "config $HOME/.config/jail-ai/config: Permission denied; its defaults are not applied" "$TMP/d"; echo $?)" \
		"... with root's \$HOME, whose config it cannot read: said, not fatal"
fi

# ---- create --dry-run ----
mkdir -p "$TMP/proj/.git"
(cd "$TMP/proj" && "$J" create j2 --block-host --port 8080:80 --dry-run) >"$TMP/d" 2>&1; st=$?
# as root a protected jail is made below its protected parent cgroup in one podman run
pc="podman create"
[ "$(id -u)" = 0 ] && pc="podman run --detach --cgroups=enabled --cgroup-parent=/jail-ai/pod-j2 --label=jail-ai.gateways="
ok "$([ $st = 0 ] && grep -q "^$pc --name=j2 .*--label=jail-ai.block-host=1 .*--volume=$TMP/proj:/workspace .*--publish 127.0.0.1:8080:80 " "$TMP/d"; echo $?)" \
	"create --dry-run: the podman command line, nothing made" || diag "$(cat "$TMP/d")"

# ---- --proxy: its policy, its variables, its label; each refusal with its reason ----
"$J" run --proxy=http://192.0.2.7:3128 --dry-run -- true >"$TMP/d" 2>"$TMP/e"; st=$?
ok "$([ $st = 0 ] && grep -q '^# mode: deny-all$' "$TMP/d" &&
	grep -q '^allow  *192\.0\.2\.7/32:3128  *--proxy  *# the proxy' "$TMP/d" &&
	[ "$(grep -c '^allow' "$TMP/d")" = 1 ] &&
	! grep -q '^allow .*resolver' "$TMP/d"; echo $?)" \
	"run --proxy=URL --dry-run: deny-all, one allow (the proxy), no resolver" ||
	diag "exit $st" "$(cat "$TMP/e")" "$(grep -v 'fixed\|fib_trie\|if_inet6\|ipv6_route' "$TMP/d")"
if grep -q '^nameserver' /etc/resolv.conf 2>/dev/null; then
	ok "$(grep -q '^deny  .*resolver  *# .*closed by --proxy (--allow-dns' "$TMP/d"; echo $?)" \
		"run --proxy --dry-run: the resolver is closed, and says how to keep it" ||
		diag "$(grep resolver "$TMP/d")"
	"$J" run --proxy https://[2001:db8::7]:8443/ --allow-dns --allow 192.0.2.9:443 --dry-run -- true \
		>"$TMP/d" 2>&1; st=$?
	ok "$([ $st = 0 ] && grep -q '^allow  *\[2001:db8::7/128\]:8443  *--proxy' "$TMP/d" &&
		grep -q '^allow  *192\.0\.2\.9:443  *--allow$' "$TMP/d" &&
		! grep -q '^deny  .*resolver' "$TMP/d"; echo $?)" \
		"run --proxy https://[IPV6]:PORT/ --allow-dns --allow R: the proxy, the rule, the resolver" ||
		diag "exit $st" "$(grep -v 'fixed\|fib_trie\|if_inet6\|ipv6_route' "$TMP/d")"
else
	skip "no nameserver in /etc/resolv.conf: the resolver lines cannot show"
	skip "no nameserver in /etc/resolv.conf: the resolver lines cannot show"
fi
while IFS='|' read -r args want; do
	rm -f "$TMP/ran"
	"$J" run $args -- touch "$TMP/ran" >"$TMP/d" 2>&1; st=$?
	ok "$([ $st = 125 ] && [ ! -e "$TMP/ran" ] && grep -q -- "$want" "$TMP/d"; echo $?)" \
		"run $args: 125, CMD never runs, '$want'" || diag "exit $st: $(cat "$TMP/d")"
done <<'EOF2'
--proxy http://proxy.example:3128|a host name is refused: the jail gets no DNS
--proxy http://localhost:3128|as seen from the jail
--proxy http://u:pw@192.0.2.7:3128|a user or password in the URL is refused
--proxy http://192.0.2.7:3128/path|a path, query or fragment is refused
--proxy http://192.0.2.7:0|the port is not 1-65535
--proxy http://192.0.2.7:65536|the port is not 1-65535
--proxy http://192.0.2.7|no port
--proxy socks5://192.0.2.7:1080|not http:// or https://
--proxy http://0.0.0.0:3128|not an address a jail can connect to
--proxy http://[::ffff:192.0.2.7]:3128|not an address a jail can connect to
--proxy http://2001:db8::7:3128|not http://IPV4:PORT or http://\[IPV6\]:PORT
--proxy http://192.0.2.7:3128 --proxy http://192.0.2.8:3128|--proxy given twice
--proxy http://192.0.2.7:3128 --no-block-host|--proxy asks for protection that --no-block-host then turns off
--proxy http://192.0.2.7:3128 --allow-dns --no-dns|--allow-dns and --no-dns
--allow-dns|--allow-dns re-opens the DNS that --proxy closes
--deny-all --allow-dns|--allow-dns re-opens the DNS that --proxy closes
--proxy|--proxy --: not http:// or https://
EOF2
"$J" run --proxy >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 125 ] && grep -q -- '--proxy needs a value' "$TMP/d"; echo $?)" \
	"run --proxy (no value): 125, '--proxy needs a value'" || diag "exit $st: $(cat "$TMP/d")"
(cd "$TMP/proj" && "$J" create j3 --proxy http://10.88.0.1:3128 --env NO_PROXY=x --dry-run) \
	>"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=1 ' "$TMP/d" &&
	grep -q -- '--label=jail-ai.no-dns=1 ' "$TMP/d" &&
	grep -q -- '--label=jail-ai.mode=deny-all ' "$TMP/d" &&
	grep -q -- '--label=jail-ai.proxy=http://10.88.0.1:3128 ' "$TMP/d" &&
	grep -q -- "--label=jail-ai.options=v1 .*--proxy=http://10.88.0.1:3128" "$TMP/d" &&
	grep -q -- '--label=jail-ai.allow= ' "$TMP/d"; echo $?)" \
	"create --proxy --dry-run: labels block-host, no-dns, mode deny-all, proxy, options (no allow text)" ||
	diag "exit $st: $(cat "$TMP/d")"
ok "$(for v in HTTP_PROXY HTTPS_PROXY http_proxy https_proxy; do
	grep -q -- "--env=$v=http://10.88.0.1:3128 " "$TMP/d" || exit 1; done
	grep -q -- '--env=NO_PROXY=localhost,127.0.0.1,::1 .*--env=no_proxy=localhost,127.0.0.1,::1 .*--env NO_PROXY=x ' "$TMP/d"; echo $?)" \
	"create --proxy --dry-run: the four proxy variables and NO_PROXY/no_proxy, before the user's --env" ||
	diag "$(cat "$TMP/d")"
(cd "$TMP/proj" && "$J" --proxy http://10.88.0.1:3128 --dry-run) >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.proxy=http://10.88.0.1:3128 ' "$TMP/d"; echo $?)" \
	"the bare project jail takes --proxy" || diag "exit $st: $(cat "$TMP/d")"
(cd "$TMP/proj" && timeout 30 "$J" claude --proxy http://10.88.0.1:3128 --allow-dns) >"$TMP/d" 2>&1; st=$?
ok "$([ $st = 125 ] && ! grep -q 'unknown option\|--proxy\|--allow-dns' "$TMP/d"; echo $?)" \
	"claude --proxy URL --allow-dns: jail options of an agent (it stops at the image, no podman)" ||
	diag "exit $st: $(cat "$TMP/d")"
(cd "$TMP/proj" && "$J" create j3 --proxy http://10.88.0.1:3128 --allow-dns --dry-run) \
	>"$TMP/d" 2>&1; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.no-dns=0 ' "$TMP/d" &&
	grep -q -- "--label=jail-ai.options=v1 .*--allow-dns" "$TMP/d"; echo $?)" \
	"create --proxy --allow-dns --dry-run: no-dns=0, --allow-dns in the options label" ||
	diag "exit $st: $(cat "$TMP/d")"

# ---- upgrade: its refusals, before any build (a fake podman that lists images) ----
printf '#!/bin/sh\n[ "$1" = images ] && cat "%s/imgs"\n' "$TMP" >"$TMP/fakepm"; chmod +x "$TMP/fakepm"
: >"$TMP/imgs"
out=$("$J" upgrade nosuch 2>&1); st=$?
ok "$([ $st = 125 ] && grep -q 'upgrade: nosuch: no such agent' <<<"$out"; echo $?)" \
	"upgrade nosuch: no such agent, exit 125" || diag "exit $st: $out"
out=$("$J" upgrade claude codex 2>&1); st=$?
ok "$([ $st = 125 ] && grep -q 'upgrade: unexpected codex' <<<"$out"; echo $?)" \
	"upgrade claude codex: one agent at most, exit 125" || diag "exit $st: $out"
out=$("$J" upgrade 2>&1); st=$?
ok "$([ $st = 125 ] && grep -q 'upgrade: podman images failed' <<<"$out"; echo $?)" \
	"upgrade with a failing podman: said, exit 125" || diag "exit $st: $out"
out=$(JAIL_AI_PODMAN=$TMP/fakepm "$J" upgrade 2>&1); st=$?
ok "$([ $st = 125 ] && [ "$out" = "jail-ai: upgrade: nothing to upgrade; jail-ai images build AGENT" ]; echo $?)" \
	"upgrade, no agent image yet: nothing to upgrade, exit 125" || diag "exit $st: $out"
printf 'localhost/jail-ai-base:latest\nlocalhost/jail-ai-agent-codex:base-nodejs\n' >"$TMP/imgs"
out=$(JAIL_AI_PODMAN=$TMP/fakepm "$J" upgrade claude 2>&1); st=$?
ok "$([ $st = 125 ] && [ "$out" = "jail-ai: upgrade: nothing to upgrade; jail-ai images build claude" ]; echo $?)" \
	"upgrade claude with only codex's image: nothing to upgrade, build claude, exit 125" ||
	diag "exit $st: $out"

# ---- the man page, the completions ----
sed 's/\\-/-/g' jail-ai.1 >"$TMP/man"
missing=
for o in $(grep -oE -- '(^|[^A-Za-z0-9-])--?[a-z][a-z0-9-]*' "$TMP/allhelp" |
	sed 's/^[^-]*//' | sort -u); do
	grep -qE -- "$o([^a-z0-9-]|$)" "$TMP/man" || missing="$missing $o"
done
ok "$([ -z "$missing" ]; echo $?)" "every option any --help prints is in jail-ai.1" ||
	diag "missing:$missing"
if command -v man >/dev/null; then
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l jail-ai.1 2>&1 >/dev/null)
	ok "$([ -z "$warn" ]; echo $?)" "man --warnings -l jail-ai.1: no warning" || diag "$warn"
else
	skip "man not installed"
fi
missing=
for o in $( ("$J" run --help; "$J" create --help; "$J" claude --help) |
	grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
	case $o in --help|--*-dir|--opt|--unsafe-keep-privileges) ;; *)
		grep -q -- "$o" completions/jail-ai.bash || missing="$missing bash:$o"
		grep -q -- "$o" completions/_jail-ai || missing="$missing zsh:$o" ;;
	esac
done
ok "$([ -z "$missing" ]; echo $?)" "the completions know run's, create's and the agents' options" ||
	diag "missing:$missing"
res=$(bash -c '. completions/jail-ai.bash
	COMP_WORDS=(jail-ai run --bl); COMP_CWORD=2; _jail_ai; echo "${COMPREPLY[*]}"
	COMP_WORDS=(jail-ai cl); COMP_CWORD=1; _jail_ai; echo "${COMPREPLY[*]}"
	COMP_WORDS=(jail-ai create x --network p); COMP_CWORD=4; _jail_ai; echo "${COMPREPLY[*]}"')
ok "$([ "$res" = "$(printf '%s\n' '--block-host --block-private' 'claude clean' private)" ]; echo $?)" \
	"bash completion: run --bl, cl, --network p" || diag "$res"
if command -v zsh >/dev/null; then
	ok "$(zsh -n completions/_jail-ai; echo $?)" "zsh completion parses (zsh -n)"
else
	skip "zsh not installed (scripts/deps test)"
fi

# ---- make install / uninstall ----
D=$TMP/destdir
make -s install DESTDIR="$D" PREFIX=/usr >"$TMP/mk" 2>&1; st=$?
files=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
ok "$([ $st = 0 ] && [ "$files" = "./usr/bin/jail-ai ./usr/share/bash-completion/completions/jail-ai ./usr/share/man/man1/jail-ai.1 ./usr/share/zsh/site-functions/_jail-ai " ]; echo $?)" \
	"make install DESTDIR: the binary, the man page, bash and zsh completion" ||
	diag "exit $st: $files" "$(tail -3 "$TMP/mk")"
ok "$(sh -c "'$D/usr/bin/jail-ai' --version" | grep -q "^jail-ai "; echo $?)" \
	"the installed binary runs (sh -c): $v"
if command -v man >/dev/null; then
	ok "$(MANPATH="$D/usr/share/man" man -P cat jail-ai 2>/dev/null | grep -q 'CONFIGURATION FILES'; echo $?)" \
		"man jail-ai finds the installed page (MANPATH)"
fi
make -s uninstall DESTDIR="$D" PREFIX=/usr >"$TMP/mk" 2>&1; st=$?
left=$(cd "$D" && find . ! -type d)
ok "$([ $st = 0 ] && [ -z "$left" ]; echo $?)" "make uninstall DESTDIR: no file left" ||
	diag "exit $st: $left"

done_testing
