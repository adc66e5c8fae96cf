-- The outcomes of the stays (SPEC 11.1, 11.5, 11.6): mortality_rate,
-- newborn_readmission_rate, preventable_readmission_rate and the outcome
-- columns of the per-stay relation, on hand-worked cases that sit on each
-- threshold.  Times are UTC; local days are Europe/Copenhagen (CET = UTC+1,
-- CEST = UTC+2 from 2025-03-30 01:00 UTC).
SET TimeZone = 'UTC';
SET kvalitet.timezone = 'Europe/Copenhagen';

-- Contacts with the patient's CPR death date joined onto each row.
CREATE TEMP TABLE m (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                     diagnosis text, died boolean, death_date date, note text);
INSERT INTO m VALUES
-- 1: death on day 30 after the local start date (event)
(1, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, '2025-03-31', 'day 30'),
-- 2: day 31 (no event)
(2, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, '2025-04-01', 'day 31'),
-- 3: 23:30 UTC on 02-28 is 00:30 local on 03-01: day 30 locally (31 in UTC)
(3, '2025-02-28 23:30', '2025-03-03 10:00', true, 'DI219', false, '2025-03-31', 'local midnight'),
-- 4: 22:30 UTC on 03-01 is 23:30 local, still 03-01: 04-01 is day 31
(4, '2025-03-01 22:30', '2025-03-03 10:00', true, 'DI219', false, '2025-04-01', 'before local midnight'),
-- 5, 6: across the change to summer time: local start 03-30, day 30 = 04-29
(5, '2025-03-29 23:30', '2025-04-02 10:00', true, 'DI219', false, '2025-04-29', 'DST day 30'),
(6, '2025-03-29 23:30', '2025-04-02 10:00', true, 'DI219', false, '2025-04-30', 'DST day 31'),
-- 7: a death date before the start: inconsistent, counted, not an event
(7, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DI219', false, '2025-03-05', 'death before start'),
-- 8: died in hospital, no register date: the local end date is the death
(8, '2025-03-01 10:00', '2025-03-05 10:00', true, 'DI219', true, NULL, 'died in hospital'),
-- 9: two admissions; the second ends in death at 23:30 UTC on 03-31 = 04-01 local:
--    day 31 of the first (no event), day 12 of the second (event)
(9, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, NULL, 'first'),
(9, '2025-03-20 10:00', '2025-03-31 23:30', true, 'DJ189', true, NULL, 'died'),
-- 10: a planned admission is no index; 11: a psychiatric one neither;
-- 12: an acute ambulant stay (11 h) neither
(10, '2025-03-01 10:00', '2025-03-03 10:00', false, 'DI219', false, '2025-03-05', 'planned'),
(11, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DF200', false, '2025-03-05', 'psychiatric'),
(12, '2025-03-01 10:00', '2025-03-01 21:00', true, 'DI219', false, '2025-03-05', 'ambulant'),
-- 13: alive
(13, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, NULL, 'alive');

-- index: 1-9 (9 twice) and 13 = 11; events: 1, 3, 5, 8, 9 (second) = 5; one
-- inconsistent (7), counted in a WARNING.
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date) AS mortality
FROM m;
SELECT patient, note, kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date) AS mortality
FROM m WHERE patient <> 7 GROUP BY patient, note HAVING count(*) = 1 ORDER BY patient;
-- window 7 (RKKP): only 8 (day 4; the second stay of 9 is day 12); NULL = 30 days
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, 7) AS within_7,
       kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, NULL) AS within_null
FROM m WHERE patient <> 7;
-- the time zone pinned in the rules: in UTC patient 3 starts on 02-28 (day 31),
-- patient 4 dies on day 31 either way
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, NULL,
                               kvalitet.stay_rules(time_zone => 'UTC')) AS utc,
       kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, NULL,
                               kvalitet.stay_rules(time_zone => 'Europe/Copenhagen', mortality_window_days => 7)) AS rules_7
FROM m WHERE patient IN (3, 4);
-- text and uuid patients, rows in any order, give the same
SELECT kvalitet.mortality_rate('p' || patient, start_at, end_at, acute, diagnosis, died, death_date) AS text_patients,
       kvalitet.mortality_rate(('00000000-0000-0000-0000-' || lpad(patient::text, 12, '0'))::uuid,
                               start_at, end_at, acute, diagnosis, died, death_date ORDER BY start_at DESC) AS uuid_reversed,
       kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date
                               ORDER BY patient, start_at) AS streamed
FROM m WHERE patient <> 7;

-- Bad input: a negative window, an unknown time zone; a bad row is skipped
-- and counted, an infinite death date ignored and counted.
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, -1) FROM m;
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date, NULL,
                               kvalitet.stay_rules(time_zone => 'Mars/Olympus')) FROM m;
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date) AS with_bad_rows
FROM (SELECT patient, start_at, end_at, acute, diagnosis, died, death_date FROM m WHERE patient = 1
      UNION ALL VALUES (NULL::bigint, '2025-03-01 10:00'::timestamptz, '2025-03-03 10:00'::timestamptz, true, 'DI219', false, NULL::date),
                       (14, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, 'infinity')) AS x;
