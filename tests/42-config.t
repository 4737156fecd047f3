#!/bin/bash
# tests/42-config.t - protection on by default, and the config files: the
# user's (~/.config/jail-ai/config) sets defaults, the project's
# (.jail-ai/config) may only tighten; a loosening key is an error naming
# FILE:LINE; a default protection that cannot be established is refused with
# both ways out (the setcap line, --no-block-host), never dropped silently.
# Observed through run --dry-run and create's --dry-run (the bare project
# jail); an unprivileged user runs the installed binary from a login shell
# (runuser -l).  Never starts podman (JAIL_AI_PODMAN=/bin/false).
. "$(dirname "$0")/lib.sh"
require_root
[ -x "$JAIL_AI" ] || bail "$JAIL_AI not built (make)"
for t in useradd runuser setcap; do
	command -v "$t" >/dev/null || skip_all "needs $t"
done
export JAIL_AI_PODMAN=/bin/false
J=$JAIL_AI
export XDG_CONFIG_HOME=$TMP/ucfg
U=$XDG_CONFIG_HOME/jail-ai/config
P=$TMP/proj/.jail-ai/config
mkdir -p "$XDG_CONFIG_HOME/jail-ai" "$TMP/proj/.git" "$TMP/proj/.jail-ai" "$TMP/proj/sub"
printf '203.0.113.0/24\n# c\n198.51.100.7\n' >"$TMP/proj/denies.txt"

# in_proj CMD...: jail-ai in the project's subdirectory; stdout $TMP/o, stderr $TMP/e.
in_proj() { (cd "$TMP/proj/sub" && timeout 10 "$J" "$@") >"$TMP/o" 2>"$TMP/e"; }

# ---- the defaults ----
: >"$U"
in_proj --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=1' "$TMP/o" && [ ! -s "$TMP/e" ]; echo $?)" \
	"the bare project jail: --block-host by default" || diag "exit $st" "$(cat "$TMP/e")"
in_proj --no-block-host --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=0' "$TMP/o" &&
	[ "$(grep -c 'block-host is off (--no-block-host)' "$TMP/e")" = 1 ]; echo $?)" \
	"--no-block-host: off, said once on stderr" || diag "$(cat "$TMP/e")"
in_proj create j1 --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=0' "$TMP/o"; echo $?)" \
	"create: off by default (an explicit jail), unless a config says otherwise"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q 'block-host is off' "$TMP/o"; echo $?)" "run: off by default"

# ---- the user's file ----
printf '# mine\nblock-host\ndeny = 192.0.2.0/24\nallow = 10.1.2.3:443\nmemory = 2g\n' >"$U"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q "^# --block-host from $U:2\$" "$TMP/o" &&
	grep -q "^deny  *192\.0\.2\.0/24  *$U:3\$" "$TMP/o" &&
	grep -q "^allow  *10\.1\.2\.3:443  *$U:4\$" "$TMP/o"; echo $?)" \
	"user config: block-host, deny and allow applied, each with FILE:LINE as its source" ||
	diag "exit $st" "$(cat "$TMP/e")" "$(grep -v 'fixed\|fib_trie\|if_inet6\|ipv6_route' "$TMP/o")"
in_proj create j1 --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=1' "$TMP/o" &&
	grep -q -- '--label=jail-ai.allow=10.1.2.3:443' "$TMP/o" && grep -q -- '--memory 2g' "$TMP/o"; echo $?)" \
	"user config applied to create: block-host, allow, memory" || diag "$(cat "$TMP/o" "$TMP/e")"
in_proj create j1 --memory 3g --no-block-host --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--memory 3g' "$TMP/o" && grep -q -- '--label=jail-ai.block-host=0' "$TMP/o" &&
	! grep -q -- 'jail-ai.allow=10' "$TMP/o" && grep -q "block-host is off (--no-block-host)" "$TMP/e"; echo $?)" \
	"the command line wins over the user's file; its rules drop with --block-host" ||
	diag "exit $st" "$(cat "$TMP/o" "$TMP/e")"
