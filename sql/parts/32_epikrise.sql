
-- ---------------------------------------------------------------------------
-- Timely discharge letters: epikrise_timeliness and epikrise_deadline
-- (docs/calendar.md)
-- ---------------------------------------------------------------------------

-- epikrise_timeliness: the state is kvalitet.proportion itself (fixed width,
-- not internal), so parallel workers and Citus nodes hand partial values to
-- kvalitet.proportion_combine.  Rows with a NULL discharged_at are skipped,
-- like NULLs in count(col); epikrise_deadline serves per-row checks.

CREATE FUNCTION kvalitet.epikrise_accum(state kvalitet.proportion, discharged_at timestamptz, sent_at timestamptz)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz) IS
	'Transition function of epikrise_timeliness(discharged_at, sent_at), deadline 1 working day. STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

CREATE FUNCTION kvalitet.epikrise_accum(state kvalitet.proportion, discharged_at timestamptz, sent_at timestamptz,
										deadline_working_days integer)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz, integer) IS
	'Transition function of epikrise_timeliness(discharged_at, sent_at, deadline_working_days). STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

CREATE AGGREGATE kvalitet.epikrise_timeliness(discharged_at timestamptz, sent_at timestamptz) (
	SFUNC = kvalitet.epikrise_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.epikrise_timeliness(timestamptz, timestamptz) IS
	'Timely discharge letters / discharges, deadline 1 working day: timely when sent_at is not NULL and its local date is on or before add_working_days(local date of discharged_at, 1); local days in kvalitet.timezone; rows with NULL discharged_at are skipped';

CREATE AGGREGATE kvalitet.epikrise_timeliness(discharged_at timestamptz, sent_at timestamptz,
											  deadline_working_days integer) (
	SFUNC = kvalitet.epikrise_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.epikrise_timeliness(timestamptz, timestamptz, integer) IS
	'Timely discharge letters / discharges: timely when sent_at is not NULL and its local date is on or before add_working_days(local date of discharged_at, deadline_working_days); 0 = same local day; local days in kvalitet.timezone; rows with NULL discharged_at are skipped';

CREATE FUNCTION kvalitet.epikrise_deadline(discharged_at timestamptz, deadline_working_days integer DEFAULT 1)
	RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'epikrise_deadline' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_deadline(timestamptz, integer) IS
	'Last timely instant for a letter: the end of local day add_working_days(local date of discharged_at, deadline_working_days), i.e. the next local midnight minus 1 microsecond; sent_at <= this is timely. STABLE: reads kvalitet.timezone and kvalitet.extra_closed_days';

-- The explicit-calendar forms: the time zone and the closing days given in
-- the call (NULL = the setting), so no answer depends on session settings,
-- which Citus does not send to the workers (docs/scale-out.md).
CREATE FUNCTION kvalitet.epikrise_accum(state kvalitet.proportion, discharged_at timestamptz, sent_at timestamptz,
										deadline_working_days integer, timezone text, extra_closed_days text)
	RETURNS kvalitet.proportion
	AS 'MODULE_PATHNAME', 'epikrise_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_accum(kvalitet.proportion, timestamptz, timestamptz, integer, text, text) IS
	'Transition function of epikrise_timeliness(discharged_at, sent_at, deadline_working_days, timezone, extra_closed_days)';

CREATE AGGREGATE kvalitet.epikrise_timeliness(discharged_at timestamptz, sent_at timestamptz,
											  deadline_working_days integer, timezone text, extra_closed_days text) (
	SFUNC = kvalitet.epikrise_accum,
	STYPE = kvalitet.proportion,
	COMBINEFUNC = kvalitet.proportion_combine,
	INITCOND = '0/0',
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE kvalitet.epikrise_timeliness(timestamptz, timestamptz, integer, text, text) IS
	'As epikrise_timeliness(discharged_at, sent_at, deadline_working_days), local days in the time zone given and the closing days given (as kvalitet.extra_closed_days lists them); NULL for either means its setting. The form to use on Citus, where settings do not reach the workers';

CREATE FUNCTION kvalitet.epikrise_deadline(discharged_at timestamptz, deadline_working_days integer,
										   timezone text, extra_closed_days text DEFAULT '')
	RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'epikrise_deadline' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.epikrise_deadline(timestamptz, integer, text, text) IS
	'As epikrise_deadline(discharged_at, deadline_working_days), local days in the time zone given and the closing days given; NULL for either means its setting';
