
-- ---------------------------------------------------------------------------
-- What a bad value costs (docs/indicators.md section 1, "Bad values"): why a
-- row of an input cannot be used, as a reason text, or NULL when it can.
-- The bound views leave such rows out and kvalitet.refresh counts them per
-- reason; a bad field that costs only itself is counted where it is read.
-- ---------------------------------------------------------------------------

-- A contact that cannot be placed in time: the stays engine's own checks, in
-- its order and its words (src/stays_state.c), so that the counts of a bound
-- refresh equal the WARNING of a direct call; test/sql/refresh_log.sql holds
-- the two to the same counts.  A quoted body (a polymorphic argument needs
-- one) is parsed at each call, hence the qualified names; it stays inlinable.
CREATE FUNCTION kvalitet.contact_skip_reason(patient anyelement, start_at timestamptz, end_at timestamptz)
	RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN $1 IS NULL THEN 'NULL patient'
			WHEN $2 IS NULL THEN 'NULL start_at'
			WHEN NOT pg_catalog.isfinite($2) OR NOT pg_catalog.isfinite($3) THEN 'infinite start_at or end_at'
			WHEN $3 OPERATOR(pg_catalog.<) $2 THEN 'end_at before start_at' END
$$;
COMMENT ON FUNCTION kvalitet.contact_skip_reason(anyelement, timestamptz, timestamptz) IS
	'Why the patient-flow aggregates skip a contact row (NULL patient, NULL start_at, infinite start_at or end_at, end_at before start_at), or NULL when they use it';

-- A discharge whose letter cannot be judged: epikrise_timeliness raises on
-- it (its fixed-width state has no room to count), so the bound views leave
-- it out and count it.  time_zone is the zone of the local days.
CREATE FUNCTION kvalitet.epikrise_skip_reason(discharged_at timestamptz, deadline_working_days integer, time_zone text,
											  closed_days text DEFAULT NULL)
	RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN discharged_at IS NULL THEN 'NULL discharged_at'
				WHEN NOT pg_catalog.isfinite(discharged_at) THEN 'infinite discharged_at'
				WHEN NOT kvalitet.in_calendar((discharged_at AT TIME ZONE time_zone)::date, deadline_working_days, closed_days)
					THEN 'discharged_at or its deadline outside the calendar' END;
COMMENT ON FUNCTION kvalitet.epikrise_skip_reason(timestamptz, integer, text, text) IS
	'Why a discharge cannot be judged by epikrise_timeliness (NULL or infinite discharged_at, its local day or deadline outside the 1900-2200 calendar), or NULL when it can; closing days as in epikrise_timeliness (NULL: kvalitet.extra_closed_days, hence STABLE)';

-- A sent_at that cannot be read costs only itself: infinite, or on a local
-- day outside the calendar, it counts as no letter sent (not timely).
CREATE FUNCTION kvalitet.epikrise_sent_unknown(sent_at timestamptz, time_zone text)
	RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN NOT pg_catalog.isfinite(sent_at) THEN 'infinite sent_at'
				WHEN NOT kvalitet.in_calendar((sent_at AT TIME ZONE time_zone)::date, 0)
					THEN 'sent_at outside the calendar' END;
COMMENT ON FUNCTION kvalitet.epikrise_sent_unknown(timestamptz, text) IS
	'Why a letter''s sent_at cannot be read (infinite, or its local day outside the 1900-2200 calendar): it then counts as not sent; NULL when it can (or is NULL)';

-- A population row that cannot be counted: without municipality, year or
-- count, with a negative count, or an age band without an age in it.
CREATE FUNCTION kvalitet.population_skip_reason(municipality text, year integer, age_band text, count bigint)
	RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN municipality IS NULL THEN 'NULL municipality'
				WHEN year IS NULL THEN 'NULL year'
				WHEN age_band IS NULL OR age_band !~ '[0-9]' THEN 'an age band without an age'
				WHEN count IS NULL THEN 'NULL count'
				WHEN count < 0 THEN 'a negative count' END;
COMMENT ON FUNCTION kvalitet.population_skip_reason(text, integer, text, bigint) IS
	'Why a population row is not counted (NULL municipality, year or count, an age band without an age, a negative count), or NULL when it is';
