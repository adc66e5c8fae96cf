/*
 * stays.h - the stay and readmission engine (docs/indicators.md
 * sections 3, 4, 5 and 8).
 *
 * Pure C (no PostgreSQL headers).  The PostgreSQL layer buffers one
 * kv_contact per contact row, maps patients to int64 ids and normalised
 * diagnosis codes to int32 ids ranked like the codes, sorts the buffer with
 * kv_contacts_sort and calls kv_patient_stays once per patient.  Every rule
 * of the stay construction, the dominant diagnosis, index and readmission
 * lives here once; the aggregates and the per-stay relation both read the
 * kv_stay rows, so their flags agree by construction.
 *
 * Times follow PostgreSQL: microseconds since 2000-01-01 00:00:00 UTC.
 *
 * Streaming: when rows arrive ordered by patient (an ORDER BY in the
 * aggregate call), the caller keeps only the current patient's rows; when a
 * row of another patient arrives it sorts that slice (cheap when already in
 * order), dedupes it, calls kv_patient_stays and kv_totals_add, and reuses
 * the buffers.  Nothing in index/readmitted depends on other patients or on
 * complete_until, so only the per-stay relation, whose default
 * complete_until (the latest start seen) is known at the end, has to call
 * kv_stay_followup_complete again after the last row.
 *
 * Choices docs/indicators.md leaves open: contacts with equal patient,
 * start and end are ordered by diagnosis id (NULL last), then flags (so of
 * two identical rows differing in acute, the non-acute one is "first");
 * dominant
 * diagnosis ties (equal totals, and all infinite totals are equal) go to the
 * diagnosis whose earliest contact starts first, then to the smaller id;
 * discharging-contact ties go to the later contact in sort order.
 */
#ifndef KV_STAYS_H
#define KV_STAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_TS_OPEN INT64_MAX	/* end of a contact that is still open */
#define KV_USEC_PER_HOUR INT64_C(3600000000)

/* Defaults of dk-default-1 (docs/indicators.md sections 3 and 4). */
#define KV_DEFAULT_MERGE_GAP (4 * KV_USEC_PER_HOUR)
#define KV_DEFAULT_MIN_ADMISSION (12 * KV_USEC_PER_HOUR)
#define KV_DEFAULT_WINDOW (720 * KV_USEC_PER_HOUR)

/* Most contacts one kv_patient_stays call handles (stay fields are int32). */
#define KV_MAX_PATIENT_CONTACTS INT32_MAX

/* Contact flags. */
#define KV_C_ACUTE		0x01	/* NULL acute already mapped to false by the caller */
#define KV_C_DIED		0x02	/* NULL died already mapped to false by the caller */
#define KV_C_ELIGIBLE	0x04	/* index_eligible: omitted = true, NULL = false */
#define KV_C_MARKER		0x80	/* not a contact: a date marker (below) */

/*
 * Date markers carry a patient's death or birth date (joined onto each
 * contact row) through the same buffer, sort, runs and packing as the
 * contacts: start is KV_MARK_DEATH or KV_MARK_BIRTH, so that markers sort
 * before the patient's contacts, end is the date (days since 2000-01-01),
 * diag is -1 and flags KV_C_MARKER.  Equal markers collapse like duplicate
 * rows; kv_take_markers reads them off the front of a patient's run.
 */
#define KV_MARK_DEATH	(INT64_MIN + 1)
#define KV_MARK_BIRTH	(INT64_MIN + 2)

/*
 * One contact row.  diag is the caller's id of the normalised diagnosis code,
 * -1 for NULL; ids are ranked like the codes, so comparing ids compares codes.
 */
typedef struct kv_contact
{
	int64_t		patient;		/* caller's patient id */
	int64_t		start;			/* microseconds since 2000-01-01 UTC */
	int64_t		end;			/* KV_TS_OPEN when still open */
	int32_t		diag;			/* diagnosis id, -1 = NULL */
	uint32_t	flags;			/* KV_C_* */
} kv_contact;

/* Set-membership bits returned by the classifier. */
#define KV_SET_INDEX_EXCLUSION	0x01	/* readmission_index_exclusion */
#define KV_SET_READM_EXCLUSION	0x02	/* readmission_exclusion */
#define KV_SET_INJURY			0x04	/* readmission_injury_exclusion */
#define KV_SET_PSYCHIATRIC		0x08	/* psychiatric */
#define KV_SET_TARGET			0x10	/* the caller's target set */
#define KV_SET_PREVENTABLE		0x20	/* preventable readmission (section 11.6) */
#define KV_SET_NEWBORN			0x40	/* newborn readmission causes (section 11.5) */

/*
 * Which sets diagnosis `diag` is in for a stay whose deciding instant is `at`
 * (docs/indicators.md section 2: the stay's end, or its start when the
 * stay is open).  Never called with diag = -1.  Called once per distinct
 * diagnosis per stay.
 */
