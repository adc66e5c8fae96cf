/*
 * stays_state.h - the StayState shared by the patient-flow functions of the
 * PostgreSQL layer: kvalitet.readmission_rate, preventable_admission_share
 * and patient_stays (stays_aggregates.c) and kvalitet.stays (stays_query.c).
 *
 * A StayState buffers one 32-byte kv_contact per contact row; patients
 * (text, uuid), diagnoses and units become small ids through dictionaries.
 * stays_run_engine sorts the buffer and calls the stay engine of
 * src/core/stays.h once per patient.  The declarations below are grouped
 * by the file that defines them.
 */
#ifndef KV_STAYS_STATE_H
#define KV_STAYS_STATE_H

#include "kvalitet.h"
#include "miscadmin.h"
#include "contact_codec.h"
#include "stays.h"

/* A dictionary of byte strings -> dense ids (patients, diagnoses, units). */
typedef struct KeyDict
{
	int32		count;
	int32		capacity;		/* slots in the hash table (power of two) */
	int32	   *slots;			/* id + 1, 0 = empty */
	uint32	   *hashes;			/* per id */
	char	  **keys;			/* per id */
	uint16	   *lens;			/* per id */
	int32		keys_capacity;
} KeyDict;

/* Why a row was skipped (counted per reason). */
typedef enum BadReason
{
	BAD_NULL_PATIENT,
	BAD_NULL_START,
	BAD_END_BEFORE_START,
	BAD_INFINITE_TIME,
	BAD_DIAGNOSIS,				/* not skipped: the diagnosis counts as unknown */
	BAD_DATE,					/* not skipped: an infinite death or birth date is ignored */
	BAD_NREASONS
} BadReason;

/* The code sets the engine consults, in KV_SET_* bit order. */
#define SET_COUNT 7
#define SET_PREVENTABLE 5		/* KV_SET_PREVENTABLE */
#define SET_NEWBORN 6			/* KV_SET_NEWBORN */

/* Longest time zone name kept in the rules (pgtime.h's TZ_STRLEN_MAX). */
#define RULES_TZ_LEN 256

/*
 * The rules one aggregate call uses, fixed at its first row: from the
 * optional kvalitet.stay_rules argument, else from the session's settings.
 */
typedef struct StayRules
{
	int64		merge_gap;
	int64		min_admission;
	int64		window;
	char		sets[SET_COUNT][NAMEDATALEN];	/* "" = not used */
	/* the outcomes of SPEC 11.1 and 11.5 (stays_fix_outcome_rules) */
	bool		outcomes;		/* work them out per patient */
	bool		newborn_any_cause;	/* no newborn set: any cause */
	int32		mortality_window;	/* days */
	int32		newborn_window; /* days */
	char		time_zone[RULES_TZ_LEN];	/* of the local days */
} StayRules;

/* Patient key types: bigint and integer keys are their own ids; text,
 * varchar and uuid keys get ids from a dictionary. */
#define PATIENT_INT8 1
#define PATIENT_TEXT 2			/* text and varchar */
#define PATIENT_UUID 3
#define PATIENT_INT4 4

/* The discharging unit's id rides in the upper bits of kv_contact.flags. */
#define UNIT_SHIFT 8
#define UNIT_NONE 0				/* no unit: id 0, real units are id + 1 */
#define MAX_UNITS ((1 << (32 - UNIT_SHIFT)) - 2)

struct Classifier;
struct CodeSets;
struct RawCodeCache;

/*
 * Maps from the ids of another state's dictionaries to this state's: one
 * entry per id of the other state; NULL where the ids are the same (and for
 * bigint patients, which have no dictionary).
 */
typedef struct IdMaps
{
	int32	   *patient;
	int32	   *diag;
	int32	   *unit;
} IdMaps;

/*
 * A sorted run of contacts kept beside the state's own buffer: combining
 * parallel workers' states keeps their sorted buffers as runs, and the final
 * walk merges them patient by patient (no merged copy is ever built).  A
 * worker's run stays packed (src/core/contact_codec.h), in the worker's
 * ids, until the walk decodes it a patient at a time; maps turn its ids
 * into the state's.
 */
typedef struct StayRun
{
	int64		ncontacts;
	int64		largest;		/* contacts of the largest patient; -1 unknown */
	kv_contact *contacts;		/* unpacked, in the state's ids; or NULL */
	unsigned char *packed;		/* else packed, */
	Size		packed_len;
	IdMaps		maps;			/* ... in ids these map to the state's */
	int32		npatient;		/* ids of the packed contacts (the maps' sizes) */
	int32		ndiag;
	int32		nunit;
} StayRun;

