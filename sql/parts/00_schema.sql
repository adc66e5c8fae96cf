
-- ---------------------------------------------------------------------------
-- The schema (created by CREATE EXTENSION from kvalitet.control)
-- ---------------------------------------------------------------------------
-- Ordinary roles call kvalitet's functions (EXECUTE is PUBLIC by default),
-- bind their own tables and own what is generated, so the schema is usable
-- by everyone; what each object allows is granted beside it.
GRANT USAGE ON SCHEMA kvalitet TO PUBLIC;
