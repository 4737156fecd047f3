#!/bin/bash
# tests/39-mapfd.t - the kernel facts the live-update and denial-event design in AUDIT.md
# ("Live policy: design") rests on, measured here by tests/mapfd_probe: a process with no
# capability (uid 65534, every set empty, no_new_privs) that holds an LPM trie fd and a ring
# buffer fd can update, look up and delete entries and map the ring buffer's consumer page
# read-write and its producer pages read-only, but not write the producer pages, not turn a
# map id into an fd, and not create a map (unprivileged_bpf_disabled=2 here).
. "$(dirname "$0")/lib.sh"
require_root
MP=$PWD/tests/mapfd_probe
[ -x "$MP" ] || bail "tests/mapfd_probe is missing: run 'make tests/mapfd_probe'"
out=$("$MP" 2>&1)
st=$?
[ "$st" = 0 ]
ok $? "mapfd_probe ran (maps made as root, child dropped to 65534 without capabilities)" ||
	diag "exit $st:" "$out"
grep -q '^drop ok uid 65534, no capabilities$' <<<"$out"
ok $? "the child has uid 65534 and no capability" || diag "$out"
for want in "update ok" "lookup ok" "delete ok" "mmap-consumer-rw ok" "mmap-producer-ro ok" \
	"mmap-producer-rw EPERM" "get-fd-by-id EPERM"; do
	grep -qx "$want" <<<"$out"
	ok $? "capability-free holder of the fds: $want" || diag "$out"
done
if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]; then
	grep -qx "map-create EPERM" <<<"$out"
	ok $? "capability-free: map-create EPERM (unprivileged_bpf_disabled != 0)" || diag "$out"
fi
diag "$(grep '^update-cost' <<<"$out")"
done_testing
