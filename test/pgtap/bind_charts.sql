-- The charts and standardised values of a binding (docs/binding.md section
-- 11) checked against the direct functions: run_charts against
-- kvalitet.run_chart and kvalitet.p_chart over the bound monthly values,
-- goal_overview's signal and special cause against run_charts, the
-- standardised values against strata counted from the bound stays, the
-- standard population choice, and row order.
BEGIN;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SELECT plan(25);

-- 30 months of acute admissions, 2023-01 to 2025-06, 40 a month, in two
-- hospitals (H1 and H2 take turns of 30 patients).  Patients are CPR numbers
-- born 1930-1992, both sexes.  A third of the first admissions have a
-- preventable diagnosis.  Readmissions 10 days after discharge: H1 10 % of
-- the index admissions for 18 months, then 45 %; H2 12 % to 28 % month by month.
CREATE SCHEMA tc;
CREATE TABLE tc.contacts (patient text, start_at timestamptz, end_at timestamptz, acute boolean,
                          diagnosis text, died boolean, unit text);
CREATE TABLE tc.units (unit text, hospital text, department text);
INSERT INTO tc.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi');
CREATE TEMP VIEW first_admissions AS
SELECT i, to_char(date '1930-01-01' + (i * 37) % 23000, 'DDMMYY') || '-' || lpad(((i * 13) % 4000)::text, 4, '0') AS cpr,
       timestamptz '2023-01-03 10:00+00' + ((i % 30) * interval '1 month') + (i % 12) * interval '1 day' AS t0,
       CASE WHEN (i / 30) % 2 = 0 THEN 'A1' ELSE 'B1' END AS unit, i % 30 AS m
FROM generate_series(1, 1200) AS i;
INSERT INTO tc.contacts
SELECT p.cpr, p.t0, p.t0 + interval '2 days', true, CASE WHEN p.i % 3 = 0 THEN 'DJ189' ELSE 'DI219' END, false, p.unit
FROM first_admissions AS p
UNION ALL
SELECT p.cpr, p.t0 + interval '12 days', p.t0 + interval '14 days', true, 'DI219', false, p.unit
FROM first_admissions AS p
WHERE abs(hashint4(p.i)) % 100 < CASE WHEN p.unit = 'A1' AND p.m >= 18 THEN 45 WHEN p.unit = 'A1' THEN 10 ELSE 12 + (p.m * 5) % 17 END;

SELECT is((SELECT count(*) FILTER (WHERE computed) FROM kvalitet.bind('bi', 'tc.contacts', units => 'tc.units',
                                                                      options => '{"patient_is_cpr": true}')),
          8::bigint, 'bound: readmissions, preventable admissions, length of stay, mortality (died contacts), the chronic proxies, newborn and preventable readmissions');

-- 1. run_charts: the run chart and the p chart of each series over its last
-- 24 months, as the direct functions give them.
CREATE TEMP TABLE direct AS
SELECT iv.indicator_code, iv.org_level, iv.org_unit, iv.period_start, iv.value,
       kvalitet.p_chart(iv.numerator::double precision, iv.denominator::double precision)
           OVER (PARTITION BY iv.indicator_code, iv.org_level, iv.org_unit ORDER BY iv.period_start) AS pc,
       (SELECT kvalitet.run_chart(s.value ORDER BY s.period_start) FROM bi.indicator_values AS s
        WHERE s.indicator_code = iv.indicator_code AND s.org_level = iv.org_level AND s.org_unit = iv.org_unit
          AND s.period_type = 'month' AND s.period_start > date '2025-06-01' - interval '24 months') AS rc
FROM bi.indicator_values AS iv
WHERE iv.period_type = 'month' AND iv.period_start > date '2025-06-01' - interval '24 months';
SELECT is((SELECT count(*) FROM bi.run_charts WHERE indicator_code = 'readmission_30d'),
          (SELECT count(*) FROM direct WHERE indicator_code = 'readmission_30d'),
          'run_charts: one row per month of the last 24 months per org unit');
