/*
 * codes.c - diagnosis codes and code sets in SQL: normalize_code, code_in,
 * and the per-backend cache of compiled code sets.
 *
 * Code sets are rows of kvalitet.code_set_entry.  Each backend compiles a
 * set once (src/core/codes.c) and keeps it until the table changes: a
 * statement trigger on the table sends a relcache invalidation at commit, so
 * every session drops its compiled sets before its next use of them.
 */
#include "kvalitet.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "codes.h"

PG_FUNCTION_INFO_V1(normalize_code_sql);
PG_FUNCTION_INFO_V1(is_diagnosis_code_sql);
PG_FUNCTION_INFO_V1(code_in_sql);
PG_FUNCTION_INFO_V1(is_code_sql);
PG_FUNCTION_INFO_V1(code_entry_normalize_sql);
PG_FUNCTION_INFO_V1(code_sets_changed);

/* One cached, compiled set. */
typedef struct CodeSetCacheEntry
{
	char		name[NAMEDATALEN];	/* hash key */
	KvCodeSet	set;
} CodeSetCacheEntry;

static HTAB *code_set_cache = NULL;
static MemoryContext code_set_context = NULL;
static bool code_set_cache_valid = false;
static Oid	code_set_entry_relid = InvalidOid;

/* Relcache callback: any change to the entry table (or a full reset) drops the cache. */
static void
code_set_invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == code_set_entry_relid)
		code_set_cache_valid = false;
}

void
kv_codes_init(void)
{
	CacheRegisterRelcacheCallback(code_set_invalidate, (Datum) 0);
}

/* Turn a normalisation failure into a 22P02 error naming the problem. */
void
kv_report_bad_code(int st, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s: %s", what, kv_code_status_message(st)),
			 errhint("A diagnosis code is letters and digits, such as DJ441 or J44.1.")));
}

static void *
context_alloc(void *ctx, size_t size)
{
	return MemoryContextAlloc((MemoryContext) ctx, size);
}

/*
 * The relation to read a code set table from, qualified and quoted: the
 * table itself, or, on a Citus node where it is a reference table
 * (kvalitet.citus_distribute_code_sets) with a copy on this node, that
 * copy, its shard.  Citus refuses a query on a distributed table inside a
 * query it runs on a shard, which is where the workers compile the sets;
 * the shard is a plain table, read as any other.  Runs inside SPI.
 */
static char *
code_set_relation(const char *table)
{
	Oid			nsp = get_namespace_oid("kvalitet", false);
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	Oid			relid = get_relname_relid(table, nsp);

	if (OidIsValid(get_extension_oid("citus", true)) && OidIsValid(relid))
	{
		args[0] = ObjectIdGetDatum(relid);
		if (SPI_execute_with_args("SELECT s.shardid FROM pg_catalog.pg_dist_shard s "
								  "JOIN pg_catalog.pg_dist_partition p USING (logicalrelid) "
								  "WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1 "
								  "  AND p.partmethod OPERATOR(pg_catalog.=) 'n'",
								  1, argtypes, args, NULL, true, 0) == SPI_OK_SELECT &&
			SPI_processed == 1)
		{
			bool		isnull;
			int64		shardid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
															  SPI_tuptable->tupdesc, 1, &isnull));
			char	   *shard = psprintf("%s_" INT64_FORMAT, table, shardid);

			if (!isnull && OidIsValid(get_relname_relid(shard, nsp)))
				return quote_qualified_identifier("kvalitet", shard);
		}
	}
	return quote_qualified_identifier("kvalitet", table);
}

