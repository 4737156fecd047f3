#!/bin/bash
# tests/13-unit-text.t - runs tests/unit_text (text.c's unpacker and tools/textpack's packer,
# under ASan and UBSan: every text/NAME.txt comes back byte for byte); its TAP is this file's.
cd "$(dirname "$0")/.." || exit 1
make -s tests/unit_text >/dev/null 2>&1 || { echo "1..1"; echo "not ok 1 - make tests/unit_text"; exit 1; }
exec tests/unit_text
