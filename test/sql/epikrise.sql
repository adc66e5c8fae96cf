-- epikrise_timeliness and epikrise_deadline: local days in
-- kvalitet.timezone (default Europe/Copenhagen), working-day deadlines,
-- daylight-saving days and midnight, NULLs, errors.
SET client_encoding = 'UTF8';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Until kvalitet's library is loaded in a session its settings are mere
-- placeholders: a bad value set before is reported with a WARNING when the
-- library loads (here, at the first call) and the default applies.  Once
-- loaded, a bad value is an error (below).
SET kvalitet.timezone = 'Europe/Atlantis';
SELECT kvalitet.is_working_day('2025-06-10');
SHOW kvalitet.timezone;
SHOW kvalitet.extra_closed_days;

-- Deadlines (1 working day unless said) that land on a Friday, a Saturday,
-- Skærtorsdag, 23 Dec and 31 Dec.  Copenhagen is UTC+1 in winter, UTC+2
-- in summer, so the end of a local day is 22:59:59.999999 or
-- 21:59:59.999999 UTC.
SELECT what, kvalitet.epikrise_deadline(discharged_at) AS deadline
FROM (VALUES
	('Thu -> Fri 2025-05-23', '2025-05-22 10:00+00'::timestamptz),
	('Fri -> Sat, so Mon 2025-05-26', '2025-05-23 10:00+00'),
	('Wed 2025-04-16 -> Skærtorsdag, so Tue 2025-04-22', '2025-04-16 10:00+00'),
	('Mon -> 23 Dec 2025', '2025-12-22 10:00+00'),
	('Tue -> 31 Dec 2025', '2025-12-30 10:00+00'),
	('Tue 23 Dec -> 24 Dec 2025', '2025-12-23 10:00+00'),
	('Wed 31 Dec -> Fri 2026-01-02', '2025-12-31 10:00+00')
) AS v(what, discharged_at);
-- Deadline 0 is the discharge's own local day, also on a Sunday; 2 and 5
-- working days count on from there.
SELECT kvalitet.epikrise_deadline('2025-05-25 10:00+00', 0) AS sunday_0,   -- 2025-05-25 21:59:59.999999
       kvalitet.epikrise_deadline('2025-05-22 10:00+00', 2) AS thu_2,      -- Mon 2025-05-26
       kvalitet.epikrise_deadline('2025-12-19 10:00+00', 5) AS fri_5;      -- Tue 2025-12-30
-- With 24 Dec and 31 Dec closed the Christmas deadlines move.
SET kvalitet.extra_closed_days = 'juleaften,nytaarsaften';
SELECT kvalitet.epikrise_deadline('2025-12-23 10:00+00') AS tue_23_dec,   -- Mon 2025-12-29
       kvalitet.epikrise_deadline('2025-12-30 10:00+00') AS tue_30_dec;   -- Fri 2026-01-02
RESET kvalitet.extra_closed_days;

-- Discharges at 23:59:59 and 00:00:00 local time around both
-- daylight-saving days of 2025 (Sunday 30 Mar and Sunday 26 Oct, clocks
-- change at 01:00 UTC): the local date decides, whatever the UTC date.
CREATE TEMP TABLE dst (what text, discharged_at timestamptz);
INSERT INTO dst VALUES
	('Sat 29 Mar 23:59:59 CET',  '2025-03-29 22:59:59+00'),
	('Sun 30 Mar 00:00:00 CET',  '2025-03-29 23:00:00+00'),
	('Sun 30 Mar 23:59:59 CEST', '2025-03-30 21:59:59+00'),
	('Mon 31 Mar 00:00:00 CEST', '2025-03-30 22:00:00+00'),
	('Sat 25 Oct 23:59:59 CEST', '2025-10-25 21:59:59+00'),
	('Sun 26 Oct 00:00:00 CEST', '2025-10-25 22:00:00+00'),
	('Sun 26 Oct 02:30 CEST',    '2025-10-26 00:30:00+00'),
	('Sun 26 Oct 02:30 CET',     '2025-10-26 01:30:00+00'),
	('Sun 26 Oct 23:59:59 CET',  '2025-10-26 22:59:59+00'),
	('Mon 27 Oct 00:00:00 CET',  '2025-10-26 23:00:00+00');
