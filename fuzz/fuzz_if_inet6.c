/*
 * fuzz/fuzz_if_inet6.c - libFuzzer target for the /proc/net/if_inet6 parser in hostips.c.
 * The checks are fuzz_common.h's: two parses (room for all, a small max),
 * n <= max, host bits zero, a sane prefix length, an error line inside
 * the input.
 * Seeds: fuzz/seeds-if_inet6/.  Run: fuzz/fuzz_if_inet6 fuzz/corpus-if_inet6 fuzz/seeds-if_inet6
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(hostips_parse_if_inet6, NULL, data, size);
}
