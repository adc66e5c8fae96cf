/*
 * test_cpr.c - unit tests of src/core/cpr.c.
 *
 * Expected birth dates follow CPR-kontoret's century table by hand; day
 * numbers of a few of them are hand-computed, the rest go through
 * kv_date_from_ymd (itself checked day by day in test_calendar.c).
 *
 *   gcc -std=c99 -O2 -Wall -Wextra -Werror -Isrc/core -Itest/unit \
 *       test/unit/test_cpr.c src/core/cpr.c src/core/calendar.c -lm -o /tmp/test_cpr
 *   /tmp/test_cpr
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cpr.h"
#include "unit.h"

static int32_t
ymd(int y, int m, int d)
{
	return kv_date_from_ymd(y, m, d);
}

/*
 * Parse s through a heap copy of exactly its length (no terminator), so
 * that valgrind catches any read past the end.
 */
static kv_cpr_status
parse(const char *s, int32_t *birth, char *sex)
{
	size_t		len = strlen(s);
	char	   *copy = malloc(len > 0 ? len : 1);
	kv_cpr_status st;

	if (copy == NULL)
		abort();
	memcpy(copy, s, len);
	st = kv_cpr_parse(copy, len, birth, sex);
	free(copy);
	return st;
}

/* Check that s parses to y-m-d and sex. */
static void
parses_to(const char *s, int y, int m, int d, char want_sex)
{
	int32_t		birth = INT32_MIN;
	char		sex = '?';
	char		name[96];
	kv_cpr_status st = parse(s, &birth, &sex);

	snprintf(name, sizeof(name), "%s is born %04d-%02d-%02d, sex %c", s, y, m, d, want_sex);
	if (!OK(st == KV_CPR_OK && birth == ymd(y, m, d) && sex == want_sex, name))
	{
		int			gy,
					gm,
					gd;

		kv_date_to_ymd(birth, &gy, &gm, &gd);
		printf("#   status %d, got %04d-%02d-%02d sex %c\n", (int) st, gy, gm, gd, sex);
	}
}

static void
rejected(const char *s, kv_cpr_status want, const char *why)
{
	int32_t		birth = 777;
	char		sex = '?';
	char		name[96];

	snprintf(name, sizeof(name), "rejected (%s): \"%s\"", why, s);
	OK(parse(s, &birth, &sex) == want && birth == 777 && sex == '?', name);
}

