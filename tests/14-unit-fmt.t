#!/bin/bash
# tests/14-unit-fmt.t - runs tests/unit_fmt: musl/fmt.c, the printf family of the musl builds,
# against glibc's printf under ASan and UBSan, then the same test built with musl-gcc,
# against musl's own printf (the one musl/fmt.c replaces in jail-ai).
. "$(dirname "$0")/lib.sh"
unit_both unit_fmt musl/fmt.c -Wno-format -Wno-format-truncation
done_testing
