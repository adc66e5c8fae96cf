-- tools/demo-report.sql - the indicator report of the demo (tools/demo).
-- It reads the LPR3-shaped tables of schema demo through one view that maps
-- their columns onto what kvalitet's aggregates take: a contact died when it
-- ends a forløb that ended by death (afslutningsmaade ALAC70), as in LPR3_F.
\set QUIET on
\pset footer off
\pset null '-'
SET client_min_messages = warning;
SET TimeZone = 'Europe/Copenhagen';

CREATE VIEW demo.contacts AS
SELECT k.cpr AS patient,
       (k.dato_start + k.tidspunkt_start) AT TIME ZONE 'Europe/Copenhagen' AS start_at,
       (k.dato_slut + k.tidspunkt_slut) AT TIME ZONE 'Europe/Copenhagen' AS end_at,
       k.prioritet = 'ATA1' AS acute,
       k.aktionsdiagnose AS diagnosis,
       coalesce(f.afslutningsmaade = 'ALAC70' AND k.dato_slut = f.dato_slut AND k.tidspunkt_slut = f.tidspunkt_slut,
                false) AS died,
       k.sorenhed_ans AS unit,
       e.hospital,
       k.kommunekode
FROM demo.kontakter AS k LEFT JOIN demo.enheder AS e ON e.sorenhed = k.sorenhed_ans
LEFT JOIN demo.forloeb AS f ON f.dw_ek_forloeb = k.dw_ek_forloeb
WHERE k.kontakttype = 'ALCA00';

-- The per-stay relation: searched per patient over the whole history.
CREATE MATERIALIZED VIEW demo.stays AS
SELECT per_patient.patient, s.*
FROM (SELECT patient,
             kvalitet.patient_stays(patient, start_at, end_at, acute, diagnosis, died, true, unit,
                                    (SELECT max(start_at) FROM demo.contacts)) AS stays
      FROM demo.contacts GROUP BY patient) AS per_patient,
     LATERAL unnest(per_patient.stays) AS s;

\echo
\echo '== kvalitet demo: a synthetic Danish region =='
SELECT (SELECT extversion FROM pg_extension WHERE extname = 'kvalitet') AS kvalitet,
       (SELECT count(*) FROM demo.kontakter) AS contacts,
       (SELECT count(DISTINCT cpr) FROM demo.kontakter) AS patients,
       (SELECT min(dato_start) FROM demo.kontakter) AS first_day,
       (SELECT max(dato_start) FROM demo.kontakter) AS last_day,
       (SELECT count(*) FROM demo.stays) AS stays,
       (SELECT count(*) FROM demo.stays WHERE admission) AS admissions;

\echo
\echo '== Mål 1: akutte somatiske genindlæggelser inden for 30 dage (whole region) =='
SELECT p AS readmitted_of_index,
       round(100 * kvalitet.rate(p)::numeric, 1) AS pct,
       round(100 * kvalitet.wilson_lower(p)::numeric, 1) AS ci_lower,
       round(100 * kvalitet.wilson_upper(p)::numeric, 1) AS ci_upper
FROM (SELECT kvalitet.readmission_rate(patient, start_at, end_at, acute, diagnosis, died) AS p
      FROM demo.contacts) AS r;

\echo
\echo '   per year of discharge and hospital (from the per-stay relation; * = follow-up incomplete)'
SELECT extract(year FROM stay_end)::int AS year,
       hospital,
       kvalitet.proportion(readmitted) FILTER (WHERE index_stay) AS readmitted_of_index,
       round(100 * kvalitet.rate(kvalitet.proportion(readmitted) FILTER (WHERE index_stay))::numeric, 1) AS pct,
       CASE WHEN bool_and(followup_complete) FILTER (WHERE index_stay) THEN '' ELSE '*' END AS incomplete
FROM demo.stays AS s
JOIN demo.enheder AS e ON e.sorenhed = s.discharging_unit
WHERE stay_end IS NOT NULL
GROUP BY 1, 2
HAVING count(*) FILTER (WHERE index_stay) > 0
ORDER BY 1 DESC, 2
LIMIT 12;

