/*
 * tests/unit_strsearch.c - musl/strsearch.c's strstr and memmem (renamed t_*)
 * against the C library's: edge cases (empty needle and haystack, a
 * needle longer than the haystack, at the very end, NULs inside memmem's
 * buffers) and 100,000 random cases over small alphabets, so that
 * partial matches are frequent.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define memmem t_memmem
#define strstr t_strstr
void *t_memmem(const void *, size_t, const void *, size_t);
char *t_strstr(const char *, const char *);
#include "../musl/strsearch.c"
#undef memmem
#undef strstr

static int same_str(const char *h, const char *n)
{
	return strstr(h, n) == t_strstr(h, n);
}

static int same_mem(const char *h, size_t hn, const char *n, size_t nn)
{
	return memmem(h, hn, n, nn) == t_memmem(h, hn, n, nn);
}

int main(void)
{
	static const char *const edge[][2] = { { "", "" }, { "abc", "" },
		{ "", "a" }, { "ab", "abc" }, { "abc", "c" }, { "abc", "abc" },
		{ "aab", "ab" }, { "a - b - c", " - " }, { "fe80::1", "::" },
		{ "ababab", "abab" }, { "x", "x" } };
	char h[64], n[8];
	size_t i, hn, nn, k;
	int bad = 0;

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		if (!same_str(edge[i][0], edge[i][1]) ||
		    !same_mem(edge[i][0], strlen(edge[i][0]), edge[i][1],
		    strlen(edge[i][1])))
			bad++, diag("[%s] [%s]", edge[i][0], edge[i][1]);
	ok(bad == 0, "%zu edge cases as the C library", i);
	ok(same_mem("a\0b\0c", 5, "b\0c", 3) && same_mem("a\0b", 3, "\0", 1) &&
	    t_memmem("a\0b\0c", 5, "b\0c", 3) != NULL,
	    "memmem: NULs inside both buffers");
	srand(3);
	for (i = 0; i < 100000; i++) {
		int alpha = 1 + (int)(i % 3);

		hn = (size_t)rand() % sizeof(h);
		nn = (size_t)rand() % sizeof(n);
		for (k = 0; k < hn; k++)
			h[k] = (char)('a' + rand() % alpha);
		for (k = 0; k < nn; k++)
			n[k] = (char)('a' + rand() % alpha);
		if (!same_mem(h, hn, n, nn))
			bad++;
		h[hn < sizeof(h) ? hn : sizeof(h) - 1] = '\0';
		n[nn < sizeof(n) ? nn : sizeof(n) - 1] = '\0';
		if (!same_str(h, n))
			bad++;
	}
	ok(bad == 0, "100000 random cases, alphabets of 1-3 letters: the same "
	    "match as the C library");
	return done_testing();
}
