
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
