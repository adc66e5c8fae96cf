/*
 * cpr.c - Danish CPR numbers: parsing into birth date and sex, age in
 * completed years, and masking for messages.
 *
 * The century table is CPR-kontoret's ("Personnummeret i CPR").  The
 * modulus 11 check is deliberately not applied, since CPR numbers without a
 * valid check digit have been issued since 2007.
 */
#include "cpr.h"

#include <stdbool.h>
#include <string.h>

#include "calendar.h"

/* Input bytes represented by kv_cpr_mask, and how many it may keep. */
#define KV_CPR_MASK_MAX_INPUT 16
#define KV_CPR_MASK_MAX_KEPT 6

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Full birth year from the two-digit year and the 7th digit of the number. */
static int
birth_year(int yy, int digit7)
{
	if (digit7 <= 3)
		return 1900 + yy;
	if (digit7 == 4 || digit7 == 9)
		return (yy <= 36 ? 2000 : 1900) + yy;
	return (yy <= 57 ? 2000 : 1800) + yy;
}

kv_cpr_status
kv_cpr_parse(const char *s, size_t len, int32_t *birth_date, char *sex)
{
	char		digits[10];
	size_t		i;
	int			day;
	int			month;
	int			year;

	if (len == 10)
		memcpy(digits, s, 10);
	else if (len == 11 && s[6] == '-')
	{
		memcpy(digits, s, 6);
		memcpy(digits + 6, s + 7, 4);
	}
	else
		return KV_CPR_BAD_FORMAT;
	for (i = 0; i < 10; i++)
	{
		if (!is_digit(digits[i]))
			return KV_CPR_BAD_FORMAT;
	}

	day = (digits[0] - '0') * 10 + (digits[1] - '0');
	month = (digits[2] - '0') * 10 + (digits[3] - '0');
	year = birth_year((digits[4] - '0') * 10 + (digits[5] - '0'),
					  digits[6] - '0');
	if (!kv_ymd_valid(year, month, day))
		return KV_CPR_BAD_DATE;

	if (birth_date != NULL)
		*birth_date = kv_date_from_ymd(year, month, day);
	if (sex != NULL)
		*sex = ((digits[9] - '0') % 2 == 1) ? 'M' : 'F';
	return KV_CPR_OK;
}

/*
 * Years between the dates, less one when the birthday has not yet come in
 * on_date's year.  Comparing (month, day) pairs makes a 29 February birthday
 * fall on 1 March in other years, because 29 February sorts after every
 * earlier day and 1 March is the first day after it.
 */
int
kv_age_on(int32_t birth_date, int32_t on_date)
{
	int			by,
				bm,
				bd;
	int			oy,
				om,
				od;
	int			age;

	kv_date_to_ymd(birth_date, &by, &bm, &bd);
	kv_date_to_ymd(on_date, &oy, &om, &od);
	age = oy - by;
	if (om < bm || (om == bm && od < bd))
		age--;
	return age;
}

void
kv_cpr_mask(const char *s, size_t len, char *out, size_t outlen)
{
	size_t		shown = len < KV_CPR_MASK_MAX_INPUT ? len : KV_CPR_MASK_MAX_INPUT;
	size_t		keep = 0;
	size_t		pos = 0;
	size_t		i;

	if (outlen == 0)
		return;
	if (len > 4)
		keep = len - 4 < KV_CPR_MASK_MAX_KEPT ? len - 4 : KV_CPR_MASK_MAX_KEPT;

	for (i = 0; i < shown && pos + 1 < outlen; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (i < keep)
			out[pos++] = (c >= 0x20 && c <= 0x7e) ? (char) c : '?';
		else
			out[pos++] = (c == '-') ? '-' : 'X';
	}
	for (i = 0; len > shown && i < 3 && pos + 1 < outlen; i++)
		out[pos++] = '.';
	out[pos] = '\0';
}