SET kvalitet.on_bad_input = error;
SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date)
FROM (VALUES (14::bigint, '2025-03-01 10:00'::timestamptz, '2025-03-03 10:00'::timestamptz, true, 'DI219', false, '-infinity'::date))
     AS x (patient, start_at, end_at, acute, diagnosis, died, death_date);
RESET kvalitet.on_bad_input;

-- Newborns: the birth date joined onto each row.
CREATE TEMP TABLE n (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                     diagnosis text, died boolean, birth_date date, note text);
INSERT INTO n VALUES
-- 1: birth stay ends 03-03; a readmission for DE86 on local 03-31 (end date + 28)
(1, '2025-03-01 08:00', '2025-03-03 08:00', false, 'DZ380', false, '2025-03-01', 'birth'),
(1, '2025-03-31 10:00', '2025-04-02 10:00', true, 'DE86', false, '2025-03-01', 'day 28'),
-- 2: 22:30 UTC on 03-31 is 00:30 local on 04-01: day 29, not counted
(2, '2025-03-01 08:00', '2025-03-03 08:00', false, 'DZ380', false, '2025-03-01', 'birth'),
(2, '2025-03-31 22:30', '2025-04-02 10:00', true, 'DE86', false, '2025-03-01', 'day 29 local'),
-- 3: the first stay starts the day after the birth: a birth stay
(3, '2025-03-02 08:00', '2025-03-04 08:00', false, 'DZ380', false, '2025-03-01', 'birth + 1'),
(3, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DP59', false, '2025-03-01', 'jaundice'),
-- 4: two days after: no birth stay, not counted
(4, '2025-03-03 08:00', '2025-03-05 08:00', false, 'DZ380', false, '2025-03-01', 'birth + 2'),
(4, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DP59', false, '2025-03-01', 'jaundice'),
-- 5: a readmission for a cause outside the set (counts only with any cause)
(5, '2025-03-01 08:00', '2025-03-03 08:00', false, 'DZ380', false, '2025-03-01', 'birth'),
(5, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DJ189', false, '2025-03-01', 'pneumonia'),
-- 6: a birth stay ending in death: no index
(6, '2025-03-01 08:00', '2025-03-03 08:00', false, 'DP07', true, '2025-03-01', 'died'),
-- 7: 23:30 UTC on 02-28 is 00:30 local on 03-01, the birth date
(7, '2025-02-28 23:30', '2025-03-03 08:00', false, 'DZ380', false, '2025-03-01', 'local birth date'),
-- 8: an ambulant stay for DE86 (10 h) is no readmission; then none
(8, '2025-03-01 08:00', '2025-03-03 08:00', false, 'DZ380', false, '2025-03-01', 'birth'),
(8, '2025-03-10 08:00', '2025-03-10 18:00', true, 'DE86', false, '2025-03-01', 'ambulant');

-- index: 1, 2, 3, 5, 7, 8 = 6; readmitted: 1, 3 = 2; any cause: 1, 3, 5 = 3;
-- in UTC 7's first stay starts the day before the birth (no index) and 2's
-- readmission is on day 28 (UTC date 03-31)
SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date) AS newborn,
       kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date,
                                         NULL) AS any_cause,
       kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date,
                                         'newborn_selected_causes',
                                         kvalitet.stay_rules(time_zone => 'UTC')) AS utc
FROM n;
SELECT patient, kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date) AS newborn
FROM n GROUP BY patient ORDER BY patient;
SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date, 'no_such_set') FROM n;

-- Preventable readmissions: the next admission's dominant diagnosis decides.
CREATE TEMP TABLE r (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                     diagnosis text, died boolean, eligible boolean);
INSERT INTO r VALUES
(1, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, true),
(1, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DE86', false, true),      -- preventable
(2, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, true),
(2, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DI500', false, true),     -- not preventable
(3, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, false),    -- not eligible
(3, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DJ181', false, false),
(4, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, true),
(4, '2025-04-10 10:00', '2025-04-12 10:00', true, 'DE86', false, true);     -- after 30 days
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died, eligible) AS readmission,
       kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, eligible) AS preventable,
       kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, eligible, NULL) AS any_set,
       kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, eligible, 'copd') AS copd
FROM r;

-- The per-stay relation: the same flags, stay by stay, from the same rows.
SELECT patient, (s).stay_no, (s).mortality_index, (s).days_to_death, (s).died_within_window
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    NULL, NULL, death_date, NULL::date)) AS s
      FROM m GROUP BY patient) AS x
ORDER BY 1, 2;
SELECT patient, (s).stay_no, (s).birth_stay, (s).newborn_index, (s).newborn_readmitted
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    NULL, NULL, NULL::date, birth_date)) AS s
      FROM n GROUP BY patient) AS x
ORDER BY 1, 2;
SELECT patient, stay_no, readmitted, next_dominant_diagnosis, preventable_readmitted
FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis, died, eligible AS index_eligible FROM r',
                         NULL::bigint)
