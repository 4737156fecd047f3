/*
 * tools/textpack.c - pack text/NAME.txt into texts.h for text.c.
 *
 *   textpack text/A.txt text/B.txt ... > texts.h
 *
 * Runs at build time with the host cc; no privilege.  Input: our own text
 * files, checked anyway: a name of [a-z0-9-], printable ASCII, tabs and
 * newlines only, at most 60 KiB in all.
 *
 * The texts are joined as "NAME\0TEXT\0" in the order given and packed as
 * one stream, so that each text can copy from the ones before it (they
 * share most of their words); text.c finds a text by its name in the
 * unpacked stream, so there is no index to carry.  The format is text.h's: a literal costs 8 bits, a copy
 * 1 + G(len - 1) + G(hi + 1) + 8 bits.  The parse is optimal for those
 * costs: cost[i] is the fewest bits that produce the first i bytes, found
 * in one pass from the front, trying at each position a literal and every
 * length of every earlier match (the texts are small, about 17 KiB).
 * After packing, the stream is unpacked with text.c's own text_unpack and
 * compared, so a build never carries texts that do not come back.
 *
 * Output depends only on the inputs, in the order given (the Makefile
 * sorts them).  Exit status: 0 done, 1 refused or failed, 100 bad usage.
 *
 * -DTEXTPACK_LIB: textpack_pack alone, for fuzz/fuzz_text.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define MAX_ALL		(60 * 1024)
#define MAX_CANDIDATES	4096	/* earlier matches tried per position */

size_t textpack_pack(const unsigned char *in, size_t n, unsigned char *out,
    size_t cap);

static unsigned int gamma_bits(unsigned long v)
{
	unsigned int k = 0;

	while (v >> (k + 1))
		k++;
	return 2 * k + 1;
}

static unsigned int copy_bits(size_t len, size_t dist)
{
	return 1 + gamma_bits(len - 1) + gamma_bits(((dist - 1) >> 8) + 1) + 8;
}

struct out {
	unsigned char *p;
	size_t cap, pos;	/* pos in bits */
	int full;
};

static void put_bits(struct out *o, unsigned long v, unsigned int k)
{
	while (k-- > 0) {
		if (o->pos >= o->cap * 8) {
			o->full = 1;
			return;
		}
		if (v >> k & 1)
			o->p[o->pos >> 3] |= (unsigned char)(0x80 >> (o->pos & 7));
		o->pos++;
	}
}

static void put_gamma(struct out *o, unsigned long v)
{
	unsigned int k = gamma_bits(v) / 2;

	put_bits(o, 0, k);
	put_bits(o, v, k + 1);
}

/*
 * Pack in[0..n) (bytes < 128) into out: the number of bytes written, or 0
 * when out is too small or a byte is not ASCII.
 */
size_t textpack_pack(const unsigned char *in, size_t n, unsigned char *out,
    size_t cap)
{
	/* cost[i]: bits for in[0..i); len[i], dist[i]: the step ending at i */
	unsigned long *cost = calloc(n + 1, sizeof(*cost));
	size_t *len = calloc(n + 1, sizeof(*len));
	size_t *dist = calloc(n + 1, sizeof(*dist));
	size_t *prev = calloc(n + 1, sizeof(*prev));	/* same 2 bytes before */
	size_t head[65536], i, j, l, m, tries, *steps = NULL, nsteps = 0;
	struct out o = { out, cap, 0, 0 };

	if (!cost || !len || !dist || !prev || !(steps = calloc(n + 1,
	    sizeof(*steps))))
		goto fail;
	for (i = 0; i < n; i++)
		if (in[i] > 127)
			goto fail;
	for (i = 0; i < 65536; i++)
		head[i] = SIZE_MAX;
	for (i = 1; i <= n; i++)
		cost[i] = ULONG_MAX;
	for (i = 0; i < n; i++) {
		if (cost[i] + 8 < cost[i + 1]) {
			cost[i + 1] = cost[i] + 8;
			len[i + 1] = 1;
			dist[i + 1] = 0;
		}
		if (i + 1 >= n)
			break;
		unsigned int h = in[i] << 8 | in[i + 1];
		/*
		 * Nearest first: a farther match costs at least as much for
		 * the same length, so it only counts beyond the longest so far.
		 */
		size_t longest = 1;
		for (j = head[h], tries = 0; j != SIZE_MAX &&
		    tries < MAX_CANDIDATES && i + longest < n;
		    j = prev[j], tries++) {
			if (in[j + longest] != in[i + longest])
				continue;
			for (m = 0; i + m < n && in[j + m] == in[i + m]; m++)
				;
			for (l = m; l > longest; l--) {
				unsigned long c = cost[i] + copy_bits(l, i - j);

				if (c < cost[i + l]) {
					cost[i + l] = c;
					len[i + l] = l;
					dist[i + l] = i - j;
				}
			}
			if (m > longest)
				longest = m;
		}
		prev[i] = head[h];
		head[h] = i;
	}
	/* The steps from the end back, then written from the front. */
	for (i = n; i > 0; i -= len[i])
		steps[nsteps++] = i;
	memset(out, 0, cap);
	while (nsteps > 0) {
		i = steps[--nsteps];
		if (len[i] == 1) {
			put_bits(&o, 0, 1);
			put_bits(&o, in[i - 1], 7);
		} else {
			put_bits(&o, 1, 1);
			put_gamma(&o, len[i] - 1);
			put_gamma(&o, ((dist[i] - 1) >> 8) + 1);
			put_bits(&o, (dist[i] - 1) & 0xff, 8);
		}
	}
	free(cost), free(len), free(dist), free(prev), free(steps);
	return o.full ? 0 : (o.pos + 7) / 8;
fail:
	free(cost), free(len), free(dist), free(prev), free(steps);
	return 0;
}

