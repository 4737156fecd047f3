#!/bin/bash
# tests/44-audit-commands.t - every command AUDIT.md gives a reviewer to run
# (each line of its ```sh blocks) runs and exits 0, so a reviewer can follow
# it from the first command to the last.  tests/40-audit.t checks what the
# text claims (file:line tokens, the counts, the hash); this file checks only
# that the commands work.
#
# The commands run in a copy of this tree (build/ left out, so make check-bpf
# builds from scratch as in a fresh checkout; make bpf may rewrite only the
# copy).  `sudo` is dropped: the suite runs as root.  scripts/test is not
# run: it is the whole suite, this file included; it must exist and parse.
# Needs what the commands need: clang for make check-bpf, root for the
# kernel tests they name.
. "$(dirname "$0")/lib.sh"
require_root
command -v clang >/dev/null || skip_all "needs clang (make check-bpf)"
[ -x "$JAIL_AI" ] || bail "$JAIL_AI not built (make)"

# One command a line; a trailing backslash joins the next line.
cmds=$(awk '
	/^```/ { if (inb) { inb = 0; next } if ($0 ~ /^```(sh|bash|shell)$/) inb = 1; next }
	inb && /^[[:space:]]*(#|$)/ { next }
	inb { if (sub(/\\$/, "")) { part = part $0; next } print part $0; part = "" }
' AUDIT.md)
n=$(grep -c . <<<"$cmds")
[ "$n" -ge 8 ]
ok $? "AUDIT.md's sh blocks give $n commands" || diag "$cmds"

COPY=$TMP/tree
mkdir "$COPY" && tar -C . --exclude=./.git --exclude=./build -cf - . | tar -C "$COPY" -xf - ||
	bail "cannot copy the tree to $COPY"
case $JAIL_AI in	# the same binary; from the copy when it is in this tree
"$PWD"/*) JAIL_AI_COPY=$COPY/${JAIL_AI#"$PWD"/} ;;
*) JAIL_AI_COPY=$JAIL_AI ;;
esac
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	run=${cmd#sudo }
	case $run in
	scripts/test*)
		(cd "$COPY" && [ -x scripts/test ] && sh -n scripts/test)
		ok $? "$cmd: exists and parses (not run: it is the suite, this file included)"
		continue ;;
	esac
	(cd "$COPY" && JAIL_AI=$JAIL_AI_COPY timeout -k 10 1800 bash -c "$run") \
		>"$TMP/out.$i" 2>&1
	st=$?
	ok $st "$cmd (exit $st)" || diag "$(tail -n 20 "$TMP/out.$i")"
done <<<"$cmds"

# make bpf rewrites the header in place: from unchanged sources, the same bytes.
cmp -s bpf_insns.h "$COPY/bpf_insns.h"
ok $? "after the commands the copy's bpf_insns.h is still the committed one" ||
	diag "$(diff bpf_insns.h "$COPY/bpf_insns.h" | head -n 20)"
done_testing