ORDER BY 1, 2;
-- kvalitet.stays keeps its columns; stays_full adds the outcome columns
SELECT DISTINCT k.n AS stays_columns
FROM kvalitet.stays('SELECT patient, start_at, end_at, acute, diagnosis FROM r', NULL::bigint) AS s
CROSS JOIN LATERAL (SELECT count(*) FROM json_object_keys(row_to_json(s))) AS k(n);
SELECT DISTINCT k.n AS stays_full_columns
FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis FROM r', NULL::bigint) AS s
CROSS JOIN LATERAL (SELECT count(*) FROM json_object_keys(row_to_json(s))) AS k(n);
SELECT (SELECT kvalitet.mortality_rate(patient, start_at, end_at, acute, diagnosis, died, death_date) FROM m)::text
       = kvalitet.proportion(count(*) FILTER (WHERE died_within_window), count(*) FILTER (WHERE mortality_index))::text
       AS mortality_agrees
FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis, died, death_date FROM m', NULL::bigint);
SELECT (SELECT kvalitet.newborn_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, birth_date) FROM n)::text
       = kvalitet.proportion(count(*) FILTER (WHERE newborn_readmitted), count(*) FILTER (WHERE newborn_index))::text
       AS newborn_agrees
FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis, died, birth_date FROM n', NULL::bigint);
SELECT (SELECT kvalitet.preventable_readmission_rate(patient, start_at, end_at, acute, diagnosis, died, eligible) FROM r)::text
       = kvalitet.proportion(count(*) FILTER (WHERE preventable_readmitted), count(*) FILTER (WHERE index_stay))::text
       AS preventable_agrees
FROM kvalitet.stays_full('SELECT patient, start_at, end_at, acute, diagnosis, died, eligible AS index_eligible FROM r', NULL::bigint);
-- Mortality follow-up (SPEC 11.1): complete when the local start date +
-- window is at most the deaths' completeness date: the local date of
-- data_complete_until, else the later of the latest start's local date and
-- the latest death date.  Patient 1 starts on 03-01: day 30 is 03-31.
SELECT patient, stay_no, mortality_followup_complete AS by_death_date
FROM kvalitet.stays_full($$SELECT patient, start_at, end_at, acute, diagnosis, died, death_date FROM m
                          WHERE patient = 1$$, NULL::bigint);
SELECT patient, stay_no, mortality_followup_complete AS by_latest_start
FROM kvalitet.stays_full($$SELECT patient, start_at, end_at, acute, diagnosis, died FROM m
                          WHERE patient IN (1, 7)$$, NULL::bigint) ORDER BY 1;
-- 2025-03-30 22:30 UTC is 00:30 local on 03-31 (summer time); 21:30 UTC is 23:30 on 03-30
SELECT patient, (s).stay_no, (s).mortality_followup_complete AS until_0030_local
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    '2025-03-30 22:30+00', NULL, death_date, NULL::date)) AS s
      FROM m WHERE patient = 1 GROUP BY patient) AS x;
SELECT patient, (s).stay_no, (s).mortality_followup_complete AS until_2330_local
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    '2025-03-30 21:30+00', NULL, death_date, NULL::date)) AS s
      FROM m WHERE patient = 1 GROUP BY patient) AS x;
SELECT patient, (s).stay_no, (s).mortality_followup_complete AS unknown
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    NULL, NULL, death_date, NULL::date)) AS s
      FROM m WHERE patient = 1 GROUP BY patient) AS x;
-- Every overload takes an anyelement patient, is parallel safe and has the
-- combine, serialize and deserialize functions of the stays engine.
SELECT p.proname, count(*) AS overloads,
       bool_and(pg_get_function_identity_arguments(p.oid) LIKE 'patient anyelement,%') AS anyelement_patient,
       bool_and(p.proparallel = 's') AS parallel_safe,
       bool_and(a.aggcombinefn = 'kvalitet.stays_combine'::regproc
                AND a.aggserialfn = 'kvalitet.stays_serialize'::regproc
                AND a.aggdeserialfn = 'kvalitet.stays_deserialize'::regproc) AS combines
FROM pg_proc AS p JOIN pg_aggregate AS a ON a.aggfnoid = p.oid
WHERE p.pronamespace = 'kvalitet'::regnamespace
  AND p.proname IN ('mortality_rate', 'newborn_readmission_rate', 'preventable_readmission_rate', 'patient_stays')
GROUP BY p.proname ORDER BY 1;
-- stay_rules(): the old form leaves the outcome fields NULL (the setting or
-- default); the form with a time zone fills them with dk-default-1.
SELECT (kvalitet.stay_rules()).time_zone IS NULL AS old_form_null,
       row(kvalitet.stay_rules(merge_gap => '1 hour')) IS NOT NULL AS named_old_form,
       kvalitet.stay_rules(time_zone => 'Europe/Copenhagen') AS new_form;
-- Both dates on the same rows: a newborn who dies after the readmission.
SELECT patient, (s).stay_no, (s).birth_stay, (s).newborn_readmitted, (s).days_to_death, (s).died_within_window
FROM (SELECT patient, unnest(kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, NULL,
                                                    NULL, NULL, date '2025-04-20', birth_date)) AS s
      FROM n WHERE patient = 1 GROUP BY patient) AS x
ORDER BY 2;
