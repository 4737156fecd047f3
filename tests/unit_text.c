/*
 * tests/unit_text.c - text.c and tools/textpack.c: every text/NAME.txt
 * comes back byte for byte from text_get("NAME") (the packed build, as the
 * binary carries it); the stream holds exactly the files of text/; a text
 * that is not there is NULL; the packer's round trip on edge inputs; the
 * unpacker refuses truncated and damaged input without reading or writing
 * outside its buffers (ASan); and the two texts that spell a value defined
 * in C still spell it.  Run from the top of the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"
#include "texts.h"

size_t textpack_pack(const unsigned char *in, size_t n, unsigned char *out,
    size_t cap);

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int c;

	if (!f)
		return NULL;
	while ((c = getc(f)) != EOF) {
		if (n + 2 > cap && !(buf = realloc(buf, cap = cap * 2 + 4096)))
			abort();
		buf[n++] = (char)c;
	}
	fclose(f);
	if (!buf && !(buf = malloc(1)))
		abort();
	buf[n] = '\0';
	return buf;
}

static int round_trip(const unsigned char *in, size_t n)
{
	size_t cap = n * 2 + 16, m;
	unsigned char *packed = malloc(cap);
	char *back = malloc(n + 1);
	int good;

	if (!packed || !back)
		abort();
	m = textpack_pack(in, n, packed, cap);
	good = (m > 0 || n == 0) && text_unpack(packed, m, back, n) == 0 &&
	    memcmp(in, back, n) == 0;
	free(packed);
	free(back);
	return good;
}

/* A value "#define NAME\t\"VALUE\"" of FILE appears in text NAME. */
static void spelled(const char *file, const char *macro, const char *text)
{
	char *src = slurp(file), *p, *q, want[256];
	const char *t = text_get(text);

	p = src ? strstr(src, macro) : NULL;
	p = p ? strchr(p, '"') : NULL;
	q = p ? strchr(p + 1, '"') : NULL;
	if (!q || (size_t)(q - p) >= sizeof(want)) {
		ok(0, "%s defines %s", file, macro);
		free(src);
		return;
	}
	memcpy(want, p + 1, (size_t)(q - p - 1));
	want[q - p - 1] = '\0';
	ok(t && strstr(t, want) != NULL, "text %s spells %s (%s) as %s does",
	    text, macro, want, file);
	free(src);
}

int main(void)
{
	DIR *d = opendir("text");
	struct dirent *e;
	size_t files = 0, i, n;
	unsigned char in[3000], *copy;
	char out[4000];
	int same = 1, r, bad;

	if (!ok(d != NULL, "text/ opens (run from the top of the tree)"))
		return done_testing();
	while ((e = readdir(d))) {
		char path[512], name[256];
		const char *t;
		char *want;

		n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
			continue;
		files++;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), e->d_name);
		snprintf(path, sizeof(path), "text/%s", e->d_name);
		want = slurp(path);
		t = text_get(name);
		ok(want && t && strcmp(t, want) == 0,
		    "text_get(\"%s\") is text/%s byte for byte (%zu bytes)",
		    name, e->d_name, want ? strlen(want) : 0);
		free(want);
	}
	closedir(d);
	{
		/* The stream holds "NAME\0TEXT\0" pairs, one per file. */
		char *all = malloc(TEXTS_SIZE);
		size_t pairs = 0, k = 0;

		if (!all || text_unpack(texts_packed, sizeof(texts_packed), all,
		    TEXTS_SIZE) < 0)
			abort();
		while (k < TEXTS_SIZE) {
			k += strlen(all + k) + 1;	/* the name */
			k += strlen(all + k) + 1;	/* the text */
			pairs++;
		}
		ok(files == pairs && k == TEXTS_SIZE && all[TEXTS_SIZE - 1] == '\0',
		    "the stream holds every file of text/ and no other (%zu, %zu), "
		    "each ended by a NUL", files, pairs);
		free(all);
	}
	ok(sizeof(texts_packed) * 2 < TEXTS_SIZE,
	    "packed to %zu of %d bytes", sizeof(texts_packed), TEXTS_SIZE);
	ok(text_get("nosuch") == NULL && text_get("") == NULL &&
	    text_get("help-") == NULL, "a text that is not there is NULL");
	spelled("images.c", "#define DEFAULT_BASE", "images");
	spelled("create.c", "#define JAIL_HOME", "create");

	/* Round trips: empty, one byte, runs, overlapping copies, random. */
	ok(round_trip((const unsigned char *)"", 0), "round trip: empty");
	ok(round_trip((const unsigned char *)"x", 1), "round trip: one byte");
	memset(in, 'a', sizeof(in));
	ok(round_trip(in, sizeof(in)), "round trip: 3000 times 'a'");
	for (i = 0; i < sizeof(in); i++)
		in[i] = "ab\n"[i % 3];
	ok(round_trip(in, sizeof(in)), "round trip: a period of 3");
	srand(1);
	for (r = 0; r < 200; r++) {
		n = (size_t)rand() % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = (unsigned char)(rand() % (r % 2 ? 4 : 128));
		same &= round_trip(in, n);
	}
	ok(same, "round trip: 200 random inputs (small and full alphabets)");
	in[0] = 200;
	ok(textpack_pack(in, 1, (unsigned char *)out, sizeof(out)) == 0,
	    "the packer refuses a byte over 127");

	/* Damaged input: refused or unpacked, never outside the buffers. */
	n = sizeof(texts_packed);
	ok(text_unpack(texts_packed, n - 1, out, 0) == 0,
	    "want 0: nothing read, 0");
	bad = 0;
	for (i = 0; i < 64; i++) {
		size_t cut = n * i / 64;
		char *all = malloc(TEXTS_SIZE);

		if (!all)
			abort();
		if (text_unpack(texts_packed, cut, all, TEXTS_SIZE) != -EINVAL)
			bad++;
		free(all);
	}
	ok(bad == 0, "the texts cut at 64 places: each -EINVAL");
	copy = malloc(n);
	if (!copy)
		abort();
	bad = 0;
	for (i = 0; i < n * 8; i += 7) {
		char *all = malloc(TEXTS_SIZE);

		if (!all)
			abort();
		memcpy(copy, texts_packed, n);
		copy[i / 8] ^= (unsigned char)(0x80 >> (i % 8));
		r = text_unpack(copy, n, all, TEXTS_SIZE);
		if (r != 0 && r != -EINVAL)
			bad++;
		free(all);
	}
	ok(bad == 0, "%zu single-bit flips: 0 or -EINVAL, within bounds",
	    n * 8 / 7 + 1);
	free(copy);
	{
		/* 1 1 1 00000000: a copy of 2 from 1 back, with nothing before */
		const unsigned char early[] = { 0xe0, 0x00 };
		/* 0 1100001, then 1 1 1 00000000: 'a', a copy of 2 from 1 back */
		const unsigned char aaa[] = { 0x61, 0xe0, 0x00 };

		ok(text_unpack(early, sizeof(early), out, 4) == -EINVAL,
		    "a copy from before the start: -EINVAL");
		ok(text_unpack(aaa, sizeof(aaa), out, 3) == 0 &&
		    memcmp(out, "aaa", 3) == 0, "a literal and an overlapping copy");
		ok(text_unpack(aaa, sizeof(aaa), out, 2) == -EINVAL,
		    "a copy past the end: -EINVAL");
	}
	return done_testing();
}
