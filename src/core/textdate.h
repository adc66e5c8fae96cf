/*
 * textdate.h - dates and times written as text in delivered extracts
 * (LPR3_F and LPR_A loaded from CSV): the spellings kvalitet.bind reads, and
 * nothing else.
 *
 * Dates use kvalitet's convention, int32_t days since 2000-01-01 (as
 * PostgreSQL's date); times are microseconds since midnight, timestamps
 * microseconds since 2000-01-01 00:00 (as PostgreSQL's timestamp).  Leading
 * and trailing spaces and tabs are ignored.  A text that is not one of the
 * spellings, or names a day or time that does not exist, is rejected (the
 * SQL functions return NULL): never an error.
 */
#ifndef KV_TEXTDATE_H
#define KV_TEXTDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A date YYYYMMDD or YYYY-MM-DD (year 0001-9999), optionally followed by a
 * space or 'T' and anything (an ISO time, which is ignored).
 */
extern bool kv_text_date(const char *s, size_t len, int32_t *day);

/*
 * A time of day HH:MM, HH:MM:SS, HHMM, HHMMSS, HH.MM or HH.MM.SS, seconds
 * optionally with a fraction (.5, .123456; digits past the sixth are
 * dropped); hours 00-23, minutes and seconds 00-59.
 */
extern bool kv_text_time(const char *s, size_t len, int64_t *usec);

/*
 * A timestamp: a date as above, alone (midnight) or followed by one space or
 * 'T' and a time as above.
 */
extern bool kv_text_timestamp(const char *s, size_t len, int64_t *usec);

#endif
