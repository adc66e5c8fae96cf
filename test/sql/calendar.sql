-- The Danish working-day calendar: holidays, working days, the setting
-- kvalitet.extra_closed_days, and the range 1900-2200.
SET client_encoding = 'UTF8';
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- An independent list of the public holidays 2000-2035 (one line per
-- holiday, Store bededag through 2023), compared with the functions on
-- every day of those years.
CREATE TEMP TABLE reference_holidays (day date PRIMARY KEY, name text NOT NULL);
\copy reference_holidays FROM 'test/data/danish_holidays_2000_2035.txt'
SELECT count(*) AS listed, min(day), max(day) FROM reference_holidays;
-- No day of 2000-2035 disagrees (is_holiday, holiday_name, is_working_day).
SELECT d::date, r.name AS listed, kvalitet.holiday_name(d::date) AS computed
FROM generate_series('2000-01-01'::date, '2035-12-31'::date, '1 day') AS d
LEFT JOIN reference_holidays AS r ON r.day = d::date
WHERE kvalitet.is_holiday(d::date) IS DISTINCT FROM (r.day IS NOT NULL)
   OR kvalitet.holiday_name(d::date) IS DISTINCT FROM r.name
   OR kvalitet.is_working_day(d::date) IS DISTINCT FROM
      (extract(isodow FROM d) <= 5 AND r.day IS NULL);
SELECT count(*) AS days_checked,
       count(*) FILTER (WHERE kvalitet.is_holiday(d::date)) AS holidays,
       count(*) FILTER (WHERE kvalitet.is_working_day(d::date)) AS working_days
FROM generate_series('2000-01-01'::date, '2035-12-31'::date, '1 day') AS d;

-- Every holiday of sample years: 2023 (the last Store bededag, 5 May),
-- 2024 (none), the ends of the range, and 2038 beyond the reference list.
-- 1900: Easter 15 Apr; 2038: Easter 25 Apr; 2200: Easter 6 Apr.
SELECT d::date, to_char(d, 'Dy') AS dow, kvalitet.holiday_name(d::date)
FROM generate_series('2023-01-01'::date, '2024-12-31'::date, '1 day') AS d
WHERE kvalitet.is_holiday(d::date) ORDER BY 1;
SELECT d::date, to_char(d, 'Dy') AS dow, kvalitet.holiday_name(d::date)
FROM (SELECT generate_series('1900-01-01'::date, '1900-12-31'::date, '1 day')
      UNION ALL SELECT generate_series('2038-01-01'::date, '2038-12-31'::date, '1 day')
      UNION ALL SELECT generate_series('2200-01-01'::date, '2200-12-31'::date, '1 day')) AS g(d)
WHERE kvalitet.is_holiday(d::date) ORDER BY 1;

-- Working days around Easter 2024 and Christmas 2025.
SELECT d::date, to_char(d, 'Dy') AS dow, kvalitet.is_working_day(d::date) AS working,
       kvalitet.holiday_name(d::date)
FROM generate_series('2024-03-27'::date, '2024-04-02'::date, '1 day') AS d ORDER BY 1;
SELECT d::date, to_char(d, 'Dy') AS dow, kvalitet.is_working_day(d::date) AS working,
       kvalitet.holiday_name(d::date)
FROM generate_series('2025-12-22'::date, '2026-01-02'::date, '1 day') AS d ORDER BY 1;

-- add_working_days: 0 is the day itself (even a Sunday), positive counts
-- forward, negative backward; the day itself is never counted.
SELECT kvalitet.add_working_days('2024-03-27', 0) AS wed_0,       -- 2024-03-27
       kvalitet.add_working_days('2024-03-31', 0) AS easter_0,    -- 2024-03-31 (Sunday)
       kvalitet.add_working_days('2024-03-27', 1) AS wed_1,       -- 2024-04-02 (Thu..Mon closed)
       kvalitet.add_working_days('2024-03-27', 2) AS wed_2,       -- 2024-04-03
       kvalitet.add_working_days('2024-04-02', -1) AS tue_m1,     -- 2024-03-27
       kvalitet.add_working_days('2024-04-01', -1) AS mon_m1,     -- 2024-03-27
       kvalitet.add_working_days('2025-01-03', -1) AS fri_m1;     -- 2025-01-02
SELECT kvalitet.add_working_days('2025-12-19', 5) AS plus_5,      -- 2025-12-30 (22,23,24,29,30)
       kvalitet.add_working_days('2025-12-30', -5) AS minus_5,    -- 2025-12-19
       kvalitet.add_working_days('2025-01-01', 250) AS plus_250,  -- 2025-12-24 (of 253 in 2025)
       kvalitet.add_working_days('2026-01-05', -250) AS minus_250; -- 2025-01-08
