# Makefile - jail-ai.  Flat, no configure.
#
#   make              ./jail-ai, static, stripped (musl-gcc; no clang needed)
#   make check        every test: unit, parsers, kernel, fuzz (brief), ASan+UBSan
#   make check-bpf    regenerate bpf_insns.h from bpf/jail.bpf.c; fail on any difference
#   make bpf          regenerate bpf_insns.h in place (then review and commit the diff)
#   make bench        benchmarks (bench/), ratio tables
#   make install      PREFIX, DESTDIR; sets cap_bpf,cap_net_admin+p when run as root

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MUSLCC	?= musl-gcc
HOSTCC	?= cc
CLANG	?= clang
STRIP	?= strip
SETCAP	?= setcap

WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wcast-qual -Wsign-compare -Wformat=2
CFLAGS	?= -Os
CFLAGS	+= $(WARN) -std=gnu11 -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -D_GNU_SOURCE -fno-strict-aliasing
VERSION	= 0.1.0

# musl-gcc has no kernel uapi headers of its own: give it links to the host's.
MULTIARCH := $(shell $(HOSTCC) -print-multiarch 2>/dev/null)
KINC	= build/kinc

SRCS	= jail.c loader.c hostips.c policy.c cgroup.c spawn.c confine.c \
	  protect.c podman.c container.c images.c agents.c
HDRS	= bpf_insns.h policy.h hostips.h jail.h request.h images.h

all: jail-ai

$(KINC)/.stamp:
	@mkdir -p $(KINC)
	ln -sfn /usr/include/linux $(KINC)/linux
	ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm $(KINC)/asm
	@touch $@

jail-ai: $(SRCS) $(HDRS) $(KINC)/.stamp
	$(MUSLCC) $(CFLAGS) -DJAIL_VERSION='"$(VERSION)"' -I$(KINC) -static \
	  -o $@.tmp $(SRCS)
	$(STRIP) $@.tmp
	mv $@.tmp $@
	@echo "jail-ai: $$(stat -c %s $@) bytes stripped, static"

# The same program with glibc, AddressSanitizer and UBSan, for the suite.
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all
jail-ai-asan: $(SRCS) $(HDRS)
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE $(SANFLAGS) \
	  -DJAIL_VERSION='"$(VERSION)-asan"' -o $@ $(SRCS)

# Fault injection for the tests only: JAIL_AI_FAULT=child makes the
# privileged child refuse the request.  Never installed.
jail-ai-fault: $(SRCS) $(HDRS)
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE -O1 -g -DJAIL_FAULT_INJECTION \
	  -DJAIL_VERSION='"$(VERSION)-fault"' -o $@ $(SRCS)

# ---- BPF: bpf/jail.bpf.c -> bpf_insns.h (clang needed only here) ----
# The header records the compiler line and a hash of the sources, so
# check-bpf also fails when a different clang would produce other code.
BPF_CFLAGS = -target bpf -O2 -g0 -Wall -Werror -I. \
	     -I/usr/include/$(MULTIARCH)
BPF_SHA	= $$(cat bpf/jail.bpf.c policy.h | sha256sum | cut -c1-64)
build/jail.bpf.o: bpf/jail.bpf.c policy.h
	@mkdir -p build
	$(CLANG) $(BPF_CFLAGS) -c -o $@ bpf/jail.bpf.c
build/bpf2c: tools/bpf2c.c
	@mkdir -p build
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE -O2 -o $@ tools/bpf2c.c
build/bpf_insns.h: build/jail.bpf.o build/bpf2c
	build/bpf2c build/jail.bpf.o bpf/jail.bpf.c \
	  "$$($(CLANG) --version | head -n 1)" "$(BPF_SHA)" > $@.tmp
	mv $@.tmp $@
bpf: build/bpf_insns.h
	cp build/bpf_insns.h bpf_insns.h.tmp
	mv bpf_insns.h.tmp bpf_insns.h
check-bpf: build/bpf_insns.h
	build/bpf2c --self-test build/jail.bpf.o
	@if cmp -s build/bpf_insns.h bpf_insns.h; then \
	  echo "check-bpf: bpf_insns.h matches bpf/jail.bpf.c"; \
	else \
	  diff -u bpf_insns.h build/bpf_insns.h | head -n 60; \
	  echo "check-bpf: bpf_insns.h differs from a fresh build: run 'make bpf' and review"; \
	  exit 1; \
	fi

