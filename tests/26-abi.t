#!/bin/bash
# tests/26-abi.t - a jailed CMD may use the native syscall ABI only (issue 8, class 2).
#
# The kernel runs the cgroup setsockopt program only for native calls: an ia32 setsockopt
# (int 0x80 from 64-bit code) or one through an io_uring ring made by an ia32 io_uring_setup
# skips it, so a segment routing header could be set and a datagram judged by an allowed
# address delivered to ::1.  `run`'s seccomp filter kills any call through a foreign ABI
# (ia32, x32) and keeps clone3 at ENOSYS.
#
#   1. tests/unit_seccomp: the filter in an interpreter of what the seccomp action cache
#      can precompute, and the podman profile narrowing.
#   2. Here, in the test's network namespace: native calls in the jail keep working; x32.
#   3. ia32, with controls (no jail; --unsafe-keep-privileges --block-host, i.e. the
#      programs without the filter, where the attack succeeds): here if this kernel makes
#      ia32 calls, else in a throwaway VM (qemu, software emulation, Debian's kernel booted
#      with syscall.x32=y, the cases as its /init).  Some hypervisors (PVM, as on these
#      machines) give 64-bit guests no usable int 0x80 gate or 32-bit code segment.
# The cases themselves are tests/abi-cases.sh (POSIX sh, busybox in the VM).

. "$(dirname "$0")/lib.sh"
require_root
require_tools
require_cgroup2
require_binaries
ABI=$PWD/tests/abi_probe
UNIT=$PWD/tests/unit_seccomp
[ -x "$ABI" ] && [ -x "$UNIT" ] ||
	bail "tests/abi_probe or tests/unit_seccomp is missing: run 'make tests/abi_probe tests/unit_seccomp'"
VMDIR=${JAIL_AI_TEST_CACHE:-/var/cache/jail-ai-test}/vm-abi	# outside the clone: CI starts fresh
VM_TIMEOUT=${VM_TIMEOUT:-400}

# relay FILE: the TAP lines in FILE as ours (numbered here), comments passed on.
relay() {
	local l
	while IFS= read -r l; do
		case $l in
		"ok "*) ok 0 "${l#*- }" ;;
		"not ok "*) ok 1 "${l#*- }" ;;
		"#"*) echo "$l" ;;
		esac
	done <"$1"
}

# ---- 1. the filter and the profile, without the kernel ----
"$UNIT" >"$TMP/unit" 2>&1
st=$?
relay "$TMP/unit"
[ "$st" = 0 ] && grep -q '^1\.\.' "$TMP/unit"
ok $? "tests/unit_seccomp ran to its plan" || diag "exit $st" "$(tail -n 5 "$TMP/unit")"

# The arm64 table, where a cross compiler and qemu-user are installed (gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross, qemu-user-static): the same unit test, built for arm64.
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64-static >/dev/null; then
	aarch64-linux-gnu-gcc -std=gnu11 -D_GNU_SOURCE -O1 -I. -static -o "$TMP/unit_arm64" \
		tests/unit_seccomp.c seccomp.c >"$TMP/unit_arm64.log" 2>&1 &&
		qemu-aarch64-static "$TMP/unit_arm64" >"$TMP/unit_arm64.log" 2>&1
	st=$?
	sed -i 's/^\(\(not \)\{0,1\}ok [0-9]* - \)/\1arm64: /' "$TMP/unit_arm64.log"
	relay "$TMP/unit_arm64.log"
	[ "$st" = 0 ] && grep -q '^1\.\.' "$TMP/unit_arm64.log"
	ok $? "tests/unit_seccomp built for arm64 ran to its plan under qemu-user" ||
		diag "exit $st" "$(tail -n 5 "$TMP/unit_arm64.log")"
else
	diag "the arm64 table is not checked here (no aarch64-linux-gnu-gcc or qemu-aarch64-static)"
fi

# ---- 2. native calls and x32, here ----
netns_setup
serve "$NS_P" peer4 10.77.0.2 7101
# cases ARGS...: tests/abi-cases.sh in the host namespace; output in $TMP/cases.
cases() {
	mkdir -p "$TMP/c"
	JAIL_AI=$JAIL_AI ABI=$ABI PROBE=$PROBE T=$TMP/c timeout -k 5 300 \
		nsenter --net="/run/netns/$NS_H" -- sh tests/abi-cases.sh "$@" >"$TMP/cases" 2>&1
}
cases native x32
st=$?
relay "$TMP/cases"
[ "$st" = 0 ]
ok $? "abi-cases native x32 ran through" || diag "exit $st" "$(tail -n 5 "$TMP/cases")"

n=$(arrivals peer4)
out=$(jail run --block-host -- "$PROBE" udp 10.77.0.2 7101 2>"$TMP/err")
st=$?
[ "$st" = 0 ] && arrived peer4 "$n"
ok $? "run --block-host: a native UDP datagram to the peer 10.77.0.2 arrives" ||
	diag "exit $st:" "$out" "$(tail -n 3 "$TMP/err")"