\echo
\echo '== Mål 2: forebyggelige indlæggelser blandt ældre (acute admissions, patients 65+) =='
SELECT p AS preventable_of_acute,
       round(100 * kvalitet.rate(p)::numeric, 1) AS pct
FROM (SELECT kvalitet.preventable_admission_share(patient, start_at, end_at, acute, diagnosis) AS p
      FROM demo.contacts
      WHERE kvalitet.cpr_age(patient, start_at::date) >= 65) AS r;

\echo
\echo '   akutte indlæggelser med KOL per 1,000 citizens, latest year'
WITH latest AS (SELECT max(aar) AS aar FROM demo.befolkning),
     events AS (
	SELECT count(*) AS n FROM demo.stays, latest
	WHERE admission AND acute AND kvalitet.code_in(dominant_diagnosis, 'copd')
	  AND extract(year FROM stay_start) = latest.aar),
     pop AS (SELECT sum(antal) AS n FROM demo.befolkning, latest WHERE befolkning.aar = latest.aar)
SELECT latest.aar AS year, events.n AS admissions, pop.n AS population,
       round(r.value::numeric, 2) AS per_1000, round(r.lower::numeric, 2) AS lower, round(r.upper::numeric, 2) AS upper
FROM latest, events, pop, LATERAL kvalitet.poisson_rate(events.n, pop.n) AS r;

\echo
\echo '== Mål 1: rettidig elektronisk epikrise (sent by the next working day) =='
SELECT extract(year FROM discharged_at AT TIME ZONE 'Europe/Copenhagen')::int AS year,
       kvalitet.epikrise_timeliness(discharged_at, sent_at) AS timely_of_discharges,
       round(100 * kvalitet.rate(kvalitet.epikrise_timeliness(discharged_at, sent_at))::numeric, 1) AS pct
FROM demo.epikriser
GROUP BY 1 ORDER BY 1 DESC LIMIT 5;

\echo
\echo '== Mål 8: mean length of stay of admissions (days), per year =='
SELECT extract(year FROM stay_end)::int AS year,
       round(avg(extract(epoch FROM stay_end - stay_start) / 86400)::numeric, 2) AS mean_days,
       count(*) AS admissions
FROM demo.stays WHERE admission AND stay_end IS NOT NULL
GROUP BY 1 ORDER BY 1 DESC LIMIT 5;

\echo
\echo '== De otte nationale mål: kvalitet.bind over the demo tables (docs/binding.md), latest year, whole region =='
\echo '   (* = follow-up not complete yet: the figure may still change)'
SELECT count(*) FILTER (WHERE computed) AS indicators_computed
FROM kvalitet.bind('bi', 'demo.kontakter', 'lpr3', forloeb => 'demo.forloeb', organisationer => 'demo.organisationer',
                   epikriser => 'demo.epikriser', population => 'demo.befolkning',
                   deaths => 'demo.doede', persons => 'demo.personer', faerdigbehandling => 'demo.faerdigbehandlede',
                   chronic_register => 'demo.kronikere', pathway_markers => 'demo.forloebsmarkoerer',
                   rkkp_results => 'demo.rkkp', lup_answers => 'demo.lup', population_health => 'demo.sundhed',
                   costs => 'demo.udgifter', municipal_referrals => 'demo.henvisninger',
                   mapping => '{"contacts": {"died": null}}', options => '{"region_name": "Region Midtjylland"}') \g /dev/null
SELECT goal_no AS goal, indicator_name_da AS indicator, period_label AS year,
       CASE measure WHEN 'proportion' THEN to_char(100 * value, 'FM990.0') || ' %'
                    WHEN 'currency' THEN to_char(value, 'FM9999990') || ' kr'
                    ELSE to_char(value, 'FM99990.00') END
           || CASE WHEN followup_complete THEN '' ELSE ' *' END AS value,
       CASE measure WHEN 'days' THEN round(numerator, 1) || ' d / ' || denominator
                    ELSE numerator || ' / ' || denominator END AS "numerator / denominator",
       CASE measure WHEN 'proportion' THEN to_char(100 * change, 'SGFM990.0') || ' pp'
                    ELSE to_char(change, 'SGFM99990.00') END AS change,
       CASE improved WHEN true THEN 'better' WHEN false THEN 'worse' ELSE '' END AS trend,
       direction
