#!/bin/bash
# tests/16-unit-libc.t - runs tests/unit_libc: musl/strtol.c's strto*l, musl/qsort.c's qsort and
# musl/gmtime.c's gmtime_r of the musl builds against glibc's under ASan and UBSan, then the
# same test built with musl-gcc, against musl's own (the ones they replace in jail-ai).
. "$(dirname "$0")/lib.sh"
unit_both unit_libc "strto*l, qsort, gmtime_r"
done_testing
