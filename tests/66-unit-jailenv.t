#!/bin/bash
# tests/66-unit-jailenv.t - runs tests/unit_jailenv (jailenv.c's pure parsers, under ASan and
# UBSan); its TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_jailenv >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_jailenv"; exit 1; }
exec tests/unit_jailenv