printf '192.0.2.64/26\n' >"$XDG_CONFIG_HOME/jail-ai/mine.deny"
printf 'block-host\ndeny-file = mine.deny\n' >"$U"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q "^deny  *192\.0\.2\.64/26  *$U:2 $XDG_CONFIG_HOME/jail-ai/mine.deny:1\$" "$TMP/o"; echo $?)" \
	"a relative deny-file in the user's file is read from its directory" || diag "exit $st: $(cat "$TMP/e")"
printf 'no-block-host\n' >"$U"
in_proj --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.block-host=0' "$TMP/o" &&
	[ "$(grep -c "block-host is off ($U:1)" "$TMP/e")" = 1 ]; echo $?)" \
	"user config no-block-host: off for the bare project jail, said once naming FILE:LINE" ||
	diag "$(cat "$TMP/e")"
printf 'proxy = http://192.0.2.7:3128\nallow-dns\n' >"$U"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q '^# mode: deny-all$' "$TMP/o" &&
	grep -q "^allow  *192\.0\.2\.7/32:3128  *$U:1  *# the proxy" "$TMP/o" &&
	! grep -q '^deny .*resolver' "$TMP/o"; echo $?)" \
	"user config proxy and allow-dns: deny-all, the proxy's allow with FILE:LINE, the resolver kept" ||
	diag "exit $st" "$(cat "$TMP/e")" "$(grep -v 'fixed\|fib_trie\|if_inet6\|ipv6_route' "$TMP/o")"
in_proj create j1 --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--label=jail-ai.proxy=http://192.0.2.7:3128 ' "$TMP/o" &&
	grep -q -- '--label=jail-ai.no-dns=0 ' "$TMP/o" &&
	grep -q -- '--env=HTTPS_PROXY=http://192.0.2.7:3128 ' "$TMP/o"; echo $?)" \
	"user config proxy applied to create: its label, DNS kept, the variables" || diag "$(cat "$TMP/o" "$TMP/e")"
in_proj run --no-block-host --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q 'block-host is off' "$TMP/o" && ! grep -q 'proxy' "$TMP/o"; echo $?)" \
	"user config proxy: the user's --no-block-host turns it off with the rest" ||
	diag "exit $st" "$(cat "$TMP/o" "$TMP/e")"
printf 'proxy = http://proxy:3128\n' >"$U"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $U:1: .*http://IPV4:PORT" "$TMP/e"; echo $?)" \
	"user config proxy = a name: 125 naming FILE:LINE" || diag "exit $st: $(cat "$TMP/e")"
printf 'block-host\ncolour = red\n' >"$U"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $U:2: unknown key" "$TMP/e"; echo $?)" \
	"a bad user config: 125 naming FILE:LINE" || diag "exit $st: $(cat "$TMP/e")"
printf 'block-host\nbase-image = localhost/deb:12\n' >"$U"
(cd "$TMP/proj" && timeout 10 "$J" images list) >"$TMP/o" 2>"$TMP/e"
ok "$(! grep -q "config" "$TMP/e"; echo $?)" \
	"images reads the same file and leaves the jail options to config.c" || diag "$(cat "$TMP/e")"
: >"$U"

# ---- the project's file: only tighter ----
printf '# project\nblock-host\ndeny = 203.0.113.0/24\ndeny-file = denies.txt\n' >"$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q "^# --block-host from $P:2\$" "$TMP/o" &&
	grep -q "^deny  *203\.0\.113\.0/24  *$P:3\$" "$TMP/o" &&
	grep -q "^deny  *198\.51\.100\.7/32  *$P:4 $TMP/proj/denies.txt:3\$" "$TMP/o"; echo $?)" \
	"project config (found from a subdirectory): block-host, deny, deny-file (relative to the project)" ||
	diag "exit $st" "$(cat "$TMP/e")" "$(grep -v 'fixed\|fib_trie\|if_inet6\|ipv6_route' "$TMP/o")"