-- working_days_between counts working days in (a, b], negative the other way.
SELECT kvalitet.working_days_between('2025-01-01', '2025-12-31') AS year_2025,  -- 253 = 261 weekdays - 8
       kvalitet.working_days_between('2025-12-31', '2025-01-01') AS backwards, -- -253
       kvalitet.working_days_between('2024-03-27', '2024-04-02') AS easter,    -- 1
       kvalitet.working_days_between('2024-03-30', '2024-03-31') AS weekend,   -- 0
       kvalitet.working_days_between('2024-05-10', '2024-05-10') AS same_day;  -- 0
-- Round trips over every day of 2023-2024 and n = 1..12.
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE kvalitet.working_days_between(d::date,
                               kvalitet.add_working_days(d::date, n)) <> n) AS bad_forward,
       count(*) FILTER (WHERE kvalitet.add_working_days(kvalitet.add_working_days(d::date, n), -n)
                              > d::date) AS bad_backward
FROM generate_series('2023-01-01'::date, '2024-12-31'::date, '1 day') AS d,
     generate_series(1, 12) AS n;

-- kvalitet.extra_closed_days closes 5 Jun, 24 Dec and 31 Dec on request;
-- a public holiday keeps its name when it falls on 5 Jun (Pinsedag 2022,
-- 2. pinsedag 2017).
SHOW kvalitet.extra_closed_days;
SELECT kvalitet.is_holiday('2025-12-24') AS juleaften_default,
       kvalitet.is_working_day('2025-12-24') AS working_default;
SET kvalitet.extra_closed_days = 'grundlovsdag, Juleaften,nytaarsaften';
SELECT d, kvalitet.holiday_name(d), kvalitet.is_working_day(d)
FROM unnest('{2024-06-05,2022-06-05,2017-06-05,2025-12-24,2025-12-31,2026-01-01}'::date[]) AS d;
SELECT kvalitet.add_working_days('2025-12-23', 1) AS after_23_dec,   -- 2025-12-29
       kvalitet.add_working_days('2025-12-30', 1) AS after_30_dec,   -- 2026-01-02
       kvalitet.working_days_between('2025-01-01', '2025-12-31') AS year_2025; -- 250: 5 Jun, 24 and 31 Dec are weekdays
SET kvalitet.extra_closed_days = 'nytårsaften';
SELECT kvalitet.holiday_name('2025-12-31') AS nytaarsaften,
       kvalitet.holiday_name('2025-12-24') AS juleaften;
SET kvalitet.extra_closed_days = '';
SELECT kvalitet.holiday_name('2025-12-31');
-- Unknown names and empty items are rejected, and the old value stays.
SET kvalitet.extra_closed_days = 'juleaften, påskelørdag';
SET kvalitet.extra_closed_days = 'juleaften,,nytaarsaften';
SHOW kvalitet.extra_closed_days;
-- A function's SET clause pins the setting (e.g. inside a materialized view).
CREATE FUNCTION pg_temp.closed_xmas(d date) RETURNS boolean LANGUAGE sql STABLE
	SET kvalitet.extra_closed_days = 'juleaften'
	AS $$ SELECT kvalitet.is_holiday(d) $$;
SELECT pg_temp.closed_xmas('2025-12-24') AS pinned, kvalitet.is_holiday('2025-12-24') AS session;

-- The range: 1900-01-01 to 2200-12-31, and a clear error outside it.
SELECT kvalitet.holiday_name('1900-01-01'), kvalitet.is_working_day('2200-12-31');
SELECT kvalitet.is_holiday('1899-12-31');
SELECT kvalitet.holiday_name('2201-01-01');
SELECT kvalitet.is_working_day('infinity');
SELECT kvalitet.add_working_days('-infinity', 1);
SELECT kvalitet.add_working_days('2200-12-29', 3);
SELECT kvalitet.add_working_days('1900-01-02', -2);
SELECT kvalitet.working_days_between('2000-01-01', '2201-01-01');
-- The SQLSTATE is datetime_field_overflow.
DO $$
BEGIN
	PERFORM kvalitet.is_holiday('1850-06-01');
EXCEPTION WHEN datetime_field_overflow THEN
	RAISE NOTICE 'caught %', SQLSTATE;
END $$;
-- STRICT: NULL in, NULL out.
SELECT kvalitet.is_holiday(NULL) IS NULL AS strict_1, kvalitet.add_working_days(NULL, 1) IS NULL AS strict_2;
