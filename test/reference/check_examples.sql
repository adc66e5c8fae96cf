-- test/reference/check_examples.sql
--
-- Checks the SQL reference (reference.sql, random_contacts.sql loaded first)
-- against the worked examples of docs/indicators.md section 9, a set of hand-computed
-- threshold cases, and structural properties on generated data.  Prints one
-- PASS/FAIL row per check and raises an error when any check fails.
--
-- Expected values come from the table of docs/indicators.md section 9 or were worked out by hand from
-- the rules of docs/indicators.md; none were produced by running the reference.

SET client_min_messages = warning;
SET TimeZone = 'Europe/Copenhagen';

CREATE TEMP TABLE ref_check (
	ord serial,
	check_name text NOT NULL,
	passed boolean
);

-- Part 1: docs/indicators.md section 9, patients 1-8.

CREATE TEMP TABLE example_contacts (LIKE kvalitet_ref.contacts);

INSERT INTO example_contacts
	(patient, start_at, end_at, acute, diagnosis, died, index_eligible) VALUES
	(1, '2025-03-03 08:00:00+00', '2025-03-04 10:00:00+00', true, 'DJ441', false, true),
	(1, '2025-03-04 13:59:59+00', '2025-03-05 12:00:00+00', false, 'DI500', false, true),
	(2, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', false, 'DI219', false, true),
	(2, '2025-04-01 10:00:00+00', '2025-04-02 10:00:00+00', true, 'DE86', false, true),
	(3, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', false, 'DI219', false, true),
	(3, '2025-04-01 10:00:01+00', '2025-04-02 10:00:00+00', true, 'DE86', false, true),
	(4, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', true, 'DI219', false, true),
	(4, '2025-03-06 10:00:00+00', '2025-03-07 10:00:00+00', false, 'DM169', false, true),
	(4, '2025-03-11 10:00:00+00', '2025-03-12 10:00:00+00', true, 'DJ189', false, true),
	(5, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', true, 'DI219', false, true),
	(5, '2025-03-04 10:00:00+00', '2025-03-04 13:00:00+00', true, 'DR074', false, true),
	(5, '2025-03-11 10:00:00+00', '2025-03-12 10:00:00+00', true, 'DJ189', false, true),
	(6, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', true, 'DI219', false, true),
	(6, '2025-03-11 10:00:00+00', '2025-03-11 16:00:00+00', true, 'DS720', false, true),
	(6, '2025-03-11 16:00:00+00', '2025-03-13 16:00:00+00', true, 'DI219', false, true),
	(7, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', true, 'DI219', false, true),
	(7, '2025-03-02 10:00:00+00', '2025-03-03 10:00:00+00', true, 'DC509', false, true),
	(7, '2025-03-11 10:00:00+00', '2025-03-12 10:00:00+00', true, 'DJ189', false, true),
	(8, '2025-03-01 10:00:00+00', '2025-03-02 10:00:00+00', true, 'DI219', true, true);

CREATE TEMP TABLE example_expected (
	patient bigint,
	readm_num bigint,
	readm_den bigint,
	prev_num bigint,
	prev_den bigint
);

INSERT INTO example_expected VALUES
	(1, 0, 1, 0, 1),
	(2, 1, 2, 1, 1),
	(3, 0, 2, 1, 1),
	(4, 1, 3, 1, 2),
	(5, 1, 2, 1, 2),
	(6, 0, 2, 0, 2),
	(7, 0, 1, 1, 2),
	(8, 0, 0, 0, 1);

-- Each patient alone, through the two aggregate functions.
DO $$
DECLARE
	x record;
	rr record;
	pp record;
BEGIN
	FOR x IN SELECT * FROM example_expected ORDER BY patient LOOP
		TRUNCATE kvalitet_ref.contacts;
		INSERT INTO kvalitet_ref.contacts
			SELECT * FROM example_contacts WHERE patient = x.patient;
		SELECT * INTO rr FROM kvalitet_ref.readmission_rate();
		SELECT * INTO pp FROM kvalitet_ref.preventable_share();
		INSERT INTO ref_check (check_name, passed) VALUES
			(format('example %s: readm %s/%s (got %s/%s)', x.patient,
					x.readm_num, x.readm_den, rr.numerator, rr.denominator),
			 rr.numerator = x.readm_num AND rr.denominator = x.readm_den),
			(format('example %s: prev %s/%s (got %s/%s)', x.patient,
					x.prev_num, x.prev_den, pp.numerator, pp.denominator),
			 pp.numerator = x.prev_num AND pp.denominator = x.prev_den);
	END LOOP;
END
$$;

-- All eight together.
TRUNCATE kvalitet_ref.contacts;
INSERT INTO kvalitet_ref.contacts SELECT * FROM example_contacts;

INSERT INTO ref_check (check_name, passed)
SELECT format('examples 1-8 together: readm 3/13 (got %s/%s)', numerator, denominator),
	   numerator = 3 AND denominator = 13
FROM kvalitet_ref.readmission_rate();

INSERT INTO ref_check (check_name, passed)
SELECT format('examples 1-8 together: prev 5/12 (got %s/%s)', numerator, denominator),
	   numerator = 5 AND denominator = 12
FROM kvalitet_ref.preventable_share();

CREATE TEMP TABLE example_stays AS SELECT * FROM kvalitet_ref.stays();

-- The per-stay relation agrees with docs/indicators.md section 8 per patient.
INSERT INTO ref_check (check_name, passed)
SELECT format('example %s: per-stay relation gives readm %s/%s', e.patient,
			  e.readm_num, e.readm_den),
	   coalesce((SELECT count(*) FILTER (WHERE s.readmitted) = e.readm_num
						AND count(*) FILTER (WHERE s.index_stay) = e.readm_den
				 FROM example_stays s WHERE s.patient = e.patient), false)
FROM example_expected e
ORDER BY e.patient;

-- The "why" column.
INSERT INTO ref_check (check_name, passed) VALUES
	('example 1: one stay, acute, dominant DJ441',
	 coalesce((SELECT count(*) = 1 AND bool_and(acute) AND bool_and(admission)
					  AND bool_and(dominant_diagnosis = 'DJ441')
			   FROM example_stays WHERE patient = 1), false)),
	('example 2: readmitted with 720 h exactly across the DST change',
	 coalesce((SELECT readmitted AND hours_to_next = 720
			   FROM example_stays WHERE patient = 2 AND stay_no = 1), false)),
	('example 3: 720 h + 1 s is not a readmission',
	 coalesce((SELECT NOT readmitted AND index_stay
					  AND abs(hours_to_next - (720 + 1.0 / 3600)) < 1e-9
			   FROM example_stays WHERE patient = 3 AND stay_no = 1), false)),
	('example 4: the planned stay is an index and readmitted',
	 coalesce((SELECT index_stay AND readmitted AND NOT acute
			   FROM example_stays WHERE patient = 4 AND stay_no = 2), false)),
	('example 5: the 3-hour stay is ambulant and skipped',
	 coalesce((SELECT NOT s2.admission AND s1.readmitted
					  AND s1.next_admission_start = s3.stay_start
			   FROM example_stays s1
			   JOIN example_stays s2 ON s2.patient = 5 AND s2.stay_no = 2
			   JOIN example_stays s3 ON s3.patient = 5 AND s3.stay_no = 3
			   WHERE s1.patient = 5 AND s1.stay_no = 1), false)),
	('example 6: next stay starts with an injury; its dominant is DI219',
	 coalesce((SELECT count(*) = 2
					  AND bool_or(stay_no = 2 AND dominant_diagnosis = 'DI219')
					  AND NOT bool_or(readmitted)
			   FROM example_stays WHERE patient = 6), false)),
	('example 7: DI219 and DC509 tie, the earlier wins; no index',
	 coalesce((SELECT dominant_diagnosis = 'DI219' AND NOT index_stay
			   FROM example_stays WHERE patient = 7 AND stay_no = 1), false)),
	('example 8: died, never an index',
	 coalesce((SELECT died AND NOT index_stay AND admission
			   FROM example_stays WHERE patient = 8), false));

-- Part 2: codes and sets (docs/indicators.md section 2).

INSERT INTO ref_check (check_name, passed)
SELECT format('normalize_code(%L) = %L', v.code, v.expected),
	   kvalitet_ref.normalize_code(v.code) IS NOT DISTINCT FROM v.expected
FROM (VALUES ('j44.9', 'DJ449'), ('J449', 'DJ449'), ('DJ44.9', 'DJ449'),
			 (' dj449 ', 'DJ449'), ('D50.9', 'DD509'), ('DD509', 'DD509'),
			 ('Z76.3', 'DZ763'), ('dx', 'DX'), ('DF', 'DF'), (' . ', NULL),
			 (NULL, NULL)) AS v (code, expected);

INSERT INTO ref_check (check_name, passed)
SELECT format('in_set(%L, %L) = %s', v.code, v.set_name, v.expected),
	   kvalitet_ref.in_set(v.code, v.set_name) = v.expected
FROM (VALUES
		('DD09', 'readmission_index_exclusion', true),
		('DD099', 'readmission_index_exclusion', true),
		('DD10', 'readmission_index_exclusion', false),
		('DD0', 'readmission_index_exclusion', false),
		('DD0', 'readmission_exclusion', true),
		('DO48', 'readmission_index_exclusion', true),
		('DO49', 'readmission_index_exclusion', false),
		('DO4', 'readmission_index_exclusion', false),
		('DC509', 'readmission_index_exclusion', true),
		('DZ763', 'readmission_exclusion', true),
		('DZ764', 'readmission_exclusion', false),
		('DO83', 'readmission_exclusion', false),
		('DO84', 'readmission_exclusion', true),
		('DT35', 'readmission_injury_exclusion', true),
		('DT36', 'readmission_injury_exclusion', false),
		('DT50', 'readmission_injury_exclusion', false),
		('DT51', 'readmission_injury_exclusion', true),
		('DT8', 'readmission_injury_exclusion', false),
		('DS720', 'readmission_injury_exclusion', true),
		('DJ189', 'preventable_elderly', true),
		('DJ19', 'preventable_elderly', false),
		('DJ11', 'preventable_elderly', false),
		('DK59', 'preventable_elderly', false),
		('DK5901', 'preventable_elderly', true),
		('DD54', 'preventable_elderly', false),
		('DE86', 'newborn_selected_causes', true),
		('DF20', 'psychiatric', true),
		('DJ441', 'copd', true),
		('DE119', 'type2_diabetes', true),
		('DJ441', 'no_such_set', false)) AS v (code, set_name, expected);

-- Part 3: hand-computed threshold cases (patients 101-123).

TRUNCATE kvalitet_ref.contacts;
INSERT INTO kvalitet_ref.contacts
	(patient, start_at, end_at, acute, diagnosis, died, index_eligible) VALUES
	-- 101: a gap of exactly 4 h joins
	(101, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(101, '2025-05-02 14:00+00', '2025-05-03 10:00+00', false, 'DE86', false, true),
	-- 102: 4 h + 1 microsecond splits
	(102, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(102, '2025-05-02 14:00:00.000001+00', '2025-05-03 10:00+00', false, 'DE86', false, true),
	-- 103: the gap is measured from the running max end, not the previous end
	(103, '2025-05-01 10:00+00', '2025-05-05 10:00+00', true, 'DI219', false, true),
	(103, '2025-05-01 12:00+00', '2025-05-01 14:00+00', true, 'DE86', false, true),
	(103, '2025-05-05 13:00+00', '2025-05-05 20:00+00', true, 'DE86', false, true),
	-- 104: exactly 12 h is an admission; 105: 12 h - 1 s is not
	(104, '2025-05-01 10:00+00', '2025-05-01 22:00+00', true, 'DE86', false, true),
	(105, '2025-05-01 10:00+00', '2025-05-01 21:59:59+00', true, 'DE86', false, true),
	-- 106: respelled WHO code
	(106, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, ' j18.9 ', false, true),
	-- 107: DO49 is outside DO40-DO48; 108: DO48 is inside
	(107, '2025-05-01 10:00+00', '2025-05-02 10:00+00', false, 'DO49', false, true),
	(108, '2025-05-01 10:00+00', '2025-05-02 10:00+00', false, 'DO48', false, true),
	-- 109: an exact duplicate counts once (DE86 26 h beats DI219 24 h)
	(109, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(109, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(109, '2025-05-02 10:00+00', '2025-05-03 12:00+00', true, 'DE86', false, true),
	-- 110: a NULL diagnosis never wins
	(110, '2025-05-01 10:00+00', '2025-05-05 10:00+00', true, NULL, false, true),
	(110, '2025-05-05 10:00+00', '2025-05-05 22:00+00', true, 'DE86', false, true),
	-- 111: an open contact is infinitely long; the stay is open
	(111, '2025-05-01 09:00+00', '2025-05-10 09:00+00', true, 'DE86', false, true),
	(111, '2025-05-01 10:00+00', NULL, true, 'DI219', false, true),
	-- 112: same end, later start discharges (not eligible)
	(112, '2025-05-01 10:00+00', '2025-05-03 10:00+00', false, 'DI219', false, true),
	(112, '2025-05-02 10:00+00', '2025-05-03 10:00+00', false, 'DI219', false, false),
	-- 113: the latest end discharges (eligible)
	(113, '2025-05-01 10:00+00', '2025-05-03 10:00+00', false, 'DI219', false, true),
	(113, '2025-05-02 10:00+00', '2025-05-03 09:00+00', false, 'DI219', false, false),
	-- 114: an injury on the next stay's second contact does not block
	(114, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(114, '2025-05-10 10:00+00', '2025-05-11 10:00+00', true, 'DI219', false, true),
	(114, '2025-05-11 10:00+00', '2025-05-12 10:00+00', true, 'DS720', false, true),
	-- 115: readmission_exclusion on any contact of the next stay blocks
	(115, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(115, '2025-05-10 10:00+00', '2025-05-11 10:00+00', true, 'DI219', false, true),
	(115, '2025-05-11 10:00+00', '2025-05-12 10:00+00', true, 'do80', false, true),
	-- 116: acute NULL on the next stay's first contact is not acute
	(116, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(116, '2025-05-10 10:00+00', '2025-05-11 10:00+00', NULL, 'DI219', false, true),
	-- 117: follow-up complete exactly at stay_end + 720 h
	(117, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	-- 118: equal starts: the shorter contact is first (acute)
	(118, '2025-05-01 10:00+00', '2025-05-02 10:00+00', false, 'DI219', false, true),
	(118, '2025-05-01 10:00+00', '2025-05-01 20:00+00', true, 'DE86', false, true),
	-- 119: psychiatric dominant
	(119, '2025-05-01 10:00+00', '2025-05-03 10:00+00', true, 'DF20', false, true),
	-- 120: the next stay's first contact (equal start, earlier end) is an injury
	(120, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(120, '2025-05-10 10:00+00', '2025-05-11 10:00+00', true, 'DI219', false, true),
	(120, '2025-05-10 10:00+00', '2025-05-10 12:00+00', true, 'DS720', false, true),
	-- 121: died on any contact
	(121, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(121, '2025-05-02 12:00+00', '2025-05-02 13:00+00', true, 'DI219', true, true),
	-- 122: WHO D50.9 is DD509, a preventable code
	(122, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'D50.9', false, true),
	-- 123: next admission skips an ambulant stay, 48 h later
	(123, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(123, '2025-05-03 10:00+00', '2025-05-03 13:00+00', true, 'DI219', false, true),
	(123, '2025-05-04 10:00+00', '2025-05-05 10:00+00', true, 'DI219', false, true),
	-- rows the reference ignores
	(NULL, '2025-05-01 10:00+00', '2025-05-02 10:00+00', true, 'DI219', false, true),
	(124, NULL, '2025-05-02 10:00+00', true, 'DI219', false, true),
	(125, '2025-09-01 10:00+00', '2025-08-01 10:00+00', true, 'DI219', false, true);

CREATE TEMP TABLE hand_stays AS SELECT * FROM kvalitet_ref.stays();

INSERT INTO ref_check (check_name, passed) VALUES
	('101: gap of exactly 4 h joins',
	 coalesce((SELECT count(*) = 1 AND bool_and(stay_end = '2025-05-03 10:00+00')
			   FROM hand_stays WHERE patient = 101), false)),
	('102: gap of 4 h + 1 microsecond splits',
	 coalesce((SELECT count(*) = 2 FROM hand_stays WHERE patient = 102), false)),
	('103: gap measured from the running max end',
	 coalesce((SELECT count(*) = 1 AND bool_and(stay_end = '2025-05-05 20:00+00')
			   FROM hand_stays WHERE patient = 103), false)),
	('104: exactly 12 h is an admission',
	 coalesce((SELECT admission FROM hand_stays WHERE patient = 104), false)),
	('105: 12 h - 1 s is ambulant',
	 coalesce((SELECT NOT admission AND NOT index_stay
			   FROM hand_stays WHERE patient = 105), false)),
	('106: '' j18.9 '' is DJ189',
	 coalesce((SELECT dominant_diagnosis = 'DJ189' FROM hand_stays WHERE patient = 106), false)),
	('107: DO49 does not exclude the index',
	 coalesce((SELECT index_stay FROM hand_stays WHERE patient = 107), false)),
	('108: DO48 excludes the index',
	 coalesce((SELECT NOT index_stay AND admission FROM hand_stays WHERE patient = 108), false)),
	('109: exact duplicate rows count once',
	 coalesce((SELECT dominant_diagnosis = 'DE86' FROM hand_stays WHERE patient = 109), false)),
	('110: NULL diagnosis never wins',
	 coalesce((SELECT dominant_diagnosis = 'DE86' FROM hand_stays WHERE patient = 110), false)),
	('111: open contact dominates; open stay is an admission, not an index',
	 coalesce((SELECT dominant_diagnosis = 'DI219' AND stay_end IS NULL AND admission
					  AND NOT index_stay AND NOT followup_complete
			   FROM hand_stays WHERE patient = 111), false)),
	('112: discharging contact = same end, later start (not eligible)',
	 coalesce((SELECT admission AND NOT index_stay FROM hand_stays WHERE patient = 112), false)),
	('113: discharging contact = latest end (eligible)',
	 coalesce((SELECT index_stay FROM hand_stays WHERE patient = 113), false)),
	('114: injury on a later contact of the next stay does not block',
	 coalesce((SELECT readmitted FROM hand_stays WHERE patient = 114 AND stay_no = 1), false)),
	('115: readmission_exclusion on any contact of the next stay blocks',
	 coalesce((SELECT index_stay AND NOT readmitted
			   FROM hand_stays WHERE patient = 115 AND stay_no = 1), false)),
	('116: acute NULL is not acute',
	 coalesce((SELECT index_stay AND NOT readmitted
					  AND next_admission_start = '2025-05-10 10:00+00'
			   FROM hand_stays WHERE patient = 116 AND stay_no = 1), false)),
	('118: equal starts, the earlier end is the first contact',
	 coalesce((SELECT acute AND dominant_diagnosis = 'DI219'
			   FROM hand_stays WHERE patient = 118), false)),
	('119: psychiatric dominant',
	 coalesce((SELECT psychiatric AND NOT index_stay AND admission
			   FROM hand_stays WHERE patient = 119), false)),
	('120: first contact of the next stay (equal start) is the injury',
	 coalesce((SELECT index_stay AND NOT readmitted
			   FROM hand_stays WHERE patient = 120 AND stay_no = 1), false)),
	('121: died on any contact',
	 coalesce((SELECT died AND NOT index_stay FROM hand_stays WHERE patient = 121), false)),
	('122: D50.9 is DD509',
	 coalesce((SELECT dominant_diagnosis = 'DD509' FROM hand_stays WHERE patient = 122), false)),
	('123: ambulant stay skipped, next admission 48 h later',
	 coalesce((SELECT readmitted AND hours_to_next = 48
					  AND next_admission_start = '2025-05-04 10:00+00'
			   FROM hand_stays WHERE patient = 123 AND stay_no = 1), false)),
	('invalid rows are ignored',
	 coalesce((SELECT count(*) = 0 FROM hand_stays
			   WHERE patient IS NULL OR patient IN (124, 125)), false)),
	('default horizon = latest valid start (2025-05-11 10:00)',
	 coalesce((SELECT bool_and(followup_complete = (stay_no = 1)) AND count(*) = 2
			   FROM kvalitet_ref.stays(readm_window => '1 hour')
			   WHERE patient = 114), false)),
	('117: follow-up complete at stay_end + 720 h exactly',
	 coalesce((SELECT followup_complete
			   FROM kvalitet_ref.stays(complete_until => '2025-06-01 10:00+00')
			   WHERE patient = 117), false)),
	('117: follow-up incomplete 1 s earlier',
	 coalesce((SELECT NOT followup_complete
			   FROM kvalitet_ref.stays(complete_until => '2025-06-01 09:59:59+00')
			   WHERE patient = 117), false)),
	('101: merge_gap 3 h 59 m 59 s splits',
	 coalesce((SELECT count(*) = 2
			   FROM kvalitet_ref.stays(merge_gap => '3 hours 59 minutes 59 seconds')
			   WHERE patient = 101), false)),
	('109: a negative merge_gap counts as 0 (touching contacts join)',
	 coalesce((SELECT count(*) = 1
			   FROM kvalitet_ref.stays(merge_gap => '-1 hour')
			   WHERE patient = 109), false)),
	('105: min_admission 11 h 59 m 59 s makes it an admission',
	 coalesce((SELECT admission
			   FROM kvalitet_ref.stays(min_admission => '11:59:59')
			   WHERE patient = 105), false)),
	('123: readm_window 47 h 59 m 59 s is too short',
	 coalesce((SELECT NOT readmitted
			   FROM kvalitet_ref.stays(readm_window => '47:59:59')
			   WHERE patient = 123 AND stay_no = 1), false)),
	('target_set copd: no acute admission has DJ44',
	 coalesce((SELECT numerator = 0 AND denominator > 0
			   FROM kvalitet_ref.preventable_share(target_set => 'copd')), false));

-- Part 4: properties of the reference on generated data.

INSERT INTO ref_check (check_name, passed) VALUES
	('random_contacts is deterministic per seed',
	 (SELECT md5(string_agg(t::text, '|')) FROM kvalitet_ref.random_contacts(0.25, 300) t)
	 = (SELECT md5(string_agg(t::text, '|')) FROM kvalitet_ref.random_contacts(0.25, 300) t)),
	('random_contacts differs between seeds',
	 (SELECT md5(string_agg(t::text, '|')) FROM kvalitet_ref.random_contacts(0.25, 300) t)
	 <> (SELECT md5(string_agg(t::text, '|')) FROM kvalitet_ref.random_contacts(0.26, 300) t));

TRUNCATE kvalitet_ref.contacts;
INSERT INTO kvalitet_ref.contacts
	SELECT * FROM kvalitet_ref.random_contacts(0.5, 4000, true);
CREATE TEMP TABLE gen_stays AS SELECT * FROM kvalitet_ref.stays();
CREATE INDEX ON gen_stays (patient, stay_start);
ANALYZE gen_stays;
CREATE TEMP TABLE gen_valid AS
	SELECT DISTINCT * FROM kvalitet_ref.contacts
	WHERE patient IS NOT NULL AND start_at IS NOT NULL
	  AND (end_at IS NULL OR end_at >= start_at);

INSERT INTO ref_check (check_name, passed) VALUES
	('generated: every valid contact lies in exactly one stay',
	 (SELECT count(*) = 0 FROM (
		 SELECT c.patient, c.start_at, c.end_at, count(s.stay_no) AS n
		 FROM gen_valid c
		 LEFT JOIN gen_stays s
		   ON s.patient = c.patient AND c.start_at >= s.stay_start
		  AND coalesce(c.end_at, 'infinity') <= coalesce(s.stay_end, 'infinity')
		 GROUP BY c.patient, c.start_at, c.end_at, c.acute, c.diagnosis,
				  c.died, c.index_eligible
		 HAVING count(s.stay_no) <> 1) bad)),
	('generated: consecutive stays are more than 4 h apart',
	 (SELECT bool_and(a.stay_end IS NOT NULL
					  AND b.stay_start > a.stay_end + interval '4 hours')
	  FROM gen_stays a
	  JOIN gen_stays b ON b.patient = a.patient AND b.stay_no = a.stay_no + 1)),
	('generated: stay numbers run 1..k per patient',
	 (SELECT bool_and(n = hi AND lo = 1) FROM (
		 SELECT count(*) AS n, min(stay_no) AS lo, max(stay_no) AS hi
		 FROM gen_stays GROUP BY patient) x)),
	('generated: admission iff open or at least 12 h',
	 (SELECT bool_and(admission = (stay_end IS NULL
								   OR stay_end - stay_start >= interval '12 hours'))
	  FROM gen_stays)),
	('generated: readmitted implies index within 720 h',
	 (SELECT bool_and(NOT readmitted OR (index_stay AND hours_to_next <= 720
										 AND hours_to_next > 0))
	  FROM gen_stays)),
	('generated: index implies closed admission',
	 (SELECT bool_and(NOT index_stay OR (admission AND stay_end IS NOT NULL))
	  FROM gen_stays)),
	('generated: next admission is the first later admission',
	 (SELECT bool_and(s.next_admission_start IS NOT DISTINCT FROM (
			 SELECT min(t.stay_start) FROM gen_stays t
			 WHERE t.patient = s.patient AND t.admission
			   AND t.stay_start > s.stay_end))
	  FROM gen_stays s WHERE s.stay_end IS NOT NULL)),
	('generated: aggregates agree with the per-stay relation',
	 (SELECT r.numerator = (SELECT count(*) FROM gen_stays WHERE readmitted)
			 AND r.denominator = (SELECT count(*) FROM gen_stays WHERE index_stay)
	  FROM kvalitet_ref.readmission_rate() r)),
	('generated: has next admissions at 720 h - 1 s, 720 h and 720 h + 1 s',
	 (SELECT count(DISTINCT round(hours_to_next * 3600)) = 3 FROM gen_stays
	  WHERE round(hours_to_next * 3600) IN (2591999, 2592000, 2592001)
		AND abs(hours_to_next * 3600 - round(hours_to_next * 3600)) < 1e-6)),
	('generated: has stays of 12 h - 1 s, 12 h and 12 h + 1 s',
	 (SELECT count(DISTINCT stay_end - stay_start) = 3 FROM gen_stays
	  WHERE stay_end - stay_start IN (interval '11:59:59', interval '12:00',
									  interval '12:00:01'))),
	('generated: has contact gaps of exactly 4 h and 4 h + 1 microsecond',
	 (SELECT count(DISTINCT b.start_at - a.end_at) = 2
	  FROM gen_valid a JOIN gen_valid b ON b.patient = a.patient
	  WHERE b.start_at - a.end_at IN (interval '4 hours',
									  interval '4 hours 0.000001 seconds'))),
	('generated: has open stays, exact duplicates, invalid rows, respelled codes',
	 (SELECT count(*) FILTER (WHERE stay_end IS NULL) > 0 FROM gen_stays)
	 AND (SELECT count(*) > count(DISTINCT c) FROM kvalitet_ref.contacts c)
	 AND (SELECT count(*) FILTER (WHERE patient IS NULL OR start_at IS NULL
								  OR end_at < start_at) > 0
		  FROM kvalitet_ref.contacts)
	 AND (SELECT count(*) FILTER (WHERE diagnosis ~ '[a-z. ]' OR diagnosis ~ '^[A-Z][0-9]') > 0
		  FROM kvalitet_ref.contacts)),
	('generated: readmissions and preventable admissions both occur',
	 (SELECT numerator > 0 AND numerator < denominator FROM kvalitet_ref.readmission_rate())
	 AND (SELECT numerator > 0 AND numerator < denominator
		  FROM kvalitet_ref.preventable_share()));

TRUNCATE kvalitet_ref.contacts;

-- Report, then fail the script when any check failed.
RESET client_min_messages;

SELECT ord, CASE WHEN passed THEN 'PASS' ELSE 'FAIL' END AS result, check_name
FROM ref_check
ORDER BY ord;

DO $$
DECLARE
	failed int;
	total int;
BEGIN
	SELECT count(*) FILTER (WHERE passed IS NOT TRUE), count(*)
	INTO failed, total
	FROM ref_check;
	IF failed > 0 THEN
		RAISE EXCEPTION 'kvalitet_ref: % of % checks failed', failed, total;
	END IF;
	RAISE NOTICE 'kvalitet_ref: all % checks passed', total;
END
$$;
