#!/bin/bash
# tests/61-env-git.t - what a podman jail takes from its caller and its workspace, for real (the
# base layer from the cached storage of tests/agents-env.sh, which has git and tzdata):
# - TERM, COLORTERM, LANG/LC_* and TZ follow the caller at every exec and shell, through a real
#   pty too; with no TZ, the host's /etc/localtime (changed in a private mount namespace) wins
#   over the TZ the jail was made with.  Control: plain podman exec still sees the create-time
#   values.
# - a linked git worktree as the workspace: git status and commit work in the jail and the
#   commit lands in the repository; hooks/, config and the .git file cannot be written, nor can
#   /workspace/.git of a plain checkout be renamed away.  Control: the same writes succeed with
#   the repository mounted as plain podman would.  A .git file naming something that is not a
#   worktree of this workspace is refused.

. "$(dirname "$0")/lib.sh"
. tests/podman-env.sh
. tests/agents-env.sh

podman_test_requires
command -v git >/dev/null || skip_all "needs git"
command -v script >/dev/null || skip_all "needs script (bsdutils)"
agents_store

IMG=localhost/jail-ai-base:latest
export HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMP/empty"
t0=$(date +%s)
images_build "$TMP/empty"
ok $? "the base layer $IMG is up to date ($(($(date +%s) - t0))s)" ||
	diag "$(tail -n 20 "$TMP/build.log")"
netns_setup

# ---- the environment ----
E=$JT-env
mkdir -p "$TMP/ws-env"
out=$(unset TZ; TERM=xterm LANG=C.UTF-8 jp create "$E" --workspace "$TMP/ws-env" --image "$IMG" 2>&1)
ok $? "create $E with TERM=xterm" || diag "$out"
VARS='echo "$TERM|$COLORTERM|$LANG|$LC_TIME|$TZ|$(date +%z)"'
out=$(TERM=screen-256color COLORTERM=truecolor LANG=en_US.UTF-8 LC_TIME=C.UTF-8 TZ=Asia/Tokyo \
	jp exec "$E" -- sh -c "$VARS" 2>&1)
[ "$out" = "screen-256color|truecolor|en_US.UTF-8|C.UTF-8|Asia/Tokyo|+0900" ]
ok $? "exec: TERM, COLORTERM, LANG, LC_TIME, TZ are the caller's now: $out"
out=$(TERM=screen-256color pm exec "$E" sh -c "$VARS" 2>&1)
[ "${out%%|*}" = xterm ]
ok $? "control: plain podman exec sees the TERM of create: $out"
out=$(echo "$VARS" | TERM=vt220 LANG=C.UTF-8 TZ=America/New_York jp shell "$E" 2>&1 | tail -n 1)
case $out in "vt220||C.UTF-8||America/New_York|-0"[45]00) true ;; *) false ;; esac
ok $? "shell: the caller's TERM, LANG and TZ: $out"
out=$(TERM=xterm-kitty COLORTERM=24bit script -qec "nsenter --net=/run/netns/$NS_H -- $JAIL_AI exec -it $E -- sh -c 'echo \"T=\$TERM C=\$COLORTERM\"; test -t 0 && echo tty'" /dev/null 2>&1 |
	tr -d '\r\000')
grep -q 'T=xterm-kitty C=24bit$' <<<"$out" && grep -q '^tty$' <<<"$out"
ok $? "exec -it from a real pty (script): the caller's TERM and COLORTERM" || diag "$out"
# The host's zone changes (here: only in a private mount namespace): the jail follows.
out=$(env -u TZ unshare -m sh -c "mount --bind /usr/share/zoneinfo/Asia/Kolkata /etc/localtime &&
	timeout -k 5 $PT_TIMEOUT nsenter --net=/run/netns/$NS_H -- $JAIL_AI exec $E -- date +%z" 2>&1)
[ "$out" = "+0530" ]
ok $? "no TZ: the rule of the host's /etc/localtime now (Asia/Kolkata: $out), not create's" ||
	diag "$out"

# ---- git: a linked worktree ----
printf '[safe]\n\tdirectory = *\n' >"$TMP/gitconfig"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$TMP/gitconfig
REPO=$TMP/repo WT=$TMP/wt
git init -q -b main "$REPO" && git -C "$REPO" -c user.name=t -c user.email=t@t commit -q \
	--allow-empty -m init && git -C "$REPO" worktree add -q -b feature "$WT" >/dev/null 2>&1
ok $? "a repository $REPO and its worktree $WT"
rm -rf "$REPO/.git/hooks"	# made again, read-only, by create
chown -R 4321:4322 "$REPO" "$WT"
G=$JT-wt
out=$(jp create "$G" --workspace "$WT" --image "$IMG" 2>&1)
ok $? "create $G on the worktree" || diag "$out"
[ -d "$REPO/.git/hooks" ] && [ "$(stat -c %u "$REPO/.git/hooks")" = 4321 ]
ok $? "the missing hooks/ was made (empty, the repository owner's) to be mounted read-only"
out=$(jp exec "$G" -- sh -c 'id -u && git status --short --branch && git -c user.name=a \
	-c user.email=a@a commit -q --allow-empty -m "from the jail" && echo committed' 2>&1)
grep -q '^## feature' <<<"$out" && grep -q '^committed$' <<<"$out"
ok $? "git status and commit work in the jail" || diag "$out"
out=$(git -C "$REPO" log -1 --format=%s feature 2>&1)
[ "$out" = "from the jail" ]
ok $? "the commit is in the repository on the host: $out"

# try NAME PATH...: each write attempt in the jail, one line each: "PATH ok|fail"
ATTEMPTS='for p; do
	case $p in
	mv:*) mv "${p#mv:}" "${p#mv:}.moved" 2>/dev/null ;;
	*/hooks) echo "#!/bin/sh" >"$p/post-checkout" 2>/dev/null ;;
	*) echo "[core] fsmonitor = /tmp/x" >>"$p" 2>/dev/null ;;
	esac && echo "$p ok" || echo "$p fail"