typedef struct StayState
{
	int32		patient_kind;	/* PATIENT_*, 0 until the first row */
	bool		has_rules;		/* rules fixed (at the first row) */
	bool		streaming;		/* rows arrive ordered by patient */
	bool		grouped;		/* contacts sorted by (patient key, start, end) */
	StayRules	rules;
	struct Classifier *classifier;	/* built at the first use */
	kv_totals	totals;			/* of the patients already processed */
	int64		duplicates;		/* exact duplicate rows collapsed */
	int64		ncontacts;
	int64		capacity;
	kv_contact *contacts;
	StayRun    *runs;			/* more sorted runs (grouped states only) */
	int32		nruns;
	KeyDict		patients;		/* text and uuid patients */
	KeyDict		diagnoses;		/* normalised codes */
	KeyDict		units;			/* discharging units (patient_stays) */
	int64		bad[BAD_NREASONS];
	int32	   *diag_rank;		/* per diagnosis id: rank in the current */
	int32		diag_rank_size;	/* ... patient, -1 between patients */
	int32	   *unit_rank;		/* the same for units */
	int32		unit_rank_size;
	struct RawCodeCache *raw_codes; /* raw diagnosis text -> id, or NULL */
	int64		complete_until; /* patient_stays: data complete until, or */
	bool		has_complete_until;	/* ... unknown */
	bool		has_last_mark[2];	/* the date markers buffered last (death, */
	kv_contact	last_mark[2];	/* ... birth), not buffered again */
	bool		has_latest_death;	/* the latest death date given, for */
	int32		latest_death;	/* ... the default mortality completeness */
	bool		has_complete_day;	/* per-stay relation: deaths complete up to */
	int32		complete_day;	/* ... this local date (SPEC 11.1), or unknown */
} StayState;

/* A dictionary id to sort by its text (stays_rank_cmp). */
typedef struct RankItem
{
	int32		id;
	const KeyDict *dict;
} RankItem;

/*
 * Called by stays_run_engine once per patient with its sorted contacts and
 * stays; diag_map and unit_map turn the ranked ids in c[] into dictionary
 * ids.  It runs in a memory context that is reset after the patient.
 */
typedef void (*patient_fn) (void *arg, StayState *st, const kv_contact *c,
							const kv_stay *stays, size_t nstays,
							const int32 *diag_map, const int32 *unit_map);

/*
 * Columns of kvalitet.stay (without the patient); kvalitet.stays returns
 * the first 14 of them (its 0.1.0 columns), kvalitet.stays_full all.
 */
#define STAY_NATTS 23
#define STAY_NATTS_V1 14

/*
 * Cancel checks in loops over every contact or key (millions): one every
 * 64K items lands a cancel or statement_timeout within a millisecond or so
 * and costs nothing measurable.  The sorts check through stays_sort_contacts
 * and stays_sort_ranks.
 */
#define STAYS_CHECK_EVERY 65536
#define STAYS_CHECK_INTERRUPTS_AT(i) \
	do { \
		if (((i) & (STAYS_CHECK_EVERY - 1)) == 0) \
			CHECK_FOR_INTERRUPTS(); \
	} while (0)

/* stays_state.c: the state, one row, bad rows */
extern StayState *stays_state_alloc(int64 capacity);
extern void stays_state_reserve(StayState *st, int64 more);
extern void *stays_grow_slots(MemoryContext cxt, void *slots, int32 *size,
							  int32 needed, int fill);
extern int32 stays_patient_kind(Oid type, const char *fname);
extern void stays_add_row(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
						  int a_patient, int a_start, int a_died, int a_eligible, int a_unit);
extern void stays_add_row_dates(StayState *st, FunctionCallInfo fcinfo, const NullableDatum *arg,
								int a_patient, int a_start, int a_died, int a_eligible, int a_unit,
								int a_death, int a_birth);
extern void stays_report_rows(const StayState *st, const char *fname);

/* stays_dict.c: dictionaries and the raw code cache */
extern void stays_dict_init(KeyDict *d);
extern void stays_dict_reset(KeyDict *d);
extern int32 stays_dict_id(KeyDict *d, const char *key, int len);
extern text *stays_dict_text(const KeyDict *d, int32 id);
extern int stays_rank_cmp(const void *a, const void *b);
extern void stays_sort_ranks(RankItem *items, size_t n);
extern int32 stays_diagnosis_id(StayState *st, const char *raw, int len);

/*
 * The slot of a code of at most 8 bytes, zero-padded into key (a text never
 * holds a zero byte, so the key is exact), in the direct-mapped caches of
 * codes: the raw code cache and the code sets' bits (a power of two of at
 * most 1024 slots: mask the result).
 */
