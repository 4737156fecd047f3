#!/bin/bash
# tests/16-unit-numsort.t - runs tests/unit_numsort (musl/strtol.c's strto*l and musl/qsort.c's
# qsort of the musl builds against the C library's, under ASan and UBSan); its TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_numsort >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_numsort"; exit 1; }
exec tests/unit_numsort