in_proj run --no-block-host --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $P:2 asks for block-host" "$TMP/e"; echo $?)" \
	"--no-block-host cannot turn a project's block-host off: 125 naming FILE:LINE" ||
	diag "exit $st: $(cat "$TMP/e")"
printf 'deny = 203.0.113.0/24\n' >"$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 0 ] && grep -q "^# --block-host from $P:1\$" "$TMP/o"; echo $?)" \
	"a project's deny asks for --block-host (a deny means nothing without it)" || diag "$(head -3 "$TMP/o")"
for kv in 'allow = 10.0.0.1' 'allow-domain = example.com' 'proxy = http://10.0.0.1:3128' \
	'mount = /etc:/etc' 'port = 8080:80' 'env = A=B' ssh-agent git-gpg 'network = host' \
	'image = x' 'base-image = x' 'layers = rust' 'rw = /' 'unhide = /home' 'fs = host' \
	no-block-host no-dns allow-dns; do
	key=${kv%% *}
	printf '# project\nblock-host\n%s\n' "$kv" >"$P"
	in_proj run --dry-run -- true; st=$?
	ok "$([ $st = 125 ] && grep -q "config $P:3: $key is not allowed in a project config" "$TMP/e" &&
		[ ! -s "$TMP/o" ]; echo $?)" "project config '$kv': refused, naming FILE:LINE" ||
		diag "exit $st: $(cat "$TMP/e")"
done
printf 'allow = 0.0.0.0/0\n' >"$P"
in_proj claude; st=$?
ok "$([ $st = 125 ] && grep -q "config $P:1: allow is not allowed" "$TMP/e"; echo $?)" \
	"an agent refuses the same project config before anything else" || diag "exit $st: $(cat "$TMP/e")"
echo 'x' >"$TMP/outside"
printf 'deny-file = ../outside\n' >"$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "$P:1: ../outside is outside the project" "$TMP/e"; echo $?)" \
	"a project deny-file outside the project: refused" || diag "exit $st: $(cat "$TMP/e")"
ln -sf ../outside "$TMP/proj/link.txt"
printf 'deny-file = link.txt\n' >"$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "outside the project" "$TMP/e"; echo $?)" \
	"... or a symbolic link inside it that leads outside" || diag "exit $st: $(cat "$TMP/e")"
printf 'hide = .env\n' >"$P"
in_proj --dry-run; st=$?
ok "$([ $st = 125 ] && grep -q "$P:1: hide cannot be enforced by" "$TMP/e" && [ ! -s "$TMP/o" ]; echo $?)" \
	"a tightening the command cannot enforce: refused, not dropped" || diag "exit $st: $(cat "$TMP/e")"
printf 'memory = 256m\ncpus = 1\n' >"$P"
in_proj --memory 1g --cpus=2 --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--memory 256m' "$TMP/o" && grep -q -- '--cpus 1 ' "$TMP/o"; echo $?)" \
	"project memory/cpus lower the user's 1g and 2" || diag "$(cat "$TMP/o" "$TMP/e")"
in_proj --memory 128m --cpus=0.5 --dry-run; st=$?
ok "$([ $st = 0 ] && grep -q -- '--memory 128m' "$TMP/o" && grep -q -- '--cpus 0.5 ' "$TMP/o"; echo $?)" \
	"... and never raise them (128m, 0.5 stay)" || diag "$(cat "$TMP/o" "$TMP/e")"
rm -f "$P"
ln -s ../denies.txt "$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $P: a symbolic link" "$TMP/e"; echo $?)" \
	"a project config that is a symbolic link: refused" || diag "exit $st: $(cat "$TMP/e")"
rm -f "$P"
head -c 70000 /dev/zero | tr '\0' '#' >"$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $P: larger than 64 KiB" "$TMP/e"; echo $?)" \
	"a 70 kB project config: refused" || diag "exit $st: $(cat "$TMP/e")"
rm -f "$P"
mkfifo "$P"
in_proj run --dry-run -- true; st=$?
ok "$([ $st = 125 ] && grep -q "config $P: Invalid argument" "$TMP/e"; echo $?)" \
	"a FIFO as project config: refused at once (no hang; exit $st)" || diag "$(cat "$TMP/e")"
