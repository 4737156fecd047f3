#!/bin/bash
# tests/70-vm.t - a second kernel, booted: scripts/vm-test boots Debian's 6.1 LTS kernel
# for x86_64 (KVM when /dev/kvm is usable) and for aarch64 (software emulation) with an
# initramfs of busybox, the static jail-ai of that architecture and the test probe, and runs
# the jail's kernel cases inside.  Their TAP lines come back renumbered into this file's.
# Needs root (apt-get download of the kernels, cached in /var/cache/jail-ai-test/vm).
cd "$(dirname "$0")/.." || exit 1
n=0 failed=0
need() {
	if [ "${CI:-}" = true ]; then echo "not ok 1 - CI requires: $*"; echo "1..1"; exit 1; fi
	echo "1..0 # SKIP $*"
	exit 0
}
[ "$(id -u)" = 0 ] || need "root (apt-get download of the kernel packages)"
for q in qemu-system-x86_64 qemu-system-aarch64 cpio; do
	command -v "$q" >/dev/null || need "$q (scripts/deps test)"
done
[ -x tests/a64/probe ] && [ -x tests/a64/vt_probe ] && [ -x jail-ai-aarch64 ] ||
	need "the aarch64 build (make aarch64-check)"
[ -x tests/probe ] && [ -x tests/vt_probe ] || need "tests/probe and tests/vt_probe (make)"
for arch in x86_64 aarch64; do
	while IFS= read -r line; do
		case $line in
		"ok "*|"not ok "*)
			n=$((n + 1))
			case $line in "not ok "*) failed=$((failed + 1)) ;; esac
			echo "$line" | sed -E "s/^(not ok|ok) [0-9]+/\\1 $n/" ;;
		"1.."*) ;;
		*) echo "$line" ;;
		esac
	done < <(scripts/vm-test "$arch" 2>&1)
done
echo "1..$n"
[ "$failed" = 0 ] && [ "$n" -gt 0 ]
