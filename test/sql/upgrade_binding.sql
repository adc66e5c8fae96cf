-- A binding made by 0.1.0 keeps working after ALTER EXTENSION kvalitet
-- UPDATE: it refreshes (its generated objects are 0.1.0's, with the column
-- follow_up_complete), grant_read and unbind serve it; then the current
-- version binds the same tables again (followup_complete).  Leaves the
-- database with a fresh install of the current version.
SET TimeZone = 'UTC';
SET client_min_messages = warning;
\set SHOW_CONTEXT never

DROP EXTENSION kvalitet CASCADE;
CREATE EXTENSION kvalitet VERSION '0.1.0';

-- Patient 1: an acute admission in March, readmitted 5 days later (unit A1,
-- H1); patient 2: one admission in B1 (H2), not readmitted; a letter each.
CREATE SCHEMA up_src;
CREATE TABLE up_src.contacts (patient bigint, start_at timestamptz, end_at timestamptz, acute boolean,
                              diagnosis text, died boolean, unit text);
INSERT INTO up_src.contacts VALUES
(1, '2025-03-01 10:00', '2025-03-03 10:00', true, 'DI219', false, 'A1'),
(1, '2025-03-08 10:00', '2025-03-09 10:00', true, 'DJ189', false, 'A1'),
(2, '2025-03-10 10:00', '2025-03-12 10:00', true, 'DI219', false, 'B1'),
(2, '2025-06-10 10:00', '2025-06-10 12:00', false, 'DZ000', false, 'B1');
CREATE TABLE up_src.units (unit text, hospital text, department text);
INSERT INTO up_src.units VALUES ('A1', 'H1', 'Medicin'), ('B1', 'H2', 'Kirurgi');
CREATE TABLE up_src.letters (patient bigint, discharged_at timestamptz, sent_at timestamptz);
INSERT INTO up_src.letters VALUES (1, '2025-03-03 10:00', '2025-03-04 09:00'), (2, '2025-03-12 10:00', NULL);

SELECT indicator_code, computed FROM kvalitet.bind('up', 'up_src.contacts', units => 'up_src.units',
                                                   epikriser => 'up_src.letters')
WHERE computed ORDER BY 1;
SELECT relations FROM kvalitet.binding WHERE schema_name = 'up';

ALTER EXTENSION kvalitet UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'kvalitet') AS at_default
FROM pg_extension WHERE extname = 'kvalitet';

-- Its BI views become security barriers (SECURITY.md).
SELECT c.relname, c.reloptions FROM pg_class AS c WHERE c.relnamespace = 'up'::regnamespace ORDER BY 1;

-- The 0.1.0 binding refreshes (concurrently, its views hold data) and reads.
SELECT relation, refreshed_concurrently FROM kvalitet.refresh('up');
SELECT indicator_code, period_label, org_level, org_unit, numerator, denominator, follow_up_complete
FROM up.indicator_values
WHERE period_type = 'month' AND org_level IN ('region', 'hospital')
ORDER BY indicator_code, period_start, org_level, org_unit;
SELECT patient, stay_no, index_stay, readmitted, followup_complete FROM up.stays ORDER BY 1, 2;
SELECT indicator_code, computed, note FROM up.status WHERE computed ORDER BY 1;

-- grant_read serves it: USAGE on the target schema, SELECT on the views and
-- on the private objects, no USAGE on the private schema.
CREATE ROLE kv_upgrade_reader;
SELECT kvalitet.grant_read('up', 'kv_upgrade_reader');
SELECT has_schema_privilege('kv_upgrade_reader', 'up', 'USAGE') AS usage_target,
       has_schema_privilege('kv_upgrade_reader', 'up_private', 'USAGE') AS usage_private,
       has_table_privilege('kv_upgrade_reader', 'up.goal_overview', 'SELECT') AS goal_overview,
       has_table_privilege('kv_upgrade_reader', 'up_private.stays', 'SELECT') AS private_stays,
       has_table_privilege('kv_upgrade_reader', 'up_private.visible_org', 'SELECT') AS private_visible_org;

-- unbind drops what 0.1.0 generated.
SELECT kvalitet.unbind('up');
SELECT nspname FROM pg_namespace WHERE nspname IN ('up', 'up_private') ORDER BY 1;
SELECT count(*) AS views_left FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname IN ('up', 'up_private');

-- The current version binds the same tables: the same figures, followup_complete.
SELECT indicator_code, computed FROM kvalitet.bind('up', 'up_src.contacts', units => 'up_src.units',
                                                   epikriser => 'up_src.letters')
WHERE computed ORDER BY 1;
SELECT indicator_code, period_label, org_level, org_unit, numerator, denominator, followup_complete
FROM up.indicator_values
WHERE period_type = 'month' AND org_level IN ('region', 'hospital')
ORDER BY indicator_code, period_start, org_level, org_unit;
SELECT relation, refreshed_concurrently FROM kvalitet.refresh('up');
SELECT kvalitet.grant_read('up', 'kv_upgrade_reader');
SELECT has_table_privilege('kv_upgrade_reader', 'up.indicator_values', 'SELECT') AS indicator_values,
       has_schema_privilege('kv_upgrade_reader', 'up_private', 'USAGE') AS usage_private;
SELECT kvalitet.unbind('up');

DROP SCHEMA up, up_src CASCADE;
DROP ROLE kv_upgrade_reader;
DROP EXTENSION kvalitet CASCADE;
CREATE EXTENSION kvalitet;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'kvalitet') AS fresh_at_default
FROM pg_extension WHERE extname = 'kvalitet';
