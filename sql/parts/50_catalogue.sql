
-- ---------------------------------------------------------------------------
-- The eight national goals (Nationale mål, 2016) and their indicators
-- (docs/binding.md section 1): the catalogue
-- ---------------------------------------------------------------------------
-- Shipped rows carry rule_set 'dk-default-1'; users may add their own rows
-- (any other rule_set), which pg_dump keeps.  What kvalitet.bind needs to
-- compute an indicator is data here too (requires, caveats, builder, grain):
-- adding an indicator is one row and one rows builder (docs/binding.md
-- section 10).

CREATE TABLE kvalitet.goal (
	goal_no integer PRIMARY KEY CHECK (goal_no OPERATOR(pg_catalog.>=) 1),
	name_da text NOT NULL,
	name_en text NOT NULL,
	rule_set text NOT NULL DEFAULT 'local'
);
COMMENT ON TABLE kvalitet.goal IS
	'The eight national goals for the Danish health service (Nationale mål, 2016)';
COMMENT ON COLUMN kvalitet.goal.goal_no IS 'Number of the goal, 1 to 8';
COMMENT ON COLUMN kvalitet.goal.name_da IS 'Official Danish name';
COMMENT ON COLUMN kvalitet.goal.name_en IS 'English name';
COMMENT ON COLUMN kvalitet.goal.rule_set IS 'dk-default-1 for shipped rows, local (or another name) for the user''s';

CREATE TABLE kvalitet.indicator (
	code text PRIMARY KEY
		CHECK (code OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND pg_catalog.length(code) OPERATOR(pg_catalog.<) 64),
	goal_no integer REFERENCES kvalitet.goal,
	name_da text NOT NULL,
	name_en text NOT NULL,
	unit text NOT NULL CHECK (unit OPERATOR(pg_catalog.=) ANY (ARRAY['proportion', 'per_1000', 'days', 'count', 'currency', 'years'])),
	lower_is_better boolean NOT NULL,
	inputs text[] NOT NULL,
	definition text NOT NULL,
	in_sundhedsaftale boolean NOT NULL DEFAULT false,
	computed_by_bind boolean NOT NULL DEFAULT false,
	rule_set text NOT NULL DEFAULT 'local',
	requires text[] NOT NULL DEFAULT '{}',
	caveats jsonb NOT NULL DEFAULT '{}' CHECK (pg_catalog.jsonb_typeof(caveats) OPERATOR(pg_catalog.=) 'object'),
	builder text,
	grain text CHECK (grain OPERATOR(pg_catalog.=) ANY (ARRAY['month', 'year'])),
	CHECK ((builder IS NULL) OPERATOR(pg_catalog.=) (grain IS NULL)),
	strata_builder text
);
COMMENT ON TABLE kvalitet.indicator IS
	'Indicators behind the national goals and the health agreements (sundhedsaftale); every indicator of the rule set has a row, computed or not (docs/binding.md section 1)';
COMMENT ON COLUMN kvalitet.indicator.code IS 'Stable identifier, used in indicator_values.indicator_code';
COMMENT ON COLUMN kvalitet.indicator.goal_no IS 'The national goal it belongs to; NULL for sundhedsaftale-only indicators';
COMMENT ON COLUMN kvalitet.indicator.name_da IS 'Danish name';
COMMENT ON COLUMN kvalitet.indicator.name_en IS 'English name';
COMMENT ON COLUMN kvalitet.indicator.unit IS
	'What value measures: proportion (0 to 1), per_1000 (events per 1,000 citizens), days (a mean), count, currency, years';
COMMENT ON COLUMN kvalitet.indicator.lower_is_better IS 'Direction: true when a lower value is an improvement';
COMMENT ON COLUMN kvalitet.indicator.inputs IS
	'Inputs it needs: contacts, units, age (birth date or CPR), municipality, epikriser, population, and inputs kvalitet does not bind yet';