rm -f "$P"

# ---- a user without capabilities, the installed binary, a login shell ----
TUSER=jail-ai-test
id -u "$TUSER" >/dev/null 2>&1 || useradd -m "$TUSER" >/dev/null 2>&1 ||
	bail "useradd $TUSER failed"
make -s install DESTDIR="$TMP/inst" PREFIX=/usr >/dev/null 2>&1 || bail "make install DESTDIR failed"
INST=$TMP/inst/usr/bin/jail-ai
[ "$JAIL_AI" = "$PWD/jail-ai" ] || cp "$JAIL_AI" "$INST"
chmod -R a+rX "$TMP"
: >"$U"
# as_user CMD: a login shell of $TUSER runs CMD (sh) in the project.
as_user() {
	timeout 20 runuser -l "$TUSER" -c "cd '$TMP/proj' && XDG_CONFIG_HOME='$XDG_CONFIG_HOME' \
		JAIL_AI_PODMAN=/bin/false sh -c '$1'" >"$TMP/o" 2>"$TMP/e"
}
for c in claude "" "gemini --shell"; do
	as_user "$INST $c"; st=$?
	ok "$([ $st = 125 ] && grep -q "block-host is on (the default for this jail) but cannot be established" "$TMP/e" &&
		grep -q "setcap cap_bpf,cap_net_admin+p $INST" "$TMP/e" && grep -q -- "--no-block-host" "$TMP/e"; echo $?)" \
		"no capabilities: 'jail-ai $c' refuses, naming setcap and --no-block-host" ||
		diag "exit $st: $(cat "$TMP/e")"
done
as_user "$INST claude --help"; st=$?
ok "$([ $st = 0 ] && grep -q '^usage: jail-ai AGENT' "$TMP/o"; echo $?)" \
	"... while 'claude --help' still prints its usage" || diag "exit $st: $(cat "$TMP/e")"
as_user "$INST claude --no-block-host"; st=$?
ok "$(! grep -q "cannot be established" "$TMP/e" &&
	[ "$(grep -c "block-host is off (--no-block-host)" "$TMP/e")" = 1 ]; echo $?)" \
	"... --no-block-host: goes on (to podman, here /bin/false), saying so once" || diag "exit $st: $(cat "$TMP/e")"
printf 'block-host\n' >"$U"
as_user "$INST run -- true"; st=$?
ok "$([ $st = 125 ] && grep -q "block-host is on ($U:1) but cannot be established" "$TMP/e" &&
	grep -q -- "--no-block-host" "$TMP/e"; echo $?)" \
	"user config block-host, no capabilities: run refuses naming FILE:LINE and both ways out" ||
	diag "exit $st: $(cat "$TMP/e")"
as_user "$INST run --block-host --dry-run -- true"; st=$?
ok "$([ $st = 0 ] && grep -q fixed "$TMP/o"; echo $?)" \
	"... while its --dry-run still prints the policy" || diag "exit $st: $(cat "$TMP/e")"
: >"$U"

# With capabilities, rootless podman still cannot hold a hybrid host's jail.
cp "$INST" "$TMP/caps-jail-ai" && setcap cap_bpf,cap_net_admin+p "$TMP/caps-jail-ai" ||
	bail "setcap failed"
as_user "$TMP/caps-jail-ai"; st=$?
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	ok "$(! grep -q "cannot be established" "$TMP/e"; echo $?)" \
		"pure cgroup v2, capabilities: the default protection is possible (goes on)" || diag "$(cat "$TMP/e")"
else
	ok "$([ $st = 125 ] && grep -q "rootless podman on this host .*hybrid" "$TMP/e" &&
		grep -q -- "--no-block-host" "$TMP/e" && grep -q "use rootful podman" "$TMP/e"; echo $?)" \
		"hybrid cgroups, capabilities, rootless: refused, naming both ways out" ||
		diag "exit $st: $(cat "$TMP/e")"
fi

done_testing
