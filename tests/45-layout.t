#!/bin/bash
# tests/45-layout.t - the module layout README.md describes stays true:
# util.c is a leaf (it uses no symbol of another module), nothing calls
# into jail.c (main only), our headers include each other without a loop,
# each header declares one module's functions, every header compiles on its own, and (in a git checkout) no build output
# is tracked.  Compiles each source with the host cc into a temporary
# directory; runs no jail.
. "$(dirname "$0")/lib.sh"
command -v nm >/dev/null || skip_all "needs nm (binutils)"
command -v tsort >/dev/null || skip_all "needs tsort (coreutils)"
CC=${HOSTCC:-cc}
srcs=$(make -s -f - print-srcs <<'EOF'
include Makefile
print-srcs:
	@echo $(SRCS)
EOF
)
hdrs=$(make -s -f - print-hdrs <<'EOF'
include Makefile
print-hdrs:
	@echo $(HDRS)
EOF
)
[ -n "$srcs" ] && [ -n "$hdrs" ]
ok $? "the Makefile's SRCS and HDRS" || bail "cannot read SRCS/HDRS from the Makefile"

bad=
for c in $srcs; do
	"$CC" -std=gnu11 -D_GNU_SOURCE -c -o "$TMP/${c%.c}.o" "$c" 2>"$TMP/cc.err" ||
		bad="$bad $c"
done
[ -z "$bad" ]
ok $? "every source compiles alone" || diag "failed:$bad" "$(head -n 5 "$TMP/cc.err")"

# Symbols each object defines, as "SYMBOL FILE".
for c in $srcs; do
	nm --defined-only -g "$TMP/${c%.c}.o" | awk -v f="$c" 'NF == 3 { print $3, f }'
done | sort >"$TMP/defs"
# uses C: the other modules whose symbols C's object uses.
uses() {
	nm -u "$TMP/${1%.c}.o" | awk '{ print $NF }' | sort -u |
		join - "$TMP/defs" | awk -v self="$1" '$2 != self { print $2 }' | sort -u
}
u=$(uses util.c)
[ -s "$TMP/util.o" ] && [ -z "$u" ]
ok $? "util.c is a leaf: it uses no other module" || diag "it uses: $u"
callers=
for c in $srcs; do
	[ "$c" = jail.c ] && continue
	uses "$c" | grep -qx jail.c && callers="$callers $c"
done
[ -z "$callers" ]
ok $? "no module calls into jail.c (main and the commands only)" || diag "callers:$callers"

# Header include graph: "INCLUDER INCLUDED" pairs; tsort fails on a loop.
for h in $hdrs; do
	echo "$h $h"
	sed -n 's/^#include "\([^"]*\)".*/\1/p' "$h" | sed "s|^|$h |"
done >"$TMP/incl"
tsort "$TMP/incl" >/dev/null 2>"$TMP/tsort.err"
ok $? "our headers include each other without a loop" || diag "$(cat "$TMP/tsort.err")"

# One header per module: the functions a header declares are all defined by
# one module (agents.c's API once lived in images.h, beside images.c's).
# header_mods H: the modules that define what H declares, one a line.
header_mods() {
	perl -0pe 's{/\*.*?\*/}{}gs' "$1" | grep -E '^[a-z][^#]*[a-z_0-9]\(' |
		sed -E 's/^[^(]*[^a-z_0-9]\**([a-z_0-9]+)\(.*/\1/' | sort -u |
		join - "$TMP/defs" | awk '{ print $2 }' | sort -u
}
bad=
for h in $hdrs; do
	mods=$(header_mods "$h")
	[ "$(printf '%s' "$mods" | grep -c .)" -le 1 ] || bad="$bad $h:($(echo $mods))"
done
[ -z "$bad" ]
ok $? "each header declares one module's functions" || diag "more than one:$bad"
# Control: the old images.h, with agents.c's API in it, is caught.
{ cat images.h; sed -n '/^const struct agent \*agent_find/,/^void agent_workspace/p' agents.h; } >"$TMP/mixed.h"
mods=$(header_mods "$TMP/mixed.h")
[ "$(echo $mods)" = "agents.c images.c" ]
ok $? "control: a header with images.c's and agents.c's functions is caught" ||
	diag "modules found: $(echo $mods)"

bad=
for h in $hdrs; do
	printf '#include "%s"\n' "$h" | "$CC" -std=gnu11 -D_GNU_SOURCE -Wall -I. \
		-fsyntax-only -x c - 2>/dev/null || bad="$bad $h"
done
[ -z "$bad" ]
ok $? "every header compiles on its own" || diag "not alone:$bad"

# Build outputs stay out of git: every binary the Makefile builds is
# ignored, and git tracks no ignored file (three were once committed).
if git rev-parse --git-dir >/dev/null 2>&1; then
	bins=$(make -s -f - print-bins <<'EOF'
include Makefile
print-bins:
	@echo $(TEST_BINS) $(FUZZ_BINS) jail-ai jail-ai-asan jail-ai-fault
EOF
)
	bad=
	for b in $bins; do
		git check-ignore -q --no-index "$b" || bad="$bad $b"
	done
	[ -n "$bins" ] && [ -z "$bad" ]
	ok $? "every binary the Makefile builds is in .gitignore" || diag "not ignored:$bad"
	tracked=$(git ls-files -ci --exclude-standard)
	[ -z "$tracked" ]
	ok $? "git tracks no ignored file (build output)" || diag "tracked: $tracked"
	# Control: an index that tracks tests/mapfd_probe is caught.
	cp "$(git rev-parse --git-path index)" "$TMP/index" &&
		GIT_INDEX_FILE=$TMP/index git update-index --add --cacheinfo \
			"100755,$(git hash-object -w --stdin </dev/null),tests/mapfd_probe" &&
		tracked=$(GIT_INDEX_FILE=$TMP/index git ls-files -ci --exclude-standard) &&
		[ "$tracked" = tests/mapfd_probe ]
	ok $? "control: a tracked build output is listed ($tracked)"
fi
done_testing