COMMENT ON COLUMN kvalitet.indicator.definition IS 'What is counted, in words (docs/indicators.md and docs/binding.md give the rules)';
COMMENT ON COLUMN kvalitet.indicator.in_sundhedsaftale IS 'Also an indicator of the health agreement (Region Midtjylland)';
COMMENT ON COLUMN kvalitet.indicator.computed_by_bind IS 'kvalitet.bind computes it in indicator_values when its inputs are bound (bind goes by builder)';
COMMENT ON COLUMN kvalitet.indicator.rule_set IS 'dk-default-1 for shipped rows, local (or another name) for the user''s';
COMMENT ON COLUMN kvalitet.indicator.requires IS
	'Bound inputs kvalitet.bind needs to compute it: fields such as contacts.end_at, or age, population, epikriser, units (kvalitet.binding_input_label)';
COMMENT ON COLUMN kvalitet.indicator.caveats IS
	'Bound inputs it is better with: input -> the note kvalitet.bind gives when that input is missing';
COMMENT ON COLUMN kvalitet.indicator.builder IS
	'The function (ctx jsonb) RETURNS text that writes its rows of indicator_values; NULL = not computed by kvalitet.bind';
COMMENT ON COLUMN kvalitet.indicator.grain IS
	'What the builder returns: month (monthly rows, rolled up to quarters and years) or year (yearly rows)';
COMMENT ON COLUMN kvalitet.indicator.strata_builder IS
	'The function (ctx jsonb) RETURNS text that writes its counted stays with sex and age, for the standardised values of indicator_values; NULL = not standardised (docs/binding.md section 11)';

INSERT INTO kvalitet.goal (goal_no, name_da, name_en, rule_set) VALUES
(1, 'Bedre sammenhængende patientforløb', 'Better coherent patient pathways', 'dk-default-1'),
(2, 'Styrket indsats for kronikere og ældre', 'Stronger effort for the chronically ill and the elderly', 'dk-default-1'),
(3, 'Forbedret overlevelse og patientsikkerhed', 'Improved survival and patient safety', 'dk-default-1'),
(4, 'Behandling af høj kvalitet', 'High-quality treatment', 'dk-default-1'),
(5, 'Hurtig udredning og behandling', 'Fast diagnosis and treatment', 'dk-default-1'),
(6, 'Øget patientinddragelse', 'More patient involvement', 'dk-default-1'),
(7, 'Flere sunde leveår', 'More healthy life years', 'dk-default-1'),
(8, 'Mere effektivt sundhedsvæsen', 'A more efficient health service', 'dk-default-1');

-- A computed indicator's row ends with what bind needs: requires, caveats,
-- builder and grain; the others leave them NULL.
INSERT INTO kvalitet.indicator (code, goal_no, name_da, name_en, unit, lower_is_better, inputs,
								in_sundhedsaftale, computed_by_bind, definition, rule_set,
								requires, caveats, builder, grain)
SELECT v.code, v.goal_no, v.name_da, v.name_en, v.unit, v.lower_is_better, v.inputs,
	   v.in_sa, v.builder IS NOT NULL, v.definition, 'dk-default-1',
	   coalesce(v.requires, '{}'), coalesce(v.caveats::jsonb, '{}'), v.builder, v.grain