static void
test_parse(void)
{
	int32_t		birth = 0;
	char		sex = 0;
	int			digit;

	/* Day numbers computed by hand from 2000-01-01. */
	OK(parse("0101001234", &birth, &sex) == KV_CPR_OK && birth == -36524, "010100-1234 is 1900-01-01 (day -36524)");
	OK(parse("0101364000", &birth, &sex) == KV_CPR_OK && birth == 13149, "010136-4000 is 2036-01-01 (day 13149)");
	OK(parse("0101374000", &birth, &sex) == KV_CPR_OK && birth == -23010, "010137-4000 is 1937-01-01 (day -23010)");
	OK(parse("0101585000", &birth, &sex) == KV_CPR_OK && birth == -51864, "010158-5000 is 1858-01-01 (day -51864)");
	OK(parse("0101575000", &birth, &sex) == KV_CPR_OK && birth == 20820, "010157-5000 is 2057-01-01 (day 20820)");

	parses_to("0101901234", 1990, 1, 1, 'F');
	parses_to("010190-1235", 1990, 1, 1, 'M');
	parses_to("2512851237", 1985, 12, 25, 'M');
	parses_to("311299-3999", 1999, 12, 31, 'M');
	parses_to("010100-0000", 1900, 1, 1, 'F');
	parses_to("150636-2222", 1936, 6, 15, 'F');

	/* 7th digit 4 and 9: YY <= 36 -> 20YY, else 19YY. */
	parses_to("010136-4001", 2036, 1, 1, 'M');
	parses_to("010137-4001", 1937, 1, 1, 'M');
	parses_to("311236-9998", 2036, 12, 31, 'F');
	parses_to("010137-9998", 1937, 1, 1, 'F');
	parses_to("010100-4000", 2000, 1, 1, 'F');
	parses_to("010199-9000", 1999, 1, 1, 'F');

	/* 7th digit 5-8: YY <= 57 -> 20YY, else 18YY. */
	parses_to("010157-5000", 2057, 1, 1, 'F');
	parses_to("010158-5000", 1858, 1, 1, 'F');
	parses_to("010157-6001", 2057, 1, 1, 'M');
	parses_to("010158-6001", 1858, 1, 1, 'M');
	parses_to("010157-7002", 2057, 1, 1, 'F');
	parses_to("311299-7002", 1899, 12, 31, 'F');
	parses_to("010157-8003", 2057, 1, 1, 'M');
	parses_to("010158-8003", 1858, 1, 1, 'M');
	parses_to("010100-5555", 2000, 1, 1, 'M');

	/* 7th digit 0-3: always 19YY. */
	parses_to("010100-3000", 1900, 1, 1, 'F');
	parses_to("010136-0000", 1936, 1, 1, 'F');
	parses_to("010157-2000", 1957, 1, 1, 'F');
	parses_to("010158-1000", 1958, 1, 1, 'F');

	/* Sex from the last digit. */
	for (digit = 0; digit <= 9; digit++)
	{
		char		s[16];
		char		name[64];

		snprintf(s, sizeof(s), "010190123%d", digit);
		sex = '?';
		snprintf(name, sizeof(name), "last digit %d gives sex %c", digit, digit % 2 ? 'M' : 'F');
		OK(parse(s, NULL, &sex) == KV_CPR_OK && sex == (digit % 2 ? 'M' : 'F'), name);
	}

	/* Modulus 11 is not checked: 0101901239 has weighted sum 89, not 0 mod 11. */
	parses_to("0101901239", 1990, 1, 1, 'M');
	OK(parse("0101901234", NULL, NULL) == KV_CPR_OK, "NULL outputs are allowed");

	/* Only len bytes are read. */
	OK(kv_cpr_parse("0101901234XYZ", 10, &birth, &sex) == KV_CPR_OK && birth == ymd(1990, 1, 1),
	   "only len bytes are looked at");
	OK(kv_cpr_parse("010190-1234", 10, &birth, &sex) == KV_CPR_BAD_FORMAT,
	   "a cut-off hyphenated number is a bad format");

	/* 29 February. */
	parses_to("290200-4000", 2000, 2, 29, 'F');
	parses_to("290204-1234", 1904, 2, 29, 'F');
	parses_to("290260-5000", 1860, 2, 29, 'F');
	parses_to("290296-0001", 1996, 2, 29, 'M');
	parses_to("290236-4000", 2036, 2, 29, 'F');
	rejected("290200-0000", KV_CPR_BAD_DATE, "1900-02-29");
	rejected("2902001234", KV_CPR_BAD_DATE, "1900-02-29");
	rejected("290201-4000", KV_CPR_BAD_DATE, "2001-02-29");
	rejected("290258-5000", KV_CPR_BAD_DATE, "1858-02-29");
	parses_to("290200-5000", 2000, 2, 29, 'F');

	/* Invalid dates. */
	rejected("3102901234", KV_CPR_BAD_DATE, "31 Feb");
	rejected("3104901234", KV_CPR_BAD_DATE, "31 Apr");
	rejected("0013901234", KV_CPR_BAD_DATE, "month 13");
	rejected("0100901234", KV_CPR_BAD_DATE, "month 0");
	rejected("0001901234", KV_CPR_BAD_DATE, "day 0");
	rejected("3201901234", KV_CPR_BAD_DATE, "day 32");
	rejected("9999999999", KV_CPR_BAD_DATE, "all nines");

	/* Bad formats. */
	rejected("", KV_CPR_BAD_FORMAT, "empty");
	rejected("010190123", KV_CPR_BAD_FORMAT, "9 digits");
	rejected("01019012345", KV_CPR_BAD_FORMAT, "11 digits");
	rejected("010190-12345", KV_CPR_BAD_FORMAT, "12 characters");
	rejected("010190-123", KV_CPR_BAD_FORMAT, "hyphen and 3 digits");
	rejected("01019O1234", KV_CPR_BAD_FORMAT, "letter O");
	rejected("010190-123a", KV_CPR_BAD_FORMAT, "letter in SSSS");
	rejected("ABCDEFGHIJ", KV_CPR_BAD_FORMAT, "letters");
	rejected("010190+1234", KV_CPR_BAD_FORMAT, "plus instead of hyphen");
	rejected("010190 1234", KV_CPR_BAD_FORMAT, "space instead of hyphen");
	rejected("010190/1234", KV_CPR_BAD_FORMAT, "slash instead of hyphen");
	rejected(" 0101901234", KV_CPR_BAD_FORMAT, "leading space");
	rejected("0101901234 ", KV_CPR_BAD_FORMAT, "trailing space");
	rejected("01019-01234", KV_CPR_BAD_FORMAT, "hyphen in the wrong place");
	rejected("010190--234", KV_CPR_BAD_FORMAT, "two hyphens");
	rejected("-010190123", KV_CPR_BAD_FORMAT, "leading hyphen");
	OK(kv_cpr_parse("01019\0" "1234", 10, &birth, &sex) == KV_CPR_BAD_FORMAT, "embedded NUL");
	OK(kv_cpr_parse("010190\xd9\xa1" "234", 11, &birth, &sex) == KV_CPR_BAD_FORMAT,
	   "non-ASCII digit (Arabic-Indic one)");
}