typedef uint32_t (*kv_classify_fn) (void *ctx, int32_t diag, int64_t at);

typedef struct kv_stay_params
{
	int64_t		merge_gap;		/* default 4 h; must be >= 0 */
	int64_t		min_admission;	/* default 12 h; must be >= 0 */
	int64_t		window;			/* default 720 h; must be >= 0 */
	int64_t		complete_until; /* follow-up complete when end + window <= this */
	kv_classify_fn classify;	/* NULL: no diagnosis is in any set */
	void	   *classify_ctx;
} kv_stay_params;

/* One stay of one patient, as produced by kv_patient_stays. */
typedef struct kv_stay
{
	int64_t		start;			/* first start */
	int64_t		end;			/* latest end; KV_TS_OPEN when open */
	int64_t		next_start;		/* start of the next admission; 0 without one */
	int32_t		number;			/* 1-based stay number within the patient */
	int32_t		first;			/* index of the stay's first contact */
	int32_t		ncontacts;
	/* index of the discharging contact (docs/indicators.md section 3, rule 7) */
	int32_t		discharging;
	int32_t		dominant_diag;	/* -1 when no contact has a diagnosis */
	uint32_t	dominant_sets;	/* sets of the dominant diagnosis (0 when -1) */
	uint32_t	contact_sets;	/* union of the sets of all contacts' diagnoses */
	uint32_t	first_sets;		/* sets of the first contact's diagnosis */
	bool		admission;		/* open, or end - start >= min_admission */
	bool		acute;			/* acute flag of the first contact */
	bool		died;			/* any contact died */
	bool		psychiatric;	/* dominant diagnosis is psychiatric */
	bool		eligible;		/* discharging contact is index-eligible */
	bool		index;			/* an index stay of readmission_rate */
	bool		readmitted;		/* an index stay whose next admission counts */
	bool		has_next;		/* a later admission exists */
	bool		followup_complete;	/* closed and end + window <= complete_until */
	/* set by kv_patient_stays from the next admission (sections 4, 11.6) */
	int32_t		next_dominant_diag; /* the next admission's; -1 none or NULL */
	bool		preventable_readmitted; /* readmitted, next dominant in KV_SET_PREVENTABLE */
	/* set by kv_patient_outcomes (sections 11.1 and 11.5); false/0 before */
	bool		mortality_index;	/* acute admission, not psychiatric */
	bool		has_death;		/* the patient's death date is known */
	bool		died_within;	/* mortality_index and 0 <= days_to_death <= window */
	bool		mortality_followup_complete;	/* start day + window <= complete_day */
	bool		birth_stay;		/* first stay, starting on the birth date or the day after */
	bool		newborn_index;	/* closed birth stay not ending in death */
	bool		newborn_readmitted; /* a later admission within the newborn window */
	int32_t		days_to_death;	/* death date - local date of start (has_death) */
} kv_stay;

/*
 * Scratch space for kv_patient_stays: one entry per contact, used to total
 * the contact durations per diagnosis in O(k log k).  The caller allocates
 * it (palloc in the server) so that the engine never allocates.
 */
typedef struct kv_stay_work
{
	int64_t		start;			/* contact start */
	uint64_t	duration;		/* end - start of a closed contact */
	int32_t		diag;			/* diagnosis id, never -1 here */
	uint32_t	open;			/* 1 when the contact is open */
} kv_stay_work;

/* Totals of the aggregates over stays (docs/indicators.md sections 4 and 5). */
typedef struct kv_totals
{
	int64_t		index;			/* readmission_rate denominator */
	int64_t		readmitted;		/* readmission_rate numerator */
	int64_t		acute_admissions;	/* preventable_admission_share denominator */
	int64_t		acute_target;	/* ... numerator */
	int64_t		preventable_readmitted; /* preventable readmissions (11.6) */
	int64_t		mortality_index;	/* mortality_rate denominator (11.1) */
	int64_t		mortality_events;	/* ... numerator */
	int64_t		mortality_inconsistent; /* index stays starting after the death */
	int64_t		newborn_index;	/* newborn_readmission_rate denominator (11.5) */
	int64_t		newborn_readmitted; /* ... numerator */
} kv_totals;

typedef enum kv_stays_status
{
	KV_STAYS_OK = 0,
	KV_STAYS_NEGATIVE_PARAM,	/* merge_gap, min_admission or window < 0 */
	KV_STAYS_START_INFINITE,	/* start is +/- infinity (INT64_MIN/MAX) */
	KV_STAYS_END_BEFORE_START,	/* a closed contact ends before it starts */
	KV_STAYS_BAD_DIAGNOSIS		/* diagnosis id below -1 */
} kv_stays_status;