SELECT is((SELECT count(*) FROM bi.run_charts AS r JOIN direct AS d USING (indicator_code, org_level, org_unit, period_start)
           WHERE r.centre IS DISTINCT FROM (d.rc).centre OR r.longest_run IS DISTINCT FROM (d.rc).longest_run
              OR r.crossings IS DISTINCT FROM (d.rc).crossings OR r.run_signal IS DISTINCT FROM (d.rc).signal
              OR r.useful_points IS DISTINCT FROM (d.rc).useful_points
              OR r.on_centre IS DISTINCT FROM (r.value = (d.rc).centre)), 0::bigint,
          'run_charts: centre line, runs, crossings and signal are kvalitet.run_chart''s over the series');
SELECT is((SELECT count(*) FROM bi.run_charts AS r JOIN direct AS d USING (indicator_code, org_level, org_unit, period_start)
           WHERE r.measure = 'proportion'
             AND (r.chart <> 'p' OR r.control_centre IS DISTINCT FROM (d.pc).centre OR r.lower_limit IS DISTINCT FROM (d.pc).lower
                  OR r.upper_limit IS DISTINCT FROM (d.pc).upper OR r.special_cause IS DISTINCT FROM (d.pc).special_cause)), 0::bigint,
          'run_charts: the p chart''s centre, limits and special causes are kvalitet.p_chart''s');
SELECT is((SELECT count(*) FROM bi.run_charts WHERE measure = 'days' AND (chart IS NOT NULL OR upper_limit IS NOT NULL)), 0::bigint,
          'run_charts: no control chart for a mean in days');

-- H1's readmissions rose from 10 % to 45 % in the last 12 months: centre
-- line 6/26; from 2024-07 on 8 points above it and 4 on it (not useful, and
-- not breaking the run), 19 useful points in all: a run of 8 > round(log2(19)
-- + 3) = 7, a deterioration (lower is better).  H2's wandered: no signal.
SELECT is((SELECT DISTINCT signal FROM bi.run_charts WHERE indicator_code = 'readmission_30d' AND org_unit = 'H1'),
          'deterioration', 'H1''s readmissions: deterioration');
SELECT is((SELECT DISTINCT longest_run FROM bi.run_charts WHERE indicator_code = 'readmission_30d' AND org_unit = 'H1'),
          8, 'H1''s readmissions: the last 12 months are one run of 8 above the centre line, 4 points on it skipped');
SELECT is((SELECT DISTINCT (useful_points, longest_run_limit, round(centre::numeric, 6))::text FROM bi.run_charts
           WHERE indicator_code = 'readmission_30d' AND org_unit = 'H1'), '(19,7,0.230769)', 'H1: 19 useful points, limit 7, centre 6/26');
SELECT is((SELECT DISTINCT signal FROM bi.run_charts WHERE indicator_code = 'readmission_30d' AND org_unit = 'H2'),
          'none', 'H2''s readmissions: no signal');
SELECT is((SELECT count(*) FROM bi.run_charts WHERE is_latest) > 0 AND
          (SELECT bool_and(period_start = date '2025-06-01') FROM bi.run_charts WHERE is_latest), true,
          'run_charts: is_latest marks the latest month');

-- 2. goal_overview: signal and special cause on the latest row, from run_charts.
SELECT is((SELECT count(*) FROM bi.goal_overview AS g
           JOIN bi.run_charts AS r USING (indicator_code, period_type, period_start, org_level, org_unit)
           WHERE g.is_latest AND (g.signal IS DISTINCT FROM r.signal OR g.special_cause IS DISTINCT FROM r.special_cause)), 0::bigint,
          'goal_overview: signal and special_cause of the latest row are run_charts''');
SELECT is((SELECT signal FROM bi.goal_overview WHERE indicator_code = 'readmission_30d' AND org_unit = 'H1'
           AND period_type = 'month' AND is_latest), 'deterioration', 'goal_overview: H1''s readmissions deteriorate');
SELECT is((SELECT count(*) FROM bi.goal_overview WHERE NOT is_latest AND (signal IS NOT NULL OR special_cause IS NOT NULL)),
          0::bigint, 'goal_overview: no signal on the other rows');