/* Naive age: count anniversaries (29 Feb -> 1 Mar) on or before on_date. */
static int
naive_age(int32_t birth, int32_t on)
{
	int			y,
				m,
				d;
	int			k;

	kv_date_to_ymd(birth, &y, &m, &d);
	for (k = -400;; k++)
	{
		int32_t		next = kv_ymd_valid(y + k + 1, m, d) ?
			ymd(y + k + 1, m, d) : ymd(y + k + 1, 3, 1);

		if (next > on)
			return k;
	}
}

static void
test_age(void)
{
	int32_t		b = ymd(2000, 5, 10);
	int32_t		leap = ymd(2000, 2, 29);
	int			bad = 0;
	int			i;
	uint32_t	rng = 987654321u;

	IS_INT(kv_age_on(b, ymd(2018, 5, 9)), 17, "day before 18th birthday: 17");
	IS_INT(kv_age_on(b, ymd(2018, 5, 10)), 18, "on 18th birthday: 18");
	IS_INT(kv_age_on(b, ymd(2018, 5, 11)), 18, "day after 18th birthday: 18");
	IS_INT(kv_age_on(b, b), 0, "on the day of birth: 0");
	IS_INT(kv_age_on(b, ymd(2001, 5, 9)), 0, "day before first birthday: 0");
	IS_INT(kv_age_on(b, ymd(2001, 5, 10)), 1, "first birthday: 1");
	IS_INT(kv_age_on(b, b - 1), -1, "day before birth: -1");
	IS_INT(kv_age_on(b, ymd(1999, 5, 10)), -1, "a year before birth: -1");
	IS_INT(kv_age_on(b, ymd(1999, 5, 9)), -2, "a year and a day before birth: -2");

	IS_INT(kv_age_on(leap, ymd(2001, 2, 28)), 0, "born 29 Feb 2000: 0 on 28 Feb 2001");
	IS_INT(kv_age_on(leap, ymd(2001, 3, 1)), 1, "born 29 Feb 2000: 1 on 1 Mar 2001");
	IS_INT(kv_age_on(leap, ymd(2018, 2, 28)), 17, "born 29 Feb 2000: 17 on 28 Feb 2018");
	IS_INT(kv_age_on(leap, ymd(2018, 3, 1)), 18, "born 29 Feb 2000: 18 on 1 Mar 2018");
	IS_INT(kv_age_on(leap, ymd(2020, 2, 28)), 19, "born 29 Feb 2000: 19 on 28 Feb 2020");
	IS_INT(kv_age_on(leap, ymd(2020, 2, 29)), 20, "born 29 Feb 2000: 20 on 29 Feb 2020");
	IS_INT(kv_age_on(leap, ymd(2100, 2, 28)), 99, "born 29 Feb 2000: 99 on 28 Feb 2100");
	IS_INT(kv_age_on(leap, ymd(2100, 3, 1)), 100, "born 29 Feb 2000: 100 on 1 Mar 2100");

	IS_INT(kv_age_on(ymd(1990, 12, 31), ymd(1991, 1, 1)), 0, "born 31 Dec: 0 next day");
	IS_INT(kv_age_on(ymd(1990, 12, 31), ymd(1991, 12, 31)), 1, "born 31 Dec: 1 a year on");
	IS_INT(kv_age_on(ymd(1958, 3, 15), ymd(2023, 3, 14)), 64, "born 1958-03-15: 64 on 2023-03-14");
	IS_INT(kv_age_on(ymd(1958, 3, 15), ymd(2023, 3, 15)), 65, "born 1958-03-15: 65 on 2023-03-15");
	IS_INT(kv_age_on(ymd(1858, 1, 1), ymd(2025, 1, 1)), 167, "born 1858: 167 on 2025-01-01");

	for (i = 0; i < 20000; i++)
	{
		int32_t		birth,
					on;

		rng = rng * 1103515245u + 12345u;
		birth = ymd(1858, 1, 1) + (int32_t) ((rng >> 8) % 73000);
		rng = rng * 1103515245u + 12345u;
		on = birth + (int32_t) ((rng >> 8) % 80000) - 20000;
		if (i % 4 == 0)
			birth = ymd(1860 + 4 * (int32_t) ((rng >> 8) % 40), 2, 29);
		if (kv_age_on(birth, on) != naive_age(birth, on))
			bad++;
	}
	IS_INT(bad, 0, "kv_age_on on random pairs agrees with counting anniversaries");
}

