#!/bin/bash
# tests/10-bpf2c.t - tools/bpf2c refuses BPF objects it does not understand.
#
# Compiles small BPF snippets with clang into a temporary directory: one
# the generator must accept (twice, byte-identical), and bad ones it must
# refuse with a message naming the offending section, symbol or
# relocation.  No privilege, no kernel: skipped when clang is missing.

cd "$(dirname "$0")/.." || exit 1
CLANG=${CLANG:-clang}
HOSTCC=${HOSTCC:-cc}
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

# Five trivial programs around body(); a snippet supplies body() and extras.
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
SEC("cgroup_skb/egress") int jail_egress(struct __sk_buff *b) { return 1; }
EOF

GOOD='INLINE int body(struct bpf_sock_addr *c)
{
	__u32 k[2] = { 32, c->user_ip4 };
	return lookup(&jail_v4, k) == 0 && lookup(&jail_v6, k) == 0;
}'

# snippet NAME CFLAGS CODE: compile $T/NAME.o, or say why not
snippet() {
	{ echo '#include "pre.h"'; echo "$3"; echo '#include "post.h"'; } \
		>"$T/$1.c"
	"$CLANG" -target bpf -O2 -g0 -I"$T" -I"/usr/include/$MULTIARCH" $2 \
		-c -o "$T/$1.o" "$T/$1.c" 2>"$T/$1.cc.err" ||
		{ echo "# clang failed on $1:"; sed 's/^/#   /' "$T/$1.cc.err"; }
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

echo "1..15"

"$HOSTCC" -std=gnu11 -D_GNU_SOURCE -O2 -o "$T/bpf2c" tools/bpf2c.c
ok $? "tools/bpf2c.c builds"

snippet good "" "$GOOD"
gen good && cp "$T/good.h" "$T/good1.h" && gen good &&
	cmp -s "$T/good.h" "$T/good1.h"
ok $? "accepts a plain object, byte-identical output twice"
sed 's/^/#   /' "$T/good.err"

"$T/bpf2c" --self-test "$T/good.o" >/dev/null 2>"$T/self.err"
ok $? "--self-test: damaged copies of the object are refused"
sed 's/^/#   /' "$T/self.err"

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
