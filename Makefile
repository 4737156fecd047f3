# Makefile - jail-ai.  Flat, no configure.
#
#   make              ./jail-ai, static, stripped (musl-gcc; no clang needed)
#   make check        every test: unit, parsers, kernel, fuzz (brief), ASan+UBSan
#   make check-bpf    regenerate bpf_insns.h from bpf/jail.bpf.c; fail on any difference,
#                     and on any instruction that differs from llvm-objdump -d of the object
#   make bpf          regenerate bpf_insns.h in place (then review and commit the diff)
#   make bench        benchmarks (bench/), ratio tables
#   make bench-verifier   the verifier's work per program and the privileged
#                     child's time, BASE (default main) against this tree
#   make install      PREFIX, DESTDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR: the binary
#                     (cap_bpf,cap_net_admin+p when run as root), man page,
#                     bash and zsh completion
#   make uninstall    removes exactly those files
#   make jail-ai-aarch64   (or make ARCH=aarch64) the same for aarch64, cross-built
#   make dist         dist/jail-ai-VERSION-{x86_64,aarch64} and SHA256SUMS, reproducible

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
MAN1DIR	?= $(MANDIR)/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
MUSLCC	?= musl-gcc
HOSTCC	?= cc
CLANG	?= clang
STRIP	?= strip
SETCAP	?= setcap

WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wcast-qual -Wsign-compare -Wformat=2
# -Oz: -Os that also weighs size over speed where -Os does not (x86_64:
# push/pop for small constants, no alignment of the rest); -fipa-pta:
# points-to analysis across the LTO unit, fewer reloads; -fno-caller-saves:
# no saving around calls of values that can live in call-saved registers.
# Together -3.9 KiB on x86_64, -0.5 KiB on aarch64 (-Oz alone is -Os
# there); the privileged child's time did not move (README, Size).
CFLAGS	?= -Oz -fipa-pta -fno-caller-saves
# Size (goal: 200 KiB per architecture; bench/run section 5 measures it):
# no unwind tables (C, no exceptions; backtraces use the ASan build), unused
# functions dropped, link-time optimisation in one partition (inlining and
# dead code across files), no frame pointer (aarch64 keeps one otherwise),
# and code for the fixed address that a static non-PIE binary has anyway:
# -fno-pie drops the GOT indirection, and const tables of pointers go to
# .rodata (read-only) instead of .data.rel.ro (writable: see norelro).
CFLAGS	+= -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	   -fno-unwind-tables -fomit-frame-pointer -flto -flto-partition=one \
	   -fno-pie
# No padding between code and data, neither a page (noseparate-code) nor to
# save a page of memory (common-page-size).  -z norelro: musl's static
# start-up never applies PT_GNU_RELRO (a write to .data.rel.ro succeeds in
# a static musl binary, checked on both arches), so RELRO only padded the
# file, by up to a page; what it named is now in .rodata (-fno-pie).
# strip -R .comment: the compilers' version strings, which nothing reads.
LDFLAGS	+= -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,common-page-size=16 \
	   -Wl,-z,norelro -no-pie
CFLAGS	+= $(WARN) -std=gnu11 -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -D_GNU_SOURCE -fno-strict-aliasing -ffile-prefix-map=$(CURDIR)=.
VERSION	= 0.1.0

# musl-gcc has no kernel uapi headers of its own: give it links to the host's.
MULTIARCH := $(shell $(HOSTCC) -print-multiarch 2>/dev/null)
KINC	= build/kinc

SRCS	= jail.c loader.c lockdown.c hostips.c policy.c cgroup.c spawn.c confine.c \
	  protect.c podman.c container.c images.c agents.c pty.c seccomp.c config.c \
	  check.c util.c create.c jailstart.c status.c fsjail.c \
	  jailenv.c lifecycle.c refresh.c keeper.c control.c ctlparse.c events.c text.c dns.c \
	  domains.c
HDRS	= bpf_insns.h bpf_maps.h hostips.h policy.h request.h images.h agents.h lockdown.h pty.h \
	  seccomp.h config.h check.h util.h cgroup.h protect.h confine.h spawn.h \
	  podman.h container.h create.h jailstart.h status.h fsjail.h \
	  jailenv.h lifecycle.h refresh.h keeper.h control.h ctlparse.h events.h text.h dns.h \
	  domains.h

