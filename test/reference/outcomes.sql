-- test/reference/outcomes.sql
--
-- The SQL reference of the stay outcomes (docs/indicators.md and SPEC
-- 11.1, 11.5, 11.6), written from the rules' text on top of the reference
-- stays (kvalitet_ref.stays, reference.sql, which must be loaded first):
-- 30-day mortality after acute admission, newborn readmissions and
-- preventable readmissions, per stay and in total.  Local days are dates in
-- the time zone `tz` (AT TIME ZONE); nothing here calls kvalitet.

-- The patients' CPR death and birth dates (one row per patient at most).
CREATE TABLE kvalitet_ref.deaths (patient bigint PRIMARY KEY, death_date date NOT NULL);
CREATE TABLE kvalitet_ref.births (patient bigint PRIMARY KEY, birth_date date NOT NULL);

-- The reference stays of the contacts, computed once (kvalitet_ref.stays is
-- slow): call snapshot_stays() after loading the contacts.
CREATE TABLE kvalitet_ref.stays_snapshot AS SELECT * FROM kvalitet_ref.stays() WITH NO DATA;
CREATE FUNCTION kvalitet_ref.snapshot_stays()
RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
	DELETE FROM kvalitet_ref.stays_snapshot;
	INSERT INTO kvalitet_ref.stays_snapshot SELECT * FROM kvalitet_ref.stays();
END;

-- One row per reference stay (of the snapshot) with the outcome columns.
CREATE FUNCTION kvalitet_ref.stay_outcomes(
	mortality_window int DEFAULT 30,
	newborn_window int DEFAULT 28,
	newborn_set text DEFAULT 'newborn_selected_causes',
	preventable_set text DEFAULT 'preventable_elderly',
	tz text DEFAULT 'Europe/Copenhagen',
	complete_day date DEFAULT NULL)
RETURNS TABLE (
	patient bigint,
	stay_no int,
	mortality_index boolean,
	days_to_death int,
	died_within_window boolean,
	birth_stay boolean,
	newborn_index boolean,
	newborn_readmitted boolean,
	next_dominant_diagnosis text,
	index_stay boolean,
	preventable_readmitted boolean,
	mortality_followup_complete boolean)
LANGUAGE sql STABLE
AS $$
WITH
s AS (SELECT * FROM kvalitet_ref.stays_snapshot),
-- 11.1: the death is the earliest of the register date and the local end
-- dates of the stays that died.
death AS (
	SELECT x.patient, min(x.d) AS d
	FROM (SELECT d.patient, d.death_date AS d FROM kvalitet_ref.deaths AS d
	      UNION ALL
	      SELECT s.patient, (s.stay_end AT TIME ZONE tz)::date FROM s
	      WHERE s.died AND s.stay_end IS NOT NULL) AS x
	GROUP BY x.patient
),
-- 11.5: the birth stay is the first stay, starting on the birth date or the
-- day after; an index when closed and not ending in death.
birth AS (
	SELECT s.patient, s.stay_end
	FROM s JOIN kvalitet_ref.births AS b ON b.patient = s.patient
	WHERE s.stay_no = 1
	  AND (s.stay_start AT TIME ZONE tz)::date BETWEEN b.birth_date AND b.birth_date + 1
),
newborn_readm AS (
	SELECT DISTINCT b.patient
	FROM birth AS b JOIN s AS l ON l.patient = b.patient
	WHERE b.stay_end IS NOT NULL
	  AND l.stay_no > 1 AND l.admission
	  AND (l.stay_start AT TIME ZONE tz)::date <= (b.stay_end AT TIME ZONE tz)::date + newborn_window
	  AND (newborn_set IS NULL OR kvalitet_ref.in_set(l.dominant_diagnosis, newborn_set))
)
SELECT s.patient, s.stay_no,
	   s.admission AND s.acute AND NOT s.psychiatric,
	   d.d - (s.stay_start AT TIME ZONE tz)::date,
	   coalesce(s.admission AND s.acute AND NOT s.psychiatric
	            AND d.d BETWEEN (s.stay_start AT TIME ZONE tz)::date
	                        AND (s.stay_start AT TIME ZONE tz)::date + mortality_window, false),
	   b.patient IS NOT NULL AND s.stay_no = 1,
	   b.patient IS NOT NULL AND s.stay_no = 1 AND s.stay_end IS NOT NULL AND NOT s.died,
	   b.patient IS NOT NULL AND s.stay_no = 1 AND s.stay_end IS NOT NULL AND NOT s.died
	       AND nr.patient IS NOT NULL,
	   n.dominant_diagnosis,
	   s.index_stay,
	   s.readmitted AND coalesce(kvalitet_ref.in_set(n.dominant_diagnosis, preventable_set), false),
	   -- 11.1: deaths are complete up to complete_day (NULL: not known)
	   (s.stay_start AT TIME ZONE tz)::date + mortality_window <= complete_day
FROM s
LEFT JOIN death AS d ON d.patient = s.patient
LEFT JOIN birth AS b ON b.patient = s.patient
LEFT JOIN newborn_readm AS nr ON nr.patient = s.patient
-- the next admission: the admission that starts at next_admission_start
LEFT JOIN s AS n ON n.patient = s.patient AND n.stay_start = s.next_admission_start AND n.admission
$$;

-- The contacts with the dates joined onto each row, as a caller gives them.
CREATE VIEW kvalitet_ref.contacts_dated AS
SELECT c.*, d.death_date, b.birth_date
FROM kvalitet_ref.contacts AS c
LEFT JOIN kvalitet_ref.deaths AS d ON d.patient = c.patient
LEFT JOIN kvalitet_ref.births AS b ON b.patient = c.patient;

-- Dates that sit on the thresholds: deaths on day -1, 0, 7, 8, 29, 30, 31
-- after the local start date of one of the patient's stays (or long after),
-- births 1 day after to 2 days before the local start date of the first
-- stay.  Seeded: the same seed gives the same dates for the same contacts.
CREATE FUNCTION kvalitet_ref.random_dates(seed double precision, tz text DEFAULT 'Europe/Copenhagen')
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
	PERFORM setseed(seed);
	TRUNCATE kvalitet_ref.deaths, kvalitet_ref.births;
	INSERT INTO kvalitet_ref.deaths
	SELECT DISTINCT ON (s.patient) s.patient,
		   (s.stay_start AT TIME ZONE tz)::date + (ARRAY[-1, 0, 7, 8, 29, 30, 31, 45])[1 + floor(random() * 8)::int]
	FROM (SELECT st.patient, st.stay_start, random() AS r FROM kvalitet_ref.stays_snapshot AS st ORDER BY st.patient, st.stay_no) AS s
	WHERE hashint8(s.patient) % 3 = 0
	ORDER BY s.patient, s.r;
	INSERT INTO kvalitet_ref.births
	SELECT s.patient, (s.stay_start AT TIME ZONE tz)::date - (ARRAY[-1, 0, 1, 2])[1 + floor(random() * 4)::int]
	FROM (SELECT st.patient, st.stay_start FROM kvalitet_ref.stays_snapshot AS st WHERE st.stay_no = 1 ORDER BY st.patient) AS s
	WHERE hashint8(s.patient + 7) % 3 = 0;
END
$$;