SELECT what, kvalitet.epikrise_deadline(discharged_at, 0) AS same_day,
       kvalitet.epikrise_deadline(discharged_at) AS next_working_day
FROM dst ORDER BY discharged_at;
-- The aggregate agrees: a letter at the deadline is timely, one
-- microsecond later is not (per discharge: 1/2 for deadlines 1 and 0).
SELECT what, kvalitet.epikrise_timeliness(discharged_at, sent_1) AS n1,
       kvalitet.epikrise_timeliness(discharged_at, sent_0, 0) AS n0
FROM dst, LATERAL (VALUES (kvalitet.epikrise_deadline(discharged_at, 1),
                           kvalitet.epikrise_deadline(discharged_at, 0)),
                          (kvalitet.epikrise_deadline(discharged_at, 1) + interval '1 microsecond',
                           kvalitet.epikrise_deadline(discharged_at, 0) + interval '1 microsecond'))
                  AS s(sent_1, sent_0)
GROUP BY what, discharged_at ORDER BY discharged_at;
-- The same with the letters written out: discharged Friday 28 Mar, the
-- deadline is the end of Monday 31 Mar CEST = 21:59:59.999999 UTC.
SELECT kvalitet.epikrise_timeliness(d, s) AS timely_1_of_5
FROM (VALUES ('2025-03-28 12:00+00'::timestamptz, '2025-03-31 21:59:59.999999+00'::timestamptz),
             ('2025-03-28 12:00+00', '2025-03-31 22:00:00+00'),
             ('2025-03-28 12:00+00', '2025-04-01 08:00:00+00'),
             ('2025-03-28 12:00+00', NULL),
             ('2025-03-28 12:00+00', '2025-03-31 23:00:00+00'),
             (NULL, '2025-03-28 13:00+00'),
             (NULL, NULL)) AS v(d, s);

-- A letter sent before the discharge is timely; no letter is not; a row
-- without a discharge time is not counted; no rows give 0/0.
SELECT kvalitet.epikrise_timeliness(d, s) AS early_2_of_3
FROM (VALUES ('2025-06-10 12:00+00'::timestamptz, '2025-06-09 08:00+00'::timestamptz),
             ('2025-06-10 12:00+00', '1999-01-01 00:00+00'),
             ('2025-06-10 12:00+00', NULL),
             (NULL, '2025-06-10 13:00+00')) AS v(d, s);
SELECT kvalitet.epikrise_timeliness(d, s) AS empty
FROM (VALUES (now(), now())) AS v(d, s) WHERE false;
-- Far from the calendar, sent_at still compares by local date.
SELECT kvalitet.epikrise_timeliness(d, s) AS one_of_two
FROM (VALUES ('2025-06-10 12:00+00'::timestamptz, '2500-01-01 00:00+00'::timestamptz),
             ('2025-06-10 12:00+00', '1800-01-01 00:00+00')) AS v(d, s);

-- kvalitet.timezone decides the local day.  23:30 UTC on Friday 28 Mar
-- 2025 is Saturday 00:30 in Copenhagen.
SELECT kvalitet.epikrise_timeliness('2025-03-28 23:30+00', '2025-03-29 00:10+00', 0) AS copenhagen,
       kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0) AS copenhagen_deadline;
SET kvalitet.timezone = 'UTC';
SELECT kvalitet.epikrise_timeliness('2025-03-28 23:30+00', '2025-03-29 00:10+00', 0) AS utc,
       kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0) AS utc_deadline;
SET kvalitet.timezone = 'europe/copenhagen';
SELECT kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0) AS case_insensitive;
SET kvalitet.timezone = 'Europe/Atlantis';
SET kvalitet.timezone = '';
RESET kvalitet.timezone;
-- The session's TimeZone plays no part.
SET TimeZone = 'America/New_York';
SELECT kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0) AT TIME ZONE 'UTC' AS under_new_york;
SET TimeZone = 'UTC';
-- A function's SET clause pins the zone.
CREATE FUNCTION pg_temp.deadline_utc(t timestamptz) RETURNS timestamptz LANGUAGE sql STABLE
	SET kvalitet.timezone = 'UTC'
	AS $$ SELECT kvalitet.epikrise_deadline(t, 0) $$;
