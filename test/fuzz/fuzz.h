/*
 * fuzz.h - what every libFuzzer target of kvalitet shares: the entry point's
 * prototype, require() for properties, and a reader that hands out the
 * input's bytes one at a time.
 */
#ifndef KV_FUZZ_H
#define KV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the run when a property fails; libFuzzer saves the input. */
#define require(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* Bytes of the input, read one at a time; zeros once exhausted. */
typedef struct reader
{
	const uint8_t *p;
	size_t		left;
} reader;

static inline uint8_t
next_byte(reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

#endif							/* KV_FUZZ_H */
