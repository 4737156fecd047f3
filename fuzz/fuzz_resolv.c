/*
 * fuzz/fuzz_resolv.c - libFuzzer target for the resolv.conf parser in hostips.c.
 * The checks are fuzz_common.h's: two parses (room for all, a small max),
 * n <= max, host bits zero, a sane prefix length; this parser skips bad
 * lines, so it has no error line and never returns -EINVAL.
 * Seeds: fuzz/seeds-resolv/.  Run: fuzz/fuzz_resolv fuzz/corpus-resolv fuzz/seeds-resolv
 */
#include "fuzz_common.h"

static int parse_resolv(const char *buf, size_t len, struct hostip *out,
    size_t max, size_t *n, unsigned int *errline)
{
	(void)errline;
	return hostips_parse_resolv_conf(buf, len, out, max, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(parse_resolv, NULL, data, size);
}
