-- kvalitet.bind over LPR3 as it is delivered (issue 17): tables shaped like
-- Forskerservice's LPR3_F (text dates, upper-case quoted names; typed and
-- pseudonymised with a BEF population table), Danmarks Statistik's LPR_A
-- (LPR2 rows among the LPR3 rows) and a regional DW view with text values.
-- Every binding gives the readmissions of kvalitet.readmission_rate over the
-- same contacts written out by hand, deaths from forløb ended ALAC70.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- Text dates and times: the usual spellings, NULL for the rest.
SELECT s, kvalitet.text_date(s) FROM unnest(ARRAY['20240229', '2024-02-29', '20230229', '2025-13-01',
       '2025-04-31', '2025-01-10 08:00', '2025-01-10T08:00:00', '10JAN2025', '', 'abc']) AS s;
SELECT s, kvalitet.text_time(s) FROM unnest(ARRAY['08:00', '0800', '08.00', '08:00:30', '080030', '23:59:59.5',
       '24:00', '08:60', '8:00', 'x']) AS s;
SELECT s, kvalitet.text_timestamp(s) FROM unnest(ARRAY['2025-01-10 08:00', '20250110T0800', '2025-01-10',
       '2025-01-10 25:00', '2025-02-30 08:00']) AS s;

-- The truth, by hand (local times; only the physical contacts with a
-- readable start).  Deaths: K2 ends forløb F2 (ALAC70; F2's later contact
-- is ALCA10 "død", not read), K5 ends F3 (ALAC70; K4 of F3 did not die),
-- K10 falls on P4's CPR death date.  Index admissions: K1 (readmitted by
-- K2), K4 (readmitted by K5), K6 (K9 is planned), K9: 2/4.
CREATE SCHEMA truth;
CREATE TABLE truth.contacts (k text, patient text, start_at timestamptz, end_at timestamptz, acute boolean,
                             diagnosis text, died boolean);
INSERT INTO truth.contacts VALUES
('K1', 'P1', '2025-01-10 08:00+01', '2025-01-12 10:00+01', true, 'DI219', false),
('K2', 'P1', '2025-01-20 09:00+01', '2025-01-22 11:00+01', true, 'DJ189', true),
('K4', 'P2', '2025-02-01 08:00+01', '2025-02-03 08:00+01', true, 'DI219', false),
('K5', 'P2', '2025-02-20 08:00+01', '2025-02-22 08:00+01', true, 'DI219', true),
('K6', 'P3', '2025-03-01 10:00+01', '2025-03-02 10:00+01', true, 'DI219', false),
('K9', 'P3', '2025-03-10 10:00+01', '2025-03-11 10:00+01', false, 'DI219', false),
('K10', 'P4', '2025-04-01 10:00+02', '2025-04-03 10:00+02', true, 'DI219', true);
SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text AS direct,
       kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, false)::text AS direct_without_deaths
FROM truth.contacts;

-- 1. LPR3_F as SDS delivers it in CSV, loaded as text: upper-case quoted
-- names where the files have them, dates YYYYMMDD, times HH:MM.  K7 has a
-- start date that is no date, K11 a start time that is no time: unknown,
-- so those contacts are skipped (and counted), never an abort.
CREATE SCHEMA lpr3f;
CREATE TABLE lpr3f.kontakter ("CPR" text, "DW_EK_KONTAKT" text, "DW_EK_FORLOEB" text, "SORENHED_ANS" text,
                              dato_start text, tidspunkt_start text, dato_slut text, tidspunkt_slut text,
                              aktionsdiagnose text, kontakttype text, prioritet text);
