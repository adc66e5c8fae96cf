/*
 * cpr.h - Danish CPR numbers (personnumre): birth date, sex, age, and a
 * masked form that is safe to show in error messages.
 *
 * A CPR number is DDMMYY-SSSS or DDMMYYSSSS.  The century of the birth year
 * follows from the first digit of SSSS (CPR-kontoret, "Personnummeret i
 * CPR"); the sex from the last digit (odd = male, even = female).  The
 * modulus 11 check is NOT applied: numbers without it have been issued since
 * 2007.  Dates use kvalitet's convention: int32_t days since 2000-01-01.
 *
 * Uses calendar.c for date arithmetic.
 */
#ifndef KV_CPR_H
#define KV_CPR_H

#include <stddef.h>
#include <stdint.h>

typedef enum
{
	KV_CPR_OK = 0,
	KV_CPR_BAD_FORMAT,			/* not DDMMYY-SSSS or DDMMYYSSSS */
	KV_CPR_BAD_DATE				/* DDMMYY is not a date in its century */
} kv_cpr_status;

/*
 * Parse the len bytes at s (no NUL terminator needed).  Accepted: exactly 10
 * ASCII digits, or 6 digits, '-', 4 digits; nothing else (no spaces, no
 * other separator).  Birth year from YY and the 7th digit (first of SSSS):
 *   0-3:  1900-1999
 *   4, 9: 2000-2036 when YY <= 36, else 1937-1999
 *   5-8:  2000-2057 when YY <= 57, else 1858-1899
 * On KV_CPR_OK sets *birth_date and *sex ('M' or 'F'); either pointer may be
 * NULL when that part is not wanted.
 */
extern kv_cpr_status kv_cpr_parse(const char *s, size_t len,
								  int32_t *birth_date, char *sex);

/*
 * Age in completed years on on_date of someone born on birth_date: the
 * number of birthdays passed, a birthday counting from its own day.  A
 * person born on 29 February has the birthday on 1 March in years that are
 * not leap years (so turns 18 on 1 March).  Precisely: the largest k for
 * which the k-th anniversary of the birth falls on or before on_date, k
 * negative when on_date is before birth_date.
 */
extern int	kv_age_on(int32_t birth_date, int32_t on_date);

/* Buffer size that always holds the whole output of kv_cpr_mask. */
#define KV_CPR_MASK_BUFSIZE 20

/*
 * Write a masked copy of the len bytes at s into out (outlen bytes, always
 * NUL-terminated when outlen > 0) for use in messages.  At most the first 16
 * input bytes are represented, followed by "..." when there were more.  Of
 * those, the first min(6, len - 4) are kept (so the last four bytes of the
 * input are never shown) and every later byte becomes 'X', except that a
 * '-' stays '-'.  Bytes outside printable ASCII become '?'.  Example:
 * "010190-1234" -> "010190-XXXX".
 */
extern void kv_cpr_mask(const char *s, size_t len, char *out, size_t outlen);

#endif							/* KV_CPR_H */
