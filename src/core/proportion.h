/*
 * proportion.h - the numerator/denominator pair behind kvalitet.proportion.
 *
 * Pure C (no PostgreSQL headers): the text form "n/d" is parsed and printed
 * here so that the rules can be unit-tested and fuzzed outside the server.
 */
#ifndef KV_PROPORTION_H
#define KV_PROPORTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The stored value: 16 bytes, 0 <= numerator <= denominator. */
typedef struct kv_proportion
{
	int64_t		numerator;
	int64_t		denominator;
} kv_proportion;

typedef enum kv_proportion_status
{
	KV_PROP_OK = 0,
	KV_PROP_SYNTAX,				/* not of the form "n/d" with decimal digits */
	KV_PROP_OVERFLOW,			/* a number does not fit in 64 bits */
	KV_PROP_NEGATIVE,			/* a number is below zero */
	KV_PROP_NUM_GT_DEN			/* numerator larger than denominator */
} kv_proportion_status;

/*
 * Parse "n/d": optional surrounding blanks, no sign except a leading '-'
 * (reported as KV_PROP_NEGATIVE so the error says why), no blanks inside.
 */
extern kv_proportion_status kv_proportion_parse(const char *text,
												kv_proportion *out);

/* Check the invariant 0 <= n <= d. */
extern kv_proportion_status kv_proportion_check(int64_t numerator,
												int64_t denominator);

/*
 * Write "n/d" and a terminating NUL into buf (at least KV_PROPORTION_TEXT_MAX
 * bytes); returns the length written.
 */
#define KV_PROPORTION_TEXT_MAX 48
extern size_t kv_proportion_format(const kv_proportion *p, char *buf);

/* Add b to a; false on 64-bit overflow (a is then unchanged). */
extern bool kv_proportion_add(kv_proportion *a, const kv_proportion *b);

#endif							/* KV_PROPORTION_H */
