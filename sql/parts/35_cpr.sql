
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
-- parser, without raising, so that generated views can test a patient key
-- before asking its age.  Not STRICT: NULL is simply not valid.
CREATE FUNCTION kvalitet.cpr_is_valid(cpr text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cpr_is_valid' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.cpr_is_valid(text) IS
	'True when kvalitet.cpr_birth_date accepts the number (DDMMYY-SSSS or DDMMYYSSSS, a real date in the century of the 7th digit); false otherwise, also for NULL; never raises';
