/*
 * stays_rules.c - the rules one patient-flow call uses: the kvalitet.*
 * settings of the stay engine (merge gap, minimum admission, readmission
 * window, the code set names, on_bad_input), the kvalitet.stay_rules
 * argument that overrides them per call, and the compiled code sets with
 * the classifier that tells the engine which sets a diagnosis is in.
 *
 * Rules are fixed at a call's first row (stays_fix_rules), so a setting
 * changed mid-query cannot split one call's stays between two rule sets;
 * docs/indicators.md sections 2 to 4 say what each rule means.
 */
#include "kvalitet.h"

#include <limits.h>

#include "executor/executor.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "codes.h"
#include "stays_state.h"

/* ---------------------------------------------------------------------
 * Settings
 * --------------------------------------------------------------------- */

static int	merge_gap_s = 4 * 3600;
static int	min_admission_s = 12 * 3600;
static int	window_s = 720 * 3600;
static char *index_exclusion_set = NULL;
static char *readm_exclusion_set = NULL;
static char *injury_exclusion_set = NULL;
static char *psychiatric_set = NULL;

enum
{
	BAD_INPUT_WARNING,
	BAD_INPUT_ERROR
};
static int	on_bad_input = BAD_INPUT_WARNING;
static const struct config_enum_entry bad_input_options[] = {
	{"warning", BAD_INPUT_WARNING, false},
	{"error", BAD_INPUT_ERROR, false},
	{NULL, 0, false}
};