SELECT pg_temp.deadline_utc('2025-03-28 23:30+00') AS pinned,
       kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0) AS session;

-- Local dates agree with PostgreSQL's own AT TIME ZONE at every half hour
-- (and one microsecond before it) of two years, and every 7 d 3 h 17 min
-- from 1900 to 2200: the deadline with n = 0 is the end of the local day,
-- and a pair of consecutive instants (discharge, letter) is timely exactly
-- when the letter's local date is not after the discharge's.  In four
-- zones: Copenhagen; Sao Paulo, whose clocks jumped at local midnight
-- (2017-10-15 00:00 -> 01:00); Apia, which skipped Friday 30 Dec 2011;
-- Goose Bay, whose clocks went back from 00:01 to 23:01 the day before
-- (2001-10-28), so that its local dates step back.  `shuffled` is all
-- pairs in one aggregate, out of time order: it must read timely/pairs.
CREATE TEMP TABLE instants AS
SELECT row_number() OVER (ORDER BY t) AS id, t FROM (
	SELECT g - e
	FROM generate_series('2024-01-01 00:00+00'::timestamptz, '2025-12-31 23:30+00', '30 minutes') AS g,
	     (VALUES ('0'::interval), ('1 microsecond')) AS x(e)
	UNION ALL
	SELECT g - e
	FROM generate_series('2011-12-20 00:00+00'::timestamptz, '2012-01-10 00:00+00', '30 minutes') AS g,
	     (VALUES ('0'::interval), ('1 microsecond')) AS x(e)
	UNION ALL
	SELECT g - e
	FROM generate_series('2017-10-01 00:00+00'::timestamptz, '2018-03-01 00:00+00', '30 minutes') AS g,
	     (VALUES ('0'::interval), ('1 microsecond')) AS x(e)
	UNION ALL
	SELECT g - e
	FROM generate_series('2001-10-26 00:00+00'::timestamptz, '2001-10-30 00:00+00', '1 minute') AS g,
	     (VALUES ('0'::interval), ('1 microsecond')) AS x(e)
	UNION ALL
	SELECT generate_series('1900-01-01 12:00+00'::timestamptz, '2200-12-30 00:00+00', '7 days 3 hours 17 minutes')
) AS s(t);
CREATE TEMP TABLE zone_check (zone text, instants bigint, bad_deadlines bigint,
                              pairs bigint, timely bigint, bad_pairs bigint,
                              shuffled text);
CREATE FUNCTION pg_temp.check_zone(zone text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kvalitet.timezone', zone, true);
	INSERT INTO zone_check
	SELECT zone,
	       (SELECT count(*) FROM instants),
	       (SELECT count(*) FROM instants
	        WHERE kvalitet.epikrise_deadline(t, 0) <>
	              (((t AT TIME ZONE zone)::date + 1)::timestamp AT TIME ZONE zone) - interval '1 microsecond'),
	       count(*),
	       count(*) FILTER (WHERE timely),
	       count(*) FILTER (WHERE p <> CASE WHEN timely THEN '1/1' ELSE '0/1' END),
	       -- all pairs in one aggregate, out of time order
	       (SELECT kvalitet.epikrise_timeliness(d, s, 0)::text
	        FROM (SELECT a.t AS d, b.t AS s FROM instants a JOIN instants b ON b.id = a.id + 1
	              ORDER BY hashint8(a.id)) AS shuffled)
	FROM (SELECT a.id, kvalitet.epikrise_timeliness(a.t, b.t, 0)::text AS p,
	             bool_and((b.t AT TIME ZONE zone)::date <= (a.t AT TIME ZONE zone)::date) AS timely
	      FROM instants a JOIN instants b ON b.id = a.id + 1
	      GROUP BY a.id) AS pairs;
END $$;
SELECT pg_temp.check_zone('Europe/Copenhagen'), pg_temp.check_zone('America/Sao_Paulo'),
       pg_temp.check_zone('Pacific/Apia'), pg_temp.check_zone('America/Goose_Bay');
SELECT * FROM zone_check ORDER BY zone;
-- Around the midnight jumps, the end of the day before is the jump itself.
SET kvalitet.timezone = 'America/Sao_Paulo';
SELECT kvalitet.epikrise_deadline('2017-10-14 12:00+00', 0) AS sao_paulo_sat_14_oct_2017;  -- 2017-10-15 02:59:59.999999
SET kvalitet.timezone = 'Pacific/Apia';
SELECT kvalitet.epikrise_deadline('2011-12-29 12:00+00', 0) AS apia_thu_29_dec_2011;       -- 2011-12-30 09:59:59.999999
RESET kvalitet.timezone;

-- Two-step aggregation: monthly values per unit roll up to the year.
CREATE TEMP TABLE letters AS
SELECT i % 3 AS unit,
       '2025-01-01 00:00+00'::timestamptz + i * interval '53 minutes 7 seconds' AS discharged_at,
       CASE WHEN i % 13 = 0 THEN NULL
            ELSE '2025-01-01 00:00+00'::timestamptz + i * interval '53 minutes 7 seconds'
                 + (i % 97) * interval '1 hour' END AS sent_at
FROM generate_series(1, 9000) AS i;
CREATE TEMP TABLE letters_monthly AS
SELECT unit, date_trunc('month', discharged_at) AS month,
       kvalitet.epikrise_timeliness(discharged_at, sent_at) AS p
FROM letters GROUP BY 1, 2;
SELECT kvalitet.rollup(p)::text = (SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at)::text FROM letters) AS rolls_up,
       kvalitet.denominator(kvalitet.rollup(p)) AS discharges
