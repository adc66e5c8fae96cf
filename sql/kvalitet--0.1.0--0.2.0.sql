-- kvalitet 0.1.0 -> 0.2.0 (CHANGELOG.md says what changed and why).
\echo Use "ALTER EXTENSION kvalitet UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Functions, types and aggregates (sql/parts/00_schema.sql to 40_stays.sql)
-- ---------------------------------------------------------------------------


-- ---------------------------------------------------------------------------
-- The goal catalogue and the bindings (sql/parts/50_* and 6*_)
-- ---------------------------------------------------------------------------