void
kv_stays_define_settings(void)
{
	DefineCustomIntVariable("kvalitet.merge_gap",
							"Largest gap between contacts that still joins them into one stay.",
							"dk-default-1: 4 hours.",
							&merge_gap_s, 4 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("kvalitet.min_admission",
							"Shortest stay that counts as an admission.",
							"dk-default-1: 12 hours.",
							&min_admission_s, 12 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("kvalitet.readmission_window",
							"Time after discharge within which an acute admission is a readmission.",
							"dk-default-1: 720 hours (30 days of absolute time).",
							&window_s, 720 * 3600, 0, INT_MAX, PGC_USERSET,
							GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_index_exclusion_set",
							   "Code set whose diagnoses keep a stay from being an index admission.",
							   NULL, &index_exclusion_set, "readmission_index_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_exclusion_set",
							   "Code set whose diagnoses keep a next admission from being a readmission.",
							   NULL, &readm_exclusion_set, "readmission_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.readmission_injury_exclusion_set",
							   "Code set of injuries: a next admission whose first contact has one is not a readmission.",
							   NULL, &injury_exclusion_set, "readmission_injury_exclusion",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("kvalitet.psychiatric_set",
							   "Code set of psychiatric diagnoses (a stay they dominate is not somatic).",
							   NULL, &psychiatric_set, "psychiatric",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("kvalitet.on_bad_input",
							 "What the aggregates do with a bad row: skip it and warn once, or raise an error.",
							 NULL, &on_bad_input, BAD_INPUT_WARNING, bad_input_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

/* True when a bad row is an error (kvalitet.on_bad_input = error). */
bool
stays_bad_input_is_error(void)
{
	return on_bad_input == BAD_INPUT_ERROR;
}

/* ---------------------------------------------------------------------
 * Rules: settings, or the kvalitet.stay_rules argument
 * --------------------------------------------------------------------- */

/* An interval as absolute microseconds (months have no fixed length). */
static int64
rule_duration(Interval *iv, const char *field)
{
	int64		usec;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.stay_rules.%s cannot be given in months or years", field),
				 errhint("Write 30 days as '720 hours'.")));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &usec) ||
		pg_add_s64_overflow(usec, iv->time, &usec) || usec < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet.stay_rules.%s must be a duration of zero or more", field)));
	return usec;
}

static void
rule_set_name(char *into, const char *name)
{
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("code set \"%s\" does not exist", name)));
	strlcpy(into, name, NAMEDATALEN);
}

/*
 * Fix the rules at the first row: the session's settings, overridden field
 * by field by the rules argument (argno >= 0) where that field is not NULL.
 * The target set (preventable) comes from its own argument.
 */
void
stays_fix_rules(StayState *st, FunctionCallInfo fcinfo, bool readmission,
				int rules_argno, const char *target)
{
	StayRules  *r = &st->rules;
	const char *names[4] = {index_exclusion_set, readm_exclusion_set,
	injury_exclusion_set, psychiatric_set};

	memset(r, 0, sizeof(*r));
	r->merge_gap = (int64) merge_gap_s * USECS_PER_SEC;
	r->min_admission = (int64) min_admission_s * USECS_PER_SEC;
	r->window = (int64) window_s * USECS_PER_SEC;
	if (readmission)
		for (int i = 0; i < 4; i++)
			rule_set_name(r->sets[i], names[i]);
	if (target != NULL)
		rule_set_name(r->sets[4], target);

	if (rules_argno >= 0 && rules_argno < PG_NARGS() && !PG_ARGISNULL(rules_argno))
	{
		HeapTupleHeader t = PG_GETARG_HEAPTUPLEHEADER(rules_argno);
		static const char *const durations[3] = {"merge_gap", "min_admission", "readmission_window"};
		int64	   *fields[3] = {&r->merge_gap, &r->min_admission, &r->window};
		bool		isnull;
		Datum		d;

		for (int i = 0; i < 3; i++)
		{
			d = GetAttributeByNum(t, i + 1, &isnull);
			if (!isnull)
				*fields[i] = rule_duration(DatumGetIntervalP(d), durations[i]);
		}
		for (int i = 0; readmission && i < 4; i++)
		{
			d = GetAttributeByNum(t, i + 4, &isnull);
			if (!isnull)
				rule_set_name(r->sets[i], TextDatumGetCString(d));
		}
	}
	st->has_rules = true;
}

/* A number of days in the rules or an argument: zero or more. */
int32
stays_window_days(int32 days, const char *what)
{
	if (days < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kvalitet: %s must be zero or more days, not %d", what, days)));
	return days;
}

/*
 * The rules of the outcomes (docs/indicators.md 11.1, 11.5, 11.6), fixed
 * with the others at the first row: the fields time_zone,
 * mortality_window_days, newborn_window_days, preventable_set and
 * newborn_set of the rules argument where not NULL, else kvalitet.timezone
 * (at the first row: a Citus worker does not see the session's setting,
 * so bound views pin the zone in the rules), 30 and 28 days and the sets
 * preventable_elderly and newborn_selected_causes.  `what` says which sets
 * are consulted and whether the local-day outcomes are worked out.
 */
void
stays_fix_outcome_rules(StayState *st, FunctionCallInfo fcinfo, int rules_argno, unsigned what)
{
	StayRules  *r = &st->rules;
	const char *tz = GetConfigOption("kvalitet.timezone", false, false);
	bool		isnull;
	Datum		d;

	r->mortality_window = 30;
	r->newborn_window = 28;
	if (what & OUTCOME_PREVENTABLE)
		rule_set_name(r->sets[SET_PREVENTABLE], "preventable_elderly");
	if (what & OUTCOME_NEWBORN)
		rule_set_name(r->sets[SET_NEWBORN], "newborn_selected_causes");
	if (rules_argno >= 0 && rules_argno < PG_NARGS() && !PG_ARGISNULL(rules_argno))
	{
		HeapTupleHeader t = PG_GETARG_HEAPTUPLEHEADER(rules_argno);

		d = GetAttributeByNum(t, 8, &isnull);
		if (!isnull)
			tz = TextDatumGetCString(d);
		d = GetAttributeByNum(t, 9, &isnull);
		if (!isnull)
			r->mortality_window = stays_window_days(DatumGetInt32(d), "kvalitet.stay_rules.mortality_window_days");
		d = GetAttributeByNum(t, 10, &isnull);
		if (!isnull)
			r->newborn_window = stays_window_days(DatumGetInt32(d), "kvalitet.stay_rules.newborn_window_days");
		d = GetAttributeByNum(t, 11, &isnull);
		if (!isnull && (what & OUTCOME_PREVENTABLE))
			rule_set_name(r->sets[SET_PREVENTABLE], TextDatumGetCString(d));
		d = GetAttributeByNum(t, 12, &isnull);
		if (!isnull && (what & OUTCOME_NEWBORN))
			rule_set_name(r->sets[SET_NEWBORN], TextDatumGetCString(d));
	}
	if (tz == NULL || strlen(tz) >= RULES_TZ_LEN || pg_tzset(tz) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", tz ? tz : ""),
				 errhint("Use a name from pg_timezone_names, such as Europe/Copenhagen.")));
	strlcpy(r->time_zone, tz, RULES_TZ_LEN);
	r->outcomes = (what & OUTCOME_DAYS) != 0;
}

/* The time zone of the rules' local days (checked when they were fixed). */
pg_tz *
stays_rules_zone(const StayState *st)
{
	pg_tz	   *tz = pg_tzset(st->rules.time_zone);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", st->rules.time_zone)));
	return tz;
}

/* The local date (days since 2000-01-01) of an instant in the zone ctx (a pg_tz). */
int32_t
stays_local_day(void *ctx, int64_t at)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(at, &tzoff, &tm, &fsec, NULL, (pg_tz *) ctx) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/* ---------------------------------------------------------------------
 * Code sets and the classifier
 * --------------------------------------------------------------------- */

/*
 * The compiled code sets of one rules' set names, kept for the whole query
 * in the calling function's fn_extra: a per-stay relation has one aggregate
 * state per patient, and must not compile its sets once per patient.
 */
#define CODE_BITS_CACHE 512

typedef struct CodeSets
{
	char		names[SET_COUNT][NAMEDATALEN];
	KvCodeSet	sets[SET_COUNT];	/* in KV_SET_* bit order */
	bool		have[SET_COUNT];
	bool		dated;			/* some set has dated entries */

	/*
	 * Set bits of codes of at most 8 bytes (zero-padded, as stays_raw_slot
	 * keys), for the whole query: patient_stays has a state, and so a
	 * dictionary, per patient, which would otherwise match the same codes
	 * again for every patient.  Used when no set is dated.
	 */
	uint64		code_key[CODE_BITS_CACHE];	/* 0 = empty */
	uint32		code_bits[CODE_BITS_CACHE];
} CodeSets;

static CodeSets *
code_sets_for(FunctionCallInfo fcinfo, const StayRules *rules)
{
	CodeSets   *cs = (CodeSets *) fcinfo->flinfo->fn_extra;

	if (cs != NULL && memcmp(cs->names, rules->sets, sizeof(cs->names)) == 0)
		return cs;
	cs = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CodeSets));
	memcpy(cs->names, rules->sets, sizeof(cs->names));
	for (int i = 0; i < SET_COUNT; i++)
	{
		if (rules->sets[i][0] == '\0')
			continue;
		kv_get_code_set(rules->sets[i], &cs->sets[i], fcinfo->flinfo->fn_mcxt);
		cs->have[i] = true;
		cs->dated |= cs->sets[i].dated;
	}
	fcinfo->flinfo->fn_extra = cs;
	return cs;
}

