/*
 * proportion.c - parsing, printing and adding numerator/denominator pairs.
 *
 * The text form is deliberately strict: a stored indicator value that reads
 * back differently from how it was written would make roll-ups lie.
 */
#include "proportion.h"

#include <stdio.h>

/* Parse one unsigned decimal number at *p; advance *p past it. */
static kv_proportion_status
parse_count(const char **p, int64_t *out)
{
	const char *s = *p;
	uint64_t	value = 0;

	if (*s == '-' && s[1] >= '0' && s[1] <= '9')
		return KV_PROP_NEGATIVE;
	if (*s < '0' || *s > '9')
		return KV_PROP_SYNTAX;
	for (; *s >= '0' && *s <= '9'; s++)
	{
		uint64_t	digit = (uint64_t) (*s - '0');

		/* Checked before multiplying, so the arithmetic itself cannot wrap. */
		if (value > ((uint64_t) INT64_MAX - digit) / 10)
			return KV_PROP_OVERFLOW;
		value = value * 10 + digit;
	}
	*out = (int64_t) value;
	*p = s;
	return KV_PROP_OK;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

kv_proportion_status
kv_proportion_parse(const char *text, kv_proportion *out)
{
	const char *p = text;
	kv_proportion_status st;
	int64_t		num,
				den;

	while (is_blank(*p))
		p++;
	if ((st = parse_count(&p, &num)) != KV_PROP_OK)
		return st;
	if (*p != '/')
		return KV_PROP_SYNTAX;
	p++;
	if ((st = parse_count(&p, &den)) != KV_PROP_OK)
		return st;
	while (is_blank(*p))
		p++;
	if (*p != '\0')
		return KV_PROP_SYNTAX;
	if ((st = kv_proportion_check(num, den)) != KV_PROP_OK)
		return st;
	out->numerator = num;
	out->denominator = den;
	return KV_PROP_OK;
}

kv_proportion_status
kv_proportion_check(int64_t numerator, int64_t denominator)
{
	if (numerator < 0 || denominator < 0)
		return KV_PROP_NEGATIVE;
	if (numerator > denominator)
		return KV_PROP_NUM_GT_DEN;
	return KV_PROP_OK;
}

size_t
kv_proportion_format(const kv_proportion *p, char *buf)
{
	int			n = snprintf(buf, KV_PROPORTION_TEXT_MAX, "%lld/%lld",
							 (long long) p->numerator,
							 (long long) p->denominator);

	return (size_t) n;
}

bool
kv_proportion_add(kv_proportion *a, const kv_proportion *b)
{
	int64_t		num,
				den;

	if (__builtin_add_overflow(a->numerator, b->numerator, &num) ||
		__builtin_add_overflow(a->denominator, b->denominator, &den))
		return false;
	a->numerator = num;
	a->denominator = den;
	return true;
}