/* Check the parameters before the first kv_patient_stays call. */
extern kv_stays_status kv_stay_params_check(const kv_stay_params *p);

/* Check one contact row as it is buffered (the engine assumes checked rows). */
extern kv_stays_status kv_contact_check(const kv_contact *c);

/*
 * Sort by (patient, start, end with open last, diagnosis with NULL last,
 * flags): a total order, so results never depend on the input order.
 * In place, no allocation, O(n) for sorted input; an MSD radix sort,
 * several times faster than qsort on millions of contacts.
 */
extern void kv_contacts_sort(kv_contact *c, size_t n);

/*
 * A caller's hook into a long sort: fn(arg) is called after about every
 * KV_PROGRESS_STEP elements the sort has handled (counted, moved or
 * compared; a sort of n contacts handles a few times n), so that the
 * PostgreSQL layer can check for a cancel, which core code cannot.  fn may
 * not return (an error's longjmp): the array then holds its elements in
 * some order.  `done` carries the count between calls; start it at 0.
 */
#define KV_PROGRESS_STEP 65536

typedef void (*kv_progress_fn) (void *arg);

typedef struct kv_progress
{
	kv_progress_fn fn;			/* NULL: never called */
	void	   *arg;
	size_t		done;			/* handled since the last call */
} kv_progress;

/* kv_contacts_sort, calling progress (NULL: none) as it goes. */
extern void kv_contacts_sort_progress(kv_contact *c, size_t n, kv_progress *progress);

/* True when c[0..n) is in kv_contacts_sort order. */
extern bool kv_contacts_sorted(const kv_contact *c, size_t n);

/* Collapse exact duplicate rows of a sorted array; returns the new count. */
extern size_t kv_contacts_dedupe(kv_contact *c, size_t n);

/* Length of the leading run of c[0..n) that belongs to c[0]'s patient. */
extern size_t kv_patient_run(const kv_contact *c, size_t n);

/*
 * Build the stays of ONE patient's sorted, checked contacts c[0..n) into
 * out[] and return their number.  out and work need room for n entries
 * each.  Fills every kv_stay field.  n must not exceed
 * KV_MAX_PATIENT_CONTACTS (kv_stay's int32 fields); the caller checks, and
 * any excess would be ignored.
 */
extern size_t kv_patient_stays(const kv_contact *c, size_t n,
							   const kv_stay_params *p, kv_stay *out,
							   kv_stay_work *work);

/*
 * Follow-up completeness of one stay (docs/indicators.md section 4), for a
 * later complete_until.
 */
extern bool kv_stay_followup_complete(const kv_stay *s, int64_t window,
									  int64_t complete_until);

/* ---------------------------------------------------------------------
 * Outcomes in local days: 30-day mortality (docs/indicators.md 11.1) and
 * newborn readmissions (11.5)
 * --------------------------------------------------------------------- */

/* A day: days since 2000-01-01 (PostgreSQL's date). */
typedef int32_t (*kv_local_day_fn) (void *ctx, int64_t at);

typedef struct kv_outcome_params
{
	kv_local_day_fn local_day;	/* the local date of an instant (required) */
	void	   *local_day_ctx;
	int32_t		mortality_window;	/* days, >= 0 (default 30) */
	int32_t		newborn_window; /* days, >= 0 (default 28) */
	bool		newborn_any_cause;	/* no set: every later admission counts */
	bool		complete_known; /* deaths are complete up to complete_day */
	int32_t		complete_day;
} kv_outcome_params;

/* One patient's dates, from the markers. */
typedef struct kv_patient_dates
{
	bool		has_death;
	bool		has_birth;
	int32_t		death_day;		/* the earliest death date given */
	int32_t		birth_day;		/* the earliest birth date given */
} kv_patient_dates;

/* The marker of a death (birth = false) or birth date of a patient. */
extern kv_contact kv_date_marker(int64_t patient, bool birth, int32_t day);

/*
 * Read the markers at the front of one patient's sorted run c[0..n) into
 * *d and return how many there are: the contacts are c[k..n).
 */
extern size_t kv_take_markers(const kv_contact *c, size_t n, kv_patient_dates *d);

/*
 * The outcome flags of one patient's stays s[0..ns) (from kv_patient_stays
 * over the same contacts): mortality (the death date is the earliest of
 * the given one and the local end dates of stays that died) and, when a
 * birth date is given, the birth stay and its newborn readmission.
 * Mortality follow-up is complete when the local start date + window is at
 * most complete_day (when complete_known).
 */
extern void kv_patient_outcomes(kv_stay *s, size_t ns, const kv_patient_dates *d,
								const kv_outcome_params *p);

/* Add one patient's stays to the aggregate totals. */
extern void kv_totals_add(kv_totals *t, const kv_stay *s, size_t nstays);

#endif							/* KV_STAYS_H */