#ifndef TEXTPACK_LIB
static unsigned char all[MAX_ALL], packed[MAX_ALL], back[MAX_ALL];

__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("textpack: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* "text/run-x.txt" -> "run-x" in name; 0 or -1 for a bad name. */
static int name_of(const char *path, char *name, size_t size)
{
	const char *b = strrchr(path, '/'), *dot;
	size_t i, k;

	b = b ? b + 1 : path;
	dot = strrchr(b, '.');
	if (!dot || strcmp(dot, ".txt") != 0 || dot == b ||
	    (k = (size_t)(dot - b)) >= size)
		return -1;
	for (i = 0; i < k; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-", b[i]))
			return -1;
	memcpy(name, b, k);
	name[k] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = 0, m, i, k;
	char names[256][64];
	int a, c;

	if (argc < 2 || argc - 1 > 256) {
		fprintf(stderr, "usage: textpack text/NAME.txt... > texts.h\n");
		return 100;
	}
	for (a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "r");

		if (name_of(argv[a], names[a - 1], sizeof(names[0])) < 0)
			return fail("%s: the name must be NAME.txt, NAME of "
			    "a-z, 0-9 and -", argv[a]);
		for (i = 1; i < (size_t)a; i++)
			if (strcmp(names[i - 1], names[a - 1]) == 0)
				return fail("%s: given twice", argv[a]);
		if (!f)
			return fail("%s: cannot open", argv[a]);
		/* "NAME\0TEXT\0", the name first */
		k = strlen(names[a - 1]) + 1;
		if (n + k >= sizeof(all))
			return fail("%s: the texts exceed 60 KiB", argv[a]);
		memcpy(all + n, names[a - 1], k);
		n += k;
		while ((c = getc(f)) != EOF) {
			if (!(c == '\n' || c == '\t' || (c >= 32 && c < 127)))
				return fail("%s: not printable ASCII (a tab, "
				    "a newline, or 32-126 only)", argv[a]);
			if (n + 1 >= sizeof(all))
				return fail("%s: the texts exceed 60 KiB",
				    argv[a]);
			all[n++] = (unsigned char)c;
		}
		fclose(f);
		all[n++] = '\0';
	}
	if (!(m = textpack_pack(all, n, packed, sizeof(packed))))
		return fail("packing failed");
	if (text_unpack(packed, m, (char *)back, n) < 0 ||
	    memcmp(all, back, n) != 0)
		return fail("the packed texts do not unpack the same");
	printf("/* texts.h - generated by tools/textpack from text/NAME.txt; "
	    "do not edit.\n * %zu bytes of text packed into %zu. */\n", n, m);
	printf("#define TEXTS_SIZE %zu\n", n);
	printf("static const unsigned char texts_packed[%zu] = {", m);
	for (i = 0; i < m; i++)
		printf("%s0x%02x,", i % 12 ? " " : "\n\t", packed[i]);
	printf("\n};\n");
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
#endif