/* Load and compile one set from the table (through SPI). */
static void
load_code_set(const char *name, KvCodeSet *out, MemoryContext into)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {CStringGetTextDatum(name)};
	kv_code_entry *entries;
	int			n,
				bad = -1;
	kv_code_status st;
	kv_codeset *compiled = NULL;
	bool		dated = false;
	MemoryContext scratch,
				old;
	char	   *query;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");	/* cannot happen */
	query = psprintf("SELECT e.entry, e.valid_from, e.valid_to, "
					 "  EXISTS (SELECT 1 FROM %s s "
					 "          WHERE s.set_name OPERATOR(pg_catalog.=) $1) "
					 "FROM pg_catalog.generate_series(1, 1) AS one "
					 "LEFT JOIN %s e "
					 "  ON e.set_name OPERATOR(pg_catalog.=) $1",
					 code_set_relation("code_set"), code_set_relation("code_set_entry"));
	if (SPI_execute_with_args(query, 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read code set \"%s\"", name);	/* cannot happen */

	if (SPI_processed == 0 ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &(bool){false})))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("code set \"%s\" does not exist", name),
				 errhint("The code sets are listed in kvalitet.code_set.")));

	scratch = AllocSetContextCreate(CurrentMemoryContext, "kvalitet code set build",
									ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(scratch);
	entries = palloc0(sizeof(kv_code_entry) * SPI_processed);
	n = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d = SPI_getbinval(tup, desc, 1, &isnull);
		char	   *entry_text,
				   *dash;
		DateADT		from,
					to;

		if (isnull)
			continue;			/* the LEFT JOIN row of an empty set */
		entry_text = TextDatumGetCString(d);
		from = DatumGetDateADT(SPI_getbinval(tup, desc, 2, &isnull));
		to = DatumGetDateADT(SPI_getbinval(tup, desc, 3, &isnull));
		dash = strchr(entry_text, '-');
		entries[n].low = entry_text;
		entries[n].low_len = dash ? (size_t) (dash - entry_text) : strlen(entry_text);
		entries[n].high = dash ? dash + 1 : NULL;
		entries[n].high_len = dash ? strlen(dash + 1) : 0;
		entries[n].valid_from = DATE_NOT_FINITE(from) ? INT32_MIN : from;
		entries[n].valid_to = DATE_NOT_FINITE(to) ? INT32_MAX : to;
		if (entries[n].valid_from != INT32_MIN || entries[n].valid_to != INT32_MAX)
			dated = true;
		n++;
	}
	st = kv_codeset_build(entries, n, context_alloc, scratch, &compiled, &bad);
	if (st != KV_CODE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("code set \"%s\" has an invalid entry: %s", name,
						kv_code_status_message(st)),
				 errdetail("The entry is \"%s\".", bad >= 0 ? entries[bad].low : "?")));
	MemoryContextSwitchTo(old);

	out->size = kv_codeset_size(compiled);
	out->set = MemoryContextAlloc(into, out->size);
	memcpy(out->set, compiled, out->size);
	out->dated = dated;
	MemoryContextDelete(scratch);
	SPI_finish();
}

/*
 * The compiled set `name`, copied into `into`: callers keep their copy for
 * the whole query, so a cache reset during the query cannot pull it away.
 */
void
kv_get_code_set(const char *name, KvCodeSet *out, MemoryContext into)
{
	CodeSetCacheEntry *entry;
	bool		found;
	char		key[NAMEDATALEN];

	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("code set \"%s\" does not exist", name)));

	if (!code_set_cache_valid || code_set_cache == NULL)
	{
		HASHCTL		ctl;

		if (code_set_context == NULL)
			code_set_context = AllocSetContextCreate(CacheMemoryContext,
													 "kvalitet code sets",
													 ALLOCSET_SMALL_SIZES);
		else
			MemoryContextReset(code_set_context);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(CodeSetCacheEntry);
		ctl.hcxt = code_set_context;
		code_set_cache = hash_create("kvalitet code sets", 16, &ctl,
									 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		code_set_entry_relid = get_relname_relid("code_set_entry",
												 get_namespace_oid("kvalitet", false));
		code_set_cache_valid = true;
	}

	memset(key, 0, sizeof(key));
	strlcpy(key, name, NAMEDATALEN);
	entry = hash_search(code_set_cache, key, HASH_FIND, &found);
	if (!found)
	{
		KvCodeSet	loaded;

		load_code_set(name, &loaded, code_set_context);
		entry = hash_search(code_set_cache, key, HASH_ENTER, &found);
		entry->set = loaded;
	}
	out->size = entry->set.size;
	out->dated = entry->set.dated;
	out->set = MemoryContextAlloc(into, out->size);
	memcpy(out->set, entry->set.set, out->size);
}

/* kvalitet.normalize_code(text): the SKS normal form of a code. */
Datum
normalize_code_sql(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[KV_CODE_BUFSIZE];
	size_t		len;
	kv_code_status st;

	st = kv_normalize_code(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, sizeof(out), &len);
	if (st != KV_CODE_OK)
		kv_report_bad_code(st, "diagnosis code");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, len));
}

