-- The upgrade pattern: install the first release, then update step by step
-- to the current version.  Each new version adds its step script; this test
-- then exercises the whole chain.
DROP EXTENSION kvalitet;
CREATE EXTENSION kvalitet VERSION '0.1.0';
ALTER EXTENSION kvalitet UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'kvalitet') AS at_default
FROM pg_extension WHERE extname = 'kvalitet';
-- Every object the extension owns is documented with COMMENT ON.
SELECT pg_describe_object(classid, objid, 0) AS undocumented
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kvalitet')
  AND deptype = 'e'
  AND obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)) IS NULL
  -- array types get no comment of their own
  AND NOT (classid = 'pg_type'::regclass
           AND (SELECT typcategory FROM pg_type WHERE oid = objid) = 'A')
ORDER BY 1;
