-- test/reference/random_contacts.sql
--
-- Seeded adversarial contact generator for comparing kvalitet with the SQL
-- reference (test/reference/reference.sql must be loaded first).  Every
-- random choice is drawn so that the data sits on the rule thresholds: gaps
-- of exactly 4 hours and one second or one microsecond either side, contacts
-- of exactly 12 hours and one second either side, next admissions at 720
-- hours and one second either side, open contacts, boundary codes of every
-- default set in odd spellings, NULL flags, exact duplicate rows and times
-- around the 2025 daylight-saving changes.
--
--   INSERT INTO kvalitet_ref.contacts
--   SELECT * FROM kvalitet_ref.random_contacts(0.42, 1000);

-- Rows shaped like kvalitet_ref.contacts for patients 1..patients; the same
-- seed (in [-1, 1], passed to setseed) always gives the same rows.  With
-- with_invalid, about 1 % of rows each get a NULL patient, a NULL start or an
-- end before the start (rows kvalitet skips with a warning), and 2 % a
-- diagnosis that is not a code (kept, the diagnosis unknown).
CREATE FUNCTION kvalitet_ref.random_contacts(seed double precision,
											 patients int,
											 with_invalid boolean DEFAULT false)
RETURNS SETOF kvalitet_ref.contacts
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	codes constant text[] := ARRAY[
		-- readmission_index_exclusion and readmission_exclusion edges
		'DC50', 'DC509', 'DC', 'DB99', 'DD00', 'DD09', 'DD10', 'DD0', 'DD0A',
		'DO4', 'DO40', 'DO48', 'DO49', 'DO80', 'DO81', 'DO83', 'DO84', 'DO85',
		'DZ763', 'DZ764', 'DZ76', 'DF20', 'DF', 'DF99', 'DG00', 'DE99',
		-- readmission_injury_exclusion edges
		'DS720', 'DS00', 'DR99', 'DT1', 'DT10', 'DT29', 'DT30', 'DT35',
		'DT36', 'DT50', 'DT51', 'DT59', 'DT60', 'DT79', 'DT80', 'DT89',
		'DT90', 'DX', 'DX59', 'DY', 'DY99', 'DW99', 'DZ00',
		-- preventable_elderly edges
		'DE86', 'DE869', 'DE85', 'DE87', 'DK590', 'DK59', 'DK591', 'DJ11',
		'DJ12', 'DJ189', 'DJ19', 'DJ20', 'DJ22', 'DJ23', 'DN30', 'DN31',
		'DN390', 'DN391', 'DA09', 'DA08', 'DK52', 'DK53', 'DD49', 'DD50',
		'DD53', 'DD54', 'DL89', 'DL88', 'DZ74', 'DZ75', 'DZ76', 'DS02',
		'DS03', 'DS92', 'DT02', 'DT08', 'DT09', 'DT12', 'DT13',
		-- other sets and everyday codes
		'DJ441', 'DJ44', 'DE11', 'DE119', 'DP59', 'DP92', 'DR628', 'DI219',
		'DI500', 'DM169', 'DR074', 'DI10']::text[];
	-- DST changes of 2025 in UTC
	spring constant timestamptz := '2025-03-30 01:00:00+00';
	autumn constant timestamptz := '2025-10-26 01:00:00+00';
	p int;
	n int;
	i int;
	k int;
	r double precision;
	base timestamptz;
	s timestamptz;
	e timestamptz;
	prev_start timestamptz;
	prev_end timestamptz;
	run_end timestamptz;
	ref timestamptz;
	len interval;
	dx text;
	rec kvalitet_ref.contacts;
