
-- ---------------------------------------------------------------------------
-- CPR numbers: birth date, sex, age
-- ---------------------------------------------------------------------------

-- DDMMYY-SSSS or DDMMYYSSSS; the century follows from the seventh digit
-- (CPR-kontoret); no modulus 11 check.  An invalid number raises 22P02 and
-- the message shows it with the last four characters masked.

CREATE FUNCTION kvalitet.cpr_birth_date(cpr text) RETURNS date
	AS 'MODULE_PATHNAME', 'cpr_birth_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.cpr_birth_date(text) IS
	'Birth date of a CPR number (DDMMYY-SSSS or DDMMYYSSSS), century from the 7th digit; no modulus 11 check';

CREATE FUNCTION kvalitet.cpr_sex(cpr text) RETURNS text
	AS 'MODULE_PATHNAME', 'cpr_sex' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.cpr_sex(text) IS
	'Sex of a CPR number: M when the last digit is odd, F when it is even';

CREATE FUNCTION kvalitet.cpr_age(cpr text, on_date date) RETURNS integer
	AS 'MODULE_PATHNAME', 'cpr_age' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.cpr_age(text, date) IS
	'Age in completed years on on_date of the person with the CPR number (born 29 Feb: a year older on 1 Mar in other years); negative before birth';

-- Is the text a CPR number that kvalitet.cpr_birth_date accepts?  The same
-- rules (format, century from the 7th digit, a real date), without raising,
-- so that generated views can test a patient key before asking its age.  One
-- plain expression, not STRICT, so that the planner inlines it (it runs once
-- per patient in a refresh).  In 1858-2057 the only century year is 1900 (not
-- a leap year: YY 00 with a 7th digit 0-3) or 2000 (a leap year).
CREATE FUNCTION kvalitet.cpr_is_valid(cpr text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN cpr OPERATOR(pg_catalog.~) '^[0-9]{6}-?[0-9]{4}$' THEN
		pg_catalog.substr(cpr, 3, 2)::integer BETWEEN 1 AND 12
		AND pg_catalog.substr(cpr, 1, 2)::integer BETWEEN 1 AND CASE pg_catalog.substr(cpr, 3, 2)::integer
			WHEN 2 THEN CASE WHEN pg_catalog.substr(cpr, 5, 2)::integer OPERATOR(pg_catalog.%) 4 OPERATOR(pg_catalog.=) 0
								  AND NOT (pg_catalog.substr(cpr, 5, 2) OPERATOR(pg_catalog.=) '00'
										   AND pg_catalog.substr(pg_catalog.replace(cpr, '-', ''), 7, 1) OPERATOR(pg_catalog.<=) '3')
							 THEN 29 ELSE 28 END
			WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30
			ELSE 31 END
		ELSE false END;
COMMENT ON FUNCTION kvalitet.cpr_is_valid(text) IS
	'True when kvalitet.cpr_birth_date accepts the number (DDMMYY-SSSS or DDMMYYSSSS, a real date in the century of the 7th digit); false otherwise, also for NULL; never raises';