-- 3. Standardised values.  With its own distribution in the reference year
-- (2024, the latest with 12 months) as the standard, the region's
-- standardised value that year is its crude value, pooled or not.
SELECT is((SELECT count(*) FROM bi.indicator_values
           WHERE org_level = 'region' AND period_type = 'year' AND period_start = date '2024-01-01'
             AND indicator_code IN ('readmission_30d', 'preventable_admissions_65')
             AND abs(standardised_value - value) < 1e-12 AND abs(standardised_ratio - 1) < 1e-12), 2::bigint,
          'the region in the reference year: standardised = crude, ratio 1');
SELECT is((SELECT count(*) FROM bi.indicator_values WHERE indicator_code NOT IN ('readmission_30d', 'preventable_admissions_65')
           AND (standardised_value IS NOT NULL OR standardised_ratio IS NOT NULL)), 0::bigint,
          'indicators without a strata builder are not standardised');

-- The same from the bound stays: strata sex (from the CPR number) x 5-year
-- band (90+), pooled under 5 with kvalitet.pooled_strata, weighted by the
-- region's index admissions of 2024.
CREATE TEMP TABLE st AS
SELECT s.hospital, date_trunc('year', s.discharge_month)::date AS year, kvalitet.cpr_sex(s.patient) AS sex,
       least(s.age_at_start / 5 * 5, 90) AS age_low, count(*) FILTER (WHERE s.readmitted) AS events, count(s.readmitted) AS n
FROM bi.stays AS s
WHERE s.admission AND s.stay_end IS NOT NULL AND s.index_stay
GROUP BY 1, 2, 3, 4;
CREATE TEMP TABLE w AS SELECT sex, age_low, sum(n)::double precision AS weight FROM st WHERE year = date '2024-01-01' GROUP BY 1, 2;
CREATE TEMP TABLE by_hand AS
SELECT h.hospital, h.year,
       (SELECT kvalitet.direct_standardised_rate(p.events, p.population, p.standard_weight, 1)
        FROM kvalitet.pooled_strata(h.sexes, h.ages, h.events, h.ns, h.weights) AS p) AS direct,
       (SELECT kvalitet.indirect_standardised_ratio(u.events, u.n * r.events::double precision / r.n)
        FROM st AS u JOIN (SELECT year, sex, age_low, sum(events) AS events, sum(n) AS n FROM st GROUP BY 1, 2, 3) AS r
          USING (year, sex, age_low)
        WHERE u.hospital = h.hospital AND u.year = h.year) AS indirect
FROM (SELECT hs.hospital, hs.year, array_agg(w.sex) AS sexes, array_agg(w.age_low) AS ages,
             array_agg(coalesce(st.events, 0)) AS events, array_agg(coalesce(st.n, 0)::double precision) AS ns,
             array_agg(w.weight) AS weights
      FROM (SELECT DISTINCT hospital, year FROM st) AS hs CROSS JOIN w
      LEFT JOIN st ON st.hospital = hs.hospital AND st.year = hs.year AND st.sex = w.sex AND st.age_low = w.age_low
      GROUP BY 1, 2) AS h;
SELECT is((SELECT count(*) FROM by_hand), 6::bigint, 'two hospitals x three years counted by hand');
SELECT is((SELECT count(*) FROM by_hand AS h JOIN bi.indicator_values AS v
             ON v.indicator_code = 'readmission_30d' AND v.org_level = 'hospital' AND v.org_unit = h.hospital
            AND v.period_type = 'year' AND v.period_start = h.year
           WHERE abs(v.standardised_value - (h.direct).value) < 1e-12 AND abs(v.standardised_ci_lower - (h.direct).lower) < 1e-12
             AND abs(v.standardised_ci_upper - (h.direct).upper) < 1e-12), 6::bigint,
          'direct standardisation of each hospital and year: as counted from the stays');
SELECT is((SELECT count(*) FROM by_hand AS h JOIN bi.indicator_values AS v
             ON v.indicator_code = 'readmission_30d' AND v.org_level = 'hospital' AND v.org_unit = h.hospital
            AND v.period_type = 'year' AND v.period_start = h.year
           WHERE abs(v.standardised_ratio - (h.indirect).value) < 1e-12 AND abs(v.ratio_ci_lower - (h.indirect).lower) < 1e-12
             AND abs(v.ratio_ci_upper - (h.indirect).upper) < 1e-12), 6::bigint,
          'indirect standardisation against the region in the same year: as counted from the stays');