# ---- 3. ia32 ----
# vm_kernel: VMLINUZ, Debian's kernel (ia32 and x32 built in), fetched once into $VMDIR.
vm_kernel() {
	local pkg
	VMLINUZ=$(ls "$VMDIR"/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$VMLINUZ" ] && return 0
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	mkdir -p "$VMDIR" && (cd "$VMDIR" && apt-get download "$pkg" >/dev/null 2>&1 &&
		dpkg-deb --fsys-tarfile "$pkg"_*.deb |
		tar -x --strip-components=2 --wildcards './boot/vmlinuz-*'
		st=$?
		rm -f "$pkg"_*.deb
		exit $st) || return 1
	VMLINUZ=$(ls "$VMDIR"/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$VMLINUZ" ]
}

# vm_busybox: BUSYBOX, an x86-64 static busybox for the VM: /bin/busybox, or (when the
# installed busybox-static is another architecture's) one fetched once into $VMDIR.
vm_busybox() {
	BUSYBOX=/bin/busybox
	[ "$(od -An -tx1 -j18 -N2 "$BUSYBOX" 2>/dev/null | tr -d ' ')" = 3e00 ] && return 0
	BUSYBOX=$VMDIR/busybox-amd64
	[ -x "$BUSYBOX" ] && return 0
	mkdir -p "$VMDIR" && (cd "$VMDIR" && apt-get download busybox-static:amd64 >/dev/null 2>&1 &&
		dpkg-deb --fsys-tarfile busybox-static_*_amd64.deb | tar -x -O ./bin/busybox \
			>busybox-amd64.tmp
		st=$?
		rm -f busybox-static_*_amd64.deb
		[ "$st" = 0 ] && chmod 755 busybox-amd64.tmp && mv busybox-amd64.tmp busybox-amd64)
}

vm_qemu() {
	QEMU=$(command -v qemu-system-x86_64) && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		qemu-system-x86 >"$TMP/apt.log" 2>&1
	QEMU=$(command -v qemu-system-x86_64)
}

# vm_initrd: $TMP/initrd.cpio with busybox, jail-ai (and its libraries when it is the
# dynamically linked ASan build), the probes and the cases as /init's work.
vm_initrd() {
	local r=$TMP/initrd l
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" || return 1
	cp "$BUSYBOX" "$r/bin/busybox" && cp "$JAIL_AI" "$r/jail-ai" &&
		cp "$ABI" "$r/abi_probe" && cp "$PROBE" "$r/probe" &&
		cp tests/abi-cases.sh "$r/abi-cases.sh" || return 1
	for l in $(ldd "$JAIL_AI" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$r$(dirname "$l")" && cp -L "$l" "$r$l" || return 1
	done
	cat >"$r/init" <<-'EOF'
		#!/bin/busybox sh
		/bin/busybox --install -s /bin
		export PATH=/bin
		mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs dev /dev &&
			mkdir -p /dev/pts && mount -t devpts devpts /dev/pts &&
			mount -t tmpfs tmp /tmp && mount -t cgroup2 cgroup2 /sys/fs/cgroup
		ip link set lo up && ip -6 addr add fd77::1/128 dev lo
		echo "abi-vm: start, kernel $(uname -r)"
		JAIL_AI=/jail-ai ABI=/abi_probe PROBE=/probe T=/tmp HOST6=fd77::1 HOST6_TWIN=1::fd77 \
			sh /abi-cases.sh ia32 x32
		echo "abi-vm: done $?"
		poweroff -f
	EOF
	chmod 755 "$r/init"
	(cd "$r" && find . | "$BUSYBOX" cpio -o -H newc) >"$TMP/initrd.cpio" 2>/dev/null
}

cases ia32
st=$?
if [ "$st" != 3 ]; then
	diag "this kernel makes ia32 calls: the ia32 cases ran here"
	relay "$TMP/cases"
	[ "$st" = 0 ]
	ok $? "abi-cases ia32 ran through" || diag "exit $st" "$(tail -n 5 "$TMP/cases")"
	done_testing
fi
diag "$(sed -n 's/^# //p' "$TMP/cases")" "so the ia32 cases run in a VM (qemu, software emulation)"
vm_qemu || skip_all "no usable ia32 here and no qemu-system-x86_64 (apt-get install" \
	"qemu-system-x86): $(tail -n 2 "$TMP/apt.log" 2>/dev/null)"
vm_kernel || skip_all "no usable ia32 here and no Debian kernel for the VM (apt-get download" \
	"linux-image-amd64's kernel package failed)"
vm_busybox || skip_all "no usable ia32 here and no x86-64 busybox for the VM (apt-get" \
	"download busybox-static:amd64 failed)"
vm_initrd || bail "cannot build the VM's initramfs in $TMP/initrd"
timeout -k 5 "$VM_TIMEOUT" "$QEMU" -accel tcg -m 768 -smp 1 -nographic -no-reboot -nic none \
	-kernel "$VMLINUZ" -initrd "$TMP/initrd.cpio" \
	-append "console=ttyS0 rdinit=/init panic=-1 loglevel=1 syscall.x32=y" \
	</dev/null 2>&1 | tr -d '\r' >"$TMP/vm.out"
# The firmware's escape sequences may precede the first line on the same line.
sed -n '/abi-vm: start/,/^abi-vm: done/p' "$TMP/vm.out" >"$TMP/vm.tap"
diag "$(sed -n 's/.*\(abi-vm: start\)/\1/p' "$TMP/vm.tap")"
relay "$TMP/vm.tap"
grep -q '^abi-vm: done 0$' "$TMP/vm.tap" && grep -q '^ok - run --block-host: ia32' "$TMP/vm.tap"
ok $? "the VM ran the ia32 and x32 cases through" || diag "$(tail -n 15 "$TMP/vm.out")"
done_testing