FROM (VALUES
('readmission_30d', 1, 'Akutte somatiske genindlæggelser inden for 30 dage',
 'Acute somatic readmissions within 30 days', 'proportion', true, ARRAY['contacts'], true,
 'Index admissions (closed, alive, somatic, no excluded diagnosis) followed by an acute admission within 720 hours of discharge / index admissions; by month and unit of discharge (readmission_rate, docs/indicators.md section 4)',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis'],
 '{"contacts.died": "contacts.died not bound: stays ended by death are not recognised"}', 'kvalitet.build_rows_discharges', 'month'),
('epikrise_timely', 1, 'Rettidig elektronisk epikrise',
 'Timely electronic discharge letter', 'proportion', false, ARRAY['epikriser'], true,
 'Discharges whose first discharge letter was sent by the next working day / discharges; by month of discharge (epikrise_timeliness, docs/indicators.md section 6)',
 ARRAY['epikriser'],
 '{"epikriser.patient_or_unit": "epikriser has no patient or unit: region level only"}', 'kvalitet.build_rows_epikrise_timely', 'month'),
('faerdigbehandlingsdage', 1, 'Færdigbehandlingsdage',
 'Days spent in hospital after treatment was completed', 'per_1000', true, ARRAY['faerdigbehandling', 'population'], true,
 'Days patients stayed in hospital after they were declared ready for discharge (each local day from the day of ready_at up to the day before discharge), per 1,000 citizens (all ages) of the kommune on 1 January; by year and kommune (faerdigbehandling_rate, SPEC 11.2)',
 ARRAY['faerdigbehandling', 'population'],
 NULL, 'kvalitet.build_rows_faerdigbehandling', 'year'),
('preventable_admissions_65', 2, 'Forebyggelige indlæggelser blandt ældre (andel)',
 'Preventable admissions among the elderly (share)', 'proportion', true, ARRAY['contacts', 'age'], false,
 'Acute admissions of patients aged 65 or over at the start of the admission whose dominant diagnosis is in preventable_elderly / those acute admissions; by month the admission started (preventable_admission_share, docs/indicators.md section 5)',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age'],
 NULL, 'kvalitet.build_rows_preventable_65', 'month'),
('preventable_admissions_65_per_1000', 2, 'Forebyggelige indlæggelser blandt ældre pr. 1.000 borgere på 65 år og derover',
 'Preventable admissions per 1,000 citizens aged 65 and over', 'per_1000', true,
 ARRAY['contacts', 'age', 'municipality', 'population'], false,
 'Acute admissions of patients aged 65+ with a dominant diagnosis in preventable_elderly, per 1,000 citizens aged 65+ on 1 January; by year and municipality of residence, with an exact Poisson interval',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age', 'contacts.municipality', 'population'],
 NULL, 'kvalitet.build_rows_preventable_65_per_1000', 'year'),
('acute_admissions_copd_per_1000', 2, 'Akutte indlæggelser pr. 1.000 borgere med KOL',
 'Acute admissions per 1,000 citizens with COPD', 'per_1000', true, ARRAY['contacts', 'chronic_register'], false,
 'Acute admissions starting in the year of patients with KOL that year, per 1,000 of them; patients from a chronic register, else (proxy, dk-default-1 reading) a contact in the five years up to the year with a diagnosis in set copd; by year (chronic_acute_admissions, SPEC 11.3)',
 ARRAY['contacts.acute'],
 '{"chronic_register": "computed by proxy: no chronic register bound, patients with KOL are those with a diagnosis in set copd in the last five years"}', 'kvalitet.build_rows_chronic', 'year'),
('acute_admissions_t2d_per_1000', 2, 'Akutte indlæggelser pr. 1.000 borgere med type 2-diabetes',
 'Acute admissions per 1,000 citizens with type 2 diabetes', 'per_1000', true, ARRAY['contacts', 'chronic_register'], false,
 'Acute admissions starting in the year of patients with type 2 diabetes that year, per 1,000 of them; patients from a chronic register, else (proxy, dk-default-1 reading) a contact in the five years up to the year with a diagnosis in set type2_diabetes; by year (chronic_acute_admissions, SPEC 11.3)',
 ARRAY['contacts.acute'],
 '{"chronic_register": "computed by proxy: no chronic register bound, patients with type 2 diabetes are those with a diagnosis in set type2_diabetes in the last five years"}', 'kvalitet.build_rows_chronic', 'year'),
('mortality_30d_acute', 3, '30-dages dødelighed efter akut indlæggelse',
 '30-day mortality after acute admission', 'proportion', true, ARRAY['contacts', 'death_dates'], false,
 'Acute admissions (dominant diagnosis not psychiatric) followed by the patients death on a local day from the start to 30 days after / those admissions; by month of admission and unit of discharge (mortality_rate, SPEC 11.1)',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'contacts.died'],
 '{"death_dates": "no death dates bound (deaths or contacts.death_date): only deaths in hospital count"}', 'kvalitet.build_rows_stay_outcomes', 'month'),
