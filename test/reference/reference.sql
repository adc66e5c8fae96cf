-- test/reference/reference.sql
--
-- Independent pure-SQL reference implementation of the dk-default-1 stay,
-- readmission and preventable-admission rules (docs/indicators.md sections 1-5 and 8).
-- It exists only to check kvalitet's C engine and to give the benchmarks a
-- plain-SQL baseline; kvalitet itself never calls it.  Everything lives in the
-- schema kvalitet_ref, which this file drops and recreates.
--
-- Usage: TRUNCATE kvalitet_ref.contacts, INSERT the contacts, then call
-- kvalitet_ref.stays(), kvalitet_ref.readmission_rate() or
-- kvalitet_ref.preventable_share().  See test/reference/README.md for the
-- choices made where the rules are silent.

DROP SCHEMA IF EXISTS kvalitet_ref CASCADE;
CREATE SCHEMA kvalitet_ref;

COMMENT ON SCHEMA kvalitet_ref IS
	'pure-SQL reference of the kvalitet stay/readmission/preventable rules (tests and benchmarks only)';

-- Input contacts (docs/indicators.md section 1); callers TRUNCATE and INSERT.
CREATE TABLE kvalitet_ref.contacts (
	patient bigint,
	start_at timestamptz,
	end_at timestamptz,
	acute boolean,
	diagnosis text,
	died boolean,
	index_eligible boolean
);

-- Default code sets of dk-default-1 (docs/indicators.md section 2).  A prefix entry has
-- low = high = prefix; a range has its two bounds.  Validity dates are not
-- modelled: the default entries are valid at all times.
CREATE TABLE kvalitet_ref.code_sets (
	set_name text NOT NULL,
	low text NOT NULL,
	high text NOT NULL,
	CHECK (length(low) = length(high))
);

INSERT INTO kvalitet_ref.code_sets (set_name, low, high) VALUES
	-- "DD0 (DD00-DD09)" and "DO4 (DO40-DO48)": the range in parentheses is used.
	('readmission_index_exclusion', 'DC', 'DC'),
	('readmission_index_exclusion', 'DD00', 'DD09'),
	('readmission_index_exclusion', 'DO40', 'DO48'),
	('readmission_index_exclusion', 'DZ763', 'DZ763'),
	('readmission_index_exclusion', 'DF', 'DF'),

	('readmission_exclusion', 'DC', 'DC'),
	('readmission_exclusion', 'DD0', 'DD0'),
	('readmission_exclusion', 'DO80', 'DO80'),
	('readmission_exclusion', 'DO81', 'DO81'),
	('readmission_exclusion', 'DO82', 'DO82'),
	('readmission_exclusion', 'DO84', 'DO84'),
	('readmission_exclusion', 'DF', 'DF'),
	('readmission_exclusion', 'DZ763', 'DZ763'),

	('readmission_injury_exclusion', 'DS', 'DS'),
	('readmission_injury_exclusion', 'DT1', 'DT1'),
	('readmission_injury_exclusion', 'DT2', 'DT2'),
	('readmission_injury_exclusion', 'DT30', 'DT35'),
	('readmission_injury_exclusion', 'DT51', 'DT59'),
	('readmission_injury_exclusion', 'DT6', 'DT6'),
	('readmission_injury_exclusion', 'DT7', 'DT7'),
	('readmission_injury_exclusion', 'DT9', 'DT9'),
	('readmission_injury_exclusion', 'DX', 'DX'),
	('readmission_injury_exclusion', 'DY', 'DY'),

	('preventable_elderly', 'DE86', 'DE86'),
	('preventable_elderly', 'DK590', 'DK590'),
	('preventable_elderly', 'DJ12', 'DJ18'),
	('preventable_elderly', 'DJ20', 'DJ22'),
	('preventable_elderly', 'DN30', 'DN30'),
	('preventable_elderly', 'DN390', 'DN390'),
	('preventable_elderly', 'DA09', 'DA09'),
	('preventable_elderly', 'DK52', 'DK52'),
	('preventable_elderly', 'DD50', 'DD53'),
	('preventable_elderly', 'DL89', 'DL89'),
	('preventable_elderly', 'DZ74', 'DZ74'),
	('preventable_elderly', 'DZ75', 'DZ75'),
	('preventable_elderly', 'DS02', 'DS02'),
	('preventable_elderly', 'DS12', 'DS12'),
	('preventable_elderly', 'DS22', 'DS22'),
	('preventable_elderly', 'DS32', 'DS32'),
	('preventable_elderly', 'DS42', 'DS42'),
	('preventable_elderly', 'DS52', 'DS52'),
	('preventable_elderly', 'DS62', 'DS62'),
	('preventable_elderly', 'DS72', 'DS72'),
	('preventable_elderly', 'DS82', 'DS82'),
	('preventable_elderly', 'DS92', 'DS92'),
	('preventable_elderly', 'DT02', 'DT02'),
	('preventable_elderly', 'DT08', 'DT08'),
	('preventable_elderly', 'DT10', 'DT10'),
	('preventable_elderly', 'DT12', 'DT12'),

	('copd', 'DJ44', 'DJ44'),
	('type2_diabetes', 'DE11', 'DE11'),

	('newborn_selected_causes', 'DE86', 'DE86'),
	('newborn_selected_causes', 'DP59', 'DP59'),
	('newborn_selected_causes', 'DP92', 'DP92'),
	('newborn_selected_causes', 'DR628', 'DR628'),

	('psychiatric', 'DF', 'DF');

