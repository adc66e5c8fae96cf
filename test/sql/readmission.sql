-- readmission_rate and preventable_admission_share on the worked examples of
-- the rule set (test/fixtures/worked_examples.sql).
SET TimeZone = 'UTC';
CREATE TEMP TABLE ex (patient bigint, start_at timestamptz, end_at timestamptz,
                      acute boolean, diagnosis text, died boolean);
\set worked_examples ex
\i test/fixtures/worked_examples.sql

-- Per patient (each group is one patient, so grouping is safe) and in total.
SELECT patient,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) AS readm,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) AS prev
FROM ex GROUP BY patient ORDER BY patient;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) AS readm,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) AS prev
FROM ex;

-- The same with text and uuid patients, and with rows in reverse order.
SELECT kvalitet.readmission_rate('p' || patient, start_at, end_at, acute, diagnosis, died) AS text_patients,
       kvalitet.readmission_rate(('00000000-0000-0000-0000-' || lpad(patient::text, 12, '0'))::uuid,
                                 start_at, end_at, acute, diagnosis, died) AS uuid_patients
FROM ex;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died ORDER BY start_at DESC) AS reversed
FROM ex;

-- One signature for every accepted key type: integer and varchar keys give
-- the same answers, a domain counts as its base type, and any other type
-- is refused (42804) with the types that are accepted.
CREATE DOMAIN pg_temp.patient_code AS text;
SELECT kvalitet.readmission_rate(patient::integer, start_at, end_at, acute, diagnosis, died) AS integer_patients,
       kvalitet.readmission_rate(('p' || patient)::varchar(10), start_at, end_at, acute, diagnosis, died) AS varchar_patients,
       kvalitet.readmission_rate(('p' || patient)::pg_temp.patient_code, start_at, end_at, acute, diagnosis, died) AS domain_patients,
       kvalitet.preventable_admission_share(patient::integer, start_at, end_at, acute, diagnosis) AS integer_prev,
       kvalitet.preventable_admission_share(('p' || patient)::varchar, start_at, end_at, acute, diagnosis, 'preventable_elderly') AS varchar_prev
FROM ex;
SELECT kvalitet.readmission_rate(patient::numeric, start_at, end_at, acute, diagnosis) FROM ex;
SELECT kvalitet.preventable_admission_share(patient::smallint, start_at, end_at, acute, diagnosis) FROM ex;
SELECT p.proname, count(*) AS overloads,
       bool_and(pg_get_function_identity_arguments(p.oid) LIKE 'patient anyelement,%') AS anyelement_patient
FROM pg_proc AS p
WHERE p.pronamespace = 'kvalitet'::regnamespace AND p.proname IN ('readmission_rate', 'preventable_admission_share')
GROUP BY 1 ORDER BY 1;
-- kvalitet.stays takes the same key types; the key column must match patient_type.
SELECT patient, count(*) AS stays
FROM kvalitet.stays($$SELECT patient::integer AS patient, start_at, end_at, acute, diagnosis FROM ex$$, NULL::integer)
GROUP BY 1 ORDER BY 1 LIMIT 3;
SELECT pg_typeof(patient), count(*) AS stays
FROM kvalitet.stays($$SELECT ('p' || patient)::text AS patient, start_at, end_at, acute, diagnosis FROM ex$$, NULL::varchar)
GROUP BY 1;
SELECT count(*) FROM kvalitet.stays($$SELECT patient, start_at, end_at, acute, diagnosis FROM ex$$, NULL::integer);
SELECT count(*) FROM kvalitet.stays($$SELECT patient, start_at, end_at, acute, diagnosis FROM ex$$, NULL::date);

-- The per-stay relation agrees with the aggregate.
CREATE TEMP TABLE ex_stays AS
SELECT patient, (s).*
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true,
                                                    'unit-' || patient, '2025-06-01')) AS s
      FROM ex GROUP BY patient) AS per_patient;
SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis AS dom,
       died, discharging_unit AS unit, index_stay AS idx, readmitted AS readm,
       hours_to_next, followup_complete AS complete
FROM ex_stays ORDER BY patient, stay_no;
SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS from_stays
FROM ex_stays;

-- patient_stays takes the patient: without GROUP BY patient the group holds
-- several patients, which is an error rather than one merged history.
SELECT kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL) FROM ex;
SELECT cardinality(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL)) AS stays
FROM ex WHERE patient = 4;

-- index_eligible: false on the discharging contact keeps the stay from being an index.
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, patient <> 4)
FROM ex;

-- Another target set for the preventable share.
SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'copd')
FROM ex;
SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'no_such_set')
FROM ex;

-- Parameters per session: a merge gap 2 s shorter than patient 1's gap splits its contacts.
SET kvalitet.merge_gap = '14398s';
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) FROM ex WHERE patient = 1;
RESET kvalitet.merge_gap;
SET kvalitet.readmission_window = '2592001s';  -- 720 h + 1 s
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) FROM ex WHERE patient = 3;
RESET kvalitet.readmission_window;

-- Rules pinned per call ignore the session's settings; stay_rules() is dk-default-1.
SET kvalitet.merge_gap = '14398s';
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true, kvalitet.stay_rules()) AS pinned,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true) AS session
FROM ex;
RESET kvalitet.merge_gap;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true,
                                 kvalitet.stay_rules(readmission_window => '720 hours 1 second')) AS wider_window,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true,
                                 kvalitet.stay_rules(exclusion_set => 'preventable_elderly')) AS other_exclusions,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis, 'preventable_elderly',
                                 kvalitet.stay_rules(min_admission => '48 hours')) AS longer_admissions
