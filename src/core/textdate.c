/*
 * textdate.c - dates and times written as text (see textdate.h).
 */
#include "textdate.h"

#include "calendar.h"

#define USECS_PER_SEC	INT64_C(1000000)
#define USECS_PER_DAY	(INT64_C(86400) * USECS_PER_SEC)

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The text without leading and trailing blanks. */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* The number of n digits at s (all of which must be digits), or -1. */
static int
digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * The date at the start of s: how many bytes it takes (8 or 10), or 0 when
 * there is none.
 */
static size_t
date_prefix(const char *s, size_t len, int32_t *day)
{
	int			y,
				m,
				d;
	size_t		used;

	if (len >= 10 && s[4] == '-' && s[7] == '-')
	{
		y = digits(s, 4);
		m = digits(s + 5, 2);
		d = digits(s + 8, 2);
		used = 10;
	}
	else if (len >= 8)
	{
		y = digits(s, 4);
		m = digits(s + 4, 2);
		d = digits(s + 6, 2);
		used = 8;
	}
	else
		return 0;
	if (y < 1 || m < 0 || d < 0 || !kv_ymd_valid(y, m, d))
		return 0;
	*day = kv_date_from_ymd(y, m, d);
	return used;
}

bool
kv_text_date(const char *s, size_t len, int32_t *day)
{
	size_t		used;

	trim(&s, &len);
	used = date_prefix(s, len, day);
	return used > 0 && (used == len || s[used] == ' ' || s[used] == 'T');
}

bool
kv_text_time(const char *s, size_t len, int64_t *usec)
{
	size_t		i = 0;
	int			h,
				mi,
				sec = 0;
	int64_t		frac = 0;

	trim(&s, &len);
	if (len < 4 || (h = digits(s, 2)) < 0)
		return false;
	i = 2;
	if (s[i] == ':' || s[i] == '.')
		i++;
	if (i + 2 > len || (mi = digits(s + i, 2)) < 0)
		return false;
	i += 2;
	if (i < len)
	{
		if (s[i] == ':' || s[i] == '.')
			i++;
		if (i + 2 > len || (sec = digits(s + i, 2)) < 0)
			return false;
		i += 2;
		if (i < len)
		{
			int64_t		scale = USECS_PER_SEC / 10;

			if (s[i] != '.' || i + 1 == len)
				return false;
			for (i++; i < len; i++)
			{
				if (!is_digit(s[i]))
					return false;
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	*usec = ((int64_t) h * 3600 + mi * 60 + sec) * USECS_PER_SEC + frac;
	return true;
}

bool
kv_text_timestamp(const char *s, size_t len, int64_t *usec)
{
	int32_t		day;
	int64_t		t = 0;
	size_t		used;

	trim(&s, &len);
	used = date_prefix(s, len, &day);
	if (used == 0)
		return false;
	if (used < len && ((s[used] != ' ' && s[used] != 'T') || !kv_text_time(s + used + 1, len - used - 1, &t)))
		return false;
	*usec = (int64_t) day * USECS_PER_DAY + t;
	return true;
}
