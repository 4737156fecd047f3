#!/bin/bash
# tests/14-unit-fmt.t - runs tests/unit_fmt (fmt.c, the printf family of the musl builds,
# against the C library's, under ASan and UBSan); its TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_fmt >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_fmt"; exit 1; }
exec tests/unit_fmt