('clinical_standards_met', 4, 'Andel af kliniske kvalitetsindikatorer, der opfylder standarden',
 'Share of clinical-database indicators meeting their standard', 'proportion', false, ARRAY['rkkp_results'], false,
 'Results (indicator, unit, period) of the clinical quality databases (RKKP) that meet their standard / results, by the year the period ends; loaded, bad rows rejected (rkkp_standard_share, SPEC 11.8)',
 ARRAY['rkkp_results'],
 NULL, 'kvalitet.build_rows_loaded', 'year'),
('udredningsret_30d', 5, 'Udredt inden for 30 dage',
 'Assessed within 30 days of referral', 'proportion', false, ARRAY['pathway_markers'], false,
 'Referrals to assessment (marker in udredning_start) whose first done or clinical-reason marker of the pathway came on a local day at most 30 days after / referrals counted, by the month the clock ends (or its day 30 while open); region (udredningsret, SPEC 11.4)',
 ARRAY['pathway_markers'],
 NULL, 'kvalitet.build_rows_udredning', 'month'),
('waiting_time_days', 5, 'Ventetid til behandling',
 'Waiting time to treatment', 'days', true, ARRAY['pathway_markers'], false,
 'Mean local days from the referral to assessment (udredning_start) to the end of the assessment, over the clocks that ended in the month; region (udredningsret gives the median and 90th percentile; dk-default-1 reading, SPEC 11.4)',
 ARRAY['pathway_markers'],
 NULL, 'kvalitet.build_rows_udredning', 'month'),
('patient_experience_positive', 6, 'Andel positive svar i patienttilfredshedsundersøgelser (LUP)',
 'Share of positive answers in patient-experience surveys (LUP)', 'proportion', false, ARRAY['lup_answers'], false,
 'Positive answers / answers in the national patient-experience survey (LUP), every survey, unit and question of the year; loaded, bad rows rejected (lup_positive_share, SPEC 11.8)',
 ARRAY['lup_answers'],
 NULL, 'kvalitet.build_rows_loaded', 'year'),
('healthy_life_years', 7, 'Forventet levetid i godt helbred',
 'Healthy life expectancy', 'years', false, ARRAY['population_health'], false,
 'Healthy life expectancy in years (Danmarks Statistik), loaded as published, not computed: the area named like the region (or the only area), both sexes (population_health, SPEC 11.8)',
 ARRAY['population_health'],
 NULL, 'kvalitet.build_rows_loaded', 'year'),
('mean_length_of_stay', 8, 'Gennemsnitlig liggetid',
 'Mean length of stay', 'days', true, ARRAY['contacts'], false,
 'Mean duration in days of closed somatic admissions (stays of 12 hours or more whose dominant diagnosis is not psychiatric); by month and unit of discharge, with a normal-approximation interval',
 ARRAY['contacts.end_at'],
 '{"contacts.diagnosis": "contacts.diagnosis not bound: psychiatric stays are not left out"}', 'kvalitet.build_rows_discharges', 'month'),
('cost_per_patient', 8, 'Udgift pr. behandlet patient',
 'Cost per treated patient', 'currency', true, ARRAY['costs', 'contacts'], false,
 'Costs (DKK) / treated patients of the units in the year; treated patients as loaded, or when NULL the distinct patients with a stay discharged from the unit in the year; loaded, bad rows rejected (cost_per_patient, SPEC 11.8)',
 ARRAY['costs'],
 NULL, 'kvalitet.build_rows_loaded', 'year'),
