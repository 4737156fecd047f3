#!/bin/bash
# tests/14-unit-fmt.t - runs tests/unit_fmt: musl/fmt.c, the printf family of the musl builds,
# against glibc's printf under ASan and UBSan, then the same test built with musl-gcc,
# against musl's own printf (the one musl/fmt.c replaces in jail-ai).
. "$(dirname "$0")/lib.sh"
relay() {	# relay LOG NAME: one case per run, its failures shown
	local nok plan
	nok=$(grep -c '^not ok' "$1")
	plan=$(grep -oE '^1\.\.[0-9]+' "$1")
	[ "$2" = 0 ] && [ "$nok" = 0 ] && [ -n "$plan" ]
}
make -s tests/unit_fmt >/dev/null 2>&1
ok $? "make tests/unit_fmt" || bail "tests/unit_fmt does not build"
tests/unit_fmt >"$TMP/glibc" 2>&1
st=$?
relay "$TMP/glibc" "$st"
ok $? "musl/fmt.c against glibc: $(grep -oE "^1\.\.[0-9]+" "$TMP/glibc" | cut -c4-) cases, none failed" ||
	diag "exit $st" "$(grep -v '^ok' "$TMP/glibc" | head -n 20)"
if command -v musl-gcc >/dev/null; then
	musl-gcc -std=gnu11 -D_GNU_SOURCE -O1 -I. -static -Wno-format -Wno-format-truncation \
		-o "$TMP/unit_fmt_musl" tests/unit_fmt.c >"$TMP/cc" 2>&1
	ok $? "tests/unit_fmt with musl-gcc" || diag "$(head -n 5 "$TMP/cc")"
	"$TMP/unit_fmt_musl" >"$TMP/musl" 2>&1
	st=$?
	relay "$TMP/musl" "$st"
	ok $? "musl/fmt.c against musl: $(grep -oE "^1\.\.[0-9]+" "$TMP/musl" | cut -c4-) cases, none failed" ||
		diag "exit $st" "$(grep -v '^ok' "$TMP/musl" | head -n 20)"
else
	[ "${CI:-}" = true ] && ok 1 "CI requires musl-gcc"
	skip "musl-gcc (the build needs it anyway)"
fi
done_testing