ifeq ($(ARCH),aarch64)
all: jail-ai-aarch64
else
all: jail-ai
endif

# The help and usage texts: text/NAME.txt, packed into texts.h (generated,
# not tracked: beside the sources, so that a copy of ./*.c ./*.h builds) by
# tools/textpack (host cc) and unpacked on use by text.c (text_get("NAME")).
# A new text is a new file in text/; nothing here lists them.
TEXTS	= $(sort $(wildcard text/*.txt))
build/textpack: tools/textpack.c text.c text.h
	@mkdir -p build
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE -O2 -I. -DTEXT_PURE \
	  -o $@ tools/textpack.c text.c
texts.h: build/textpack $(TEXTS)
	build/textpack $(TEXTS) > $@.tmp
	mv $@.tmp $@

$(KINC)/.stamp:
	@mkdir -p $(KINC)
	ln -sfn /usr/include/linux $(KINC)/linux
	ln -sfn /usr/include/asm-generic $(KINC)/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm $(KINC)/asm
	@touch $@

# The musl builds only (the glibc ones keep glibc's; musl/ is outside
# the ./*.c that tests copy and build with glibc): musl/fmt.c, the printf
# family without musl's vfprintf (about 12 KiB; tests/unit_fmt), and
# musl/strsearch.c, strstr and memmem without musl's two-way search (2.5 KiB;
# tests/unit_strsearch); musl/strtol.c, the strto*l family without musl's
# stdio number scanner, musl/qsort.c, a stable in-place merge sort instead
# of smoothsort, and musl/gmtime.c, gmtime_r without __secs_to_tm
# (together about 4 KiB; tests/unit_libc).
MUSL_ONLY = musl/fmt.c musl/strsearch.c musl/strtol.c musl/qsort.c \
	    musl/gmtime.c
jail-ai: $(SRCS) $(HDRS) texts.h $(MUSL_ONLY) $(KINC)/.stamp
	$(MUSLCC) $(CFLAGS) $(LDFLAGS) -DJAIL_VERSION='"$(VERSION)"' -I$(KINC) -static \
	  -o $@.tmp $(SRCS) $(MUSL_ONLY)
	$(STRIP) -R .comment $@.tmp
	mv $@.tmp $@
	@echo "jail-ai: $$(stat -c %s $@) bytes stripped, static"

# ---- aarch64, cross-built here: Debian's aarch64 gcc with musl's specs
# file from musl-dev:arm64 (Multi-Arch: same; musl-tools:arm64 would
# replace the amd64 musl-gcc) and the arm64 uapi asm headers
# (linux-libc-dev:arm64).  `scripts/deps cross` installs them.
A64CC	= aarch64-linux-gnu-gcc -specs /usr/lib/aarch64-linux-musl/musl-gcc.specs
A64STRIP = aarch64-linux-gnu-strip
A64KINC	= build/kinc-aarch64
$(A64KINC)/.stamp:
	@mkdir -p $(A64KINC)
	ln -sfn /usr/include/linux $(A64KINC)/linux
	ln -sfn /usr/include/asm-generic $(A64KINC)/asm-generic
	ln -sfn /usr/include/aarch64-linux-gnu/asm $(A64KINC)/asm
	@touch $@
# The 64 KiB maximum page size stays (loadable on 64K-page kernels); with
# -z norelro and common-page-size above, it pads nothing.  a64-softfp.c:
# one copy of binary128 addition for musl's printf instead of two; since
# musl/fmt.c replaced that printf nothing calls it and the link drops it
# (0 bytes), kept so that long double arithmetic, if it comes back, gets
# one adder again.
jail-ai-aarch64: $(SRCS) $(HDRS) texts.h $(MUSL_ONLY) a64-softfp.c $(A64KINC)/.stamp
	$(A64CC) $(CFLAGS) $(LDFLAGS) -DJAIL_VERSION='"$(VERSION)"' \
	  -I$(A64KINC) -static -o $@.tmp $(SRCS) $(MUSL_ONLY) a64-softfp.c
	$(A64STRIP) -R .comment $@.tmp
	mv $@.tmp $@
	@echo "jail-ai-aarch64: $$(stat -c %s $@) bytes stripped, static"

# Unit tests for aarch64, without sanitizers, run under qemu-aarch64-static
# by tests/12-aarch64.t; unit_layout prints the request's layout, compared
# with the native one.
A64_UNITS = tests/a64/unit_hostips tests/a64/unit_policy tests/a64/unit_cgroup \
	    tests/a64/unit_request tests/a64/unit_images tests/a64/unit_layout \
	    tests/a64/probe tests/a64/vt_probe tests/a64/unit_subtf3 tests/a64/unit_fmt
A64_UCFLAGS = $(WARN) -std=gnu11 -D_GNU_SOURCE -O1 -I. -I$(A64KINC) -static
tests/a64/.dir:
	@mkdir -p tests/a64 && ln -sfn ../fixtures tests/a64/fixtures && touch $@
tests/a64/unit_hostips: tests/unit_hostips.c hostips.c hostips.h tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/unit_hostips.c hostips.c
tests/a64/unit_policy: tests/unit_policy.c tests/policy_ref.h policy.c hostips.c policy.h bpf_maps.h protect.h cgroup.h tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/unit_policy.c policy.c hostips.c
tests/a64/unit_cgroup: tests/unit_cgroup.c cgroup.c cgroup.h util.c util.h tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/unit_cgroup.c cgroup.c util.c
tests/a64/unit_request: tests/unit_request.c loader.c lockdown.c lockdown.h request.h bpf_insns.h tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/unit_request.c loader.c lockdown.c
tests/a64/unit_images: tests/unit_images.c images.c images.h agents.h config.c config.h policy.c hostips.c policy.h text.c text.h texts.h util.c tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -DIMAGES_PURE -DCONFIG_PURE -o $@ tests/unit_images.c images.c config.c policy.c hostips.c text.c util.c
tests/a64/unit_layout: tests/unit_layout.c request.h bpf_maps.h tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/unit_layout.c
tests/a64/probe: tests/probe.c tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/probe.c
# a64-softfp.c's __subtf3, renamed, against libgcc's (which a - b calls).
tests/a64/unit_subtf3: tests/unit_subtf3.c a64-softfp.c tests/tap.h tests/a64/.dir
	$(A64CC) $(A64_UCFLAGS) -D__subtf3=a64_subtf3 -o $@ tests/unit_subtf3.c a64-softfp.c
# musl/fmt.c against musl's own printf, on aarch64.
tests/a64/unit_fmt: tests/unit_fmt.c musl/fmt.c tests/tap.h tests/a64/.dir
	$(A64CC) $(A64_UCFLAGS) -Wno-format -Wno-format-truncation -o $@ tests/unit_fmt.c
tests/a64/vt_probe: tests/vt_probe.c tests/a64/.dir $(A64KINC)/.stamp
	$(A64CC) $(A64_UCFLAGS) -o $@ tests/vt_probe.c
tests/unit_layout: tests/unit_layout.c request.h bpf_maps.h
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ tests/unit_layout.c
aarch64-check: jail-ai-aarch64 $(A64_UNITS) tests/unit_layout

# Release artifacts: the same bytes from the same commit (no timestamps;
# paths mapped to "." by -ffile-prefix-map; the build id is a content hash).
dist: jail-ai jail-ai-aarch64
	@mkdir -p dist
	cp jail-ai dist/jail-ai-$(VERSION)-x86_64.tmp
	mv dist/jail-ai-$(VERSION)-x86_64.tmp dist/jail-ai-$(VERSION)-x86_64
	cp jail-ai-aarch64 dist/jail-ai-$(VERSION)-aarch64.tmp
	mv dist/jail-ai-$(VERSION)-aarch64.tmp dist/jail-ai-$(VERSION)-aarch64
	cd dist && sha256sum jail-ai-$(VERSION)-x86_64 jail-ai-$(VERSION)-aarch64 \
	  >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS
	@cat dist/SHA256SUMS

# The same program with glibc, AddressSanitizer and UBSan, for the suite.
SANFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=all
jail-ai-asan: $(SRCS) $(HDRS) texts.h
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE $(SANFLAGS) \
	  -DJAIL_VERSION='"$(VERSION)-asan"' -o $@ $(SRCS)

# Fault injection for the tests only: JAIL_AI_FAULT=child makes the
# privileged child refuse the request.  Never installed.
jail-ai-fault: $(SRCS) $(HDRS) texts.h
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE -O1 -g -DJAIL_FAULT_INJECTION \
	  -DJAIL_VERSION='"$(VERSION)-fault"' -o $@ $(SRCS)

# ---- BPF: bpf/jail.bpf.c -> bpf_insns.h (clang needed only here) ----
# The header records the compiler line and a hash of the sources, so
# check-bpf also fails when a different clang would produce other code.
# -g for .BTF.ext's line info (the header's source-line comments); the
# DWARF sections are then stripped, so bpf2c keeps refusing every section
# it does not read.  -fdebug-compilation-dir=.: the same file names, so
# the same header, from any checkout directory.  -g does not change the
# instructions (check-bpf's llvm-objdump comparison would show it).
BPF_CFLAGS = -target bpf -O2 -g -fdebug-compilation-dir=. -Wall -Werror -I. \
	     -I/usr/include/$(MULTIARCH)
LLVM_OBJCOPY ?= llvm-objcopy
BPF_SHA	= $$(cat bpf/jail.bpf.c bpf_maps.h | sha256sum | cut -c1-64)
build/jail.bpf.o: bpf/jail.bpf.c bpf_maps.h
	@mkdir -p build
	$(CLANG) $(BPF_CFLAGS) -c -o $@.g.tmp bpf/jail.bpf.c
	$(LLVM_OBJCOPY) --strip-debug $@.g.tmp $@.tmp
	rm -f $@.g.tmp
	mv $@.tmp $@
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
	tools/objdump-check build/jail.bpf.o bpf_insns.h
	@if cmp -s build/bpf_insns.h bpf_insns.h; then \
	  echo "check-bpf: bpf_insns.h matches bpf/jail.bpf.c"; \
	else \
	  diff -u bpf_insns.h build/bpf_insns.h | head -n 60; \
	  echo "check-bpf: bpf_insns.h differs from a fresh build: run 'make bpf' and review"; \
	  exit 1; \
	fi

# ---- tests ----
TEST_BINS = tests/unit_hostips tests/unit_policy tests/unit_cgroup tests/unit_mapsync \
	    tests/unit_request tests/unit_images tests/unit_config tests/probe \
	    tests/adversary \
	    tests/lockdown_list tests/lockdown_list-asan tests/tty_probe \
	    tests/knobs_probe tests/unit_knobs tests/unit_seccomp tests/abi_probe tests/lo_probe \
	    tests/vt_probe tests/mapfd_probe tests/fs_probe tests/refresh_probe tests/ctl_probe \
	    tests/unit_jailenv tests/unit_text tests/unit_fmt tests/unit_strsearch \
	    tests/unit_dns tests/dns_server tests/dns_fwd_probe tests/dns_fwd_probe-asan \
	    tests/unit_libc \
	    tests/dns_probe tests/dnsmap_probe
UNIT_CFLAGS = $(WARN) -std=gnu11 -D_GNU_SOURCE -O1 -g -I.
# Unit tests always run under ASan+UBSan: they exist to find such bugs.
UNITSAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all

tests/unit_hostips: tests/unit_hostips.c hostips.c hostips.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_hostips.c hostips.c
tests/unit_policy: tests/unit_policy.c tests/policy_ref.h policy.c hostips.c policy.h bpf_maps.h protect.h cgroup.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_policy.c policy.c hostips.c
tests/unit_mapsync: tests/unit_mapsync.c refresh.c refresh.h events.c events.h util.c policy.c hostips.c policy.h bpf_maps.h tests/tap.h domains.c domains.h dns.c dns.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_mapsync.c refresh.c events.c util.c policy.c hostips.c domains.c dns.c
tests/unit_cgroup: tests/unit_cgroup.c cgroup.c cgroup.h util.c util.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_cgroup.c cgroup.c util.c
tests/unit_knobs: tests/unit_knobs.c cgroup.c cgroup.h util.c util.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_knobs.c cgroup.c util.c
tests/unit_request: tests/unit_request.c loader.c lockdown.c lockdown.h request.h bpf_insns.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_request.c loader.c lockdown.c
tests/unit_images: tests/unit_images.c images.c images.h agents.h config.c config.h policy.c hostips.c policy.h text.c text.h texts.h util.c tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DIMAGES_PURE -DCONFIG_PURE -o $@ tests/unit_images.c images.c config.c policy.c hostips.c text.c util.c
tests/unit_jailenv: tests/unit_jailenv.c jailenv.c jailenv.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DJAILENV_PURE -o $@ tests/unit_jailenv.c jailenv.c
tests/unit_text: tests/unit_text.c text.c text.h tools/textpack.c texts.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DTEXTPACK_LIB -o $@ tests/unit_text.c text.c \
	  tools/textpack.c util.c
# musl/fmt.c against the C library's printf (its functions renamed t_*).
tests/unit_fmt: tests/unit_fmt.c musl/fmt.c tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -Wno-format -Wno-format-truncation -o $@ tests/unit_fmt.c
tests/unit_strsearch: tests/unit_strsearch.c musl/strsearch.c tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_strsearch.c
tests/unit_dns: tests/unit_dns.c dns.c dns.h hostips.c util.c tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_dns.c dns.c hostips.c util.c
tests/unit_libc: tests/unit_libc.c musl/strtol.c musl/qsort.c musl/gmtime.c tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_libc.c
tests/unit_config: tests/unit_config.c config.c config.h policy.c hostips.c policy.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -DCONFIG_PURE -o $@ tests/unit_config.c config.c policy.c hostips.c
# The privileged child's allow-list as each build has it (tests/35-lockdown.t).
tests/lockdown_list: tests/lockdown_list.c lockdown.c lockdown.h $(KINC)/.stamp
	$(MUSLCC) $(CFLAGS) -I$(KINC) -I. -static -o $@ tests/lockdown_list.c lockdown.c
tests/lockdown_list-asan: tests/lockdown_list.c lockdown.c lockdown.h
	$(HOSTCC) $(WARN) -std=gnu11 -D_GNU_SOURCE $(SANFLAGS) -I. -o $@ tests/lockdown_list.c lockdown.c
tests/probe: tests/probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/probe.c
tests/adversary: tests/adversary.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/adversary.c
tests/tty_probe: tests/tty_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/tty_probe.c
tests/knobs_probe: tests/knobs_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/knobs_probe.c
tests/unit_seccomp: tests/unit_seccomp.c seccomp.c seccomp.h tests/tap.h
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/unit_seccomp.c seccomp.c
# ia32 (int 0x80) and x32 calls from 64-bit code: no -m32 toolchain needed.
tests/abi_probe: tests/abi_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/abi_probe.c
tests/lo_probe: tests/lo_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/lo_probe.c
# TIOCLINUX paste on a VT, in the 6.1 VM (tests/vm-init.sh).
tests/vt_probe: tests/vt_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/vt_probe.c
tests/mapfd_probe: tests/mapfd_probe.c bpf_maps.h
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ tests/mapfd_probe.c
tests/fs_probe: tests/fs_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/fs_probe.c
tests/ctl_probe: tests/ctl_probe.c control.h
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/ctl_probe.c
tests/refresh_probe: tests/refresh_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/refresh_probe.c
# The --allow-domain forwarder (dns.c) and a DNS server for its tests
# (tests/28-dns-fwd.t, bench/dns); -O2: the bench measures the probe.
# The -asan probe: 28-dns-fwd.t under JAIL_AI=./jail-ai-asan.
tests/dns_probe: tests/dns_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -static -o $@ tests/dns_probe.c
tests/dnsmap_probe: tests/dnsmap_probe.c
	$(HOSTCC) $(UNIT_CFLAGS) -o $@ tests/dnsmap_probe.c
tests/dns_server: tests/dns_server.c
	$(HOSTCC) $(UNIT_CFLAGS) -O2 -static -o $@ tests/dns_server.c
tests/dns_fwd_probe: tests/dns_fwd_probe.c dns.c dns.h hostips.c util.c
	$(HOSTCC) $(UNIT_CFLAGS) -O2 -o $@ tests/dns_fwd_probe.c dns.c hostips.c util.c
tests/dns_fwd_probe-asan: tests/dns_fwd_probe.c dns.c dns.h hostips.c util.c
	$(HOSTCC) $(UNIT_CFLAGS) $(UNITSAN) -o $@ tests/dns_fwd_probe.c dns.c hostips.c util.c

# Fuzz targets (libFuzzer, clang): one per parser of untrusted input.
FUZZ_BINS = fuzz/fuzz_fib_trie fuzz/fuzz_if_inet6 fuzz/fuzz_ipv6_route \
	    fuzz/fuzz_resolv \
	    fuzz/fuzz_request fuzz/fuzz_mountinfo fuzz/fuzz_allow \
	    fuzz/fuzz_config fuzz/fuzz_text fuzz/fuzz_dns fuzz/fuzz_control
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
fuzz/fuzz_request: fuzz/fuzz_request.c loader.c lockdown.c lockdown.h request.h bpf_insns.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_request.c loader.c lockdown.c
fuzz/fuzz_mountinfo: fuzz/fuzz_mountinfo.c cgroup.c cgroup.h util.c util.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_mountinfo.c cgroup.c util.c
fuzz/fuzz_allow: fuzz/fuzz_allow.c fuzz/fuzz_common.h tests/policy_ref.h policy.c hostips.c policy.h bpf_maps.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_allow.c policy.c hostips.c
fuzz/fuzz_config: fuzz/fuzz_config.c config.c config.h policy.c hostips.c policy.h
	$(CLANG) $(FUZZFLAGS) -DCONFIG_PURE -o $@ fuzz/fuzz_config.c config.c policy.c hostips.c
fuzz/fuzz_text: fuzz/fuzz_text.c text.c text.h tools/textpack.c
	$(CLANG) $(FUZZFLAGS) -DTEXT_PURE -DTEXTPACK_LIB -o $@ fuzz/fuzz_text.c text.c tools/textpack.c
fuzz/fuzz_dns: fuzz/fuzz_dns.c dns.c dns.h hostips.c util.c
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_dns.c dns.c hostips.c util.c
fuzz/fuzz_control: fuzz/fuzz_control.c fuzz/fuzz_common.h ctlparse.c ctlparse.h control.h policy.c hostips.c policy.h
	$(CLANG) $(FUZZFLAGS) -o $@ fuzz/fuzz_control.c ctlparse.c policy.c hostips.c
fuzz: $(FUZZ_BINS)

# The aarch64 part needs the cross tools (scripts/deps test installs them);
# without them tests/12-portable.t skips, except under CI=true.
check: jail-ai jail-ai-asan jail-ai-fault $(TEST_BINS) fuzz
	@$(MAKE) -s aarch64-check || echo "check: no aarch64 cross build here"
	tests/run

bench: jail-ai tests/probe
	@$(MAKE) -s jail-ai-aarch64 || echo "bench: no aarch64 cross build here"
	bench/run

bench-verifier: jail-ai
	bench/verifier-cmp $(BASE)

install: jail-ai
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 jail-ai $(DESTDIR)$(BINDIR)/jail-ai
	install -m 0644 jail-ai.1 $(DESTDIR)$(MAN1DIR)/jail-ai.1
	install -m 0644 completions/jail-ai.bash $(DESTDIR)$(BASHCOMPDIR)/jail-ai
	install -m 0644 completions/_jail-ai $(DESTDIR)$(ZSHCOMPDIR)/_jail-ai
	@if [ "$$(id -u)" = 0 ] && [ -z "$(DESTDIR)" ]; then \
	  $(SETCAP) cap_bpf,cap_net_admin+p $(BINDIR)/jail-ai && \
	  echo "install: $(BINDIR)/jail-ai has cap_bpf,cap_net_admin+p"; \
	else \
	  echo "install: as root, run: setcap cap_bpf,cap_net_admin+p $(BINDIR)/jail-ai"; \
	fi

# Exactly the files install put in place; directories stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/jail-ai $(DESTDIR)$(MAN1DIR)/jail-ai.1 \
	  $(DESTDIR)$(BASHCOMPDIR)/jail-ai $(DESTDIR)$(ZSHCOMPDIR)/_jail-ai

clean:
	rm -rf build dist texts.h tests/a64 jail-ai-aarch64 tests/unit_layout jail-ai jail-ai.tmp jail-ai-asan jail-ai-fault $(TEST_BINS) $(FUZZ_BINS)

.PHONY: all bpf check-bpf check fuzz bench bench-verifier install uninstall clean dist aarch64-check
