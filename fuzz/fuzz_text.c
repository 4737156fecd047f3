/*
 * fuzz/fuzz_text.c - libFuzzer target for text.c's unpacker and
 * tools/textpack's packer.  The first byte picks the case:
 *   even: the rest is packed data, unpacked into a heap block of exactly
 *         want bytes (want from the second byte), so ASan sees any write
 *         past it; only 0 or -EINVAL may come back;
 *   odd:  the rest, masked to 7 bits, is packed and unpacked again, and
 *         must come back byte for byte (packed into a block of exactly
 *         the room the packer asks for no more than).
 * Seeds: fuzz/seeds-text/.
 * Run: fuzz/fuzz_text CORPUS fuzz/seeds-text
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t textpack_pack(const unsigned char *in, size_t n, unsigned char *out,
    size_t cap);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *in, *packed;
	char *out;
	size_t n, want, m, i;
	int r;

	if (size < 2)
		return 0;
	if (data[0] % 2 == 0) {
		want = (size_t)data[1] * 16;
		if (!(out = malloc(want ? want : 1)))
			abort();
		r = text_unpack(data + 2, size - 2, out, want);
		if (r != 0 && r != -EINVAL)
			abort();
		free(out);
		return 0;
	}
	n = size - 1;
	in = malloc(n);
	packed = malloc(2 * n + 16);
	out = malloc(n ? n : 1);
	if (!in || !packed || !out)
		abort();
	for (i = 0; i < n; i++)
		in[i] = data[i + 1] & 0x7f;
	m = textpack_pack(in, n, packed, 2 * n + 16);
	if (m == 0 && n > 0)
		abort();	/* 8 bits a byte at worst, plus the flags */
	if (text_unpack(packed, m, out, n) != 0 || memcmp(in, out, n) != 0)
		abort();
	free(in), free(packed), free(out);
	return 0;
}