-- 4. The standard population: esp2013 (both sexes alike), a reference year
-- given, an unknown standard.
SELECT is((SELECT count(*) FROM kvalitet.bind('bi_esp', 'tc.contacts', units => 'tc.units',
                                              options => '{"patient_is_cpr": true, "standard_population": "esp2013"}')),
          (SELECT count(*) FROM kvalitet.indicator), 'bound with the European standard population');
SELECT is((SELECT round(v.standardised_value::numeric, 12) FROM bi_esp.indicator_values AS v
           WHERE v.indicator_code = 'readmission_30d' AND v.org_unit = 'H1' AND v.period_type = 'year' AND v.period_start = date '2024-01-01'),
          (SELECT round((kvalitet.direct_standardised_rate(p.events, p.population, p.standard_weight, 1)).value::numeric, 12)
           FROM (SELECT array_agg(e.sex) AS sexes, array_agg(e.age_low) AS ages, array_agg(coalesce(x.events, 0)) AS events,
                        array_agg(coalesce(x.n, 0)::double precision) AS ns, array_agg(e.weight) AS weights
                 FROM kvalitet.standard_population AS e
                 LEFT JOIN (SELECT kvalitet.cpr_sex(s.patient) AS sex, least(s.age_at_start / 5 * 5, 95) AS age_low,
                                   count(*) FILTER (WHERE s.readmitted) AS events, count(s.readmitted) AS n
                            FROM bi.stays AS s
                            WHERE s.admission AND s.stay_end IS NOT NULL AND s.index_stay AND s.hospital = 'H1'
                              AND s.discharge_month BETWEEN date '2024-01-01' AND date '2024-12-01'
                            GROUP BY 1, 2) AS x ON x.sex = e.sex AND x.age_low = e.age_low
                 WHERE e.standard = 'esp2013') AS h,
                kvalitet.pooled_strata(h.sexes, h.ages, h.events, h.ns, h.weights) AS p),
          'esp2013: H1 in 2024 weighted by the European standard population''s bands');
SELECT is((SELECT count(*) FROM kvalitet.bind('bi_2023', 'tc.contacts', units => 'tc.units',
                                              options => '{"patient_is_cpr": true, "standard_year": 2023}')),
          (SELECT count(*) FROM kvalitet.indicator), 'bound with the reference year 2023');
SELECT is((SELECT count(*) FROM bi_2023.indicator_values
           WHERE org_level = 'region' AND period_type = 'year' AND indicator_code = 'readmission_30d'
             AND (period_start = date '2023-01-01') = (abs(standardised_value - value) < 1e-12)), 3::bigint,
          'standard_year 2023: the region''s standardised value is its crude value in 2023 only');
SELECT throws_ok($$SELECT kvalitet.bind('bi_x', 'tc.contacts', options => '{"standard_population": "nowhere"}')$$,
                 '22023', 'kvalitet.bind: no standard population nowhere', 'an unknown standard population is an error');

-- 5. Row order: a binding over the same contacts in another order gives the same charts.
CREATE TABLE tc.shuffled AS SELECT * FROM tc.contacts ORDER BY md5(patient || start_at::text);
SELECT is((SELECT count(*) FROM kvalitet.bind('bi_shuffled', 'tc.shuffled', units => 'tc.units',
                                              options => '{"patient_is_cpr": true}') WHERE computed), 8::bigint,
          'bound over the shuffled contacts');
SELECT is((SELECT count(*) FROM ((SELECT * FROM bi.run_charts EXCEPT SELECT * FROM bi_shuffled.run_charts)
                                 UNION ALL (SELECT * FROM bi_shuffled.run_charts EXCEPT SELECT * FROM bi.run_charts)) AS d),
          0::bigint, 'the same run charts, whatever the order of the rows');

SELECT * FROM finish();
ROLLBACK;