FROM letters_monthly;
-- The aggregate equals counting with epikrise_deadline row by row, also
-- with the rows out of time order.
SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 2)::text =
       (count(*) FILTER (WHERE sent_at <= kvalitet.epikrise_deadline(discharged_at, 2)))
       || '/' || count(*) AS agrees
FROM letters;
SELECT kvalitet.epikrise_timeliness(discharged_at, sent_at, 2)::text AS shuffled,
       (SELECT (count(*) FILTER (WHERE sent_at <= kvalitet.epikrise_deadline(discharged_at, 2)))
               || '/' || count(*) FROM letters) AS row_by_row
FROM (SELECT * FROM letters ORDER BY hashtext(discharged_at::text)) AS s;

-- Errors: a negative or NULL deadline, infinite times, days outside the
-- calendar.
SELECT kvalitet.epikrise_timeliness('2025-06-10 12:00+00', '2025-06-10 13:00+00', -1);
SELECT kvalitet.epikrise_deadline('2025-06-10 12:00+00', -1);
SELECT kvalitet.epikrise_timeliness('2025-06-10 12:00+00', '2025-06-10 13:00+00', NULL);
SELECT kvalitet.epikrise_timeliness('infinity', '2025-06-10 13:00+00');
SELECT kvalitet.epikrise_timeliness('2025-06-10 12:00+00', '-infinity');
SELECT kvalitet.epikrise_deadline('infinity');
SELECT kvalitet.epikrise_timeliness('1899-12-31 22:00+00', NULL);
SELECT kvalitet.epikrise_deadline('2200-12-31 12:00+00');
SELECT kvalitet.epikrise_deadline('1899-12-31 23:00+00', 0) AS first_local_day;  -- 1900-01-01 00:00 local
DO $$
BEGIN
	PERFORM kvalitet.epikrise_deadline('2025-06-10 12:00+00', -2);
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'caught %', SQLSTATE;
END $$;
DO $$
BEGIN
	PERFORM kvalitet.epikrise_deadline('-infinity');
EXCEPTION WHEN datetime_field_overflow THEN
	RAISE NOTICE 'caught %', SQLSTATE;
END $$;

-- Called directly, the transition function returns a new value.
SELECT kvalitet.epikrise_accum('2/3', '2025-06-10 12:00+00', '2025-06-10 13:00+00') AS accum,
       kvalitet.epikrise_accum(NULL, '2025-06-10 12:00+00', NULL) AS from_null,
       kvalitet.epikrise_accum('2/3', NULL, NULL) AS skipped;