INSERT INTO lpr3f.kontakter VALUES
('0101501111', 'K1', 'F1', 'U1', '20250110', '08:00', '20250112', '10:00', 'DI219', 'ALCA00', 'ATA1'),
('0101501111', 'K2', 'F2', 'U1', '20250120', '09:00', '20250122', '11:00', 'DJ189', 'ALCA00', 'ATA11A'),
('0101501111', 'K3', 'F2', 'U1', '20250122', '11:00', '20250122', '11:30', 'DJ189', 'ALCA10', 'ATA1'),
('0202602222', 'K4', 'F3', 'U1', '20250201', '08:00', '20250203', '08:00', 'DI219', 'ALCA00', 'ATA1'),
('0202602222', 'K5', 'F3', 'U1', '20250220', '08:00', '20250222', '08:00', 'DI219', 'ALCA00', 'ATA12'),
('0303703333', 'K6', 'F4', 'U2', '20250301', '10:00', '20250302', '10:00', 'DI219', 'ALCA00', 'ATA11'),
('0303703333', 'K7', 'F4', 'U2', '20251301', '10:00', '20251302', '10:00', 'DI219', 'ALCA00', 'ATA1'),
('0303703333', 'K8', 'F4', 'U2', '20250305', '10:00', '20250305', '10:30', 'DI219', 'ALCA03', 'ATA1'),
('0303703333', 'K9', 'F5', 'U2', '20250310', '10:00', '20250311', '10:00', 'DI219', 'ALCA00', 'ATA3'),
('0404804444', 'K10', 'F6', 'U2', '20250401', '10:00', '20250403', '10:00', 'DI219', 'ALCA00', 'ATA1'),
('0404804444', 'K11', 'F6', 'U2', '20250410', '2500', '20250412', '10:00', 'DI219', 'ALCA00', 'ATA1');
CREATE TABLE lpr3f.forloeb ("DW_EK_FORLOEB" text, "CPR" text, dato_start text, afslutningsmaade text);
INSERT INTO lpr3f.forloeb VALUES ('F1', '0101501111', '20250110', 'ALAC01'), ('F2', '0101501111', '20250120', 'ALAC70'),
('F3', '0202602222', '20250201', 'ALAC70'), ('F4', '0303703333', '20250301', 'ALAC01'),
('F5', '0303703333', '20250310', 'ALAC01'), ('F6', '0404804444', '20250401', 'ALAC01');
-- U1 moved from Hospital A to Hospital B on 15 February 2025.
CREATE TABLE lpr3f.organisationer ("SORENHED" text, sundhedsinstitution_tekst text, org_enhed_niveau1_tekst text,
                                   org_enhed_niveau2_tekst text, gyldig_fra text, gyldig_til text);
INSERT INTO lpr3f.organisationer VALUES
('U1', 'Hospital A', 'Medicinsk afdeling', 'Sengeafsnit 1', '20200101', '20250214'),
('U1', 'Hospital B', 'Medicinsk afdeling', 'Sengeafsnit 1', '20250215', NULL),
('U2', 'Hospital B', 'Kirurgisk afdeling', 'Sengeafsnit 2', '20200101', NULL);
CREATE TABLE lpr3f.dod ("PNR" text, "DODDATO" text);
INSERT INTO lpr3f.dod VALUES ('0404804444', '2025-04-03');

SELECT indicator_code, computed, note FROM kvalitet.bind('f_text', 'lpr3f.kontakter', 'lpr3', forloeb => 'lpr3f.forloeb',
    organisationer => 'lpr3f.organisationer', deaths => 'lpr3f.dod')
WHERE indicator_code IN ('readmission_30d', 'preventable_admissions_65', 'mean_length_of_stay') ORDER BY 1;
SELECT sources -> 'contacts' ->> 'start_at' AS start_at, sources -> 'contacts' ->> 'patient' AS patient,
       sources -> 'contacts' ->> 'acute' AS acute, sources -> 'units' ->> 'valid_to' AS valid_to
FROM kvalitet.binding WHERE schema_name = 'f_text';
SELECT patient, stay_start AT TIME ZONE 'Europe/Copenhagen' AS local_start, died, index_stay, readmitted, hospital, department
FROM f_text.stays ORDER BY 1, 2;
SELECT b.bound, d.direct, b.bound = d.direct AS same
FROM (SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS bound FROM f_text.stays) AS b,
     (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text AS direct FROM truth.contacts) AS d;
SELECT org_level, org_unit, numerator, denominator FROM f_text.indicator_values
WHERE indicator_code = 'readmission_30d' AND period_type = 'year' ORDER BY 1, 2;
-- K7 and K11, whose start is no date or time, are counted as skipped; U1's
-- two rows of organisationer (two validities) are no duplicate.
SELECT c ->> 'source' AS source, c ->> 'reason' AS reason, c ->> 'effect' AS effect, c ->> 'rows' AS rows
FROM kvalitet.refresh_log AS l, jsonb_array_elements(l.input_counts) AS c
WHERE l.schema_name = 'f_text' AND l.relation = '*';