FROM bi.goal_overview
WHERE is_latest AND period_type = 'year' AND org_level = 'region'
ORDER BY goal_no, indicator_code;

\echo
\echo '== Watching over time: readmissions in the whole region, month by month (bi.run_charts) =='
\echo '   * a month, o a month on the median (:), ! outside the p chart''s limits; last 24 months'
WITH s AS (SELECT * FROM bi.run_charts WHERE indicator_code = 'readmission_30d' AND org_level = 'region'),
     b AS (SELECT least(min(value), min(centre)) AS lo, greatest(max(value), max(centre)) AS hi FROM s),
     p AS (SELECT s.*, 1 + round(40 * (s.value - b.lo) / nullif(b.hi - b.lo, 0))::int AS x,
                  1 + round(40 * (s.centre - b.lo) / nullif(b.hi - b.lo, 0))::int AS m
           FROM s, b)
SELECT period_label AS month, to_char(100 * value, 'FM990.0') || ' %' AS readmitted,
       overlay(overlay(repeat(' ', 41) PLACING ':' FROM coalesce(m, 1))
               PLACING CASE WHEN special_cause THEN '!' WHEN on_centre THEN 'o' ELSE '*' END FROM coalesce(x, 1)) AS chart,
       CASE WHEN followup_complete THEN '' ELSE 'follow-up incomplete' END AS note
FROM p ORDER BY period_start;
SELECT DISTINCT to_char(100 * centre, 'FM990.0') || ' %' AS median, useful_points,
       longest_run || ' (signal above ' || longest_run_limit || ')' AS longest_run,
       crossings || ' (signal below ' || crossings_limit || ')' AS crossings,
       coalesce(signal, 'too few points to judge') AS signal
FROM bi.run_charts WHERE indicator_code = 'readmission_30d' AND org_level = 'region';

\echo
\echo '== The overview''s signals: the latest month of each series (bi.goal_overview) =='
\echo '   signal: Anhøj''s run-chart rules over the last 24 months, in the indicator''s direction;'
\echo '   special cause: the latest month outside its p chart''s limits'
SELECT goal_no AS goal, indicator_code AS indicator, org_level, org_unit, period_label AS month,
       CASE measure WHEN 'proportion' THEN to_char(100 * value, 'FM990.0') || ' %'
                    ELSE to_char(value, 'FM99990.00') END AS value,
       CASE measure WHEN 'proportion' THEN to_char(100 * standardised_value, 'FM990.0') || ' %' END AS standardised,
       coalesce(signal, 'too few points') AS signal,
       CASE special_cause WHEN true THEN 'yes' WHEN false THEN 'no' END AS special_cause
FROM bi.goal_overview
WHERE is_latest AND period_type = 'month' AND org_level IN ('region', 'hospital')
ORDER BY goal_no, indicator_code, org_level DESC, org_unit;

\echo
\echo '== Sundhedsaftalen (Region Midtjylland): the health-agreement indicators, latest year, whole region =='
SELECT v.indicator_name_da AS indicator, v.period_label AS year,
       CASE v.measure WHEN 'proportion' THEN to_char(100 * v.value, 'FM990.0') || ' %'
                      ELSE to_char(v.value, 'FM99990.00') || ' per 1,000' END
           || CASE WHEN v.followup_complete THEN '' ELSE ' *' END AS value,
       v.numerator || ' / ' || v.denominator AS "numerator / denominator"
FROM bi.indicator_values AS v
WHERE v.goal_no IS NULL AND v.period_type = 'year' AND v.org_level = 'region'
  AND v.period_start = (SELECT max(w.period_start) FROM bi.indicator_values AS w
                        WHERE w.indicator_code = v.indicator_code AND w.period_type = 'year' AND w.org_level = 'region')
ORDER BY v.indicator_code;
