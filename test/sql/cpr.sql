-- CPR numbers: birth date with the century from the seventh digit, sex,
-- age, and errors that never show the whole number.
SET DateStyle = 'ISO, YMD';

-- The century table (CPR-kontoret): 7th digit 0-3: 1900-1999; 4 and 9:
-- 2000-2036 when YY <= 36, else 1937-1999; 5-8: 2000-2057 when YY <= 57,
-- else 1858-1899.  Each boundary from both sides.
SELECT cpr, kvalitet.cpr_birth_date(cpr) AS born, kvalitet.cpr_sex(cpr) AS sex, expected
FROM (VALUES
	('010100-0000', '1900-01-01'),
	('311299-3999', '1999-12-31'),
	('010100-4000', '2000-01-01'),
	('311236-4001', '2036-12-31'),
	('010137-4002', '1937-01-01'),
	('311299-4003', '1999-12-31'),
	('010100-9004', '2000-01-01'),
	('311236-9005', '2036-12-31'),
	('010137-9006', '1937-01-01'),
	('311299-9007', '1999-12-31'),
	('010100-5008', '2000-01-01'),
	('311257-5009', '2057-12-31'),
	('010158-6000', '1858-01-01'),
	('311299-7001', '1899-12-31'),
	('311257-8002', '2057-12-31'),
	('010158-8003', '1858-01-01')
) AS v(cpr, expected);
-- Without the hyphen; numbers failing the modulus 11 check are accepted
-- (0101901234: weighted sum 84, not divisible by 11).
SELECT kvalitet.cpr_birth_date('0101901234') AS no_hyphen, kvalitet.cpr_sex('0101901234') AS even_f,
       kvalitet.cpr_birth_date('010190-1234') AS hyphen, kvalitet.cpr_sex('0101901235') AS odd_m;
-- 29 February exists in 2000 and 2056, not in 1900 or 1858.
SELECT kvalitet.cpr_birth_date('290200-4000') AS leap_2000, kvalitet.cpr_birth_date('290256-5000') AS leap_2056;
SELECT kvalitet.cpr_birth_date('290200-0000');
SELECT kvalitet.cpr_birth_date('290258-5000');

-- Age in completed years: the birthday counts from its own day; born
-- 29 Feb, the birthday is 1 Mar in other years; negative before birth.
SELECT kvalitet.cpr_age('100500-4000', '2018-05-09') AS day_before_18,
       kvalitet.cpr_age('100500-4000', '2018-05-10') AS on_18th_birthday,
       kvalitet.cpr_age('290200-4002', '2018-02-28') AS leap_28_feb,
       kvalitet.cpr_age('290200-4002', '2018-03-01') AS leap_1_mar,
       kvalitet.cpr_age('290200-4002', '2020-02-29') AS leap_29_feb,
       kvalitet.cpr_age('100500-4000', '2000-05-09') AS before_birth,
       kvalitet.cpr_age('010158-6000', '2025-01-01') AS born_1858;
SELECT kvalitet.cpr_age('100500-4000', 'infinity');

-- Invalid numbers: 22P02, and the message masks everything after the
-- first six characters.
SELECT kvalitet.cpr_birth_date('010190 1234');
SELECT kvalitet.cpr_birth_date('010190-123');
SELECT kvalitet.cpr_sex('01019O-1234');
SELECT kvalitet.cpr_age('320190-1234', '2025-01-01');
SELECT kvalitet.cpr_birth_date('011390-1234');
SELECT kvalitet.cpr_birth_date('01019-01234');
SELECT kvalitet.cpr_birth_date(' 0101901234');
SELECT kvalitet.cpr_birth_date('');
SELECT kvalitet.cpr_birth_date('123');
SELECT kvalitet.cpr_birth_date('0101901234567890123456');
-- No message of any rejected input contains its last four characters or
-- its full digit string, and every one is 22P02.
DO $$
DECLARE
	cpr text;
	msg text;
	state text;
BEGIN
	FOREACH cpr IN ARRAY ARRAY['010190 1234', '010190-12345', '320190-1234', '011390-1234',
	                           '0101901234x', 'x0101901234', '01.01.90-1234', '290200-0000',
	                           '310490-5678', '010190+1234', '0101901234567890123456']
	LOOP
		BEGIN
			PERFORM kvalitet.cpr_birth_date(cpr);
			RAISE NOTICE '% accepted', cpr;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
			IF state <> '22P02' OR position(right(cpr, 4) IN msg) > 0
			   OR position(regexp_replace(cpr, '[^0-9]', '', 'g') IN regexp_replace(msg, '[^0-9]', '', 'g')) > 0 THEN
				RAISE NOTICE 'leaks or wrong state: % (%)', msg, state;
			END IF;
		END;
	END LOOP;
	RAISE NOTICE 'checked';
END $$;

-- STRICT: NULL in, NULL out.
SELECT kvalitet.cpr_birth_date(NULL) IS NULL AS n1, kvalitet.cpr_sex(NULL) IS NULL AS n2,
       kvalitet.cpr_age(NULL, '2025-01-01') IS NULL AS n3;

-- cpr_is_valid uses the same parser and never raises: NULL and every
-- refused form are simply not valid (test/sql/goals.sql checks agreement
-- with cpr_birth_date exhaustively).
SELECT kvalitet.cpr_is_valid(NULL) AS null_valid, kvalitet.cpr_is_valid('010190-1234') AS ok,
       kvalitet.cpr_is_valid('310290-1234') AS feb_31, kvalitet.cpr_is_valid('0101901234x') AS trailing,
       kvalitet.cpr_is_valid('') AS empty;