FROM ex;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true,
                                 kvalitet.stay_rules(readmission_window => '1 month'))
FROM ex;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, true,
                                 kvalitet.stay_rules(merge_gap => '-1 hour'))
FROM ex;

-- Rows ordered by patient inside the call are processed patient by patient
-- (memory bounded by the largest patient); the results are the same.
SET client_min_messages = debug1;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died ORDER BY patient) FROM ex;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died ORDER BY start_at) FROM ex;
RESET client_min_messages;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died ORDER BY patient) AS by_patient,
       kvalitet.readmission_rate('p' || patient, start_at, end_at, acute, diagnosis, died ORDER BY 'p' || patient) AS by_text_patient,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis ORDER BY patient, start_at) AS prev_by_patient
FROM (SELECT * FROM ex UNION ALL SELECT * FROM ex WHERE patient = 3) AS with_duplicates;

-- Under a nondeterministic collation ORDER BY patient may interleave keys
-- that differ only in case: the rows are then buffered and sorted bytewise,
-- so 'p1' and 'P1' stay two patients and the answer is the one without ORDER BY.
CREATE COLLATION pg_temp.case_blind (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TEMP TABLE ex_ci AS
SELECT (CASE WHEN n = 1 THEN 'p' ELSE 'P' END || patient) COLLATE pg_temp.case_blind AS patient,
       start_at + (n - 1) * interval '10 days' AS start_at, end_at + (n - 1) * interval '10 days' AS end_at,
       acute, diagnosis, died
FROM ex, generate_series(1, 2) AS n;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died ORDER BY patient) AS ordered,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) AS unordered
FROM ex_ci;

-- One patient with 10,000 contacts: 24-hour acute admissions, each starting
-- 9 days after the one before ends, so every one but the last is readmitted.
SELECT kvalitet.readmission_rate(1::bigint, t, t + interval '24 hours', true, 'DI219') AS one_patient
FROM generate_series(timestamptz '2000-01-01 00:00+00', timestamptz '2000-01-01 00:00+00' + interval '240 hours' * 9999,
                     interval '240 hours') AS t;

-- One patient with 20,000 contacts and 2,000 distinct codes (a constant
-- patient column, say) stays fast: 13-hour acute admissions a day apart.
SELECT kvalitet.readmission_rate(1::bigint, t, t + interval '13 hours', true, 'DA' || (1000 + n % 2000)) AS many_codes
FROM generate_series(0, 19999) AS n,
     LATERAL (SELECT timestamptz '2000-01-01 00:00+00' + n * interval '24 hours') AS s(t);

-- Bad rows: rows that cannot be placed in time are skipped, a diagnosis that
-- is not a code ("12?") is unknown; one warning counts both; never a CPR
-- number in the text.
SELECT kvalitet.readmission_rate(p, s, e, true, d)
FROM (VALUES ('010190-1234', '2025-01-01 10:00'::timestamptz, '2025-01-02 10:00'::timestamptz, 'DI219'),
             (NULL, '2025-01-01 10:00', '2025-01-02 10:00', 'DI219'),
             ('010190-1234', NULL, '2025-01-02 10:00', 'DI219'),
             ('010190-1234', '2025-01-05 10:00', '2025-01-04 10:00', 'DI219'),
             ('010190-1234', '2025-01-05 10:00', '2025-01-06 10:00', '12?'),
             ('010190-1234', '2025-01-07 10:00', '2025-01-08 10:00', 'DI219')) AS v(p, s, e, d);
-- The same rows through kvalitet.stays: the same warning, three stays.
SELECT patient, stay_no, stay_start, stay_end, index_stay
FROM kvalitet.stays($$
	SELECT p AS patient, s AS start_at, e AS end_at, true AS acute, d AS diagnosis
	FROM (VALUES ('010190-1234', '2025-01-01 10:00'::timestamptz, '2025-01-02 10:00'::timestamptz, 'DI219'),
	             (NULL, '2025-01-01 10:00', '2025-01-02 10:00', 'DI219'),
	             ('010190-1234', NULL, '2025-01-02 10:00', 'DI219'),
	             ('010190-1234', '2025-01-05 10:00', '2025-01-04 10:00', 'DI219'),
	             ('010190-1234', '2025-01-05 10:00', '2025-01-06 10:00', '12?'),
	             ('010190-1234', '2025-01-07 10:00', '2025-01-08 10:00', 'DI219')) AS v(p, s, e, d)$$,
	NULL::text);
SET kvalitet.on_bad_input = error;
SELECT kvalitet.readmission_rate(p, s, e, true, d)
FROM (VALUES ('010190-1234', '2025-01-05 10:00'::timestamptz, '2025-01-04 10:00'::timestamptz, 'DI219')) AS v(p, s, e, d);
RESET kvalitet.on_bad_input;

-- Duplicate rows describe one contact.
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)
FROM (SELECT * FROM ex UNION ALL SELECT * FROM ex WHERE patient = 2) AS doubled;

-- No rows: 0/0.
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis) FROM ex WHERE false;