('sa_preventable_readmissions', NULL, 'Genindlæggelser med en forebyggelig diagnose',
 'Readmissions with a preventable diagnosis', 'proportion', true, ARRAY['contacts', 'age'], true,
 'Sundhedsaftale: index admissions of patients aged 65+ followed by an acute readmission within 30 days whose dominant diagnosis is in preventable_elderly / those index admissions; by month and unit of discharge (preventable_readmission_rate, SPEC 11.6)',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age'],
 '{"contacts.died": "contacts.died not bound: stays ended by death are not recognised"}', 'kvalitet.build_rows_stay_outcomes', 'month'),
('sa_preventable_admissions', NULL, 'Indlæggelser med en forebyggelig diagnose',
 'Admissions with a preventable diagnosis', 'per_1000', true, ARRAY['contacts', 'age', 'municipality', 'population'], true,
 'Sundhedsaftale: acute admissions of patients aged 65+ with a dominant diagnosis in preventable_elderly per 1,000 citizens aged 65+ (the figure of preventable_admissions_65_per_1000); by year and municipality',
 ARRAY['contacts.end_at', 'contacts.acute', 'contacts.diagnosis', 'age', 'contacts.municipality', 'population'],
 NULL, 'kvalitet.build_rows_preventable_65_per_1000', 'year'),
('sa_newborn_readmissions', NULL, 'Genindlæggelser af nyfødte',
 'Readmissions of newborns', 'proportion', true, ARRAY['contacts', 'age'], true,
 'Sundhedsaftale: closed birth stays (the first stay, starting on the birth date or the day after) not ending in death, followed by an admission within 28 days of the end whose dominant diagnosis is in newborn_selected_causes / those birth stays; by month and unit of discharge (newborn_readmission_rate, SPEC 11.5)',
 ARRAY['contacts.end_at', 'contacts.diagnosis', 'age'],
 NULL, 'kvalitet.build_rows_stay_outcomes', 'month'),
('sa_acute_short_admissions', NULL, 'Akutte korttidsindlæggelser',
 'Acute short admissions', 'per_1000', true, ARRAY['contacts', 'age', 'municipality', 'population'], true,
 'Sundhedsaftale: closed acute somatic admissions shorter than 24 hours (option short_admission) of patients aged 65+ at the start, per 1,000 citizens aged 65+ on 1 January; every somatic unit counts (the units carry no specialty); by year and municipality (short_acute_admissions, SPEC 11.7)',
 ARRAY['contacts.end_at', 'contacts.acute', 'age', 'contacts.municipality', 'population'],
 NULL, 'kvalitet.build_rows_short_admissions', 'year'),
('sa_rehabilitation_referrals', NULL, 'Henvisninger til kommunal forebyggelse og genoptræning',
 'Referrals to municipal prevention and rehabilitation', 'per_1000', false, ARRAY['municipal_referrals', 'population'], true,
 'Sundhedsaftale: referrals to municipal prevention and rehabilitation (MedCom) per 1,000 citizens (all ages); by year and kommune; loaded, bad rows rejected (municipal_referral_rate, SPEC 11.8)',
 ARRAY['municipal_referrals', 'population'],
 NULL, 'kvalitet.build_rows_loaded', 'year')
) AS v(code, goal_no, name_da, name_en, unit, lower_is_better, inputs, in_sa, definition,
       requires, caveats, builder, grain);

-- Standardised by age and sex (docs/binding.md section 11): the indicators
-- whose stays carry an age band and a sex name their strata builder.
UPDATE kvalitet.indicator AS i SET strata_builder = v.strata_builder
FROM (VALUES ('readmission_30d', 'kvalitet.build_strata_readmission'),
			 ('preventable_admissions_65', 'kvalitet.build_strata_preventable_65')) AS v(code, strata_builder)
WHERE i.code OPERATOR(pg_catalog.=) v.code AND i.rule_set OPERATOR(pg_catalog.=) 'dk-default-1';

SELECT pg_catalog.pg_extension_config_dump('kvalitet.goal', 'WHERE rule_set <> ''dk-default-1''');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.indicator', 'WHERE rule_set <> ''dk-default-1''');
GRANT SELECT ON kvalitet.goal, kvalitet.indicator TO PUBLIC;
