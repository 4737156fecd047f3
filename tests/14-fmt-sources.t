#!/bin/bash
# tests/14-fmt-sources.t - every printf conversion in the binary's sources is one that musl/fmt.c
# formats (the musl builds use musl/fmt.c, which refuses the rest with -1, EINVAL: a message
# would then be lost).  The '%' sequences that are not formats (a recipe's URL escape and
# zsh prompt, comments) are listed here by file; a new one is a failure until it is listed
# or musl/fmt.c learns it.  A control: the scan finds a %p and a %+d put in a copy of a source.
. "$(dirname "$0")/lib.sh"
srcs=$(make -s -f - print-srcs <<'EOF'
include Makefile
print-srcs:
	@echo $(SRCS)
EOF
)
[ -n "$srcs" ]
ok $? "the Makefile's SRCS" || bail "cannot read SRCS from the Makefile"

# scan FILE...: "FILE:LINE:CONVERSION" for each conversion musl/fmt.c does not format.
scan() {
	local f
	for f in "$@"; do
		grep -noE '%[-+ #0]*(\*|[0-9]+)?(\.(\*|[0-9]+))?(hh|h|ll|l|z|j|t|L)?[a-zA-Z%~(]' "$f" |
			sed "s|^|$f:|"
	done | grep -vE ':%[-0]*(\*|[0-9]+)?(\.(\*|[0-9]+))?(hh|h|ll|l|z|j|t)?[diouxXcs%]$' |
		grep -vE ':%(\.[0-9])?f$'
}
# Not formats: npm's URL escape in a recipe, zsh's prompt, comments (the kernel's %pI4, "2.4% of"),
# a modulo (events.c).
known='^events\.c:[0-9]+:% 1000000000U$|^seccomp\.c:[0-9]+:% o$|^agents\.c:[0-9]+:%2f$|^images\.c:[0-9]+:%[nm~(]$|^hostips\.c:[0-9]+:%p$'
# shellcheck disable=SC2086
found=$(scan $srcs | grep -vE "$known")
[ -z "$found" ]
ok $? "every conversion in the sources is one musl/fmt.c formats (d i u x X o c s %, %.Nf)" ||
	diag "$found"
# shellcheck disable=SC2086
n=$(scan $srcs | grep -cE "$known")
[ "$n" -gt 0 ]
ok $? "the listed non-formats are still there ($n), so the list is not stale"

cp util.c "$TMP/util.c"
printf '%s\n' 'static void f(void) { printf("%p %+d\n", (void *)0, 1); }' >>"$TMP/util.c"
c=$(scan "$TMP/util.c" | grep -cE ':%(p|\+d)$')
[ "$c" = 2 ]
ok $? "control: the scan finds a %p and a %+d added to a copy of util.c ($c)"
done_testing
