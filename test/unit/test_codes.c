/*
 * test_codes.c - unit tests for src/core/codes.c: diagnosis code
 * normalisation, set entry checks, and the compiled code set matcher.
 *
 * Expected values are written by hand from docs/indicators.md section 2 and the rules
 * documented in codes.h; the matcher is also compared with a naive loop
 * over the entries on random sets, and timed on a large set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codes.h"
#include "unit.h"

/* Days since 2000-01-01 (hand-computed: 20 years, 5 leap days). */
#define DAY_2019_12_31 7304
#define DAY_2020_01_01 7305

/*
 * A test allocator: malloc()s and remembers every block so the test can
 * free them all (kvalitet itself never frees).  fail_at >= 0 makes the
 * call with that number return NULL.
 */
typedef struct arena
{
	void	  **blocks;
	int			n;
	int			cap;
	int			calls;
	int			fail_at;
} arena;

static void *
arena_alloc(void *ctx, size_t size)
{
	arena	   *a = ctx;
	void	   *p;

	if (a->calls++ == a->fail_at)
		return NULL;
	if (a->n == a->cap)
	{
		a->cap = a->cap ? 2 * a->cap : 16;
		a->blocks = realloc(a->blocks, (size_t) a->cap * sizeof(void *));
		if (a->blocks == NULL)
			abort();
	}
	p = malloc(size > 0 ? size : 1);
	if (p == NULL)
		abort();
	a->blocks[a->n++] = p;
	return p;
}

static void
arena_init(arena *a)
{
	memset(a, 0, sizeof(*a));
	a->fail_at = -1;
}

static void
arena_free(arena *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->blocks[i]);
	free(a->blocks);
	arena_init(a);
}

/* splitmix64: a small seeded PRNG so random tests repeat exactly. */
static uint64_t rng_state = 20240601;