-- Normal form of a diagnosis code (docs/indicators.md section 2): upper case, dots and
-- spaces removed, 'D' added to a WHO code (a letter followed by two digits).
-- What then lacks the shape of a diagnosis ('D', a letter, two digits, letters
-- or digits; docs/indicators.md section 1) is unknown: NULL, so it matches no
-- set and never wins dominance.
CREATE FUNCTION kvalitet_ref.normalize_code(code text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE WHEN n ~ '^D[A-Z][0-9]{2}[A-Z0-9]*$' AND length(n) <= 16 THEN n END
	FROM (SELECT regexp_replace(upper(translate(code, '. ', '')), '^([A-Z][0-9]{2})', 'D\1') AS n) AS x
$$;

-- Whether an already normalised code belongs to a set: some entry's low..high
-- range holds the code's first length(low) characters (byte order).
CREATE FUNCTION kvalitet_ref.in_set(code text, set_name text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT EXISTS (
		SELECT 1
		FROM kvalitet_ref.code_sets s
		WHERE s.set_name = in_set.set_name
		  AND length(in_set.code) >= length(s.low)
		  AND left(in_set.code, length(s.low)) COLLATE "C" BETWEEN s.low AND s.high)
$$;

-- One row per stay (docs/indicators.md sections 3, 4 and 8), built from kvalitet_ref.contacts.
-- target_set is accepted so all three functions share one argument list; it
-- does not affect stays.
CREATE FUNCTION kvalitet_ref.stays(
	merge_gap interval DEFAULT '4 hours',
	min_admission interval DEFAULT '12 hours',
	readm_window interval DEFAULT '720 hours',
	complete_until timestamptz DEFAULT NULL,
	target_set text DEFAULT 'preventable_elderly')
RETURNS TABLE (
	patient bigint,
	stay_no int,
	stay_start timestamptz,
	stay_end timestamptz,
	admission boolean,
	acute boolean,
	dominant_diagnosis text,
	died boolean,
	psychiatric boolean,
	index_stay boolean,
	readmitted boolean,
	next_admission_start timestamptz,
	hours_to_next double precision,
	followup_complete boolean)
LANGUAGE sql STABLE
AS $$
WITH
-- Exact duplicate rows count once; rows kvalitet skips are dropped.
valid AS (
	SELECT DISTINCT c.patient, c.start_at, c.end_at, c.acute, c.diagnosis,
		   c.died, c.index_eligible
	FROM kvalitet_ref.contacts c
	WHERE c.patient IS NOT NULL
	  AND c.start_at IS NOT NULL
	  AND (c.end_at IS NULL OR c.end_at >= c.start_at)
),
-- Parameters as absolute durations, and the follow-up horizon.  A negative
-- gap counts as 0: overlapping and touching contacts always join.
params AS (
	SELECT greatest(extract(epoch FROM stays.merge_gap), 0) * interval '1 second' AS gap,
		   extract(epoch FROM stays.min_admission) * interval '1 second' AS min_adm,
		   extract(epoch FROM stays.readm_window) * interval '1 second' AS win,
		   coalesce(stays.complete_until,
					(SELECT max(c.start_at)
					 FROM kvalitet_ref.contacts c
					 WHERE c.patient IS NOT NULL
					   AND (c.end_at IS NULL OR c.end_at >= c.start_at))) AS horizon
),
-- NULL flags read as false; open ends sort and compare as infinity.
norm AS (
	SELECT v.patient, v.start_at, v.end_at,
		   coalesce(v.end_at, 'infinity'::timestamptz) AS end_key,
		   coalesce(v.acute, false) AS acute,
		   kvalitet_ref.normalize_code(v.diagnosis) COLLATE "C" AS dx,
		   coalesce(v.died, false) AS died,
		   coalesce(v.index_eligible, false) AS eligible
	FROM valid v
),
-- Set membership looked up once per distinct code.
code_flags AS (
	SELECT d.dx,
		   kvalitet_ref.in_set(d.dx, 'readmission_index_exclusion') AS index_excl,
		   kvalitet_ref.in_set(d.dx, 'readmission_exclusion') AS readm_excl,
		   kvalitet_ref.in_set(d.dx, 'readmission_injury_exclusion') AS injury,
		   kvalitet_ref.in_set(d.dx, 'psychiatric') AS psych
	FROM (SELECT DISTINCT n.dx FROM norm n WHERE n.dx IS NOT NULL) d
),
-- A contact opens a stay when it starts after the running max end of all
-- earlier contacts plus the gap.  Contact order: start, end (open last),
-- code (NULL last), acute, died, eligible (false before true).
opened AS (
	SELECT n.*,
		   coalesce(n.start_at > max(n.end_key) OVER w_before + (SELECT gap FROM params),
					true) AS opens_stay
	FROM norm n
	WINDOW w_before AS (PARTITION BY n.patient
						ORDER BY n.start_at, n.end_key, n.dx NULLS LAST,
								 n.acute, n.died, n.eligible
						ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
-- Stay number = running count of stay openings (peers share one number).
numbered AS (
	SELECT o.*,
		   sum(o.opens_stay::int) OVER (PARTITION BY o.patient
										ORDER BY o.start_at, o.end_key, o.dx NULLS LAST,
												 o.acute, o.died, o.eligible) AS stay_no
	FROM opened o
),
flagged AS (
	SELECT n.*,
		   coalesce(f.index_excl, false) AS index_excl,
		   coalesce(f.readm_excl, false) AS readm_excl,
		   coalesce(f.injury, false) AS injury
	FROM numbered n
	LEFT JOIN code_flags f ON f.dx = n.dx
),
-- Stay-level facts.  The contact that opened the stay is its first contact.
-- The discharging contact is the last one ordered by end (open last), start,
-- then the rest of the contact order.
stay_base AS (
	SELECT f.patient, f.stay_no,
		   min(f.start_at) AS stay_start,
		   CASE WHEN bool_and(f.end_at IS NOT NULL) THEN max(f.end_at) END AS stay_end,
		   bool_or(f.acute) FILTER (WHERE f.opens_stay) AS acute,
		   bool_or(f.injury) FILTER (WHERE f.opens_stay) AS first_injury,
		   bool_or(f.died) AS died,
		   bool_or(f.index_excl) AS any_index_excl,
		   bool_or(f.readm_excl) AS any_readm_excl,
		   (array_agg(f.eligible ORDER BY f.end_key DESC, f.start_at DESC,
					  f.dx DESC NULLS FIRST, f.acute DESC, f.died DESC,
					  f.eligible DESC))[1] AS discharge_eligible
	FROM flagged f
	GROUP BY f.patient, f.stay_no
),
-- Total duration per non-NULL code in each stay; open contacts are infinite.
dx_totals AS (
	SELECT n.patient, n.stay_no, n.dx,
		   CASE WHEN bool_or(n.end_at IS NULL) THEN 'Infinity'::numeric
				ELSE sum(extract(epoch FROM n.end_at) - extract(epoch FROM n.start_at))
		   END AS seconds,
		   min(n.start_at) AS first_start
	FROM numbered n
	WHERE n.dx IS NOT NULL
	GROUP BY n.patient, n.stay_no, n.dx
),
-- Longest total wins; tie: earliest first contact; tie: smaller code.
dominant AS (
	SELECT DISTINCT ON (t.patient, t.stay_no) t.patient, t.stay_no, t.dx
	FROM dx_totals t
	ORDER BY t.patient, t.stay_no, t.seconds DESC, t.first_start, t.dx
),
stay_rows AS (
	SELECT b.*, d.dx AS dominant_diagnosis,
		   coalesce(cf.psych, false) AS psychiatric,
		   (b.stay_end IS NULL
			OR b.stay_end - b.stay_start >= (SELECT min_adm FROM params)) AS admission
	FROM stay_base b
	LEFT JOIN dominant d ON d.patient = b.patient AND d.stay_no = b.stay_no
	LEFT JOIN code_flags cf ON cf.dx = d.dx
),
-- Index rule, and the number of the first admission among later stays
-- (later stays all start after this stay's end; ambulant ones are skipped).
indexed AS (
	SELECT s.*,
		   (s.admission AND s.stay_end IS NOT NULL AND NOT s.died
			AND NOT s.psychiatric AND NOT s.any_index_excl
			AND s.discharge_eligible) AS index_stay,
		   min(s.stay_no) FILTER (WHERE s.admission)
			   OVER (PARTITION BY s.patient ORDER BY s.stay_no DESC
					 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_no
	FROM stay_rows s
)
SELECT s.patient,
	   s.stay_no::int,
	   s.stay_start,
	   s.stay_end,
	   s.admission,
	   s.acute,
	   s.dominant_diagnosis::text,
	   s.died,
	   s.psychiatric,
	   s.index_stay,
	   coalesce(s.index_stay
				AND nx.stay_start <= s.stay_end + p.win
				AND nx.acute
				AND NOT nx.any_readm_excl
				AND NOT nx.first_injury, false) AS readmitted,
	   nx.stay_start AS next_admission_start,
	   ((extract(epoch FROM nx.stay_start) - extract(epoch FROM s.stay_end)) / 3600)::double precision
		   AS hours_to_next,
	   coalesce(s.stay_end + p.win <= p.horizon, false) AS followup_complete
FROM indexed s
CROSS JOIN params p
LEFT JOIN stay_rows nx ON nx.patient = s.patient AND nx.stay_no = s.next_no
$$;

-- readmission_rate (docs/indicators.md section 4): readmitted index stays / index stays.
CREATE FUNCTION kvalitet_ref.readmission_rate(
	merge_gap interval DEFAULT '4 hours',
	min_admission interval DEFAULT '12 hours',
	readm_window interval DEFAULT '720 hours',
	complete_until timestamptz DEFAULT NULL,
	target_set text DEFAULT 'preventable_elderly')
RETURNS TABLE (numerator bigint, denominator bigint)
LANGUAGE sql STABLE
AS $$
	SELECT count(*) FILTER (WHERE s.readmitted),
		   count(*) FILTER (WHERE s.index_stay)
	FROM kvalitet_ref.stays(readmission_rate.merge_gap,
							readmission_rate.min_admission,
							readmission_rate.readm_window,
							readmission_rate.complete_until,
							readmission_rate.target_set) s
$$;

-- preventable_admission_share (docs/indicators.md section 5): acute admissions whose
-- dominant diagnosis is in target_set / acute admissions.
CREATE FUNCTION kvalitet_ref.preventable_share(
	merge_gap interval DEFAULT '4 hours',
	min_admission interval DEFAULT '12 hours',
	readm_window interval DEFAULT '720 hours',
	complete_until timestamptz DEFAULT NULL,
	target_set text DEFAULT 'preventable_elderly')
RETURNS TABLE (numerator bigint, denominator bigint)
LANGUAGE sql STABLE
AS $$
	SELECT count(*) FILTER (WHERE s.admission AND s.acute
							AND kvalitet_ref.in_set(s.dominant_diagnosis,
													preventable_share.target_set)),
		   count(*) FILTER (WHERE s.admission AND s.acute)
	FROM kvalitet_ref.stays(preventable_share.merge_gap,
							preventable_share.min_admission,
							preventable_share.readm_window,
							preventable_share.complete_until,
							preventable_share.target_set) s
$$;
