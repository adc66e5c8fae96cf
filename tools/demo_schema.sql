-- demo_schema.sql - tables for the synthetic data written by kvalitet-gen
--
-- Creates schema demo with one table per `kvalitet-gen --table` output.
-- Columns follow the generator's COPY text output in order, so each table
-- loads with \copy demo.<table> from stdin.  No foreign keys and few NOT
-- NULLs: the --dirty output contains rows that break them on purpose.
-- To start again: DROP SCHEMA demo CASCADE;

CREATE SCHEMA IF NOT EXISTS demo;

CREATE TABLE demo.enheder (
	sorenhed	text PRIMARY KEY,
	navn		text NOT NULL,
	hospital	text NOT NULL,
	afdeling	text NOT NULL
);

COMMENT ON TABLE demo.enheder IS
	'Synthetic hospital units (SOR-like codes starting 999, not real SOR codes): unit name, hospital, department.';

CREATE TABLE demo.kontakter (
	dw_ek_kontakt	bigint PRIMARY KEY,
	cpr				text,
	dato_start		date,
	tidspunkt_start time,
	dato_slut		date,
	tidspunkt_slut	time,
	kontakttype		text,
	prioritet		text,
	aktionsdiagnose text,
	sorenhed_ans	text,
	died			boolean,
	kommunekode		text,
	dw_ek_forloeb	bigint
);

CREATE INDEX ON demo.kontakter (cpr);

COMMENT ON TABLE demo.kontakter IS
	'Synthetic LPR3-shaped hospital contacts. Dates and times are local Danish time (Europe/Copenhagen); '
	'start_at = (dato_start + tidspunkt_start) AT TIME ZONE ''Europe/Copenhagen''. '
	'dato_slut/tidspunkt_slut NULL = still open at the data end. kontakttype ALCA00 = physical attendance, '
	'ALCA03 = virtual (telephone/video); prioritet ATA1 = acute, ATA3 = planned; kommunekode is 3-digit (''751''). '
	'dw_ek_forloeb = the forløb (demo.forloeb). died is a convenience real extracts lack: there, deaths come from '
	'demo.forloeb.afslutningsmaade = ''ALAC70'' (the same contacts).';

CREATE TABLE demo.forloeb (
	dw_ek_forloeb	bigint PRIMARY KEY,
	cpr				text,
	dato_start		date,
	tidspunkt_start time,
	dato_slut		date,
	tidspunkt_slut	time,
	afslutningsmaade text
);

COMMENT ON TABLE demo.forloeb IS
	'Synthetic LPR3_F forløb: the contacts of one stay share one, a virtual contact has its own; '
	'afslutningsmaade ALAC70 = ended by the patient''s death (its last contact died), NULL = still open, ALAC01 otherwise.';

CREATE TABLE demo.organisationer (
	sorenhed		text,
	sundhedsinstitution_tekst text,
	org_enhed_niveau1_tekst text,
	org_enhed_niveau2_tekst text,
	gyldig_fra		date,
	gyldig_til		date
);

COMMENT ON TABLE demo.organisationer IS
	'The units of demo.enheder shaped like LPR3_F''s organisationer: institution = hospital, level 1 = department, '
	'level 2 = unit; valid from 2010-01-01, open-ended.';

CREATE TABLE demo.personer (
	cpr				text PRIMARY KEY,
	foed_dato		date,
	koen			text,
	kommunekode		text
);

COMMENT ON TABLE demo.personer IS
	'Synthetic BEF-like population register: every simulated resident with birth date, sex and kommune '
	'(with --pseudonymise, the key is the pseudonym of the other tables).';

CREATE TABLE demo.epikriser (
	dw_ek_kontakt	bigint,
	cpr				text,
	discharged_at	timestamptz,
	sent_at			timestamptz
);

COMMENT ON TABLE demo.epikriser IS
	'Synthetic discharge letters: one row per discharge from an admission (closed, not ended by death), '
	'keyed by the discharging contact in demo.kontakter; sent_at NULL = no letter sent.';

CREATE TABLE demo.befolkning (
	kommunekode		text NOT NULL,
	aar				int NOT NULL,
	aldersgruppe	text NOT NULL,
	koen			text NOT NULL,
	antal			int NOT NULL,
	PRIMARY KEY (kommunekode, aar, aldersgruppe, koen)
);

COMMENT ON TABLE demo.befolkning IS
	'Synthetic population on 1 January by kommune (3-digit code), year, 5-year age band (0-4 ... 95+) '
	'and sex (M/K): a census of the simulated residents, the denominator for rates per 1,000.';

-- The inputs of the remaining indicators (docs/indicators.md section 11,
-- docs/synthetic-data.md "Deaths, periods, markers and loaded figures").

CREATE TABLE demo.doede (
	cpr				text,
	doedsdato		date
);

COMMENT ON TABLE demo.doede IS
	'Synthetic CPR death dates: every simulated resident who died in the period, in hospital (its last contact died) or outside.';

CREATE TABLE demo.kronikere (
	cpr				text,
	sygdom			text,
	fra_dato		date,
	til_dato		date
);

COMMENT ON TABLE demo.kronikere IS
	'Synthetic chronic register: KOL (copd) and type 2 diabetes (type2_diabetes) periods of the simulated residents with the disease.';

CREATE TABLE demo.faerdigbehandlede (
	cpr				text,
	kommunekode		text,
	faerdigmeldt	timestamptz,
	udskrevet		timestamptz
);

COMMENT ON TABLE demo.faerdigbehandlede IS
	'Synthetic færdigbehandling periods: patients 65+ in medical units declared ready for discharge (faerdigmeldt) and waiting for the kommune until the discharge (udskrevet).';

CREATE TABLE demo.forloebsmarkoerer (
	cpr				text,
	dw_ek_forloeb	bigint,
	markoer			text,
	dato_markoer	date,
	tidspunkt_markoer time
);

COMMENT ON TABLE demo.forloebsmarkoerer IS
	'Synthetic LPR3 forløbsmarkører of udredningsret: AFV01A (referred to assessment), AFX01A (assessment done), AFX01D1 (continued for clinical reasons); local date and time.';

CREATE TABLE demo.rkkp (
	database		text,
	indikator		text,
	periode_start	date,
	periode_slut	date,
	enhed			text,
	taeller			bigint,
	naevner			bigint,
	standard		double precision,
	higher_is_better boolean
);

COMMENT ON TABLE demo.rkkp IS 'Synthetic clinical-database (RKKP) results per year and hospital, with their standards.';

CREATE TABLE demo.lup (
	undersoegelse	text,
	aar				int,
	enhed			text,
	spoergsmaal		text,
	svar			bigint,
	positive_svar	bigint
);

COMMENT ON TABLE demo.lup IS 'Synthetic patient-experience survey (LUP) answers per year, hospital and question.';

CREATE TABLE demo.sundhed (
	aar				int,
	omraade			text,
	koen			text,
	maal			text,
	vaerdi			double precision
);

COMMENT ON TABLE demo.sundhed IS 'Synthetic population health figures (healthy life years, life expectancy) of the region per year.';

CREATE TABLE demo.udgifter (
	aar				int,
	sorenhed		text,
	udgift			numeric,
	behandlede_patienter bigint
);

COMMENT ON TABLE demo.udgifter IS 'Synthetic costs (DKK) per unit and year; behandlede_patienter NULL = let kvalitet count the treated patients.';

CREATE TABLE demo.henvisninger (
	aar				int,
	kommunekode		text,
	henvisninger	bigint
);

COMMENT ON TABLE demo.henvisninger IS 'Synthetic referrals to municipal prevention and rehabilitation per kommune and year.';
