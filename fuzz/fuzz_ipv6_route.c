/*
 * fuzz/fuzz_ipv6_route.c - libFuzzer target for the /proc/net/ipv6_route
 * parser in hostips.c (local and anycast routes).  The checks are
 * fuzz_common.h's: two parses (room for all, a small max), n <= max, host
 * bits zero, a sane prefix length, an error line inside the input.
 * Seeds: fuzz/seeds-ipv6_route/.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(hostips_parse_ipv6_route, NULL, data, size);
}