BEGIN
	PERFORM setseed(seed);
	FOR p IN 1..patients LOOP
		-- contacts per patient: geometric-like, mean about 5
		n := least(30, 1 + floor(-ln(1 - random()) * 4)::int);

		-- the first start: near a DST change (often a few weeks before it,
		-- so a 720-hour window crosses it), or anywhere in 2025
		r := random();
		IF r < 0.2 THEN
			base := spring - floor(random() * 35 * 24) * interval '1 hour';
		ELSIF r < 0.4 THEN
			base := autumn - floor(random() * 35 * 24) * interval '1 hour';
		ELSIF r < 0.5 THEN
			base := (CASE WHEN random() < 0.5 THEN spring ELSE autumn END)
				+ floor(random() * 48 - 24) * interval '1 hour';
		ELSE
			base := '2025-01-01 00:00:00+00'::timestamptz
				+ floor(random() * 365 * 24 * 3600) * interval '1 second';
		END IF;
		IF random() < 0.1 THEN
			base := base + floor(random() * 1000000) * interval '1 microsecond';
		END IF;

		run_end := NULL;
		prev_start := NULL;
		prev_end := NULL;
		FOR i IN 1..n LOOP
			IF i = 1 THEN
				s := base;
			ELSIF run_end = 'infinity' THEN
				-- after an open contact everything joins its stay
				s := prev_start + floor(random() * 72) * interval '1 hour';
			ELSE
				ref := CASE WHEN random() < 0.8 THEN run_end ELSE prev_end END;
				k := floor(random() * 13)::int;
				s := CASE k
					WHEN 0 THEN ref - random() * (ref - prev_start)
					WHEN 1 THEN prev_start
					WHEN 2 THEN ref
					WHEN 3 THEN ref + interval '4 hours' - interval '1 second'
					WHEN 4 THEN ref + interval '4 hours'
					WHEN 5 THEN ref + interval '4 hours' + interval '1 second'
					WHEN 6 THEN ref + interval '4 hours' + interval '1 microsecond'
					WHEN 7 THEN ref + floor(1 + random() * 100) * interval '1 hour'
					WHEN 8 THEN ref + floor(1 + random() * 60 * 86400) * interval '1 second'
					WHEN 9 THEN ref + interval '720 hours' - interval '1 second'
					WHEN 10 THEN ref + interval '720 hours'
					WHEN 11 THEN ref + interval '720 hours' + interval '1 second'
					ELSE ref + floor(random() * 30) * interval '1 day'
				END;
			END IF;

			k := floor(random() * 8)::int;
			len := CASE k
				WHEN 0 THEN interval '3 hours'
				WHEN 1 THEN interval '12 hours' - interval '1 second'
				WHEN 2 THEN interval '12 hours'
				WHEN 3 THEN interval '12 hours' + interval '1 second'
				WHEN 4 THEN floor(random() * 240) * interval '1 minute'
				WHEN 5 THEN interval '0'
				ELSE floor(3600 + random() * 10 * 86400) * interval '1 second'
			END;
			e := s + len;
			IF (i = n AND random() < 0.06) OR random() < 0.01 THEN
				e := NULL;
			END IF;

			-- diagnosis: a boundary code, sometimes NULL, sometimes respelled
			IF random() < 0.08 THEN
				dx := NULL;
			ELSE
				dx := codes[1 + floor(random() * array_length(codes, 1))::int];
				k := floor(random() * 12)::int;
				IF k = 0 THEN
					dx := lower(dx);
				ELSIF k = 1 AND length(dx) > 4 THEN
					dx := left(dx, 4) || '.' || substr(dx, 5);
				ELSIF k = 2 AND dx ~ '^D[A-Z][0-9]{2}' THEN
					dx := substr(dx, 2);
				ELSIF k = 3 AND dx ~ '^D[A-Z][0-9]{2}' THEN
					dx := lower(substr(dx, 2, 3) || '.' || substr(dx, 5));
				ELSIF k = 4 THEN
					dx := ' ' || lower(dx) || ' ';
				END IF;
			END IF;

			rec.patient := p;
			rec.start_at := s;
			rec.end_at := e;
			r := random();
			rec.acute := CASE WHEN r < 0.5 THEN true WHEN r < 0.85 THEN false END;
			rec.diagnosis := dx;
			r := random();
			rec.died := CASE WHEN r < 0.02 THEN true WHEN r < 0.9 THEN false END;
			r := random();
			rec.index_eligible := CASE WHEN r < 0.8 THEN true WHEN r < 0.9 THEN false END;

			IF with_invalid THEN
				r := random();
				IF r < 0.01 THEN
					rec.patient := NULL;
				ELSIF r < 0.02 THEN
					rec.start_at := NULL;
				ELSIF r < 0.03 THEN
					rec.end_at := rec.start_at - interval '1 second';
				ELSIF r < 0.05 THEN
					-- not a diagnosis code: the contact stays, its diagnosis unknown
					rec.diagnosis := (ARRAY['4280', 'chest pain', '', 'KJFA20', 'V45.1', 'dj44-1'])
						[1 + floor(random() * 6)::int];
				END IF;
			END IF;

			RETURN NEXT rec;
			IF random() < 0.03 THEN
				RETURN NEXT rec;
			END IF;

			prev_start := s;
			prev_end := coalesce(e, 'infinity');
			run_end := greatest(run_end, prev_end);
		END LOOP;
	END LOOP;
	RETURN;
END
$$;