static inline uint32
stays_raw_slot(uint64 key)
{
	return (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 54);	/* 10 bits */
}

/* stays_rules.c: settings, the rules of a call, code sets */
extern bool stays_bad_input_is_error(void);
extern void stays_fix_rules(StayState *st, FunctionCallInfo fcinfo, bool readmission,
							int rules_argno, const char *target);

/* What stays_fix_outcome_rules takes from the rules argument. */
#define OUTCOME_PREVENTABLE 0x01	/* the preventable readmission set */
#define OUTCOME_NEWBORN 0x02	/* the newborn readmission set */
#define OUTCOME_DAYS 0x04		/* the outcomes in local days (tz, windows) */
extern void stays_fix_outcome_rules(StayState *st, FunctionCallInfo fcinfo, int rules_argno,
									unsigned what);
extern int32_t stays_local_day(void *ctx, int64_t at);
extern struct pg_tz *stays_rules_zone(const StayState *st);
extern int32 stays_window_days(int32 days, const char *what);

/*
 * Tells the engine the sets of a diagnosis (stays_classify); kept in the
 * state, so that a streaming state classifies each code once.
 */
typedef struct Classifier
{
	StayState  *st;
	struct CodeSets *cs;
	uint32	   *cache;			/* per diagnosis id: bits | CACHED */
	int32		cache_size;
	const int32 *local_to_global;	/* the current patient's rank -> id */
} Classifier;

extern Classifier *stays_classifier(StayState *st, FunctionCallInfo fcinfo);
extern uint32 stays_classify(void *ctx, int32 diag, int64_t at);

/* stays_runs.c: patient order, sorted runs, the patient cursor */
extern bool stays_keyed_patients(const StayState *st);
extern int stays_patient_cmp(const StayState *st, int64 x, int64 y);
extern void stays_order_patients(StayState *st);
extern int32 *stays_compose_map(const int32 *inner, int32 n, const int32 *outer);
extern void stays_add_run(StayState *st, const StayRun *run);
extern void stays_flatten_runs(StayState *st);
extern size_t stays_largest_patient(const StayRun *run);

/* Contacts a run reader decodes at a time. */
#define READ_BATCH 64

/*
 * Reads a run's contacts in order, in the state's ids, one ahead: from its
 * array, or decoded from its packed bytes a batch at a time.
 */
typedef struct RunReader
{
	const StayRun *run;
	int64		left;			/* packed contacts not yet decoded */
	kv_contact_reader packed;
	const kv_contact *next;		/* the contacts after head: in the run's */
	const kv_contact *last;		/* ... array, or in batch */
	bool		has_head;
	kv_contact	head;			/* the contact read last */
	kv_contact	batch[READ_BATCH];
} RunReader;

/*
 * Walks the patients of a state: of its one buffer (in place), or merged
 * from its buffer and sorted runs, gathering one patient's contacts from
 * every run into `scratch`.
 */
typedef struct PatientCursor
{
	const StayState *st;
	int32		nreaders;		/* 0: the buffer alone, read in place */
	RunReader  *readers;
	StayRun		buffer;			/* the state's buffer as a run */
	int64		pos;			/* in the buffer, read in place */
	kv_contact *scratch;		/* room for the largest merged patient */
} PatientCursor;

extern void stays_cursor_init(PatientCursor *pc, StayState *st);
extern size_t stays_cursor_next(PatientCursor *pc, kv_contact **c);

/* stays_engine.c: the engine driver and the columns of a stay */
extern void stays_sort_contacts(kv_contact *c, int64 n);
extern void stays_run_engine(StayState *st, FunctionCallInfo fcinfo, int64 complete_until,
							 patient_fn fn, void *arg);
extern void stays_process_buffer(StayState *st, FunctionCallInfo fcinfo);
extern void stays_stay_values(const StayState *st, const kv_contact *c, const kv_stay *s,
							  const int32 *diag_map, const int32 *unit_map,
							  bool known_completeness, Datum *v, bool *isnull);

/* A contact of another state, in this state's ids. */
static inline kv_contact
stays_remap_contact(kv_contact c, const IdMaps *m)
{
	uint32		unit = c.flags >> UNIT_SHIFT;

	if (m->patient != NULL)
		c.patient = m->patient[c.patient];
	if (c.diag >= 0 && m->diag != NULL)
		c.diag = m->diag[c.diag];
	if (unit != UNIT_NONE && m->unit != NULL)
		c.flags = (c.flags & ((1u << UNIT_SHIFT) - 1)) |
			((uint32) (m->unit[unit - 1] + 1) << UNIT_SHIFT);
	return c;
}

#endif							/* KV_STAYS_STATE_H */
