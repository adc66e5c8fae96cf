-- test/citus/data.sql: the rows of the Citus suite, written by a plain
-- database (no Citus) of the coordinator into two files the suite loads
-- into a single-node copy and a distributed copy.  Contacts come from the
-- seeded adversarial generator of test/reference (every rule threshold hit,
-- invalid rows included, except a NULL patient, which a distribution
-- column cannot hold); letters sit around local midnights, the
-- daylight-saving days and the Christmas closing days, in time order and
-- out of it.
\set ON_ERROR_STOP 1
\ir ../reference/reference.sql
\ir ../reference/random_contacts.sql

CREATE TABLE contacts AS
SELECT c.*, 'u' || (abs(hashint8(c.patient)) % 7 + (extract(hour FROM c.start_at)::int % 2)) AS unit
FROM kvalitet_ref.random_contacts(0.29, :patients, true) AS c
WHERE c.patient IS NOT NULL;

SELECT setseed(0.53);
CREATE TABLE epikriser AS
SELECT p AS patient, 'u' || (p % 5) AS unit, d AS discharged_at,
       CASE WHEN random() < 0.08 THEN NULL
            ELSE d + (random() * interval '80 hours') END AS sent_at
FROM (SELECT p, day + (CASE WHEN random() < 0.5 THEN interval '22 hours' + random() * interval '3 hours'
                            ELSE random() * interval '24 hours' END) AS d
      FROM generate_series(1, :patients) AS p,
           LATERAL (SELECT timestamptz '2025-01-01 00:00+00'
                           + (floor(random() * 365) || ' days')::interval AS day
                    FROM generate_series(1, 1 + (p % 3))) AS days
      UNION ALL
      SELECT p, timestamptz '2025-12-23 22:30+00' + (p % 9) * interval '1 day' - interval '1 hour'
      FROM generate_series(1, :patients, 13) AS p
      UNION ALL
      SELECT p, timestamptz '2025-10-25 21:30+00' + (p % 5) * interval '30 minutes'
      FROM generate_series(2, :patients, 17) AS p) AS x;
