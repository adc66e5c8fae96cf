/*
 * codes.h - diagnosis code normalisation and compiled code sets
 * (docs/indicators.md section 2).
 *
 * Pure C, no PostgreSQL headers.
 *
 * Normal form of a code
 * ---------------------
 * kv_normalize_code() turns user input into kvalitet's normal form:
 *   - spaces (' ') and dots ('.') are dropped wherever they occur, so leading
 *     and trailing spaces are trimmed and "J44.9", "J44 9" become "J449";
 *   - ASCII letters are upper-cased;
 *   - a code that starts with a letter followed by two digits is a WHO
 *     ICD-10 code and gets the SKS 'D' prefix: "J449" -> "DJ449",
 *     "E86" -> "DE86", and also "D50" (WHO anaemia) -> "DD50";
 *   - every other code is kept as it is: SKS diagnoses ("DJ449", "DD50",
 *     "DZ763"), and also SKS codes that are not diagnoses (procedures such
 *     as "KJFA20", "ZZ0149", "BWHA1", administrative codes such as "ALCA00",
 *     "ATA1") and short set prefixes ("DC", "DX", "DD0").  kvalitet does not
 *     reject them: whether a code is a diagnosis is the code sets' business.
 * A code is rejected ("not a code") when
 *   - it contains a byte other than A-Z, a-z, 0-9, '.', ' ' (control
 *     characters, tabs, NUL, '-', non-ASCII bytes, ...): KV_CODE_BAD_CHAR;
 *   - nothing is left after dropping spaces and dots: KV_CODE_EMPTY;
 *   - it does not start with a letter ("449", "1A"): KV_CODE_NOT_LETTER;
 *   - its normal form is longer than KV_CODE_MAXLEN characters:
 *     KV_CODE_TOO_LONG.
 * The checks apply in that order.
 *
 * Code sets
 * ---------
 * A set is a list of entries, each a prefix ("DJ44") or an inclusive prefix
 * range ("DD00-DD09"), valid on the days [valid_from, valid_to] (days since
 * 2000-01-01, PostgreSQL's DateADT; INT32_MIN / INT32_MAX for open ends).  An
 * entry whose low end has m characters matches a code whose first m bytes
 * lie between low and high in bytewise (memcmp) order; a code shorter than m
 * never matches it.  A prefix is the range [prefix, prefix].
 *
 * kv_codeset_build() compiles the entries once into a single, position-
 * independent block of memory, so the PostgreSQL layer can build it in a
 * scratch context and memcpy() the kv_codeset_size() bytes wherever it
 * caches sets (the copy must be 4-byte aligned, as palloc's results are).
 * kv_codeset_match() then costs, for each prefix length m <= length of the
 * code that occurs in the set, one binary search over the set's distinct
 * range ends of length m and a walk up a segment tree holding the entries'
 * validity intervals: independent of the number of entries but for
 * logarithms.
 */
#ifndef KV_CODES_H
#define KV_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest normalised code (and set entry), and a buffer that holds one. */
#define KV_CODE_MAXLEN 16
#define KV_CODE_BUFSIZE (KV_CODE_MAXLEN + 1)

typedef enum kv_code_status
{
	KV_CODE_OK = 0,
	KV_CODE_EMPTY,				/* nothing left after dropping spaces and dots */
	KV_CODE_BAD_CHAR,			/* a byte other than A-Z a-z 0-9 . and space */
	KV_CODE_NOT_LETTER,			/* does not start with a letter */
	KV_CODE_TOO_LONG,			/* longer than KV_CODE_MAXLEN when normalised */
	KV_CODE_BUFFER_TOO_SMALL,	/* output buffer cannot hold the result */
	KV_CODE_RANGE_LENGTH,		/* range ends of different length */
	KV_CODE_RANGE_ORDER,		/* range with low > high */
	KV_CODE_BAD_VALIDITY,		/* valid_from > valid_to */
	KV_CODE_TOO_MANY,			/* n < 0, or a set too large to compile */
	KV_CODE_NO_MEMORY			/* the allocator returned NULL */
} kv_code_status;

/*
 * A short lower-case English description of a status, without the code
 * itself, for use as an error message, e.g. "diagnosis code is empty".
 */
extern const char *kv_code_status_message(kv_code_status status);

/*
 * Normalises the len bytes at in (no NUL terminator needed; in may be NULL
 * when len is 0) into out, which receives the code and a terminating NUL.
 * outsize is the size of out; KV_CODE_BUFSIZE always suffices.  *outlen (if
 * outlen is not NULL) receives the length without the NUL.  On any status
 * other than KV_CODE_OK, out and *outlen are unspecified.
 */
