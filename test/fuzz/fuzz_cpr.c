/*
 * fuzz_cpr.c - libFuzzer target for CPR numbers (cpr.c).
 *
 * kv_cpr_parse on arbitrary bytes (given with their length, no NUL) must
 * agree with the rules of cpr.h written out plainly: the accepted shapes,
 * the century table, and a date check with its own month lengths; an
 * accepted number's birth date must split back into its digits, and
 * kv_age_on must step by one at each anniversary.  kv_cpr_mask must stay
 * inside its buffer (exact-size heap buffers, every size up to
 * KV_CPR_MASK_BUFSIZE), always NUL-terminate, never show a byte of the last
 * four input bytes, and match the documented output when the buffer is
 * large enough.  A failed check abort()s.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core
 *        test/fuzz/fuzz_cpr.c src/core/\*.c -lm
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cpr.h"

#include "fuzz.h"

static bool
is_dig(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Month lengths, written independently of calendar.c. */
static int
model_month_days(int year, int month)
{
	static const int days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

	return month == 2 && leap ? 29 : days[month];
}

/*
 * The documented reading of a CPR number: the ten digits (when the shape
 * fits) and, when the date is valid, the birth year, month, day and sex.
 */
static kv_cpr_status
model_parse(const uint8_t *s, size_t len, int *year, int *month, int *day,
			char *sex)
{
	uint8_t		d[10];
	int			yy,
				d7;

	if (len == 10)
		memcpy(d, s, 10);
	else if (len == 11 && s[6] == '-')
	{
		memcpy(d, s, 6);
		memcpy(d + 6, s + 7, 4);
	}
	else
		return KV_CPR_BAD_FORMAT;
	for (int i = 0; i < 10; i++)
		if (!is_dig(d[i]))
			return KV_CPR_BAD_FORMAT;

	*day = (d[0] - '0') * 10 + (d[1] - '0');
	*month = (d[2] - '0') * 10 + (d[3] - '0');
	yy = (d[4] - '0') * 10 + (d[5] - '0');
	d7 = d[6] - '0';
	if (d7 <= 3)
		*year = 1900 + yy;
	else if (d7 == 4 || d7 == 9)
		*year = yy <= 36 ? 2000 + yy : 1900 + yy;
	else
		*year = yy <= 57 ? 2000 + yy : 1800 + yy;
	*sex = (d[9] - '0') % 2 == 1 ? 'M' : 'F';
	if (*month < 1 || *month > 12 || *day < 1 ||
		*day > model_month_days(*year, *month))
		return KV_CPR_BAD_DATE;
	return KV_CPR_OK;
}

/*
 * The k-th anniversary of y-m-d: the same day k years on, or 1 March when
 * that is a 29 February in a year without one.
 */
static int32_t
anniversary(int y, int m, int d, int k)
{
	if (m == 2 && d == 29 && model_month_days(y + k, 2) == 28)
		return kv_date_from_ymd(y + k, 3, 1);
	return kv_date_from_ymd(y + k, m, d);
}

/* kv_cpr_parse against the model; on success, the date and age checks. */
static void
check_parse(const uint8_t *data, size_t size)
{
	int32_t		birth = 0;
	char		sex = '?';
	int			my = 0,
				mm = 0,
				md = 0,
				y,
				m,
				d;
	char		msex = '?';
	kv_cpr_status st,
				mst;
	unsigned	h = 0;

	st = kv_cpr_parse((const char *) data, size, &birth, &sex);
	mst = model_parse(data, size, &my, &mm, &md, &msex);
	require(st == mst);

	/* NULL out-pointers are allowed */
	require(kv_cpr_parse((const char *) data, size, NULL, NULL) == st);
	if (st != KV_CPR_OK)
		return;

	require(sex == msex);
	kv_date_to_ymd(birth, &y, &m, &d);
	require(y == my && m == mm && d == md);
	require(d / 10 == data[0] - '0' && d % 10 == data[1] - '0');
	require(m / 10 == data[2] - '0' && m % 10 == data[3] - '0');
	require((y % 100) / 10 == data[4] - '0' && y % 10 == data[5] - '0');
	require(y >= 1858 && y <= 2057);
	require(kv_date_from_ymd(y, m, d) == birth);

	/* age steps by one at an anniversary chosen by the input */
	for (size_t i = 0; i < size; i++)
		h = h * 31 + data[i];
	{
		int			k = (int) (h % 301) - 150;
		int32_t		a = anniversary(y, m, d, k);

		require(kv_age_on(birth, a) == k);
		require(kv_age_on(birth, a - 1) == k - 1);
		require(kv_age_on(birth, birth) == 0);
		require(kv_age_on(birth, birth - 1) == -1);
	}
}

/*
 * The documented mask of s[0..len): the first min(16, len) bytes, the first
 * min(6, len - 4) of them kept (non-printable ones as '?'), the rest 'X'
 * but '-', then "..." when len > 16.  Returns the length written.
 */
static size_t
model_mask(const uint8_t *s, size_t len, char *out)
{
	size_t		shown = len < 16 ? len : 16;
	size_t		keep = len > 4 ? (len - 4 < 6 ? len - 4 : 6) : 0;
	size_t		pos = 0;

	for (size_t i = 0; i < shown; i++)
	{
		if (i < keep)
			out[pos++] = (s[i] >= 0x20 && s[i] <= 0x7e) ? (char) s[i] : '?';
		else
			out[pos++] = s[i] == '-' ? '-' : 'X';
	}
	if (len > 16)
	{
		memcpy(out + pos, "...", 3);
		pos += 3;
	}
	out[pos] = '\0';
	return pos;
}

/*
 * kv_cpr_mask into exact-size buffers of every size: bounded, terminated,
 * nothing of the last four bytes, the model's output when it fits.
 */
static void
check_mask(const uint8_t *data, size_t size)
{
	char		model[KV_CPR_MASK_BUFSIZE + 8];
	size_t		mlen = model_mask(data, size, model);
	bool		all_digits = size >= 10;

	require(mlen < KV_CPR_MASK_BUFSIZE);
	for (size_t i = 0; i < size && all_digits; i++)
		all_digits = is_dig(data[i]);

	for (size_t outlen = 0; outlen <= KV_CPR_MASK_BUFSIZE + 2; outlen++)
	{
		char	   *out = malloc(outlen == 0 ? 1 : outlen);
		size_t		len;

		require(out != NULL);
		out[0] = '#';
		kv_cpr_mask((const char *) data, size, out, outlen);
		if (outlen == 0)
		{
			require(out[0] == '#');
			free(out);
			continue;
		}
		len = strnlen(out, outlen);
		require(len < outlen);

		/* a byte equal to the input byte at its place is one of the kept */
		for (size_t i = 0; i < len && i < size && i < 16; i++)
		{
			if (out[i] == (char) data[i] && data[i] != '-' && data[i] != 'X' &&
				data[i] != '?')
				require(i < 6 && i + 4 < size);
		}
		/* a digit string shows at most its first six digits */
		if (all_digits)
		{
			for (size_t i = 0; i < len; i++)
				require(i < 6 ? out[i] == (char) data[i] : !is_dig((uint8_t) out[i]));
		}
		/* at most six bytes are ever kept: no digit after them */
		for (size_t i = 6; i < len; i++)
			require(!is_dig((uint8_t) out[i]));
		if (outlen > mlen)
			require(len == mlen && strcmp(out, model) == 0);
		free(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_mask(data, size);
	return 0;
}
