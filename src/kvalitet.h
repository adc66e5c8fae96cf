/*
 * kvalitet.h - declarations shared by the PostgreSQL layer of kvalitet.
 *
 * Everything here is about the server side: fmgr wrappers, settings and the
 * error helpers that turn pure-C status codes (src/core) into ereports.
 */
#ifndef KVALITET_H
#define KVALITET_H

#include "postgres.h"
#include "fmgr.h"

#include "proportion.h"

/* kvalitet.proportion as stored: the 16-byte numerator/denominator pair. */
typedef kv_proportion Proportion;

#define DatumGetProportionP(X)	((Proportion *) DatumGetPointer(X))
#define PG_GETARG_PROPORTION_P(n) DatumGetProportionP(PG_GETARG_DATUM(n))
#define PG_RETURN_PROPORTION_P(x) PG_RETURN_POINTER(x)

/* A compiled code set, copied out of the per-backend cache (src/codes.c). */
typedef struct KvCodeSet
{
	struct kv_codeset *set;
	size_t		size;
	bool		dated;			/* some entry has a finite validity date */
} KvCodeSet;

extern void kv_codes_init(void);
extern void kv_get_code_set(const char *name, KvCodeSet *out, MemoryContext into);
extern void kv_report_bad_code(int status, const char *what);

/* Defines the kvalitet.* settings of the stay engine (stays_rules.c). */
extern void kv_stays_define_settings(void);

/* The calling function's composite result built from values and nulls. */
extern Datum kv_result_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls);

/* A kvalitet.rate_estimate (value, lower, upper) result. */
extern Datum kv_rate_estimate(FunctionCallInfo fcinfo, double value, double lower, double upper);

/* Confidence levels are probabilities strictly between 0 and 1. */
extern void kv_check_level(double level);

/* Defines kvalitet.timezone and kvalitet.extra_closed_days (calendar.c). */
extern void kv_calendar_define_settings(void);

#endif							/* KVALITET_H */