/* A classifier cache slot that holds a diagnosis' bits. */
#define CACHED 0x80000000u

/*
 * Set bits of a diagnosis for a stay decided at `at`.  The day that decides
 * is the stay's end (or start) in the session time zone; it is only worked
 * out when some set has dated entries, otherwise the bits are cached per code.
 */
uint32
stays_classify(void *ctx, int32 diag, int64_t at)
{
	Classifier *cl = (Classifier *) ctx;
	int32		id = cl->local_to_global[diag];
	const char *code = cl->st->diagnoses.keys[id];
	int			len = cl->st->diagnoses.lens[id];
	int32		day = 0;
	uint32		bits = 0;

	uint64		key = 0;
	uint32		slot = 0;

	if (!cl->cs->dated)
	{
		if (cl->cache[id] & CACHED)
			return cl->cache[id] & ~CACHED;
		if (len > 0 && len <= 8)
		{
			memcpy(&key, code, len);
			slot = stays_raw_slot(key) & (CODE_BITS_CACHE - 1);
			if (cl->cs->code_key[slot] == key)
			{
				cl->cache[id] = cl->cs->code_bits[slot] | CACHED;
				return cl->cs->code_bits[slot];
			}
		}
	}
	else
		day = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(at)));
	for (int i = 0; i < SET_COUNT; i++)
		if (cl->cs->have[i] && kv_codeset_match(cl->cs->sets[i].set, code, len, day))
			bits |= 1u << i;
	if (!cl->cs->dated)
	{
		cl->cache[id] = bits | CACHED;
		if (key != 0)
		{
			cl->cs->code_key[slot] = key;
			cl->cs->code_bits[slot] = bits;
		}
	}
	return bits;
}

/*
 * The state's classifier, made at its first use (in the state's context),
 * with the code sets of the state's rules and a cache slot per diagnosis.
 */
Classifier *
stays_classifier(StayState *st, FunctionCallInfo fcinfo)
{
	Classifier *cl;

	if (st->classifier == NULL)
	{
		st->classifier = MemoryContextAllocZero(GetMemoryChunkContext(st), sizeof(Classifier));
		st->classifier->st = st;
	}
	cl = st->classifier;
	cl->cs = code_sets_for(fcinfo, &st->rules);
	cl->cache = stays_grow_slots(GetMemoryChunkContext(st), cl->cache, &cl->cache_size,
								 st->diagnoses.count, 0);
	return cl;
}