-- Without the deaths table P4's K10 is an index admission: 2/5.
SELECT count(*) > 0 AS bound FROM kvalitet.bind('f_nodod', 'lpr3f.kontakter', 'lpr3', forloeb => 'lpr3f.forloeb');
SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS without_cpr_deaths FROM f_nodod.stays;
SELECT kvalitet.unbind('f_nodod');

-- The death goes to the last contact that has a start: K13's start is no
-- date, so K12 ends forløb F7 (ALAC70) in the stays.
CREATE TABLE lpr3f.kontakter_p5 (LIKE lpr3f.kontakter);
INSERT INTO lpr3f.kontakter_p5 VALUES
('0505905555', 'K12', 'F7', 'U1', '20250501', '10:00', '20250503', '10:00', 'DI219', 'ALCA00', 'ATA1'),
('0505905555', 'K13', 'F7', 'U1', '2025-05-xx', '10:00', '20250504', '10:00', 'DI219', 'ALCA00', 'ATA1');
CREATE TABLE lpr3f.forloeb_p5 ("DW_EK_FORLOEB" text, afslutningsmaade text);
INSERT INTO lpr3f.forloeb_p5 VALUES ('F7', 'ALAC70');
SELECT count(*) > 0 AS bound FROM kvalitet.bind('p5', 'lpr3f.kontakter_p5', 'lpr3', forloeb => 'lpr3f.forloeb_p5');
SELECT patient, stay_start AT TIME ZONE 'Europe/Copenhagen' AS local_start, died FROM p5.stays;
SELECT kvalitet.unbind('p5');

-- 2. LPR3_F typed and pseudonymised (cpr_encrypted), ages from BEF.
CREATE TABLE lpr3f.kontakter_typed AS
SELECT 'ENC' || md5("CPR") AS cpr_encrypted, "DW_EK_KONTAKT" AS dw_ek_kontakt, "DW_EK_FORLOEB" AS dw_ek_forloeb,
       "SORENHED_ANS" AS sorenhed_ans, kvalitet.text_date(dato_start) AS dato_start,
       kvalitet.text_time(tidspunkt_start) AS tidspunkt_start, kvalitet.text_date(dato_slut) AS dato_slut,
       kvalitet.text_time(tidspunkt_slut) AS tidspunkt_slut, aktionsdiagnose, kontakttype, prioritet
FROM lpr3f.kontakter;
CREATE TABLE lpr3f.forloeb_typed AS SELECT "DW_EK_FORLOEB" AS dw_ek_forloeb, afslutningsmaade FROM lpr3f.forloeb;
CREATE TABLE lpr3f.bef (cpr_encrypted text, foed_dato date);
INSERT INTO lpr3f.bef SELECT DISTINCT 'ENC' || md5("CPR"), make_date(1900 + substr("CPR", 5, 2)::integer, 6, 1) FROM lpr3f.kontakter;
SELECT indicator_code, computed, note FROM kvalitet.bind('f_typed', 'lpr3f.kontakter_typed', 'lpr3', forloeb => 'lpr3f.forloeb_typed',
    persons => 'lpr3f.bef')
WHERE indicator_code IN ('readmission_30d', 'preventable_admissions_65') ORDER BY 1;
SELECT left(patient, 3) AS pseudonym, age_at_start, died, index_stay, readmitted FROM f_typed.stays ORDER BY stay_start;
-- No deaths table here: K10 did not die, as in the direct figure without it.
SELECT b.bound, d.direct, b.bound = d.direct AS same
FROM (SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS bound FROM f_typed.stays) AS b,
     (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died AND k <> 'K10')::text AS direct
      FROM truth.contacts) AS d;

-- Main diagnoses kept in diagnoser (diagnosetype A; one later disproved,
-- DC509, would make K1 no index admission): the same stays.
CREATE TABLE lpr3f.kontakter_nodiag AS SELECT cpr_encrypted, dw_ek_kontakt, dw_ek_forloeb, dato_start, tidspunkt_start,
       dato_slut, tidspunkt_slut, kontakttype, prioritet FROM lpr3f.kontakter_typed;
CREATE TABLE lpr3f.diagnoser (dw_ek_kontakt text, diagnosekode text, diagnosetype text, senere_afkraeftet text);
INSERT INTO lpr3f.diagnoser SELECT dw_ek_kontakt, aktionsdiagnose, 'A', 'Nej' FROM lpr3f.kontakter_typed;
INSERT INTO lpr3f.diagnoser VALUES ('K1', 'DZ000', 'B', 'Nej'), ('K1', 'DC509', 'A', 'Ja');
SELECT indicator_code, computed, note FROM kvalitet.bind('f_diag', 'lpr3f.kontakter_nodiag', 'lpr3', forloeb => 'lpr3f.forloeb_typed',
    persons => 'lpr3f.bef', diagnoser => 'lpr3f.diagnoser')
