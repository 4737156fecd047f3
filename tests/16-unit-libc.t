#!/bin/bash
# tests/16-unit-libc.t - runs tests/unit_libc (musl/strtol.c's strto*l, musl/qsort.c's qsort and
# musl/gmtime.c's gmtime_r of the musl builds against the C library's, under ASan and UBSan); its
# TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_libc >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_libc"; exit 1; }
exec tests/unit_libc
