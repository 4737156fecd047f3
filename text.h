/*
 * text.h - text.c: the help and usage texts, kept compressed in the
 * binary (text/NAME.txt, packed at build time by tools/textpack).
 */
#ifndef JAIL_TEXT_H
#define JAIL_TEXT_H

#include <stddef.h>

/*
 * The text of text/NAME.txt, NUL-terminated, or NULL when there is none.
 * Unpacked on first use into a static buffer that lives as long as the
 * program; dies (125) if the packed data does not unpack, which a build
 * cannot produce.
 */
const char *text_get(const char *name);

/*
 * Unpack in[0..n) into out, exactly want bytes: 0, or -EINVAL when the
 * input is malformed or would write outside out (a pure function of its
 * arguments, for tools/textpack's self-check, the tests and the fuzzer).
 *
 * The format, a bit stream read most significant bit first:
 *   0 + 7 bits          a literal byte (the texts are ASCII)
 *   1 + G(len - 1) + G(hi + 1) + 8 bits lo
 *                       copy len bytes from (hi << 8 | lo) + 1 bytes back
 * where G(v), for v >= 1, is v's bit length minus one in zeros, then v's
 * bits (Elias gamma).  Bits after the last byte unpacked are ignored.
 */
int text_unpack(const unsigned char *in, size_t n, char *out, size_t want);

#endif