/* True when out contains no digit at any position i >= limit. */
static bool
no_digits_from(const char *out, size_t limit)
{
	size_t		i;

	for (i = limit; out[i] != '\0'; i++)
	{
		if (out[i] >= '0' && out[i] <= '9')
			return false;
	}
	return true;
}

static void
mask_of(const char *s, size_t len, char *out, size_t outlen)
{
	char	   *copy = malloc(len > 0 ? len : 1);

	if (copy == NULL)
		abort();
	memcpy(copy, s, len);
	kv_cpr_mask(copy, len, out, outlen);
	free(copy);
}

static void
test_mask(void)
{
	char		out[KV_CPR_MASK_BUFSIZE];
	char		small[8];
	size_t		len;
	int			leaks = 0;
	int			too_long = 0;

	mask_of("010190-1234", 11, out, sizeof(out));
	IS_STR(out, "010190-XXXX", "hyphenated number keeps the date only");
	mask_of("0101901234", 10, out, sizeof(out));
	IS_STR(out, "010190XXXX", "plain number keeps the date only");
	mask_of("", 0, out, sizeof(out));
	IS_STR(out, "", "empty input gives empty text");
	mask_of("1234", 4, out, sizeof(out));
	IS_STR(out, "XXXX", "four characters are all hidden");
	mask_of("12345678", 8, out, sizeof(out));
	IS_STR(out, "1234XXXX", "eight characters: the last four hidden");
	mask_of("0101901234567890123", 19, out, sizeof(out));
	IS_STR(out, "010190XXXXXXXXXX...", "long input cut at 16 with an ellipsis");
	mask_of("01\x01\x7f\xc3\xa6" "901234", 12, out, sizeof(out));
	IS_STR(out, "01????XXXXXX", "non-printable and non-ASCII bytes become ?");
	mask_of("ab%s\n-1234", 10, out, sizeof(out));
	IS_STR(out, "ab%s?-XXXX", "a hyphen stays, a newline becomes ?");

	memset(small, '#', sizeof(small));
	mask_of("010190-1234", 11, small, 5);
	IS_STR(small, "0101", "output cut to outlen - 1 and terminated");
	OK(small[5] == '#', "nothing written past outlen");
	memset(small, '#', sizeof(small));
	mask_of("010190-1234", 11, small, 1);
	IS_STR(small, "", "outlen 1 gives an empty string");
	memset(small, '#', sizeof(small));
	kv_cpr_mask("010190-1234", 11, small, 0);
	OK(small[0] == '#', "outlen 0 writes nothing");

	/* Whatever the length, no digit from the last four input bytes shows. */
	for (len = 0; len <= 24; len++)
	{
		const char *digits = "987654321098765432109876";
		size_t		kept = len > 4 ? (len - 4 < 6 ? len - 4 : 6) : 0;

		mask_of(digits, len, out, sizeof(out));
		if (!no_digits_from(out, kept) || strncmp(out, digits, kept) != 0)
			leaks++;
		if (strlen(out) > 19 || strlen(out) != (len > 16 ? 19 : len))
			too_long++;
	}
	IS_INT(leaks, 0, "at most min(6, len - 4) leading characters kept, never the last four");
	IS_INT(too_long, 0, "output is the input length, at most 16 + \"...\"");

	mask_of("010190-1234", 11, out, sizeof(out));
	OK(strstr(out, "1234") == NULL, "the last four digits never appear");
}

int
main(void)
{
	test_parse();
	test_age();
	test_mask();
	return unit_done();
}
