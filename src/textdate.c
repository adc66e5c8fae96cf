/*
 * textdate.c - kvalitet.text_date, text_time and text_timestamp: dates and
 * times written as text in delivered extracts, read by the spellings of
 * src/core/textdate.c.  A text that is none of them gives NULL, never an
 * error: kvalitet.bind uses them in the views it generates, where a bad
 * field makes that field unknown and the row is still read.
 */
#include "kvalitet.h"

#include "utils/date.h"
#include "utils/timestamp.h"

#include "textdate.h"

PG_FUNCTION_INFO_V1(text_date);
PG_FUNCTION_INFO_V1(text_time);
PG_FUNCTION_INFO_V1(text_timestamp);

/* text_date(text): YYYYMMDD or YYYY-MM-DD (a time after it ignored), else NULL. */
Datum
text_date(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int32		day;

	if (!kv_text_date(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &day))
		PG_RETURN_NULL();
	PG_RETURN_DATEADT((DateADT) day);
}

/* text_time(text): HH:MM[:SS[.f]], HHMM[SS] or HH.MM[.SS], else NULL. */
Datum
text_time(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int64		usec;

	if (!kv_text_time(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &usec))
		PG_RETURN_NULL();
	PG_RETURN_TIMEADT((TimeADT) usec);
}

/* text_timestamp(text): a date, alone or with a time after a space or T, else NULL. */
Datum
text_timestamp(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int64		usec;

	if (!kv_text_timestamp(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &usec))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMP((Timestamp) usec);
}
