/*
 * text.c - the help and usage texts.  They live in text/NAME.txt; at build
 * time tools/textpack packs them all, as one stream, into texts.h
 * (LZ77 with Elias gamma codes, text.h gives the format), which saves
 * about 14 KiB of the binary.  The first text asked for unpacks them all
 * (about 22 KiB, a few tens of microseconds) into a static buffer, as
 * "NAME\0TEXT\0" one after the other.
 *
 * No privilege.  Untrusted input: none in the program (the packed data is
 * ours); text_unpack still bounds every read and write, and
 * fuzz/fuzz_text feeds it arbitrary input.
 *
 * -DTEXT_PURE builds text_unpack alone (tools/textpack, the fuzzer).
 */
#include <errno.h>
#include <string.h>

#include "text.h"

struct bits {
	const unsigned char *p;
	size_t n;	/* bytes */
	size_t pos;	/* bits read */
};

/* The next k (<= 24) bits as a number, or -1 past the end. */
static long get_bits(struct bits *b, int k)
{
	long v = 0;

	while (k-- > 0) {
		if (b->pos >= b->n * 8)
			return -1;
		v = v << 1 | (b->p[b->pos >> 3] >> (7 - (b->pos & 7)) & 1);
		b->pos++;
	}
	return v;
}

/* An Elias gamma code (>= 1), or -1: past the end, or over 24 bits. */
static long get_gamma(struct bits *b)
{
	long x, rest;
	int k = 0;

	while ((x = get_bits(b, 1)) == 0)
		if (++k > 24)
			return -1;
	if (x < 0 || (rest = get_bits(b, k)) < 0)
		return -1;
	return 1L << k | rest;
}

int text_unpack(const unsigned char *in, size_t n, char *out, size_t want)
{
	struct bits b = { in, n, 0 };
	size_t o = 0;
	long flag, len, hi, lo;

	while (o < want) {
		if ((flag = get_bits(&b, 1)) < 0)
			return -EINVAL;
		if (flag == 0) {
			if ((lo = get_bits(&b, 7)) < 0)
				return -EINVAL;
			out[o++] = (char)lo;
			continue;
		}
		if ((len = get_gamma(&b)) < 0 || (hi = get_gamma(&b)) < 0 ||
		    (lo = get_bits(&b, 8)) < 0)
			return -EINVAL;
		len += 1;
		lo = ((hi - 1) << 8 | lo) + 1;	/* the distance back */
		/* Only what is already unpacked, only into out. */
		if ((size_t)lo > o || (size_t)len > want - o)
			return -EINVAL;
		for (; len > 0; len--, o++)	/* may overlap: byte by byte */
			out[o] = out[o - (size_t)lo];
	}
	return 0;
}

#ifndef TEXT_PURE
#include "util.h"
#include "texts.h"

const char *text_get(const char *name)
{
	static char all[TEXTS_SIZE];
	static int unpacked;
	const char *p = all, *text;

	if (!unpacked && text_unpack(texts_packed, sizeof(texts_packed), all,
	    sizeof(all)) < 0)
		die(EXIT_SYSFAIL, "the built-in texts do not unpack (a broken "
		    "build: rebuild jail-ai)");
	unpacked = 1;
	/* "NAME\0TEXT\0" after each other; the packer ends the last text. */
	while (p < all + sizeof(all)) {
		text = p + strlen(p) + 1;
		if (strcmp(p, name) == 0)
			return text;
		p = text + strlen(text) + 1;
	}
	return NULL;
}
#endif
