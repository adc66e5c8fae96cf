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
	kommunekode		text
);

CREATE INDEX ON demo.kontakter (cpr);

COMMENT ON TABLE demo.kontakter IS
	'Synthetic LPR3-shaped hospital contacts. Dates and times are local Danish time (Europe/Copenhagen); '
	'start_at = (dato_start + tidspunkt_start) AT TIME ZONE ''Europe/Copenhagen''. '
	'dato_slut/tidspunkt_slut NULL = still open at the data end. kontakttype ALCA00 = physical attendance, '
	'ALCA10 = telephone/video; prioritet ATA1 = acute, ATA3 = planned; kommunekode is 3-digit (''751'').';

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