extern kv_code_status kv_normalize_code(const char *in, size_t len,
										char *out, size_t outsize,
										size_t *outlen);

/*
 * Is a normalised code a diagnosis a contact can carry: 'D', a letter, two
 * digits, then letters or digits ("DJ441", "DE86", "DZ763A")?  What
 * kv_normalize_code keeps but is not a diagnosis (an ICD-9 number never gets
 * here; free text such as "PNEUMONIA", procedures such as "KJFA20", set
 * prefixes such as "DC") counts as an unknown diagnosis in the stay rules
 * (docs/indicators.md section 1).
 */
extern bool kv_is_diagnosis_code(const char *code, size_t len);

/*
 * Is a raw diagnosis text, as a contact brings it, a diagnosis code: does it
 * normalise, and is its normal form one (kv_is_diagnosis_code)?  The one
 * rule the stays engine and kvalitet.is_diagnosis_code share.
 */
extern bool kv_diagnosis_text_is_code(const char *raw, size_t len);

/*
 * One code set entry.  low / low_len is the prefix or the range's low end,
 * high / high_len the range's high end, or high == NULL for a prefix entry.
 * The strings need no NUL terminator.  Entries must already be in normal
 * form (see kv_normalize_entry).
 */
typedef struct kv_code_entry
{
	const char *low;
	size_t		low_len;
	const char *high;
	size_t		high_len;
	int32_t		valid_from;
	int32_t		valid_to;
} kv_code_entry;

/*
 * Checks one entry: each end non-empty (KV_CODE_EMPTY), at most
 * KV_CODE_MAXLEN bytes (KV_CODE_TOO_LONG), only A-Z and 0-9
 * (KV_CODE_BAD_CHAR), starting with a letter (KV_CODE_NOT_LETTER); both ends
 * of equal length (KV_CODE_RANGE_LENGTH), low <= high (KV_CODE_RANGE_ORDER);
 * valid_from <= valid_to (KV_CODE_BAD_VALIDITY).
 */
extern kv_code_status kv_code_entry_check(const kv_code_entry *entry);

/*
 * Parses an entry written as text, "DJ44" or "DD00-DD09" (one '-' between
 * the ends), normalising each end with kv_normalize_code ("j12-j18" gives
 * DJ12 and DJ18), into low and high, each of size KV_CODE_BUFSIZE and NUL-
 * terminated.  *is_range tells whether there was a high end; for a prefix
 * high is set to the empty string.  The ends are checked as by
 * kv_code_entry_check (a second '-' is KV_CODE_BAD_CHAR).
 */
extern kv_code_status kv_normalize_entry(const char *in, size_t len,
										 char *low, size_t *low_len,
										 char *high, size_t *high_len,
										 bool *is_range);

/* A compiled code set (opaque). */
typedef struct kv_codeset kv_codeset;

/*
 * Allocator for kv_codeset_build: returns size bytes aligned for any type,
 * or NULL (a PostgreSQL allocator may instead throw).  kvalitet never frees
 * what it returns; the caller owns it all (e.g. a memory context).
 */
typedef void *(*kv_alloc_fn) (void *ctx, size_t size);

/*
 * Compiles n entries (entries may be NULL when n is 0) into *set_out.  All
 * memory, the result and some scratch space (about 100 bytes per entry), is
 * taken from alloc(ctx, size) and never freed here.  Every entry is checked
 * with kv_code_entry_check first; on a failure its status is returned and
 * its index stored in *bad_entry (if bad_entry is not NULL), and *set_out is
 * left alone.  Other failures: KV_CODE_TOO_MANY (n < 0, entries NULL with
 * n > 0, more than 2^26 entries, or a compiled block over 4 GB) and
 * KV_CODE_NO_MEMORY (alloc returned NULL).  Duplicate and overlapping
 * entries are allowed.  The compiled block takes about 50 bytes per entry
 * for 100,000 entries, more when many wide ranges with different validities
 * overlap (each range may add a day interval to O(log n) tree nodes).
 */
extern kv_code_status kv_codeset_build(const kv_code_entry *entries, int n,
									   kv_alloc_fn alloc, void *ctx,
									   kv_codeset **set_out, int *bad_entry);

/*
 * Does the code (len bytes, normally a normalised code) match an entry of
 * the set that is valid on on_date?  A NULL set matches nothing.
 */
extern bool kv_codeset_match(const kv_codeset *set, const char *code,
							 size_t len, int32_t on_date);

/* Size in bytes of the compiled set's block, for copying it with memcpy. */
extern size_t kv_codeset_size(const kv_codeset *set);

/* Number of entries the set was compiled from. */
extern int	kv_codeset_entry_count(const kv_codeset *set);

#endif							/* KV_CODES_H */
