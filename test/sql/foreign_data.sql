-- Admissions from a system that is not LPR3: ICD-9 numbers, ICD-9 V-codes,
-- WHO ICD-10 codes with and without dots, empty strings and free text.  A
-- diagnosis that is not a code costs only the diagnosis: the contact still
-- builds stays (docs/indicators.md section 1).  Expected values by hand:
--   1: '4280' (ICD-9) 01-01..01-03 acute, then I50.9 01-10..01-12 acute:
--      both index, the first readmitted: 1/2; preventable 0/2.
--   2: 'V45.1' (an ICD-9 V-code, which reads as the ICD-10 code DV451)
--      02-01..02-02 acute, then J18.9 02-20..02-22 acute: 1/2;
--      preventable 1/2 (DJ189).
--   3: 'chest pain' 03-01 10:00 - 03-02 10:00 acute, joined by 'e86' 11:00 -
--      15:00 planned: one acute 29-hour stay whose dominant diagnosis is
--      DE86 (free text never wins): index 0/1, preventable 1/1.  Without the
--      first contact the stay would be 4 hours, not an admission.
--   4: '' 04-01..04-03 acute, then 'S72.0' 04-20..04-22 acute: an injury
--      starts the next stay, so no readmission: 0/2; preventable 1/2 (DS720).
--   5: 'pneumonia' 05-01..05-02 acute, then 'C50.9' 05-10..05-11 acute:
--      cancer keeps the next stay from counting, and from being an index:
--      0/1; preventable 0/2.
--   6: a row without a start: skipped and counted.
-- Together: readmission 2/8, preventable 3/9; 4 diagnoses unknown, 1 row skipped.
SET TimeZone = 'UTC';
CREATE TEMP TABLE foreign_admissions (patient bigint, start_at timestamptz, end_at timestamptz,
                                      acute boolean, diagnosis text);
INSERT INTO foreign_admissions VALUES
(1, '2025-01-01 10:00', '2025-01-03 10:00', true, '4280'),
(1, '2025-01-10 10:00', '2025-01-12 10:00', true, 'I50.9'),
(2, '2025-02-01 08:00', '2025-02-02 08:00', true, 'V45.1'),
(2, '2025-02-20 10:00', '2025-02-22 10:00', true, 'J18.9'),
(3, '2025-03-01 10:00', '2025-03-02 10:00', true, 'chest pain'),
(3, '2025-03-02 11:00', '2025-03-02 15:00', false, 'e86'),
(4, '2025-04-01 10:00', '2025-04-03 10:00', true, ''),
(4, '2025-04-20 10:00', '2025-04-22 10:00', true, 'S72.0'),
(5, '2025-05-01 10:00', '2025-05-02 10:00', true, 'pneumonia'),
(5, '2025-05-10 10:00', '2025-05-11 10:00', true, 'C50.9'),
(6, NULL, '2025-06-02 10:00', true, 'I21');

SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis) AS readmission,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) AS preventable
FROM foreign_admissions;
SET client_min_messages = error;  -- one warning per group and aggregate otherwise
SELECT patient, kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis) AS readmission,
       kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) AS preventable
FROM foreign_admissions GROUP BY patient ORDER BY patient;
RESET client_min_messages;

-- The per-stay relation: the same stays, unknown diagnoses as NULL.
SELECT patient, stay_no, stay_start, stay_end, admission, acute, dominant_diagnosis, index_stay, readmitted
FROM kvalitet.stays($$SELECT * FROM foreign_admissions$$, NULL::bigint)
ORDER BY patient, stay_no;
SELECT p.patient, s.stay_no, s.dominant_diagnosis, s.index_stay, s.readmitted
FROM (SELECT patient, kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, false, true, NULL) AS stays
      FROM foreign_admissions WHERE patient IN (3, 5) GROUP BY patient) AS p, unnest(p.stays) AS s
ORDER BY 1, 2;

-- With on_bad_input = error the first unknown diagnosis stops the call; the
-- message shows the text (not personal data), never the patient.
SET kvalitet.on_bad_input = error;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis)
FROM foreign_admissions WHERE patient = 3;
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, E'x\ty' || repeat('z', 60))
FROM foreign_admissions WHERE patient = 2;
RESET kvalitet.on_bad_input;
