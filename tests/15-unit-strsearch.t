#!/bin/bash
# tests/15-unit-strsearch.t - runs tests/unit_strsearch (musl/strsearch.c's strstr and memmem of
# the musl builds against the C library's, under ASan and UBSan); its TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_strsearch >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_strsearch"; exit 1; }
exec tests/unit_strsearch