done'
GD=$REPO/.git
out=$(jp exec "$G" -- sh -c "$ATTEMPTS" sh "$GD/hooks" "$GD/config" /workspace/.git \
	mv:/workspace/.git 2>&1)
[ "$(grep -c ' fail$' <<<"$out")" = 4 ]
ok $? "in the jail: writing hooks/, config, the .git file and renaming it all fail" || diag "$out"
[ ! -e "$GD/hooks/post-checkout" ] && ! grep -q fsmonitor "$GD/config" && [ -f "$WT/.git" ] &&
	! grep -q fsmonitor "$WT/.git"
ok $? "nothing changed on the host"
out=$(jp exec "$G" -- git config core.fsmonitor /tmp/x 2>&1)
[ $? != 0 ]
ok $? "git config core.fsmonitor in the jail fails: $(tail -n 1 <<<"$out")"
# Control: the same repository mounted as a plain bind (what git needs, nothing read-only).
out=$(pm run --rm --network none --user 4321:4322 -v "$WT:/workspace" -v "$GD:$GD" "$IMG" \
	sh -c "$ATTEMPTS" sh "$GD/hooks" "$GD/config" /workspace/.git 2>&1)
[ "$(grep -c ' ok$' <<<"$out")" = 3 ] && [ -e "$GD/hooks/post-checkout" ]
ok $? "control: without the read-only mounts the same writes succeed" || diag "$out"
rm -f "$GD/hooks/post-checkout" && git -C "$REPO" config --unset-all core.fsmonitor
printf 'gitdir: %s/.git/worktrees/wt\n' "$REPO" >"$WT/.git"

# ---- git: a plain checkout ----
P=$JT-repo
out=$(jp create "$P" --workspace "$REPO" --image "$IMG" 2>&1)
ok $? "create $P on the repository itself" || diag "$out"
out=$(jp exec "$P" -- sh -c "git status --short --branch; $ATTEMPTS" sh /workspace/.git/hooks \
	/workspace/.git/config mv:/workspace/.git 2>&1)
grep -q '^## main' <<<"$out" && [ "$(grep -c ' fail$' <<<"$out")" = 3 ] && [ -d "$GD" ]
ok $? "/workspace/.git: git works; hooks/, config and renaming .git away fail" || diag "$out"
cp -a "$REPO" "$TMP/copy"
out=$(pm run --rm --network none -v "$TMP/copy:/workspace" "$IMG" sh -c "$ATTEMPTS" sh \
	mv:/workspace/.git 2>&1)
[ "$out" = "mv:/workspace/.git ok" ]
ok $? "control: with the workspace alone mounted, .git can be renamed away" || diag "$out"

# ---- a .git file that is not a worktree of this workspace ----
mkdir -p "$TMP/bad"
printf 'gitdir: /\n' >"$TMP/bad/.git"
out=$(jp create "$JT-bad" --workspace "$TMP/bad" --image "$IMG" 2>&1)
st=$?
[ $st = 125 ] && grep -q 'git mounts' <<<"$out" && ! exists "$JT-bad"
ok $? "gitdir: / is refused (status $st)" || diag "$out"
printf 'gitdir: %s/.git/worktrees/wt\n' "$REPO" >"$TMP/bad/.git"
out=$(jp create "$JT-bad" --workspace "$TMP/bad" --image "$IMG" 2>&1)
st=$?
[ $st = 125 ] && grep -q 'points back' <<<"$out" && ! exists "$JT-bad"
ok $? "another checkout's worktree is refused (status $st)" || diag "$out"

for n in "$E" "$G" "$P"; do jp rm -f "$n" >/dev/null 2>&1; done
done_testing