/*
 * kvalitet.is_diagnosis_code(text): would the stays engine take this text as
 * a diagnosis, or count it as unknown (an ICD-9 number, free text)?  Used by
 * the bound views to count unknown diagnoses per refresh.
 */
Datum
is_diagnosis_code_sql(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);

	PG_RETURN_BOOL(kv_diagnosis_text_is_code(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in)));
}

/*
 * kvalitet.is_code(text): would normalize_code accept the text?  The same
 * normaliser, so a row that passes never makes code_in raise.
 */
Datum
is_code_sql(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		out[KV_CODE_BUFSIZE];

	PG_RETURN_BOOL(kv_normalize_code(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), out, sizeof(out), NULL) == KV_CODE_OK);
}

/* Per-call cache of code_in: the set compiled once per query. */
typedef struct CodeInCache
{
	char		name[NAMEDATALEN];
	int			name_len;
	KvCodeSet	set;
} CodeInCache;

/*
 * kvalitet.code_in(code, set_name [, on date]): is the code in the set on
 * that day (today when no day is given)?
 */
Datum
code_in_sql(PG_FUNCTION_ARGS)
{
	text	   *code = PG_GETARG_TEXT_PP(0);
	text	   *name = PG_GETARG_TEXT_PP(1);
	int			name_len = VARSIZE_ANY_EXHDR(name);
	DateADT		on = PG_NARGS() > 2 ? PG_GETARG_DATEADT(2) : GetSQLCurrentDate();
	CodeInCache *cache = (CodeInCache *) fcinfo->flinfo->fn_extra;
	char		norm[KV_CODE_BUFSIZE];
	size_t		len;
	kv_code_status st;

	/* The set name is compared as bytes: no allocation per row. */
	if (cache == NULL || cache->name_len != name_len ||
		memcmp(cache->name, VARDATA_ANY(name), name_len) != 0)
	{
		char	   *cname = text_to_cstring(name);

		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CodeInCache));
		kv_get_code_set(cname, &cache->set, fcinfo->flinfo->fn_mcxt);
		strlcpy(cache->name, cname, NAMEDATALEN);
		cache->name_len = name_len;
		fcinfo->flinfo->fn_extra = cache;
	}
	st = kv_normalize_code(VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code), norm, sizeof(norm), &len);
	if (st != KV_CODE_OK)
		kv_report_bad_code(st, "diagnosis code");
	if (DATE_NOT_FINITE(on))
		on = DATE_IS_NOBEGIN(on) ? INT32_MIN : INT32_MAX;
	PG_RETURN_BOOL(kv_codeset_match(cache->set.set, norm, len, on));
}

/*
 * kvalitet.normalize_code_entry(text): a set entry ("j12-j18") in normal
 * form ("DJ12-DJ18"); used by the table's trigger so stored entries are
 * always normalised and valid.
 */
Datum
code_entry_normalize_sql(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char		low[KV_CODE_BUFSIZE],
				high[KV_CODE_BUFSIZE];
	size_t		low_len,
				high_len;
	bool		is_range;
	kv_code_status st;

	st = kv_normalize_entry(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in),
							low, &low_len, high, &high_len, &is_range);
	if (st != KV_CODE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid code set entry: %s", kv_code_status_message(st)),
				 errhint("An entry is a code prefix such as DJ44, or a range of prefixes of equal length such as DD00-DD09.")));
	if (is_range)
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s-%s", low, high)));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(low, low_len));
}

/* Statement trigger on kvalitet.code_set_entry: tell every session at commit. */
Datum
code_sets_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("kvalitet.code_sets_changed() must be called as a trigger")));
	/*
	 * The cache watches kvalitet.code_set_entry itself.  The trigger may
	 * fire on another relation: kvalitet.code_set, or, on a Citus cluster
	 * where the two are reference tables (kvalitet.citus_distribute_code_sets),
	 * the shard of either on each node; so the entry table is named here.
	 */
	(void) trigdata;
	CacheInvalidateRelcacheByRelid(get_relname_relid("code_set_entry",
													 get_namespace_oid("kvalitet", false)));
	PG_RETURN_POINTER(NULL);
}
