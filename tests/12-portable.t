#!/bin/bash
# tests/12-portable.t - the aarch64 build and the release artifacts.
#
# The aarch64 binary and unit tests (cross-built by `make aarch64-check`, no sanitizers)
# run under qemu-aarch64-static: every unit test passes, the request/reply/map layout is
# byte for byte the native one (the BPF instruction array is shared), the binary answers
# --version and hostips.  `make dist` from a copy of the tree at another path gives the same
# bytes as here (reproducible: no timestamps, no paths).  Sizes are reported (bench/ holds
# the goal).  No root needed.
cd "$(dirname "$0")/.." || exit 1
n=0 failed=0
t() {	# t STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
	return "$1"
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
finish() { echo "1..$n"; [ "$failed" = 0 ]; exit $?; }
need() {
	if [ "${CI:-}" = true ]; then t 1 "CI requires: $*"; finish; fi
	echo "1..0 # SKIP $*"
	exit 0
}
QEMU=$(command -v qemu-aarch64-static) || need "qemu-aarch64-static (scripts/deps test)"
[ -x jail-ai-aarch64 ] && [ -x tests/a64/unit_layout ] ||
	need "the aarch64 build: make aarch64-check (scripts/deps test installs the cross tools)"

for u in hostips policy cgroup request images subtf3 fmt; do
	out=$("$QEMU" "tests/a64/unit_$u" 2>&1)
	st=$?
	nok=$(grep -c '^not ok' <<<"$out")
	plan=$(grep -oE '^1\.\.[0-9]+' <<<"$out")
	[ "$st" = 0 ] && [ "$nok" = 0 ] && [ -n "$plan" ]
	t $? "aarch64 unit_$u under qemu: ${plan#1..} cases, none failed" ||
		diag "exit $st" "$(grep -A2 '^not ok' <<<"$out" | head -n 20)"
done

make -s tests/unit_layout >/dev/null 2>&1
diff <(./tests/unit_layout) <("$QEMU" tests/a64/unit_layout) >/tmp/layout.diff.$$ 2>&1
t $? "the request, reply and map layout is the same on aarch64 and x86_64" ||
	diag "$(cat /tmp/layout.diff.$$)"
rm -f /tmp/layout.diff.$$
grep -q '^little-endian 1' <(./tests/unit_layout)
t $? "both are little-endian (the BPF array's byte order)"

v=$("$QEMU" ./jail-ai-aarch64 --version 2>&1)
[ "$v" = "$(./jail-ai --version 2>&1)" ] && [ -n "$v" ]
t $? "jail-ai-aarch64 --version under qemu: $v"
h=$("$QEMU" ./jail-ai-aarch64 hostips 2>&1)
grep -q '^127\.0\.0\.0/8' <<<"$h"
t $? "jail-ai-aarch64 hostips under qemu lists 127.0.0.0/8" || diag "$h"
file jail-ai-aarch64 | grep -q 'ARM aarch64.*statically linked.*stripped'
t $? "jail-ai-aarch64 is a static, stripped aarch64 ELF" || diag "$(file jail-ai-aarch64)"

# Static, not PIE (-fno-pie): const tables of pointers sit in read-only .rodata, and the
# writable segment carries only a few hundred bytes from the file.  No GNU_RELRO header:
# musl's static start-up never applies one (a write to .data.rel.ro succeeds there).
for b in jail-ai jail-ai-aarch64; do
	rw=$(readelf -lW "$b" | awk '$1 == "LOAD" && $7 == "RW" { print $5 }')
	case $rw in 0x[0-9a-f]*) rw=$((rw)) ;; *) rw= ;; esac
	! readelf -lW "$b" | grep -q GNU_RELRO && [ -n "$rw" ] && [ "$rw" -lt 2048 ] &&
		readelf -hW "$b" | grep -q 'Type: *EXEC'
	t $? "$b: static non-PIE, no RELRO header, $rw bytes of the file writable (< 2048)" ||
		diag "$(readelf -lW "$b" | grep -E 'LOAD|RELRO|Type')"
done

# Reproducible: the same commit built at another path gives the same bytes.
tmp=$(mktemp -d /tmp/jail-ai-repro.XXXXXX)
mkdir -p "$tmp/elsewhere/src"
tar -cf - --exclude=./build --exclude=./dist --exclude=./tests/a64 --exclude=./.git \
	--exclude='./jail-ai*' --exclude=./fuzz . | tar -xf - -C "$tmp/elsewhere/src"
make -s dist >/dev/null 2>"$tmp/here.err" &&
	make -s -C "$tmp/elsewhere/src" dist >/dev/null 2>"$tmp/there.err"
st=$?
t $st "make dist here and in a copy at another path" ||
	diag "$(tail -n 5 "$tmp/here.err" "$tmp/there.err")"
if [ "$st" = 0 ]; then
	cmp -s dist/SHA256SUMS "$tmp/elsewhere/src/dist/SHA256SUMS"
	t $? "both dist/SHA256SUMS are the same (byte-identical binaries)" ||
		diag "$(diff dist/SHA256SUMS "$tmp/elsewhere/src/dist/SHA256SUMS")"
	(cd dist && sha256sum -c --quiet SHA256SUMS)
	t $? "dist/SHA256SUMS matches the files" 
	ls dist/jail-ai-*-x86_64 dist/jail-ai-*-aarch64 >/dev/null 2>&1
	t $? "dist holds jail-ai-VERSION-x86_64 and -aarch64"
	! grep -qa -e "$PWD" -e "$tmp" dist/jail-ai-*
	t $? "no build path in the binaries"
fi
rm -rf "$tmp"
diag "sizes: x86_64 $(stat -c %s jail-ai) bytes, aarch64 $(stat -c %s jail-ai-aarch64) bytes"
finish
