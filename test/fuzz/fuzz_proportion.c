/*
 * fuzz_proportion.c - libFuzzer target for the "n/d" text form (proportion.c).
 *
 * Any text that kv_proportion_parse accepts must hold 0 <= n <= d, consist of
 * blanks, digits, one '/', digits, blanks, carry the same numbers as its
 * digit strings, and print back to a text that parses to the same pair and
 * prints identically.  The first 32 bytes, read as four int64 values, also
 * check that every valid pair survives format/parse and that
 * kv_proportion_add agrees with 128-bit arithmetic.  A failed check abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core
 *        test/fuzz/fuzz_proportion.c src/core/\*.c -lm
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proportion.h"

#include "fuzz.h"

/* The bytes the parser may skip around the pair. */
static int
is_blank_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Compare the decimal digit string s[0..len) with printed[0..printed_len)
 * (leading zeros of s ignored): true when they name the same number.
 */
static int
digits_name(const char *s, size_t len, const char *printed, size_t printed_len)
{
	while (len > 1 && s[0] == '0')
	{
		s++;
		len--;
	}
	return len == printed_len && memcmp(s, printed, len) == 0;
}

/*
 * Properties of an accepted text: the invariant, the shape of the text, the
 * numbers it names, and the format/parse round trip.
 */
static void
check_accepted(const char *text, const kv_proportion *p)
{
	char		buf[KV_PROPORTION_TEXT_MAX];
	char		again[KV_PROPORTION_TEXT_MAX];
	kv_proportion q;
	size_t		len,
				len2,
				i = 0,
				n0,
				n1,
				d0,
				d1;
	const char *slash;

	require(p->numerator >= 0);
	require(p->numerator <= p->denominator);

	/* shape: blanks, digits, '/', digits, blanks */
	while (is_blank_byte((unsigned char) text[i]))
		i++;
	n0 = i;
	while (text[i] >= '0' && text[i] <= '9')
		i++;
	n1 = i;
	require(n1 > n0);
	require(text[i] == '/');
	i++;
	d0 = i;
	while (text[i] >= '0' && text[i] <= '9')
		i++;
	d1 = i;
	require(d1 > d0);
	while (is_blank_byte((unsigned char) text[i]))
		i++;
	require(text[i] == '\0');

	len = kv_proportion_format(p, buf);
	require(len < KV_PROPORTION_TEXT_MAX);
	require(strlen(buf) == len);

	/* the printed numbers are the input's digit strings without leading zeros */
	slash = strchr(buf, '/');
	require(slash != NULL);
	require(digits_name(text + n0, n1 - n0, buf, (size_t) (slash - buf)));
	require(digits_name(text + d0, d1 - d0,
						slash + 1, len - (size_t) (slash + 1 - buf)));

	require(kv_proportion_parse(buf, &q) == KV_PROP_OK);
	require(q.numerator == p->numerator && q.denominator == p->denominator);
	len2 = kv_proportion_format(&q, again);
	require(len2 == len && strcmp(again, buf) == 0);
	require(kv_proportion_check(q.numerator, q.denominator) == KV_PROP_OK);
}

/* Read a little-endian int64 from 8 bytes. */
static int64_t
read_i64(const uint8_t *b)
{
	uint64_t	v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return (int64_t) v;
}

/*
 * A valid pair from two arbitrary int64 values: magnitudes, ordered; it
 * must print and parse back unchanged.  Returns the pair in *p.
 */
static void
check_pair_roundtrip(int64_t a, int64_t b, kv_proportion *p)
{
	char		buf[KV_PROPORTION_TEXT_MAX];
	kv_proportion q;
	kv_proportion_status st;
	int64_t		x = a < 0 ? (a == INT64_MIN ? INT64_MAX : -a) : a;
	int64_t		y = b < 0 ? (b == INT64_MIN ? INT64_MAX : -b) : b;

	p->numerator = x < y ? x : y;
	p->denominator = x < y ? y : x;
	require(kv_proportion_check(p->numerator, p->denominator) == KV_PROP_OK);
	require(kv_proportion_format(p, buf) < KV_PROPORTION_TEXT_MAX);
	require(kv_proportion_parse(buf, &q) == KV_PROP_OK);
	require(q.numerator == p->numerator && q.denominator == p->denominator);

	/* the check's verdict on an arbitrary pair (either error when both apply) */
	st = kv_proportion_check(a, b);
	if (a >= 0 && b >= 0 && a <= b)
		require(st == KV_PROP_OK);
	else if (a < 0 || b < 0)
		require(st == KV_PROP_NEGATIVE || (a > b && st == KV_PROP_NUM_GT_DEN));
	else
		require(st == KV_PROP_NUM_GT_DEN);
}

/* kv_proportion_add against 128-bit sums: exact, or false and unchanged. */
static void
check_add(const kv_proportion *a, const kv_proportion *b)
{
	kv_proportion r = *a;
	__int128	num = (__int128) a->numerator + b->numerator;
	__int128	den = (__int128) a->denominator + b->denominator;
	bool		fits = num <= INT64_MAX && den <= INT64_MAX;

	require(kv_proportion_add(&r, b) == fits);
	if (fits)
		require(r.numerator == (int64_t) num && r.denominator == (int64_t) den);
	else
		require(r.numerator == a->numerator && r.denominator == a->denominator);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	kv_proportion p;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (kv_proportion_parse(text, &p) == KV_PROP_OK)
		check_accepted(text, &p);
	free(text);

	if (size >= 32)
	{
		kv_proportion a,
					b;

		check_pair_roundtrip(read_i64(data), read_i64(data + 8), &a);
		check_pair_roundtrip(read_i64(data + 16), read_i64(data + 24), &b);
		check_add(&a, &b);
	}
	return 0;
}
