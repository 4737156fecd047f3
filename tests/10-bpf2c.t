#!/bin/bash
# tests/10-bpf2c.t - tools/bpf2c refuses BPF objects it does not understand,
# and the source-line comments it writes are the source's lines.
#
# Compiles small BPF snippets with clang into a temporary directory, as the
# Makefile does (-g, then llvm-objcopy --strip-debug): one the generator
# must accept (twice, byte-identical, with comments naming the snippet's
# lines), and bad ones it must refuse with a message naming the offending
# section, symbol or relocation (DWARF left in, CO-RE relocations among
# them).  Also checks the committed bpf_insns.h's comments against
# bpf/jail.bpf.c.  No privilege, no kernel: skipped when clang is missing.

cd "$(dirname "$0")/.." || exit 1
CLANG=${CLANG:-clang}
HOSTCC=${HOSTCC:-cc}
LLVM_OBJCOPY=${LLVM_OBJCOPY:-llvm-objcopy}
if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "1..0 # SKIP no clang"
	exit 0
fi

T=$(mktemp -d /tmp/jail-bpf2c.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
MULTIARCH=$("$HOSTCC" -print-multiarch 2>/dev/null)
n=0
failed=0

ok() {	# ok COND-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# Eleven trivial programs around body(); a snippet supplies body() and extras.
cat >"$T/pre.h" <<'EOF'
#include <linux/bpf.h>
#define SEC(n) __attribute__((section(n), used))
#define INLINE static inline __attribute__((always_inline))
struct placeholder { int x; };
struct placeholder jail_v4 SEC("maps"), jail_v6 SEC("maps");
static void *(*lookup)(void *map, const void *key) = (void *)1;
EOF
cat >"$T/post.h" <<'EOF'
#ifndef LICENSE
#define LICENSE "GPL"
#endif
char jail_license[] SEC("license") = LICENSE;
SEC("cgroup/connect4") int jail_connect4(struct bpf_sock_addr *c) { return body(c); }
SEC("cgroup/connect6") int jail_connect6(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup/sendmsg4") int jail_sendmsg4(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup/sendmsg6") int jail_sendmsg6(struct bpf_sock_addr *c) { return 1; }
#ifndef NO_SOCK_CREATE
SEC("cgroup/sock_create") int jail_sock_create(struct bpf_sock *s) { return 1; }
#endif
SEC("cgroup/setsockopt") int jail_setsockopt(struct bpf_sockopt *o) { return 1; }
SEC("cgroup/recvmsg4") int jail_recvmsg4(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup/recvmsg6") int jail_recvmsg6(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup/getpeername4") int jail_getpeername4(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup/getpeername6") int jail_getpeername6(struct bpf_sock_addr *c) { return 1; }
SEC("cgroup_skb/egress") int jail_egress(struct __sk_buff *b) { return 1; }
EOF

GOOD='INLINE int body(struct bpf_sock_addr *c)
{
	__u32 k[2] = { 32, c->user_ip4 };
	return lookup(&jail_v4, k) == 0 && lookup(&jail_v6, k) == 0;
}'

# snippet NAME CFLAGS CODE: compile $T/NAME.o as the Makefile does (-g,
# relative file names, DWARF stripped; kept when NOSTRIP is set), or say why not
snippet() {
	{ echo '#include "pre.h"'; echo "$3"; echo '#include "post.h"'; } \
		>"$T/$1.c"
	(cd "$T" && "$CLANG" -target bpf -O2 -g -fdebug-compilation-dir=. -I. \
		-I"/usr/include/$MULTIARCH" $2 -c -o "$1.g.o" "$1.c") 2>"$T/$1.cc.err" ||
		{ echo "# clang failed on $1:"; sed 's/^/#   /' "$T/$1.cc.err"; }
	if [ -n "${NOSTRIP:-}" ]; then
		cp "$T/$1.g.o" "$T/$1.o"
	else
		"$LLVM_OBJCOPY" --strip-debug "$T/$1.g.o" "$T/$1.o"
	fi
}

# lines_match HEADER DIR: every "/* FILE:LINE: TEXT */" comment's TEXT is
# line LINE of DIR/FILE, made comment-safe as bpf2c does (blanks trimmed,
# tabs as spaces, "/" "*" and "*" "/" split; longer than 160 bytes: the
# first 160 and "...").  Prints the count, or the first mismatch, and fails
# on one.
lines_match() {
	perl -e '
		my ($hdr, $dir) = @ARGV; my ($n, %src) = (0);
		open(my $h, "<", $hdr) or die "$hdr: $!\n";
		while (<$h>) {
			next unless m{^\t/\* (\S+):(\d+): (.*) \*/$};
			my ($f, $l, $t) = ($1, $2, $3);
			$src{$f} //= do { open(my $s, "<", "$dir/$f") or
				die "$dir/$f: $!\n"; [<$s>] };
			my $want = $src{$f}[$l - 1] // "";
			$want =~ s/^[ \t]+//; $want =~ s/[ \t\r\n]+$//;
			$want =~ tr/\t/ /; $want =~ s/[\x00-\x1f\x7f]/?/g;
			$want =~ s{(/(?=\*)|\*(?=/))}{$1 }g;
			$want = substr($want, 0, 160) . "..." if length($want) > 160;
			$t eq $want or die "$f:$l: comment \"$t\", source \"$want\"\n";
			$n++;
		}
		print "$n\n"; exit($n ? 0 : 1);
	' "$1" "$2"
}

gen() {	# gen NAME: run the generator, stdout to NAME.h, stderr to NAME.err
	"$T/bpf2c" "$T/$1.o" "$1.c" "test compiler" \
		"$(printf '%064d' 0)" >"$T/$1.h" 2>"$T/$1.err"
}

# refuse NAME CFLAGS CODE PATTERN: must exit 1 with PATTERN in the message
refuse() {
	local st

	snippet "$1" "$2" "$3"
	gen "$1"
	st=$?
	if [ "$st" = 1 ] && grep -q -- "$4" "$T/$1.err"; then
		ok 0 "refuses $1: $(head -n 1 "$T/$1.err")"
	else
		ok 1 "refuses $1 (exit $st, want 1 and '$4')"
		sed 's/^/#   /' "$T/$1.err"
	fi
}

echo "1..23"

"$HOSTCC" -std=gnu11 -D_GNU_SOURCE -O2 -o "$T/bpf2c" tools/bpf2c.c
ok $? "tools/bpf2c.c builds"

snippet good "" "$GOOD"
gen good && cp "$T/good.h" "$T/good1.h" && gen good &&
	cmp -s "$T/good.h" "$T/good1.h"
ok $? "accepts a plain object, byte-identical output twice"
sed 's/^/#   /' "$T/good.err"

# Source lines: the snippet's lookup line is named above its map load.
c=$(lines_match "$T/good.h" "$T" 2>&1)
ok $? "source-line comments are the snippet's lines ($c)"
lk=$(grep -n 'return lookup(&jail_v4' "$T/good.c" | cut -d: -f1)
grep -B3 'map\[jail_v4\] ll' "$T/good.h" | grep -q "^	/\* good.c:$lk: return lookup"
ok $? "the map load comes right after the comment for good.c:$lk" ||
	grep -B3 'map\[jail_v4\] ll' "$T/good.h" | sed 's/^/#   /'
# Control: a comment naming the wrong line is caught by lines_match.
sed "0,/^	\/\* good.c:$lk: /s//	\/* good.c:$((lk + 1)): /" "$T/good.h" >"$T/wrong.h"
! cmp -s "$T/good.h" "$T/wrong.h" && ! c=$(lines_match "$T/wrong.h" "$T" 2>&1)
ok $? "control: a comment moved to the next line is reported ($c)"
# A source line with a comment on it, and one longer than 160 bytes.
snippet long "" 'INLINE int body(struct bpf_sock_addr *c)
{
	__u32 k[2] = { 32, c->user_ip4 };	/* the key */
	return lookup(&jail_v4, k) == 0 && c->user_port != 1 && c->user_port != 2 && c->user_port != 3 && c->user_port != 4 && c->user_port != 5 && c->user_port != 6 && c->user_port != 7;
}'
gen long && c=$(lines_match "$T/long.h" "$T" 2>&1) &&
	grep -q '^	/\* long\.c:[0-9]*: .*/ \* the key \* / \*/$' "$T/long.h" &&
	grep -q '^	/\* long\.c:[0-9]*: return lookup.*\.\.\. \*/$' "$T/long.h"
ok $? "a comment in a source line is split, a long line cut with ... ($c comments match)" ||
	grep '^	/\*' "$T/long.h" | sed 's/^/#   /'
c=$(lines_match bpf_insns.h . 2>&1) && [ "$c" -ge 100 ]
ok $? "bpf_insns.h: every source-line comment is its line of bpf/jail.bpf.c ($c comments)"

"$T/bpf2c" --self-test "$T/good.o" >"$T/self.out" 2>"$T/self.err"
ok $? "--self-test: damaged copies of the object are refused"
sed 's/^/#   /' "$T/self.out" "$T/self.err"
grep -q '^bpf2c: self-test: 14 damaged objects refused$' "$T/self.out"
ok $? "--self-test covers the line-info cases too (14 damaged objects)"

NOSTRIP=1 refuse dwarf "" "$GOOD" 'section \.debug_.*llvm-objcopy --strip-debug'

refuse core "" 'INLINE int body(struct bpf_sock_addr *c)
{
	return __builtin_preserve_access_index(c->user_port) == 0;
}' 'CO-RE relocations'

refuse data "" 'int counter = 5;
INLINE int body(struct bpf_sock_addr *c) { return counter + c->user_port; }' \
	'section \.data'

refuse rodata "" 'static const int tbl[4] = { 1, 0, 1, 0 };
INLINE int body(struct bpf_sock_addr *c) { return tbl[c->user_port & 3]; }' \
	'section \.rodata'

refuse bss "" 'int zero;
INLINE int body(struct bpf_sock_addr *c) { return zero + c->user_port; }' \
	'section \.bss'

refuse call "" '__attribute__((noinline)) static int f(int x) { return x * 3 + 1; }
INLINE int body(struct bpf_sock_addr *c) { return f(c->user_port); }' \
	'section \.text'

refuse unknown_section "" "$GOOD
SEC(\"cgroup/bind4\") int jail_bind4(struct bpf_sock_addr *c) { return 1; }" \
	'section cgroup/bind4'

refuse license "-DLICENSE=\"MIT\"" "$GOOD" 'section license'

refuse missing_prog "-DNO_SOCK_CREATE" "$GOOD" 'jail_sock_create'

refuse unknown_map "" 'struct placeholder jail_v5 SEC("maps");
INLINE int body(struct bpf_sock_addr *c)
{
	__u32 k[2] = { 32, c->user_ip4 };
	return lookup(&jail_v5, k) == 0;
}' 'jail_v5'

refuse two_functions "" "$GOOD
SEC(\"cgroup/connect4\") int jail_other(struct bpf_sock_addr *c) { return 0; }" \
	'jail_other'

"$T/bpf2c" "$T/good.o" 2>/dev/null
st=$?
[ "$st" = 100 ]
ok $? "bad usage exits 100 (got $st)"

# tools/objdump-check: the header's instructions against llvm-objdump -d.
out=$(tools/objdump-check "$T/good.o" "$T/good.h" 2>&1)
ok $? "objdump-check: the generated header matches llvm-objdump -d ($out)"
# A changed immediate in one instruction (the first "r0 = N") must be caught.
sed '0,/\.code = 0xb7, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = \([0-9]*\)/s//.code = 0xb7, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 7\1/' \
	"$T/good.h" > "$T/bad.h"
! cmp -s "$T/good.h" "$T/bad.h" && ! tools/objdump-check "$T/good.o" "$T/bad.h" 2>"$T/oc.err"
ok $? "objdump-check: one changed immediate is reported ($(tail -n 1 "$T/oc.err"))"

[ "$failed" = 0 ]