-- The explicit-calendar forms (time zone and closing days in the call, for
-- Citus, where settings do not reach the workers): the same answers as the
-- settings give, in six zones at once (more than the four a backend keeps
-- tabulated), and NULL for either means its setting.
CREATE TEMP TABLE cal_letters AS
SELECT d, d + (k * interval '7 hours 13 minutes') AS s
FROM generate_series('2025-12-20 00:00+00'::timestamptz, '2026-01-03 00:00+00', '97 minutes') AS d,
     generate_series(0, 9) AS k;
CREATE TEMP TABLE by_setting (zone text, closed text, n int, answer kvalitet.proportion);
CREATE FUNCTION pg_temp.by_setting(zone text, closed text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kvalitet.timezone', zone, true);
	PERFORM set_config('kvalitet.extra_closed_days', closed, true);
	INSERT INTO by_setting SELECT zone, closed, n, kvalitet.epikrise_timeliness(d, s, n)
	FROM cal_letters, generate_series(0, 2) AS n GROUP BY n;
END $$;
SELECT count(pg_temp.by_setting(z, c)) AS settings_tried
FROM unnest(ARRAY['Europe/Copenhagen', 'UTC', 'America/Sao_Paulo', 'Pacific/Apia',
                  'America/Goose_Bay', 'Asia/Tokyo']) AS z,
     unnest(ARRAY['', 'juleaften,nytaarsaften']) AS c;
RESET kvalitet.timezone;
RESET kvalitet.extra_closed_days;
SELECT count(*) AS compared,
       count(*) FILTER (WHERE e.answer::text <> b.answer::text) AS differing,
       count(DISTINCT b.answer::text) > 4 AS zones_matter
FROM by_setting b
JOIN (SELECT zone, closed, n, kvalitet.epikrise_timeliness(d, s, n, zone, closed) AS answer
      FROM cal_letters, generate_series(0, 2) AS n,
           unnest(ARRAY['Europe/Copenhagen', 'UTC', 'America/Sao_Paulo', 'Pacific/Apia',
                        'America/Goose_Bay', 'Asia/Tokyo']) AS zone,
           unnest(ARRAY['', 'juleaften,nytaarsaften']) AS closed
      GROUP BY zone, closed, n) e USING (zone, closed, n);
-- Two zones in one query, and the deadline with an explicit calendar.
SELECT kvalitet.epikrise_timeliness('2025-03-28 23:30+00', '2025-03-29 00:10+00', 0, 'UTC', '') AS utc,
       kvalitet.epikrise_timeliness('2025-03-28 23:30+00', '2025-03-29 00:10+00', 0, 'Europe/Copenhagen', '') AS copenhagen,
       kvalitet.epikrise_deadline('2025-03-28 23:30+00', 0, 'UTC') AS utc_deadline,
       kvalitet.epikrise_deadline('2025-12-23 10:00+00', 1, 'Europe/Copenhagen', 'juleaften, Nytaarsaften') AS closed_deadline;
-- NULL means the setting; the setting is ignored when the call names one.
SET kvalitet.timezone = 'UTC';
SET kvalitet.extra_closed_days = 'juleaften';
SELECT kvalitet.epikrise_deadline('2025-12-23 23:30+00', 0, NULL, NULL) AS from_settings,
       kvalitet.epikrise_deadline('2025-12-23 23:30+00', 0, 'Europe/Copenhagen', '') AS named,
       kvalitet.epikrise_deadline(NULL, 0, 'UTC') AS null_discharge,
       kvalitet.epikrise_timeliness(d, d + interval '1 day', 1, 'Europe/Copenhagen', '') AS named_agg,
       kvalitet.epikrise_timeliness(d, d + interval '1 day', 1, NULL, NULL) AS settings_agg
FROM (VALUES ('2025-12-22 23:30+00'::timestamptz)) AS v(d);
RESET kvalitet.timezone;
RESET kvalitet.extra_closed_days;
-- Bad arguments are errors with their SQLSTATE.
SELECT kvalitet.epikrise_timeliness(now(), now(), 1, 'Europe/Atlantis', '');
SELECT kvalitet.epikrise_timeliness(now(), now(), 1, '', '');
SELECT kvalitet.epikrise_deadline(now(), 1, 'UTC', 'juleaften,,');
SELECT kvalitet.epikrise_deadline(now(), 1, 'UTC', 'paaskeaften');
