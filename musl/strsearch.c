/*
 * musl/strsearch.c - strstr and memmem for the static musl builds (jail-ai and
 * jail-ai-aarch64 only, like musl/fmt.c).  musl's are the two-way algorithm,
 * 2.5 KiB of the binary; jail-ai's needles are a few bytes (" - ", "::",
 * "block-host", a PEM header, "jail-ai-unreachable:") and its haystacks a
 * line, a file of kilobytes or a build log, where a plain search costs
 * about a comparison per byte.  Same results by definition: the first
 * occurrence, or NULL; an empty needle is found at the start.
 * tests/unit_strsearch compares them with the C library's.
 *
 * No privilege.  Untrusted input: the haystacks.
 */
#include <stdint.h>
#include <string.h>

/* The C library's signatures return the haystack without its const. */
#define UNCONST(p)	((void *)(uintptr_t)(p))

void *memmem(const void *hay, size_t hn, const void *needle, size_t nn)
{
	const unsigned char *h = hay, *n = needle;
	size_t i;

	if (nn == 0)
		return UNCONST(h);
	for (i = 0; nn <= hn && i <= hn - nn; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nn) == 0)
			return UNCONST(h + i);
	return NULL;
}

char *strstr(const char *hay, const char *needle)
{
	size_t nn = strlen(needle);

	if (nn == 0)
		return UNCONST(hay);
	for (; *hay; hay++)
		if (*hay == *needle && strncmp(hay, needle, nn) == 0)
			return UNCONST(hay);
	return NULL;
}