# ---- tests ----
TEST_BINS = tests/unit_hostips tests/unit_policy tests/unit_cgroup \
	    tests/unit_request tests/unit_images tests/probe tests/lo_probe
UNIT_CFLAGS = $(WARN) -std=gnu11 -D_GNU_SOURCE -O1 -g -I.
# Unit tests always run under ASan+UBSan: they exist to find such bugs.
UNITSAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all

tests/unit_hostips: tests/unit_hostips.c hostips.c hostips.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_hostips.c hostips.c
tests/unit_policy: tests/unit_policy.c tests/policy_ref.h policy.c hostips.c jail.h policy.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_policy.c policy.c hostips.c
tests/unit_cgroup: tests/unit_cgroup.c cgroup.c jail.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_cgroup.c cgroup.c
tests/unit_request: tests/unit_request.c loader.c request.h bpf_insns.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DLOADER_NO_MAIN -o $@ tests/unit_request.c loader.c
tests/unit_images: tests/unit_images.c images.c images.h jail.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DIMAGES_PURE -o $@ tests/unit_images.c images.c
tests/probe: tests/probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/probe.c
tests/lo_probe: tests/lo_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/lo_probe.c

# Fuzz targets (libFuzzer, clang): one per parser of untrusted input.
FUZZ_BINS = fuzz/fuzz_fib_trie fuzz/fuzz_if_inet6 fuzz/fuzz_ipv6_route \
	    fuzz/fuzz_resolv \
	    fuzz/fuzz_request fuzz/fuzz_mountinfo fuzz/fuzz_allow
FUZZFLAGS = -g -O1 -std=gnu11 -D_GNU_SOURCE -I. \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz/fuzz_fib_trie: fuzz/fuzz_fib_trie.c fuzz/fuzz_common.h hostips.c hostips.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_fib_trie.c hostips.c
fuzz/fuzz_if_inet6: fuzz/fuzz_if_inet6.c fuzz/fuzz_common.h hostips.c hostips.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_if_inet6.c hostips.c
fuzz/fuzz_ipv6_route: fuzz/fuzz_ipv6_route.c fuzz/fuzz_common.h hostips.c hostips.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_ipv6_route.c hostips.c
fuzz/fuzz_resolv: fuzz/fuzz_resolv.c fuzz/fuzz_common.h hostips.c hostips.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_resolv.c hostips.c
fuzz/fuzz_request: fuzz/fuzz_request.c loader.c request.h bpf_insns.h
	$(CLANG) $(FUZZFLAGS) -DLOADER_NO_MAIN -o $@ fuzz/fuzz_request.c loader.c
fuzz/fuzz_mountinfo: fuzz/fuzz_mountinfo.c cgroup.c jail.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_mountinfo.c cgroup.c
fuzz/fuzz_allow: fuzz/fuzz_allow.c fuzz/fuzz_common.h tests/policy_ref.h policy.c hostips.c jail.h policy.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_allow.c policy.c hostips.c
fuzz: $(FUZZ_BINS)

check: jail-ai jail-ai-asan jail-ai-fault $(TEST_BINS) fuzz
	tests/run

bench: jail-ai tests/probe
	bench/run

install: jail-ai
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 jail-ai $(DESTDIR)$(BINDIR)/jail-ai
	@if [ "$$(id -u)" = 0 ] && [ -z "$(DESTDIR)" ]; then \
	  $(SETCAP) cap_bpf,cap_net_admin+p $(BINDIR)/jail-ai && \
	  echo "install: $(BINDIR)/jail-ai has cap_bpf,cap_net_admin+p"; \
	else \
	  echo "install: as root, run: setcap cap_bpf,cap_net_admin+p $(BINDIR)/jail-ai"; \
	fi

clean:
	rm -rf build jail-ai jail-ai.tmp jail-ai-asan jail-ai-fault $(TEST_BINS) $(FUZZ_BINS)

.PHONY: all bpf check-bpf check fuzz bench install clean
