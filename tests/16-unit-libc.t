#!/bin/bash
# tests/16-unit-libc.t - runs tests/unit_libc: musl/strtol.c's strto*l, musl/qsort.c's qsort and
# musl/gmtime.c's gmtime_r of the musl builds against glibc's under ASan and UBSan, then the
# same test built with musl-gcc, against musl's own (the ones they replace in jail-ai).
. "$(dirname "$0")/lib.sh"
relay() {	# relay LOG STATUS: every case passed and the plan was printed
	local nok plan
	nok=$(grep -ac '^not ok' "$1")
	plan=$(grep -aoE '^1\.\.[0-9]+' "$1")
	[ "$2" = 0 ] && [ "$nok" = 0 ] && [ -n "$plan" ]
}
make -s tests/unit_libc >/dev/null 2>&1
ok $? "make tests/unit_libc" || bail "tests/unit_libc does not build"
tests/unit_libc >"$TMP/glibc" 2>&1
st=$?
relay "$TMP/glibc" "$st"
ok $? "strto*l, qsort, gmtime_r against glibc: $(grep -aoE "^1\.\.[0-9]+" "$TMP/glibc" | cut -c4-) checks, none failed" ||
	diag "exit $st" "$(grep -av '^ok' "$TMP/glibc" | head -n 20)"
if command -v musl-gcc >/dev/null; then
	musl-gcc -std=gnu11 -D_GNU_SOURCE -O1 -I. -static -o "$TMP/unit_libc_musl" tests/unit_libc.c \
		>"$TMP/cc" 2>&1
	ok $? "tests/unit_libc with musl-gcc" || diag "$(head -n 5 "$TMP/cc")"
	"$TMP/unit_libc_musl" >"$TMP/musl" 2>&1
	st=$?
	relay "$TMP/musl" "$st"
	ok $? "strto*l, qsort, gmtime_r against musl: $(grep -aoE "^1\.\.[0-9]+" "$TMP/musl" | cut -c4-) checks, none failed" ||
		diag "exit $st" "$(grep -av '^ok' "$TMP/musl" | head -n 20)"
else
	[ "${CI:-}" = true ] && ok 1 "CI requires musl-gcc"
	skip "musl-gcc (the build needs it anyway)"
fi
done_testing