static uint64_t
rng_next(void)
{
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int
rng_below(int n)
{
	return (int) (rng_next() % (uint64_t) n);
}

/* Normalises a NUL-terminated string; returns the status, code in out. */
static kv_code_status
norm(const char *in, char *out)
{
	size_t		len = 0;

	out[0] = '\0';
	return kv_normalize_code(in, strlen(in), out, KV_CODE_BUFSIZE, &len);
}

/* Checks that in normalises to want. */
static void
norm_is(const char *in, const char *want)
{
	char		out[KV_CODE_BUFSIZE];
	char		name[128];
	kv_code_status st = norm(in, out);

	snprintf(name, sizeof(name), "normalize \"%s\" -> %s", in, want);
	if (st != KV_CODE_OK)
	{
		IS_INT(st, KV_CODE_OK, name);
		return;
	}
	IS_STR(out, want, name);
}

/* Checks that in (len bytes) is rejected with status want. */
static void
norm_fails(const char *in, size_t len, kv_code_status want, const char *name)
{
	char		out[KV_CODE_BUFSIZE];
	size_t		outlen;

	IS_INT(kv_normalize_code(in, len, out, sizeof(out), &outlen), want, name);
}

static void
test_normalize(void)
{
	char		out[KV_CODE_BUFSIZE];
	char		big[64];
	size_t		outlen = 0;

	/* the examples of docs/indicators.md section 2 */
	norm_is("j44.9", "DJ449");
	norm_is("J449", "DJ449");
	norm_is("DJ44.9", "DJ449");
	norm_is(" dj449 ", "DJ449");
	norm_is("E86", "DE86");
	norm_is("DE86", "DE86");
	norm_is("dz76.3", "DZ763");
	/* WHO anaemia D50 is a letter and two digits; SKS DD50 already has D */
	norm_is("D50", "DD50");
	norm_is("d50.1", "DD501");
	norm_is("DD50", "DD50");
	norm_is("DD501", "DD501");
	/* inner spaces and dots anywhere, mixed case */
	norm_is("j 4 4 . 9", "DJ449");
	norm_is("  Dj.44.9  ", "DJ449");
	norm_is(".J44", "DJ44");
	norm_is("J44A", "DJ44A");
	/* SKS codes that are not WHO-shaped stay as they are */
	norm_is("KJFA20", "KJFA20");
	norm_is("zz0149", "ZZ0149");
	norm_is("BWHA1", "BWHA1");
	norm_is("ALCA00", "ALCA00");
	norm_is("ata1", "ATA1");
	norm_is("DZ763", "DZ763");
	/* short set prefixes */
	norm_is("dx", "DX");
	norm_is("DC", "DC");
	norm_is("DD0", "DD0");
	norm_is("J4", "J4");
	norm_is("J", "J");

	/* length limit: 16 after normalisation, counting the added D */
	norm_is("ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOP");
	norm_fails("ABCDEFGHIJKLMNOPQ", 17, KV_CODE_TOO_LONG, "17 letters is too long");
	norm_is("J12345678901234", "DJ12345678901234");
	norm_fails("J123456789012345", 16, KV_CODE_TOO_LONG,
			   "16 characters plus the D prefix is too long");
	norm_is(" A.B.C.D.E.F.G.H.I.J.K.L.M.N.O.P ", "ABCDEFGHIJKLMNOP");
	memset(big, 'A', sizeof(big));
	norm_fails(big, sizeof(big), KV_CODE_TOO_LONG, "64 letters is too long");
	big[63] = '\t';
	norm_fails(big, sizeof(big), KV_CODE_BAD_CHAR,
			   "a bad byte is reported even after too many letters");

	/* not a code */
	norm_fails("", 0, KV_CODE_EMPTY, "empty string is empty");
	norm_fails(NULL, 0, KV_CODE_EMPTY, "NULL with length 0 is empty");
	norm_fails("    ", 4, KV_CODE_EMPTY, "spaces only is empty");
	norm_fails(" . ", 3, KV_CODE_EMPTY, "space-dot-space is empty");
	norm_fails("449", 3, KV_CODE_NOT_LETTER, "digits only: not a letter");
	norm_fails("12.3", 4, KV_CODE_NOT_LETTER, "digits and dot: not a letter");
	norm_fails("1A", 2, KV_CODE_NOT_LETTER, "leading digit: not a letter");
	norm_fails("J44\t", 4, KV_CODE_BAD_CHAR, "tab is a bad character");
	norm_fails("\nDJ44", 5, KV_CODE_BAD_CHAR, "newline is a bad character");
	norm_fails("J4\0" "9", 4, KV_CODE_BAD_CHAR, "NUL byte is a bad character");
	norm_fails("DJ44\x7f", 5, KV_CODE_BAD_CHAR, "DEL is a bad character");
	norm_fails("DJ44-9", 6, KV_CODE_BAD_CHAR, "dash is a bad character");
	norm_fails("DJ44,9", 6, KV_CODE_BAD_CHAR, "comma is a bad character");
	norm_fails("DJ44_9", 6, KV_CODE_BAD_CHAR, "underscore is a bad character");
	norm_fails("DJ44\xc3\xa6", 6, KV_CODE_BAD_CHAR,
			   "non-ASCII (UTF-8 ae) is a bad character");
	norm_fails("\xc3\x86J44", 5, KV_CODE_BAD_CHAR,
			   "leading non-ASCII byte is a bad character");
	norm_fails("123\t", 4, KV_CODE_BAD_CHAR,
			   "a bad character wins over not starting with a letter");

	/* output buffer and length */
	IS_INT(kv_normalize_code("J449XYZ", 4, out, sizeof(out), &outlen), KV_CODE_OK,
		   "input needs no NUL terminator");
	IS_STR(out, "DJ449", "only len bytes are read");
	IS_INT(outlen, 5, "outlen is the length without NUL");
	IS_INT(kv_normalize_code("j44.9", 5, out, 6, NULL), KV_CODE_OK,
		   "6 bytes hold DJ449 and its NUL; outlen may be NULL");
	IS_STR(out, "DJ449", "result in a buffer of exactly the right size");
	IS_INT(kv_normalize_code("j44.9", 5, out, 5, &outlen),
		   KV_CODE_BUFFER_TOO_SMALL, "5 bytes cannot hold DJ449 and NUL");
	IS_INT(kv_normalize_code("j44.9", 5, NULL, 0, &outlen),
		   KV_CODE_BUFFER_TOO_SMALL, "no buffer at all");

	/* every status has its own message */
	for (int s = KV_CODE_OK; s <= KV_CODE_NO_MEMORY; s++)
		for (int t = s + 1; t <= KV_CODE_NO_MEMORY; t++)
			if (strcmp(kv_code_status_message((kv_code_status) s),
					   kv_code_status_message((kv_code_status) t)) == 0)
				OK(0, "two statuses share a message");
	IS_STR(kv_code_status_message(KV_CODE_EMPTY), "diagnosis code is empty",
		   "message for an empty code");
}

/* Builds an entry from NUL-terminated ends (high NULL for a prefix). */
static kv_code_entry
entry(const char *low, const char *high, int32_t from, int32_t to)
{
	kv_code_entry e;

	e.low = low;
	e.low_len = low != NULL ? strlen(low) : 0;
	e.high = high;
	e.high_len = high != NULL ? strlen(high) : 0;
	e.valid_from = from;
	e.valid_to = to;
	return e;
}

static void
test_entry_check(void)
{
	kv_code_entry e;
	char		low[KV_CODE_BUFSIZE],
				high[KV_CODE_BUFSIZE];
	size_t		low_len = 99,
				high_len = 99;
	bool		is_range = true;

	e = entry("DJ44", NULL, INT32_MIN, INT32_MAX);
	IS_INT(kv_code_entry_check(&e), KV_CODE_OK, "prefix entry is fine");
	e = entry("DD00", "DD09", 0, 0);
	IS_INT(kv_code_entry_check(&e), KV_CODE_OK, "range valid on one day is fine");
	e = entry("DD00", "DD00", 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_OK, "range with low = high is fine");
	e = entry("", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_EMPTY, "empty prefix");
	e = entry(NULL, NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_EMPTY, "NULL prefix");
	e = entry("DD00", "", 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_EMPTY, "empty high end");
	e = entry("DD00", "DD099", 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_RANGE_LENGTH, "ends of different length");
	e = entry("DD09", "DD00", 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_RANGE_ORDER, "low > high");
	e = entry("dj44", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_BAD_CHAR, "lower case is not normalised");
	e = entry("DJ44.9", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_BAD_CHAR, "a dot is not normalised");
	e = entry("DD00", "DD0-", 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_BAD_CHAR, "bad character in high end");
	e = entry("1J44", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_NOT_LETTER, "leading digit");
	e = entry("ABCDEFGHIJKLMNOPQ", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_TOO_LONG, "17 characters");
	e = entry("ABCDEFGHIJKLMNOP", NULL, 0, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_OK, "16 characters");
	e = entry("DJ44", NULL, 11, 10);
	IS_INT(kv_code_entry_check(&e), KV_CODE_BAD_VALIDITY, "valid_from after valid_to");
	e = entry("DJ44", NULL, INT32_MAX, INT32_MIN);
	IS_INT(kv_code_entry_check(&e), KV_CODE_BAD_VALIDITY, "open ends swapped");

	IS_INT(kv_normalize_entry("dd00-dd09", 9, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_OK, "entry text dd00-dd09");
	IS_STR(low, "DD00", "range low end normalised");
	IS_STR(high, "DD09", "range high end normalised");
	OK(is_range, "dd00-dd09 is a range");
	IS_INT(low_len, 4, "low end length");
	IS_INT(high_len, 4, "high end length");
	IS_INT(kv_normalize_entry(" j12 - j18.", 11, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_OK, "entry text ' j12 - j18.'");
	IS_STR(low, "DJ12", "WHO low end gets D");
	IS_STR(high, "DJ18", "WHO high end gets D");
	IS_INT(kv_normalize_entry("D00-D09", 7, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_OK, "entry text D00-D09");
	IS_STR(low, "DD00", "WHO D00 becomes DD00");
	IS_INT(kv_normalize_entry("dj44", 4, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_OK, "entry text dj44");
	IS_STR(low, "DJ44", "prefix normalised");
	OK(!is_range, "dj44 is a prefix");
	IS_STR(high, "", "prefix leaves high empty");
	IS_INT(high_len, 0, "prefix has high length 0");
	IS_INT(kv_normalize_entry("DD09-DD00", 9, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_RANGE_ORDER, "entry text DD09-DD00");
	IS_INT(kv_normalize_entry("DD0-DD09", 8, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_RANGE_LENGTH, "entry text DD0-DD09");
	IS_INT(kv_normalize_entry("DD00-DD05-DD09", 14, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_BAD_CHAR, "two dashes");
	IS_INT(kv_normalize_entry("-DD09", 5, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_EMPTY, "missing low end");
	IS_INT(kv_normalize_entry("DD00-", 5, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_EMPTY, "missing high end");
	IS_INT(kv_normalize_entry("DD00-D\tD09", 10, low, &low_len, high, &high_len,
							  &is_range), KV_CODE_BAD_CHAR, "tab in high end");
}

/*
 * Compiles entries written as text ("DD00-DD09"), all valid for all time,
 * through kv_normalize_entry.
 */
static kv_codeset *
build_text_set(arena *a, const char *const *texts, int n)
{
	char		(*lows)[KV_CODE_BUFSIZE] = malloc((size_t) n * KV_CODE_BUFSIZE);
	char		(*highs)[KV_CODE_BUFSIZE] = malloc((size_t) n * KV_CODE_BUFSIZE);
	kv_code_entry *e = malloc((size_t) n * sizeof(kv_code_entry));
	kv_codeset *set = NULL;
	int			bad = -1;

	for (int i = 0; i < n; i++)
	{
		bool		is_range;
		kv_code_status st;

		st = kv_normalize_entry(texts[i], strlen(texts[i]), lows[i], &e[i].low_len,
								highs[i], &e[i].high_len, &is_range);
		if (st != KV_CODE_OK)
		{
			printf("# entry \"%s\" rejected\n", texts[i]);
			OK(0, "default set entry parses");
		}
		e[i].low = lows[i];
		e[i].high = is_range ? highs[i] : NULL;
		e[i].valid_from = INT32_MIN;
		e[i].valid_to = INT32_MAX;
	}
	IS_INT(kv_codeset_build(e, n, arena_alloc, a, &set, &bad), KV_CODE_OK,
		   "default set compiles");
	free(lows);
	free(highs);
	free(e);
	return set;
}

/* Checks the matches of a list of codes against a set, on day 0. */
static void
match_list(const kv_codeset *set, const char *setname,
		   const char *const *codes, int n, bool want)
{
	for (int i = 0; i < n; i++)
	{
		char		name[160];

		snprintf(name, sizeof(name), "%s %s %s", setname,
				 want ? "contains" : "does not contain", codes[i]);
		OK(kv_codeset_match(set, codes[i], strlen(codes[i]), 0) == want, name);
	}
}

#define NELEM(a) ((int) (sizeof(a) / sizeof((a)[0])))

/*
 * The dk-default-1 sets of docs/indicators.md section 2 with hand-chosen codes inside and
 * just outside each entry.  "DD0 (DD00-DD09)" in readmission_index_exclusion
 * is taken as the range DD00-DD09 and "DO4 (DO40-DO48)" as DO40-DO48; the
 * bare "DD0" in readmission_exclusion as the prefix DD0.
 */
static void
test_default_sets(void)
{
	arena		a;

	static const char *const index_excl[] = {"DC", "DD00-DD09", "DO40-DO48", "DZ763", "DF"};
	static const char *const index_in[] = {
		"DC", "DC0", "DC509", "DC999", "DD00", "DD09", "DD099", "DD05",
		"DO40", "DO48", "DO489", "DO441", "DZ763", "DZ7631", "DF", "DF32", "DF99"
	};
	static const char *const index_out[] = {
		"D", "DB99", "DD", "DD1", "DD10", "DD0", "DO39", "DO49", "DO4", "DO5",
		"DZ762", "DZ764", "DZ76", "DE86", "DG", "DE", "DJ449", "DX"
	};

	static const char *const readm_excl[] = {"DC", "DD0", "DO80", "DO81", "DO82", "DO84", "DF", "DZ763"};
	static const char *const readm_in[] = {
		"DC1", "DD0", "DD01", "DD09", "DD099", "DO80", "DO809", "DO81", "DO82",
		"DO84", "DO849", "DF", "DF1", "DZ763"
	};
	static const char *const readm_out[] = {
		"DD", "DD1", "DD10", "DO83", "DO85", "DO79", "DO8", "DZ76", "DZ762",
		"DE", "DB", "DG"
	};

	static const char *const injury[] = {
		"DS", "DT1", "DT2", "DT30-DT35", "DT51-DT59", "DT6", "DT7", "DT9", "DX", "DY"
	};
	static const char *const injury_in[] = {
		"DS", "DS00", "DS999", "DT1", "DT10", "DT299", "DT30", "DT309", "DT35",
		"DT359", "DT51", "DT55", "DT59", "DT599", "DT6", "DT60", "DT79",
		"DT98", "DX", "DX99", "DY", "DY1"
	};
	static const char *const injury_out[] = {
		"DR", "DT", "DT0", "DT00", "DT3", "DT36", "DT4", "DT40", "DT5", "DT50",
		"DT8", "DT89", "DU", "DW", "DZ", "DV"
	};

	static const char *const prev[] = {
		"DE86", "DK590", "DJ12-DJ18", "DJ20-DJ22", "DN30", "DN390", "DA09",
		"DK52", "DD50-DD53", "DL89", "DZ74", "DZ75", "DS02", "DS12", "DS22",
		"DS32", "DS42", "DS52", "DS62", "DS72", "DS82", "DS92", "DT02",
		"DT08", "DT10", "DT12"
	};
	static const char *const prev_in[] = {
		"DE86", "DE869", "DK590", "DK5900", "DJ12", "DJ15", "DJ18", "DJ189",
		"DJ20", "DJ21", "DJ22", "DJ229", "DN30", "DN309", "DN390", "DA09",
		"DA099", "DK52", "DK529", "DD50", "DD51", "DD53", "DD539", "DL89",
		"DL899", "DZ74", "DZ749", "DZ75", "DS02", "DS029", "DS12", "DS22",
		"DS32", "DS42", "DS52", "DS62", "DS72", "DS82", "DS92", "DS929",
		"DT02", "DT08", "DT10", "DT12"
	};
	static const char *const prev_out[] = {
		"DE85", "DE87", "DE8", "DK59", "DK591", "DK589", "DJ11", "DJ119",
		"DJ19", "DJ23", "DJ1", "DN31", "DN29", "DN39", "DN391", "DN389",
		"DA08", "DA10", "DK51", "DK53", "DD49", "DD54", "DD5", "DL88",
		"DL90", "DZ73", "DZ76", "DS01", "DS03", "DS13", "DS93", "DT01",
		"DT03", "DT07", "DT09", "DT11", "DT13", "DS", "DT"
	};

	static const char *const copd[] = {"DJ44"};
	static const char *const copd_in[] = {"DJ44", "DJ441", "DJ449"};
	static const char *const copd_out[] = {"DJ43", "DJ45", "DJ4", "DJ", "DJ439"};

	static const char *const t2d[] = {"DE11"};
	static const char *const t2d_in[] = {"DE11", "DE119", "DE112"};
	static const char *const t2d_out[] = {"DE10", "DE12", "DE1", "DE109"};

	static const char *const newborn[] = {"DE86", "DP59", "DP92", "DR628"};
	static const char *const newborn_in[] = {"DE86", "DP59", "DP599", "DP92", "DP929", "DR628", "DR6289"};
	static const char *const newborn_out[] = {"DE85", "DP58", "DP60", "DP91", "DP93", "DR62", "DR627", "DR629"};

	static const char *const psych[] = {"DF"};
	static const char *const psych_in[] = {"DF", "DF0", "DF20", "DF99"};
	static const char *const psych_out[] = {"DE", "DG", "D", "DE99"};

	kv_codeset *set;

	arena_init(&a);

	set = build_text_set(&a, index_excl, NELEM(index_excl));
	match_list(set, "readmission_index_exclusion", index_in, NELEM(index_in), true);
	match_list(set, "readmission_index_exclusion", index_out, NELEM(index_out), false);

	set = build_text_set(&a, readm_excl, NELEM(readm_excl));
	match_list(set, "readmission_exclusion", readm_in, NELEM(readm_in), true);
	match_list(set, "readmission_exclusion", readm_out, NELEM(readm_out), false);

	set = build_text_set(&a, injury, NELEM(injury));
	match_list(set, "readmission_injury_exclusion", injury_in, NELEM(injury_in), true);
	match_list(set, "readmission_injury_exclusion", injury_out, NELEM(injury_out), false);

	set = build_text_set(&a, prev, NELEM(prev));
	match_list(set, "preventable_elderly", prev_in, NELEM(prev_in), true);
	match_list(set, "preventable_elderly", prev_out, NELEM(prev_out), false);

	set = build_text_set(&a, copd, NELEM(copd));
	match_list(set, "copd", copd_in, NELEM(copd_in), true);
	match_list(set, "copd", copd_out, NELEM(copd_out), false);

	set = build_text_set(&a, t2d, NELEM(t2d));
	match_list(set, "type2_diabetes", t2d_in, NELEM(t2d_in), true);
	match_list(set, "type2_diabetes", t2d_out, NELEM(t2d_out), false);

	set = build_text_set(&a, newborn, NELEM(newborn));
	match_list(set, "newborn_selected_causes", newborn_in, NELEM(newborn_in), true);
	match_list(set, "newborn_selected_causes", newborn_out, NELEM(newborn_out), false);

	set = build_text_set(&a, psych, NELEM(psych));
	match_list(set, "psychiatric", psych_in, NELEM(psych_in), true);
	match_list(set, "psychiatric", psych_out, NELEM(psych_out), false);

	arena_free(&a);
}

/* Compiles entries, failing the test (and returning NULL) on an error. */
static kv_codeset *
build(arena *a, const kv_code_entry *e, int n)
{
	kv_codeset *set = NULL;
	int			bad = -1;
	kv_code_status st = kv_codeset_build(e, n, arena_alloc, a, &set, &bad);

	if (st != KV_CODE_OK)
	{
		IS_INT(st, KV_CODE_OK, "set compiles");
		return NULL;
	}
	return set;
}

static bool
match(const kv_codeset *set, const char *code, int32_t day)
{
	return kv_codeset_match(set, code, strlen(code), day);
}

/* The range and prefix rules, one small set at a time. */
static void
test_ranges(void)
{
	arena		a;
	kv_codeset *set;
	kv_code_entry e[3];

	arena_init(&a);

	e[0] = entry("DD00", "DD09", INT32_MIN, INT32_MAX);
	set = build(&a, e, 1);
	OK(match(set, "DD00", 0), "DD00-DD09 contains DD00");
	OK(match(set, "DD09", 0), "DD00-DD09 contains DD09");
	OK(match(set, "DD099", 0), "DD00-DD09 contains DD099");
	OK(match(set, "DD05XYZ", 0), "DD00-DD09 contains DD05XYZ");
	OK(!match(set, "DD10", 0), "DD00-DD09 does not contain DD10");
	OK(!match(set, "DD0", 0), "DD00-DD09 does not contain DD0 (too short)");
	OK(!match(set, "DC99", 0), "DD00-DD09 does not contain DC99");
	OK(!match(set, "DD0A", 0), "DD00-DD09 does not contain DD0A ('A' > '9')");
	OK(!match(set, "", 0), "no set contains the empty code");
	OK(kv_codeset_match(set, "DD05", 3, 0) == false,
	   "only len bytes of the code are looked at");

	e[0] = entry("DT30", "DT35", INT32_MIN, INT32_MAX);
	set = build(&a, e, 1);
	OK(match(set, "DT35", 0), "DT30-DT35 contains DT35");
	OK(match(set, "DT30", 0), "DT30-DT35 contains DT30");
	OK(match(set, "DT32", 0), "DT30-DT35 contains DT32");
	OK(!match(set, "DT36", 0), "DT30-DT35 does not contain DT36");
	OK(!match(set, "DT29", 0), "DT30-DT35 does not contain DT29");
	OK(!match(set, "DT3", 0), "DT30-DT35 does not contain DT3");

	e[0] = entry("DC", NULL, INT32_MIN, INT32_MAX);
	set = build(&a, e, 1);
	OK(match(set, "DC509", 0), "prefix DC contains DC509");
	OK(match(set, "DC", 0), "prefix DC contains DC itself");
	OK(!match(set, "DD", 0), "prefix DC does not contain DD");
	OK(!match(set, "D", 0), "prefix DC does not contain D");
	OK(!match(set, "DB999", 0), "prefix DC does not contain DB999");

	/* a range spanning letters, and entries of several lengths together */
	e[0] = entry("DA", "DC", INT32_MIN, INT32_MAX);
	e[1] = entry("DZ763", NULL, INT32_MIN, INT32_MAX);
	e[2] = entry("DX1", "DX3", INT32_MIN, INT32_MAX);
	set = build(&a, e, 3);
	OK(match(set, "DB00", 0), "DA-DC contains DB00");
	OK(match(set, "DC", 0), "DA-DC contains DC");
	OK(!match(set, "DD", 0), "DA-DC does not contain DD");
	OK(match(set, "DZ7639", 0), "DZ763 found beside shorter entries");
	OK(!match(set, "DZ76", 0), "DZ76 too short for DZ763");
	OK(match(set, "DX25", 0), "DX1-DX3 contains DX25");
	OK(!match(set, "DX4", 0), "DX1-DX3 does not contain DX4");
	OK(!match(set, "DX0", 0), "DX1-DX3 does not contain DX0");

	/* a NULL set and an empty set match nothing */
	OK(!match(NULL, "DC", 0), "NULL set matches nothing");
	set = build(&a, NULL, 0);
	OK(set != NULL && !match(set, "DC", 0), "empty set matches nothing");
	IS_INT(kv_codeset_entry_count(set), 0, "empty set has no entries");

	arena_free(&a);
}

/* Validity intervals, overlaps and duplicates. */
static void
test_dates(void)
{
	arena		a;
	kv_codeset *set;
	kv_code_entry e[8];

	arena_init(&a);

	/* a definition change at the turn of 2020 */
	e[0] = entry("DJ44", NULL, INT32_MIN, DAY_2019_12_31);
	e[1] = entry("DJ45", NULL, DAY_2020_01_01, INT32_MAX);
	set = build(&a, e, 2);
	OK(match(set, "DJ449", DAY_2019_12_31), "DJ44 valid on 2019-12-31");
	OK(!match(set, "DJ449", DAY_2020_01_01), "DJ44 to 2019-12-31 not valid on 2020-01-01");
	OK(match(set, "DJ449", INT32_MIN), "DJ44 valid on the earliest day");
	OK(!match(set, "DJ459", DAY_2019_12_31), "DJ45 from 2020 not valid on 2019-12-31");
	OK(match(set, "DJ459", DAY_2020_01_01), "DJ45 valid on 2020-01-01");
	OK(match(set, "DJ459", INT32_MAX), "DJ45 valid on the last day");

	/* overlapping ranges and a prefix over them, with different dates */
	e[0] = entry("DJ12", "DJ18", 0, 100);
	e[1] = entry("DJ15", "DJ20", 50, 200);
	e[2] = entry("DJ1", NULL, 300, 400);
	e[3] = entry("DJ16", NULL, 1000, 1000);
	set = build(&a, e, 4);
	OK(match(set, "DJ12", 0), "DJ12 on day 0 (first range)");
	OK(!match(set, "DJ12", 101), "DJ12 on day 101: first range over");
	OK(!match(set, "DJ12", 200), "DJ12 on day 200: second range does not cover DJ12");
	OK(match(set, "DJ16", 150), "DJ16 on day 150 via the second range");
	OK(match(set, "DJ16", 75), "DJ16 on day 75 via both ranges");
	OK(match(set, "DJ16", -0), "DJ16 on day 0 via the first range");
	OK(!match(set, "DJ16", -1), "DJ16 on day -1: nothing yet");
	OK(!match(set, "DJ16", 250), "DJ16 on day 250: between validities");
	OK(match(set, "DJ16", 350), "DJ16 on day 350 via the prefix DJ1");
	OK(match(set, "DJ169", 1000), "DJ169 on day 1000 via the one-day entry");
	OK(!match(set, "DJ169", 999), "DJ169 on day 999: nothing");
	OK(!match(set, "DJ169", 1001), "DJ169 on day 1001: nothing");
	OK(match(set, "DJ20", 200), "DJ20 on day 200, last day of the second range");
	OK(!match(set, "DJ20", 201), "DJ20 on day 201");
	OK(!match(set, "DJ21", 150), "DJ21 outside both ranges");
	OK(match(set, "DJ10", 300), "DJ10 on day 300 via the prefix");
	OK(!match(set, "DJ10", 50), "DJ10 on day 50: ranges start at DJ12");
	OK(!match(set, "DJ2", 300), "DJ2 does not start with DJ1");

	/* touching intervals merge, a one-day gap stays a gap */
	e[0] = entry("DK52", NULL, 0, 10);
	e[1] = entry("DK52", NULL, 11, 20);
	e[2] = entry("DK53", NULL, 0, 10);
	e[3] = entry("DK53", NULL, 12, 20);
	e[4] = entry("DK53", NULL, 5, 6);
	set = build(&a, e, 5);
	OK(match(set, "DK52", 10) && match(set, "DK52", 11) && match(set, "DK52", 20),
	   "touching validity intervals cover days 10, 11 and 20");
	OK(!match(set, "DK52", 21) && !match(set, "DK52", -1), "and nothing outside");
	OK(match(set, "DK53", 10) && !match(set, "DK53", 11) && match(set, "DK53", 12),
	   "a one-day gap between intervals stays");
	IS_INT(kv_codeset_entry_count(set), 5, "entry count kept");

	/* duplicates, and days at the ends of the int32 range */
	e[0] = entry("DE86", NULL, INT32_MAX, INT32_MAX);
	e[1] = entry("DE86", NULL, INT32_MAX, INT32_MAX);
	e[2] = entry("DE87", NULL, INT32_MIN, INT32_MIN);
	e[3] = entry("DE88", NULL, INT32_MIN, INT32_MAX);
	e[4] = entry("DE88", NULL, INT32_MIN, INT32_MAX);
	set = build(&a, e, 5);
	OK(match(set, "DE86", INT32_MAX) && !match(set, "DE86", INT32_MAX - 1),
	   "entry valid only on the last day");
	OK(match(set, "DE87", INT32_MIN) && !match(set, "DE87", INT32_MIN + 1),
	   "entry valid only on the first day");
	OK(match(set, "DE88", 0) && match(set, "DE88", INT32_MIN) && match(set, "DE88", INT32_MAX),
	   "duplicate open entries");

	arena_free(&a);
}

/* Build errors, allocation failures and copying the compiled block. */
static void
test_build(void)
{
	arena		a,
				b;
	kv_codeset *set = NULL;
	kv_code_entry e[4];
	int			bad = -1;
	static const char *const probe[] = {
		"DJ449", "DJ12", "DJ19", "DJ1", "DD05", "DD10", "DE86", "DA", "DC999"
	};
	bool		before[9];
	char	   *copy;
	size_t		size;

	arena_init(&a);

	e[0] = entry("DJ44", NULL, 0, 10);
	e[1] = entry("DJ12", "DJ18", 0, 10);
	e[2] = entry("DD09", "DD00", 0, 10);
	e[3] = entry("DC", NULL, 0, 10);
	IS_INT(kv_codeset_build(e, 4, arena_alloc, &a, &set, &bad), KV_CODE_RANGE_ORDER,
		   "a bad entry stops the build");
	IS_INT(bad, 2, "its index is reported");
	OK(set == NULL, "and no set is returned");
	e[2] = entry("DD00", "DD09", 20, 10);
	IS_INT(kv_codeset_build(e, 4, arena_alloc, &a, &set, NULL), KV_CODE_BAD_VALIDITY,
		   "bad validity, bad_entry may be NULL");
	IS_INT(kv_codeset_build(e, -1, arena_alloc, &a, &set, &bad), KV_CODE_TOO_MANY,
		   "negative count");
	IS_INT(kv_codeset_build(NULL, 3, arena_alloc, &a, &set, &bad), KV_CODE_TOO_MANY,
		   "entries NULL with a positive count");
	e[2] = entry("DD00", "DD09", INT32_MIN, INT32_MAX);
	for (int k = 0; k < 4; k++)
	{
		char		name[64];

		arena_free(&a);
		a.fail_at = k;
		snprintf(name, sizeof(name), "allocation %d failing is reported", k);
		IS_INT(kv_codeset_build(e, 4, arena_alloc, &a, &set, &bad), KV_CODE_NO_MEMORY, name);
	}
	arena_free(&a);
	a.fail_at = 4;
	IS_INT(kv_codeset_build(e, 4, arena_alloc, &a, &set, &bad), KV_CODE_OK,
		   "a build takes four allocations");
	OK(set != NULL, "a set is returned");

	/* the block is position-independent */
	for (int i = 0; i < 9; i++)
		before[i] = match(set, probe[i], 5);
	OK(before[0] && before[1] && !before[2] && !before[3] && before[4] &&
	   !before[5] && !before[6] && !before[7] && before[8],
	   "probes before copying");
	size = kv_codeset_size(set);
	OK(size > 0 && size < 4096, "size of a four-entry set is small");
	arena_init(&b);
	copy = arena_alloc(&b, size);
	memcpy(copy, set, size);
	memset(set, 0xAA, size);
	arena_free(&a);
	for (int i = 0; i < 9; i++)
	{
		char		name[64];

		snprintf(name, sizeof(name), "copied set answers %s as before", probe[i]);
		OK(match((kv_codeset *) copy, probe[i], 5) == before[i], name);
	}
	IS_INT(kv_codeset_entry_count((kv_codeset *) copy), 4, "copied entry count");
	arena_free(&b);
}

/* The obvious matcher: every entry, one by one. */
static bool
naive_match(const kv_code_entry *e, int n, const char *code, size_t len, int32_t day)
{
	for (int i = 0; i < n; i++)
	{
		size_t		m = e[i].low_len;
		const char *high = e[i].high != NULL ? e[i].high : e[i].low;

		if (len < m || day < e[i].valid_from || day > e[i].valid_to)
			continue;
		if (memcmp(code, e[i].low, m) >= 0 && memcmp(code, high, m) <= 0)
			return true;
	}
	return false;
}

/* A random string of len characters from a small alphabet (many clashes). */
static void
random_code(char *buf, size_t len, const char *alphabet)
{
	size_t		k = strlen(alphabet);

	buf[0] = alphabet[rng_below(3)];	/* "DAB..." start with a letter */
	for (size_t i = 1; i < len; i++)
		buf[i] = alphabet[rng_below((int) k)];
	buf[len] = '\0';
}

/* A random day: mostly small, sometimes an extreme. */
static int32_t
random_day(void)
{
	switch (rng_below(20))
	{
		case 0:
			return INT32_MIN;
		case 1:
			return INT32_MAX;
		default:
			return rng_below(60) - 10;
	}
}

/*
 * 1,000 random sets of 0 to 300 entries (prefixes and ranges of lengths 1
 * to 4 over "DAB019", random validities) against 100 random codes each.
 */
static void
test_random(void)
{
	static const char alphabet[] = "DAB019";
	enum
	{
		NSETS = 1000, CODES_PER_SET = 100, MAXN = 300
	};
	char		(*lows)[8] = malloc(MAXN * 8);
	char		(*highs)[8] = malloc(MAXN * 8);
	kv_code_entry *e = malloc(MAXN * sizeof(kv_code_entry));
	long		checked = 0,
				disagree = 0,
				hits = 0;

	for (int s = 0; s < NSETS; s++)
	{
		arena		a;
		kv_codeset *set;
		int			n = (s % 10 == 0) ? rng_below(MAXN + 1) : rng_below(25);

		for (int i = 0; i < n; i++)
		{
			size_t		m = 1 + (size_t) rng_below(4);

			random_code(lows[i], m, alphabet);
			e[i].low = lows[i];
			e[i].low_len = m;
			e[i].high = NULL;
			e[i].high_len = 0;
			if (rng_below(3) == 0)
			{
				random_code(highs[i], m, alphabet);
				if (memcmp(highs[i], lows[i], m) < 0)
				{
					char		t[8];

					memcpy(t, highs[i], 8);
					memcpy(highs[i], lows[i], 8);
					memcpy(lows[i], t, 8);
				}
				e[i].high = highs[i];
				e[i].high_len = m;
			}
			if (rng_below(3) == 0)
			{
				e[i].valid_from = INT32_MIN;
				e[i].valid_to = INT32_MAX;
			}
			else
			{
				int32_t		d1 = random_day(),
							d2 = random_day();

				e[i].valid_from = d1 < d2 ? d1 : d2;
				e[i].valid_to = d1 < d2 ? d2 : d1;
			}
		}
		arena_init(&a);
		set = build(&a, e, n);
		for (int c = 0; c < CODES_PER_SET && set != NULL; c++)
		{
			char		code[8];
			size_t		len = (size_t) rng_below(7);
			int32_t		day = random_day();
			bool		want,
						got;

			random_code(code, len, alphabet);
			if (len > 0 && rng_below(10) == 0)
				code[rng_below((int) len)] = (char) ('0' + rng_below(75));
			want = naive_match(e, n, code, len, day);
			got = kv_codeset_match(set, code, len, day);
			checked++;
			hits += want;
			if (want != got)
			{
				if (disagree++ < 5)
					printf("# set %d: code \"%s\" day %d: naive %d, compiled %d\n",
						   s, code, (int) day, want, got);
			}
		}
		arena_free(&a);
	}
	printf("# %ld random lookups, %ld matches\n", checked, hits);
	IS_INT(checked, (long) NSETS * CODES_PER_SET, "all random lookups ran");
	OK(hits > checked / 10 && hits < checked - checked / 10,
	   "random lookups give a mix of matches and misses");
	IS_INT(disagree, 0, "compiled matcher agrees with the naive loop");
	free(lows);
	free(highs);
	free(e);
}

/* Makes a plausible SKS diagnosis code: D, a letter, ndigits digits. */
static size_t
plausible_code(char *buf, size_t ndigits)
{
	buf[0] = 'D';
	buf[1] = (char) ('A' + rng_below(26));
	for (size_t i = 0; i < ndigits; i++)
		buf[2 + i] = (char) ('0' + rng_below(10));
	buf[2 + ndigits] = '\0';
	return 2 + ndigits;
}

/*
 * Times lookups against a set of nentries plausible entries (most with four
 * digits, one in a hundred with two; a tenth of them ranges, a third valid
 * for one year only); returns CPU seconds and the number of matches through
 * *hits.
 */
static double
time_lookups(int nentries, long lookups, const char (*codes)[8],
			 const size_t *lens, int ncodes, long *hits)
{
	char		(*lows)[8] = malloc((size_t) nentries * 8);
	char		(*highs)[8] = malloc((size_t) nentries * 8);
	kv_code_entry *e = malloc((size_t) nentries * sizeof(kv_code_entry));
	arena		a;
	kv_codeset *set;
	clock_t		t0;
	double		secs;
	long		h = 0;

	for (int i = 0; i < nentries; i++)
	{
		size_t		m = plausible_code(lows[i], i % 100 == 1 ? 2 : 4);

		e[i].low = lows[i];
		e[i].low_len = m;
		e[i].high = NULL;
		e[i].high_len = 0;
		e[i].valid_from = INT32_MIN;
		e[i].valid_to = INT32_MAX;
		if (i % 10 == 0)
		{
			memcpy(highs[i], lows[i], 8);
			highs[i][m - 1] = (char) (lows[i][m - 1] + rng_below('9' - lows[i][m - 1] + 1));
			e[i].high = highs[i];
			e[i].high_len = m;
		}
		if (i % 3 == 0)
		{
			e[i].valid_from = 365 * rng_below(25);
			e[i].valid_to = e[i].valid_from + 364;
		}
	}
	arena_init(&a);
	set = build(&a, e, nentries);
	t0 = clock();
	for (long k = 0; k < lookups && set != NULL; k++)
	{
		int			c = (int) (k % ncodes);

		h += kv_codeset_match(set, codes[c], lens[c], (int32_t) (k % 9000));
	}
	secs = (double) (clock() - t0) / CLOCKS_PER_SEC;
	arena_free(&a);
	free(lows);
	free(highs);
	free(e);
	*hits = h;
	return secs;
}

/*
 * 1,000,000 lookups in a set of 100,000 entries: must take under a second
 * (about 0.2 s at -O2, 0.5 s at -O0 with coverage), and not much longer than
 * the same lookups in a set of 100 entries (a scan over the entries would
 * be about 1000 times slower).  Under
 * valgrind (seen in LD_PRELOAD) or with KV_UNIT_NO_TIMING set only the ratio
 * is checked, as both times grow alike.
 */
static void
test_speed(void)
{
	enum
	{
		NCODES = 65536
	};
	static char codes[NCODES][8];
	static size_t lens[NCODES];
	const char *preload = getenv("LD_PRELOAD");
	bool		timing = getenv("KV_UNIT_NO_TIMING") == NULL &&
		!(preload != NULL && strstr(preload, "vgpreload") != NULL);
	long		lookups = timing ? 1000000 : 200000;
	long		big_hits,
				small_hits;
	double		big,
				small;

	for (int i = 0; i < NCODES; i++)
		lens[i] = plausible_code(codes[i], 4 + (size_t) rng_below(2));
	small = time_lookups(100, lookups, (const char (*)[8]) codes, lens, NCODES, &small_hits);
	big = time_lookups(100000, lookups, (const char (*)[8]) codes, lens, NCODES, &big_hits);
	printf("# %ld lookups: %.3f s in a set of 100,000 entries (%ld matches), "
		   "%.3f s in a set of 100 (%ld matches)\n",
		   lookups, big, big_hits, small, small_hits);
	OK(big_hits > lookups / 20 && small_hits < big_hits,
	   "the large set matches a fair share of the codes");
	OK(big < 20.0 * (small > 0.01 ? small : 0.01),
	   "1000 times more entries cost less than 20 times the lookup time");
	if (timing)
		OK(big < 1.0, "1,000,000 lookups in a 100,000-entry set take < 1 s");
}

/* Which normal forms are diagnoses a contact can carry (docs/indicators.md section 1). */
static void
test_is_diagnosis(void)
{
	static const char *const yes[] = {"DJ441", "DE86", "DZ763", "DZ038A", "DV451", "DA00"};
	static const char *const no[] = {"PNEUMONIA", "KJFA20", "DC", "DD0", "D4280", "DJ4", "ZZ0149",
	"ATA1", "J441", "DJ44.1", "DJ44-1", "dj441", ""};
	char		name[80];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
	{
		snprintf(name, sizeof(name), "%s is a diagnosis code", yes[i]);
		OK(kv_is_diagnosis_code(yes[i], strlen(yes[i])), name);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
	{
		snprintf(name, sizeof(name), "\"%s\" is not a diagnosis code", no[i]);
		OK(!kv_is_diagnosis_code(no[i], strlen(no[i])), name);
	}
	/* what contacts bring, normalised first */
	{
		const char *raw[] = {"4280", "V45.1", "e11.9", "chest pain", " DJ44.1 ", "I21"};
		const int	want[] = {0, 1, 1, 0, 1, 1};
		char		out[KV_CODE_BUFSIZE];
		size_t		len;

		for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		{
			int			got = kv_normalize_code(raw[i], strlen(raw[i]), out, sizeof(out), &len) == KV_CODE_OK &&
				kv_is_diagnosis_code(out, len);

			snprintf(name, sizeof(name), "raw \"%s\" %s a diagnosis", raw[i], want[i] ? "is" : "is not");
			IS_INT(got, want[i], name);
			snprintf(name, sizeof(name), "kv_diagnosis_text_is_code agrees on \"%s\"", raw[i]);
			IS_INT(kv_diagnosis_text_is_code(raw[i], strlen(raw[i])), want[i], name);
		}
	}
}

int
main(void)
{
	test_normalize();
	test_is_diagnosis();
	test_entry_check();
	test_default_sets();
	test_ranges();
	test_dates();
	test_build();
	test_random();
	test_speed();
	return unit_done();
}
