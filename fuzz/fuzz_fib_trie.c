/*
 * fuzz/fuzz_fib_trie.c - libFuzzer target for the /proc/net/fib_trie parser in hostips.c.
 * The checks of fuzz_common.h (two parses: room for all, a small max;
 * n <= max, host bits zero, a sane prefix length, an error line inside
 * the input), and its own: the input fed to the incremental parser in
 * two pieces gives the whole parse's return, entries and error line, as
 * discovery reads the file in pieces.
 * Seeds: fuzz/seeds-fib_trie/.  Run: fuzz/fuzz_fib_trie fuzz/corpus-fib_trie fuzz/seeds-fib_trie
 */
#include "fuzz_common.h"

/*
 * The split point comes from the input's last two bytes, which stay part
 * of the text: the corpus remains plain fib_trie text, and the fuzzer
 * reaches every split by changing the end.  An empty piece is fed
 * between the two: feed must take one.
 */
static void check_pieces(const uint8_t *data, size_t size, size_t max,
    const struct hostip *whole, const struct result *w)
{
	static struct hostip v[MAXV];
	struct hostips_parser p;
	struct result r;
	size_t split = 0;

	if (size >= 2)
		split = ((size_t)data[size - 2] << 8 | data[size - 1]) %
		    (size + 1);
	r.n = 0;
	r.line = 0;
	hostips_fib_trie_init(&p, v, max, &r.n);
	hostips_feed(&p, (const char *)data, split, &r.line);
	hostips_feed(&p, NULL, 0, &r.line);
	hostips_feed(&p, (const char *)data + split, size - split, &r.line);
	r.err = hostips_finish(&p, &r.line);
	check_result(data, size, v, max, &r);
	if (r.err != w->err || r.n != w->n || r.line != w->line ||
	    memcmp(v, whole, r.n * sizeof(*v)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(hostips_parse_fib_trie, check_pieces, data, size);
}