WHERE indicator_code = 'readmission_30d';
SELECT (SELECT array_agg(row(patient, stay_start, dominant_diagnosis, died, index_stay, readmitted)::text ORDER BY stay_start) FROM f_diag.stays)
     = (SELECT array_agg(row(patient, stay_start, dominant_diagnosis, died, index_stay, readmitted)::text ORDER BY stay_start) FROM f_typed.stays)
       AS same_stays;
SELECT kvalitet.unbind('f_diag');

-- 3. LPR_A (Danmarks Statistik): timestamps, deaths on the row, LPR2 rows
-- (an acute LPR2 contact of P3 on 5 March would readmit K6) left out.
CREATE SCHEMA lpra;
CREATE TABLE lpra.lpr_a_kontakt (pnr text, dw_ek_kontakt text, dw_ek_forloeb text, kont_starttidspunkt timestamp,
                                 kont_sluttidspunkt timestamp, kont_type text, prioritet text, adiag text, kont_ans text,
                                 borger_foedselsdato date, borger_bo_kom text, borger_doedsdato date,
                                 lprindberetningssystem text);
INSERT INTO lpra.lpr_a_kontakt
SELECT "CPR", "DW_EK_KONTAKT", "DW_EK_FORLOEB", kvalitet.text_timestamp(dato_start || ' ' || tidspunkt_start),
       kvalitet.text_timestamp(dato_slut || ' ' || tidspunkt_slut), kontakttype, prioritet, aktionsdiagnose, "SORENHED_ANS",
       make_date(1900 + substr("CPR", 5, 2)::integer, 6, 1), '751',
       CASE WHEN "CPR" = '0404804444' THEN date '2025-04-03' END, 'LPR3'
FROM lpr3f.kontakter;
INSERT INTO lpra.lpr_a_kontakt VALUES
('0303703333', 'L2-1', NULL, '2025-03-05 10:00', '2025-03-07 10:00', 'ALCA00', 'ATA1', 'DI219', 'U2',
 '1970-06-01', '751', NULL, 'LPR2');
CREATE TABLE lpra.lpr_a_forloeb (dw_ek_forloeb text, afslutningsmaade text);
INSERT INTO lpra.lpr_a_forloeb SELECT "DW_EK_FORLOEB", afslutningsmaade FROM lpr3f.forloeb;
SELECT indicator_code, computed, note FROM kvalitet.bind('a', 'lpra.lpr_a_kontakt', 'lpr_a', forloeb => 'lpra.lpr_a_forloeb')
WHERE indicator_code IN ('readmission_30d', 'preventable_admissions_65') ORDER BY 1;
SELECT patient, died, index_stay, readmitted, age_at_start, municipality FROM a.stays ORDER BY stay_start;
SELECT b.bound, d.direct, b.bound = d.direct AS same
FROM (SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS bound FROM a.stays) AS b,
     (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text AS direct FROM truth.contacts) AS d;

-- LPR_A loaded from CSV as text (timestamps as ISO text), and without
-- lprindberetningssystem: the same stays once the LPR2 row is gone.
CREATE TABLE lpra.lpr_a_text AS
SELECT pnr, dw_ek_forloeb, to_char(kont_starttidspunkt, 'YYYY-MM-DD"T"HH24:MI:SS') AS kont_starttidspunkt,
       to_char(kont_sluttidspunkt, 'YYYY-MM-DD HH24:MI') AS kont_sluttidspunkt, kont_type, prioritet, adiag, kont_ans,
       to_char(borger_foedselsdato, 'YYYYMMDD') AS borger_foedselsdato, borger_bo_kom,
       to_char(borger_doedsdato, 'YYYY-MM-DD') AS borger_doedsdato
FROM lpra.lpr_a_kontakt WHERE lprindberetningssystem = 'LPR3';
SELECT count(*) > 0 AS bound FROM kvalitet.bind('a_text', 'lpra.lpr_a_text', 'lpr_a', forloeb => 'lpra.lpr_a_forloeb');
SELECT (SELECT array_agg(row(patient, stay_start, stay_end, died, index_stay, readmitted, age_at_start)::text ORDER BY stay_start) FROM a_text.stays)
     = (SELECT array_agg(row(patient, stay_start, stay_end, died, index_stay, readmitted, age_at_start)::text ORDER BY stay_start) FROM a.stays)
       AS same_stays;
