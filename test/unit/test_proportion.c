/*
 * test_proportion.c - unit tests of the proportion text form (src/core/proportion.c).
 */
#include "proportion.h"
#include "unit.h"

static kv_proportion_status
parse(const char *text, kv_proportion *p)
{
	p->numerator = -1;
	p->denominator = -1;
	return kv_proportion_parse(text, p);
}

int
main(void)
{
	kv_proportion p;
	char		buf[KV_PROPORTION_TEXT_MAX];

	IS_INT(parse("37/412", &p), KV_PROP_OK, "37/412 parses");
	IS_INT(p.numerator, 37, "numerator 37");
	IS_INT(p.denominator, 412, "denominator 412");
	IS_INT(parse("  0/0\n", &p), KV_PROP_OK, "blanks around are allowed");
	IS_INT(parse("9223372036854775807/9223372036854775807", &p), KV_PROP_OK, "INT64_MAX parses");
	IS_INT(p.denominator, INT64_MAX, "INT64_MAX kept");

	IS_INT(parse("9223372036854775808/9223372036854775808", &p), KV_PROP_OVERFLOW, "INT64_MAX + 1 overflows");
	/* 20-digit numbers whose uint64 product would wrap below INT64_MAX. */
	IS_INT(parse("1/20000000000000000000", &p), KV_PROP_OVERFLOW, "2e19 overflows (wrapping product)");
	IS_INT(parse("0/800020000000000000000", &p), KV_PROP_OVERFLOW, "8e20 overflows (wrapping product)");
	IS_INT(parse("0/99999999999999999999", &p), KV_PROP_OVERFLOW, "twenty nines overflow");
	IS_INT(parse("18446744073709551617/1", &p), KV_PROP_OVERFLOW, "2^64 + 1 overflows");

	IS_INT(parse("-1/3", &p), KV_PROP_NEGATIVE, "negative numerator");
	IS_INT(parse("1/-3", &p), KV_PROP_NEGATIVE, "negative denominator");
	IS_INT(parse("4/3", &p), KV_PROP_NUM_GT_DEN, "numerator above denominator");
	IS_INT(parse("1/", &p), KV_PROP_SYNTAX, "missing denominator");
	IS_INT(parse("/1", &p), KV_PROP_SYNTAX, "missing numerator");
	IS_INT(parse("1 / 2", &p), KV_PROP_SYNTAX, "blanks inside");
	IS_INT(parse("+1/2", &p), KV_PROP_SYNTAX, "plus sign");
	IS_INT(parse("1/2/3", &p), KV_PROP_SYNTAX, "two slashes");
	IS_INT(parse("", &p), KV_PROP_SYNTAX, "empty");
	IS_INT(p.numerator, -1, "a failed parse leaves the output alone");

	p.numerator = 37;
	p.denominator = 412;
	IS_INT(kv_proportion_format(&p, buf), 6, "format length");
	IS_STR(buf, "37/412", "format text");
	p.numerator = INT64_MAX;
	p.denominator = INT64_MAX;
	kv_proportion_format(&p, buf);
	IS_STR(buf, "9223372036854775807/9223372036854775807", "format INT64_MAX");

	{
		kv_proportion a = {INT64_MAX - 1, INT64_MAX - 1};
		kv_proportion one = {1, 1};

		OK(kv_proportion_add(&a, &one), "adding up to INT64_MAX works");
		OK(!kv_proportion_add(&a, &one), "adding past INT64_MAX fails");
		IS_INT(a.denominator, INT64_MAX, "a failed add leaves the sum alone");
	}
	return unit_done();
}
