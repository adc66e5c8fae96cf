/*
 * cpr.c - CPR numbers in SQL: kvalitet.cpr_birth_date, cpr_sex, cpr_age and
 * cpr_is_valid.
 *
 * Parsing is src/core/cpr.c (DDMMYY-SSSS or DDMMYYSSSS, century from the
 * seventh digit, no modulus 11 check).  An invalid number is an error whose
 * message shows the number masked by kv_cpr_mask, never in full.
 */
#include "kvalitet.h"

#include "utils/builtins.h"
#include "utils/date.h"

#include "cpr.h"

PG_FUNCTION_INFO_V1(cpr_birth_date);
PG_FUNCTION_INFO_V1(cpr_sex);
PG_FUNCTION_INFO_V1(cpr_age);
PG_FUNCTION_INFO_V1(cpr_is_valid);

/*
 * Parse the text argument, or raise invalid_text_representation with the
 * masked number.
 */
static void
parse_or_report(text *cpr, int32 *birth_date, char *sex)
{
	const char *s = VARDATA_ANY(cpr);
	size_t		len = VARSIZE_ANY_EXHDR(cpr);
	kv_cpr_status st = kv_cpr_parse(s, len, birth_date, sex);
	char		masked[KV_CPR_MASK_BUFSIZE];

	if (st == KV_CPR_OK)
		return;
	kv_cpr_mask(s, len, masked, sizeof(masked));
	if (st == KV_CPR_BAD_DATE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid CPR number: \"%s\"", masked),
				 errdetail("The first six digits are not a date in the century the seventh digit gives.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for a CPR number: \"%s\"", masked),
			 errdetail("A CPR number is written DDMMYY-SSSS or DDMMYYSSSS.")));
}

/* cpr_birth_date(text): the birth date the number encodes. */
Datum
cpr_birth_date(PG_FUNCTION_ARGS)
{
	int32		birth;

	parse_or_report(PG_GETARG_TEXT_PP(0), &birth, NULL);
	PG_RETURN_DATEADT((DateADT) birth);
}

/* cpr_sex(text): 'M' when the last digit is odd, 'F' when it is even. */
Datum
cpr_sex(PG_FUNCTION_ARGS)
{
	char		sex;

	parse_or_report(PG_GETARG_TEXT_PP(0), NULL, &sex);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(&sex, 1));
}

/* cpr_age(text, date): completed years on the date (negative before birth). */
Datum
cpr_age(PG_FUNCTION_ARGS)
{
	int32		birth;
	DateADT		on = PG_GETARG_DATEADT(1);

	parse_or_report(PG_GETARG_TEXT_PP(0), &birth, NULL);
	if (DATE_NOT_FINITE(on))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg("cannot compute an age on an infinite date")));
	PG_RETURN_INT32(kv_age_on(birth, (int32) on));
}

/*
 * cpr_is_valid(text): would cpr_birth_date accept the number?  The same
 * parser, without raising, so that generated views can test a patient key
 * before asking its age; false for NULL.
 */
Datum
cpr_is_valid(PG_FUNCTION_ARGS)
{
	text	   *cpr;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	cpr = PG_GETARG_TEXT_PP(0);
	PG_RETURN_BOOL(kv_cpr_parse(VARDATA_ANY(cpr), VARSIZE_ANY_EXHDR(cpr), NULL, NULL) == KV_CPR_OK);
}