SELECT kvalitet.unbind('a_text');

-- organisationer at other levels: the mapping says which level is which.
SELECT count(*) > 0 AS bound FROM kvalitet.bind('f_levels', 'lpr3f.kontakter', 'lpr3', organisationer => 'lpr3f.organisationer',
    mapping => '{"units": {"hospital": "org_enhed_niveau1_tekst", "department": "org_enhed_niveau2_tekst"}}');
SELECT unit, hospital, department, valid_from, valid_to FROM f_levels_private.org_units ORDER BY 1, 4;
SELECT DISTINCT hospital, department FROM f_levels.stays ORDER BY 1;
SELECT kvalitet.unbind('f_levels');

-- 4. A regional DW view with text values, mapped.
CREATE SCHEMA dw;
CREATE VIEW dw."Kontakter" AS
SELECT t.patient AS "PatientID", t.start_at AT TIME ZONE 'Europe/Copenhagen' AS "Starttid",
       t.end_at AT TIME ZONE 'Europe/Copenhagen' AS "Sluttid",
       CASE WHEN t.acute THEN 'Akut' ELSE 'Planlagt' END AS prioritet, 'Fysisk fremmøde'::text AS "Kontakttype",
       t.diagnosis AS "Aktionsdiagnose", CASE WHEN t.died THEN 'Død' ELSE 'Udskrevet' END AS "Afslutning"
FROM truth.contacts AS t
UNION ALL
SELECT 'P3', '2025-03-05 10:00', '2025-03-05 10:20', 'Akut', 'Virtuel', 'DI219', 'Udskrevet';
SELECT indicator_code, computed FROM kvalitet.bind('dwh', 'dw."Kontakter"', 'none',
    mapping => '{"contacts": {"patient": "PatientID", "start_at": "Starttid", "end_at": "Sluttid",
                              "acute": "prioritet = ''Akut''", "diagnosis": "Aktionsdiagnose",
                              "died": "\"Afslutning\" = ''Død''", "filter": "\"Kontakttype\" = ''Fysisk fremmøde''"}}')
WHERE indicator_code = 'readmission_30d';
SELECT b.bound, d.direct, b.bound = d.direct AS same
FROM (SELECT count(*) FILTER (WHERE readmitted) || '/' || count(*) FILTER (WHERE index_stay) AS bound FROM dwh.stays) AS b,
     (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died)::text AS direct FROM truth.contacts) AS d;

-- Mistakes name what is missing.
CREATE TABLE lpr3f.forloeb_short ("DW_EK_FORLOEB" text, dato_start text);
SELECT kvalitet.bind('x', 'lpr3f.kontakter', 'lpr3', forloeb => 'lpr3f.forloeb_short');
CREATE TABLE lpr3f.kontakter_short ("CPR" text, dato_start text, kontakttype text);
SELECT kvalitet.bind('x', 'lpr3f.kontakter_short', 'lpr3');
SELECT kvalitet.bind('x', 'lpr3f.kontakter', 'lpr3', persons => 'lpr3f.dod');
SELECT kvalitet.bind('x', 'lpr3f.kontakter', 'lpr3', units => 'lpr3f.organisationer', organisationer => 'lpr3f.forloeb');
SELECT kvalitet.bind('x', 'lpr3f.kontakter', 'lpr3', mapping => '{"contacts": {"acute": "prioritet"}}');
-- units with preset none and no mapping: a warning, no org rows.
SET client_min_messages = warning;
SELECT count(*) > 0 AS bound FROM kvalitet.bind('nomap', 'dw."Kontakter"', 'none', units => 'lpr3f.organisationer',
    mapping => '{"contacts": {"patient": "PatientID", "start_at": "Starttid"}}');
SELECT kvalitet.unbind('nomap');
SELECT count(*) AS no_leftovers FROM pg_namespace WHERE nspname IN ('x', 'x_private');

SELECT kvalitet.unbind(b) FROM unnest(ARRAY['f_text', 'f_typed', 'a', 'dwh']) AS b;
DROP SCHEMA truth, lpr3f, lpra, dw CASCADE;
