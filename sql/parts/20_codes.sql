
-- ---------------------------------------------------------------------------
-- Diagnosis codes and code sets
-- ---------------------------------------------------------------------------

CREATE FUNCTION kvalitet.normalize_code(code text) RETURNS text
	AS 'MODULE_PATHNAME', 'normalize_code_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.normalize_code(text) IS
	'SKS normal form of a diagnosis code: upper case, no dots or spaces, D prefix added to WHO codes (j44.9 -> DJ449)';

CREATE FUNCTION kvalitet.is_diagnosis_code(code text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'is_diagnosis_code_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.is_diagnosis_code(text) IS
	'True when the text is a diagnosis code the stay rules use (J18.9, DJ189); false for what they count as unknown (ICD-9 numbers such as 4280, free text)';

CREATE FUNCTION kvalitet.normalize_code_entry(entry text) RETURNS text
	AS 'MODULE_PATHNAME', 'code_entry_normalize_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.normalize_code_entry(text) IS
	'Normal form of a code set entry: a prefix (DJ44) or a range of prefixes of equal length (DD00-DD09)';

CREATE TABLE kvalitet.code_set (
	set_name text PRIMARY KEY
		CHECK (set_name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]*$' AND pg_catalog.length(set_name) OPERATOR(pg_catalog.<) 64),
	description text NOT NULL,
	rule_set text NOT NULL DEFAULT 'local'
);
COMMENT ON TABLE kvalitet.code_set IS
	'Named code sets; the dk-default-1 sets are shipped, users add their own (rule_set ''local'')';
COMMENT ON COLUMN kvalitet.code_set.set_name IS 'Name used by the aggregates and kvalitet.code_in';
COMMENT ON COLUMN kvalitet.code_set.description IS 'What the set is for, and where it comes from';
COMMENT ON COLUMN kvalitet.code_set.rule_set IS 'dk-default-1 for shipped sets (read-only), local for the user''s';

CREATE TABLE kvalitet.code_set_entry (
	set_name text NOT NULL REFERENCES kvalitet.code_set ON UPDATE CASCADE ON DELETE CASCADE,
	entry text NOT NULL,
	valid_from date NOT NULL DEFAULT '-infinity',
	valid_to date NOT NULL DEFAULT 'infinity',
	description text,
	rule_set text NOT NULL DEFAULT 'local',
	PRIMARY KEY (set_name, entry, valid_from),
	CHECK (valid_from OPERATOR(pg_catalog.<=) valid_to)
);
COMMENT ON TABLE kvalitet.code_set_entry IS
	'Entries of the code sets: a prefix or an inclusive prefix range, valid on [valid_from, valid_to]';
COMMENT ON COLUMN kvalitet.code_set_entry.set_name IS 'The set the entry belongs to';
COMMENT ON COLUMN kvalitet.code_set_entry.entry IS
	'A code prefix (DJ44) or a range of prefixes of equal length (DD00-DD09); stored in normal form';
COMMENT ON COLUMN kvalitet.code_set_entry.valid_from IS 'First day the entry applies (the day a stay ends decides)';
COMMENT ON COLUMN kvalitet.code_set_entry.valid_to IS 'Last day the entry applies';
COMMENT ON COLUMN kvalitet.code_set_entry.description IS 'What the entry covers';
COMMENT ON COLUMN kvalitet.code_set_entry.rule_set IS 'dk-default-1 for shipped entries (read-only), local for the user''s';

-- Stored entries are always in normal form, and shipped rows stay as shipped.
CREATE FUNCTION kvalitet.code_set_entry_check() RETURNS trigger LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.rule_set OPERATOR(pg_catalog.=) 'dk-default-1' THEN
		RAISE EXCEPTION 'code set entries of rule set dk-default-1 are read-only'
			USING ERRCODE = '42501',
			      HINT = 'Create a set of your own and name it in the aggregate''s rules or settings.';
	END IF;
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		RETURN OLD;
	END IF;
	NEW.entry := kvalitet.normalize_code_entry(NEW.entry);
	RETURN NEW;
END $$;
COMMENT ON FUNCTION kvalitet.code_set_entry_check() IS
	'Trigger: normalises entries and keeps the shipped dk-default-1 entries read-only';
CREATE TRIGGER code_set_entry_check BEFORE INSERT OR UPDATE OR DELETE ON kvalitet.code_set_entry
	FOR EACH ROW EXECUTE FUNCTION kvalitet.code_set_entry_check();

CREATE FUNCTION kvalitet.code_sets_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'code_sets_changed' LANGUAGE C;
COMMENT ON FUNCTION kvalitet.code_sets_changed() IS
	'Trigger: makes every session recompile its code sets after the change commits';
CREATE TRIGGER code_sets_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kvalitet.code_set_entry
	FOR EACH STATEMENT EXECUTE FUNCTION kvalitet.code_sets_changed();
CREATE TRIGGER code_sets_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kvalitet.code_set
	FOR EACH STATEMENT EXECUTE FUNCTION kvalitet.code_sets_changed();

CREATE FUNCTION kvalitet.code_in(code text, set_name text, on_date date) RETURNS boolean
	AS 'MODULE_PATHNAME', 'code_in_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.code_in(text, text, date) IS
	'Is the (normalised) code in the named code set on that day?';
CREATE FUNCTION kvalitet.code_in(code text, set_name text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'code_in_sql' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kvalitet.code_in(text, text) IS
	'Is the (normalised) code in the named code set today?';

-- The sets of rule set dk-default-1 (docs/indicators.md lists their sources).
INSERT INTO kvalitet.code_set (set_name, description, rule_set) VALUES
('readmission_index_exclusion', 'Diagnoses that keep a stay from being an index admission of readmission_rate: cancer, benign and uncertain tumours, abortion, palliative care, psychiatry', 'dk-default-1'),
('readmission_exclusion', 'Diagnoses on any contact of the next admission that keep it from counting as a readmission: cancer, tumours, births, psychiatry, palliative care', 'dk-default-1'),
('readmission_injury_exclusion', 'Injuries, poisonings and external causes: a next admission whose first contact has one of these does not count as a readmission', 'dk-default-1'),
('preventable_elderly', 'Forebyggelige indlæggelser blandt ældre: the diagnosis groups of the national indicator (exact codes per group are kvalitet''s documented choice)', 'dk-default-1'),
('copd', 'KOL (chronic obstructive pulmonary disease)', 'dk-default-1'),
('type2_diabetes', 'Type 2 diabetes', 'dk-default-1'),
('newborn_selected_causes', 'Selected causes of newborn readmission: dehydration, neonatal jaundice, feeding problems', 'dk-default-1'),
('psychiatric', 'Psychiatric diagnoses (chapter F); stays dominated by them are not somatic', 'dk-default-1'),
('udredning_start', 'Udredningsret: pathway markers that start the 30-day clock (SKS administrative codes, LPR3 forløbsmarkører)', 'dk-default-1'),
('udredning_done', 'Udredningsret: pathway markers that end the clock with the assessment done', 'dk-default-1'),
('udredning_clinical', 'Udredningsret: pathway markers that end the clock because further assessment is needed for clinical reasons', 'dk-default-1');

INSERT INTO kvalitet.code_set_entry (set_name, entry, description, rule_set)
SELECT s, e, d, 'dk-default-1' FROM (VALUES
('readmission_index_exclusion', 'DC', 'cancer'),
('readmission_index_exclusion', 'DD00-DD09', 'carcinoma in situ (DD0)'),
('readmission_index_exclusion', 'DO40-DO48', 'abortion (DO4)'),
('readmission_index_exclusion', 'DZ763', 'palliative care'),
('readmission_index_exclusion', 'DF', 'psychiatric diagnoses'),
('readmission_exclusion', 'DC', 'cancer'),
('readmission_exclusion', 'DD0', 'carcinoma in situ'),
('readmission_exclusion', 'DO80', 'birth'),
('readmission_exclusion', 'DO81', 'birth'),
('readmission_exclusion', 'DO82', 'birth'),
('readmission_exclusion', 'DO84', 'birth'),
('readmission_exclusion', 'DF', 'psychiatric diagnoses'),
('readmission_exclusion', 'DZ763', 'palliative care'),
('readmission_injury_exclusion', 'DS', 'injuries'),
('readmission_injury_exclusion', 'DT1', 'injuries'),
('readmission_injury_exclusion', 'DT2', 'burns'),
('readmission_injury_exclusion', 'DT30-DT35', 'burns and frostbite'),
('readmission_injury_exclusion', 'DT51-DT59', 'toxic effects'),
('readmission_injury_exclusion', 'DT6', 'toxic effects and other external causes'),
('readmission_injury_exclusion', 'DT7', 'other external causes'),
('readmission_injury_exclusion', 'DT9', 'sequelae of injuries'),
('readmission_injury_exclusion', 'DX', 'external causes'),
('readmission_injury_exclusion', 'DY', 'external causes'),
('preventable_elderly', 'DE86', 'dehydrering'),
('preventable_elderly', 'DK590', 'forstoppelse'),
('preventable_elderly', 'DJ12-DJ18', 'nedre luftvejsinfektion'),
('preventable_elderly', 'DJ20-DJ22', 'nedre luftvejsinfektion'),
('preventable_elderly', 'DN30', 'blærebetændelse'),
('preventable_elderly', 'DN390', 'urinvejsinfektion'),
('preventable_elderly', 'DA09', 'gastroenteritis'),
('preventable_elderly', 'DK52', 'gastroenteritis'),
('preventable_elderly', 'DD50-DD53', 'ernæringsbetinget anæmi'),
('preventable_elderly', 'DL89', 'tryksår'),
('preventable_elderly', 'DZ74', 'sociale og plejemæssige forhold'),
('preventable_elderly', 'DZ75', 'sociale og plejemæssige forhold'),
('preventable_elderly', 'DS02', 'brud'), ('preventable_elderly', 'DS12', 'brud'),
('preventable_elderly', 'DS22', 'brud'), ('preventable_elderly', 'DS32', 'brud'),
('preventable_elderly', 'DS42', 'brud'), ('preventable_elderly', 'DS52', 'brud'),
('preventable_elderly', 'DS62', 'brud'), ('preventable_elderly', 'DS72', 'brud'),
('preventable_elderly', 'DS82', 'brud'), ('preventable_elderly', 'DS92', 'brud'),
('preventable_elderly', 'DT02', 'brud'), ('preventable_elderly', 'DT08', 'brud'),
('preventable_elderly', 'DT10', 'brud'), ('preventable_elderly', 'DT12', 'brud'),
('copd', 'DJ44', 'KOL'),
('type2_diabetes', 'DE11', 'type 2-diabetes'),
('newborn_selected_causes', 'DE86', 'dehydrering'),
('newborn_selected_causes', 'DP59', 'neonatal gulsot'),
('newborn_selected_causes', 'DP92', 'ernæringsproblemer hos nyfødt'),
('newborn_selected_causes', 'DR628', 'manglende trivsel'),
('psychiatric', 'DF', 'psykiatriske diagnoser'),
('udredning_start', 'AFV01A', 'henvist til udredning'),
('udredning_done', 'AFX01A', 'udredning afsluttet'),
('udredning_done', 'AFX01C', 'udredning afsluttet'),
('udredning_clinical', 'AFX01D1', 'udredning ikke afsluttet af faglige grunde')
) AS v(s, e, d);

-- The aggregates read the sets as the calling role, so everyone may read them.
GRANT SELECT ON kvalitet.code_set, kvalitet.code_set_entry TO PUBLIC;

-- pg_dump keeps the user's sets and entries; the shipped ones come with the extension.
SELECT pg_catalog.pg_extension_config_dump('kvalitet.code_set', 'WHERE rule_set <> ''dk-default-1''');
SELECT pg_catalog.pg_extension_config_dump('kvalitet.code_set_entry', 'WHERE rule_set <> ''dk-default-1''');

-- On a Citus cluster every node must see the same code sets (the workers
-- compile them for the aggregates they run): this makes the two tables
-- reference tables, one copy on every node, changed on the coordinator.
-- Citus refuses tables with triggers unless citus.enable_unsafe_triggers is
-- on; kvalitet's triggers are safe there: each fires on every node's copy,
-- normalises the entry alike, and drops that node's compiled sets
-- (docs/scale-out.md).  Run it on the coordinator once, after
-- CREATE EXTENSION kvalitet; it does nothing to a table already distributed.
CREATE FUNCTION kvalitet.citus_distribute_code_sets()
	RETURNS TABLE (table_name regclass, made_reference boolean)
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	t regclass;
	was text;
	was_error text;
	fk name;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'citus') THEN
		RAISE EXCEPTION 'kvalitet.citus_distribute_code_sets needs Citus'
			USING ERRCODE = '0A000',
			      DETAIL = 'The extension citus is not installed in this database.',
			      HINT = 'On a single node the code sets need nothing; on a Citus coordinator run CREATE EXTENSION citus first.';
	END IF;
	was := pg_catalog.current_setting('citus.enable_unsafe_triggers');
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
	-- The foreign key from the entries to the sets would make Citus turn the
	-- entry table into a coordinator-only table when the sets become a
	-- reference table; it is taken off and put back between the two.
	SELECT c.conname INTO fk FROM pg_catalog.pg_constraint c
	WHERE c.conrelid OPERATOR(pg_catalog.=) 'kvalitet.code_set_entry'::regclass
	  AND c.confrelid OPERATOR(pg_catalog.=) 'kvalitet.code_set'::regclass;
	FOREACH t IN ARRAY ARRAY['kvalitet.code_set'::regclass, 'kvalitet.code_set_entry'::regclass] LOOP
		table_name := t;
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1)'
			INTO made_reference USING t;
		made_reference := NOT made_reference;
		IF made_reference AND fk IS NOT NULL THEN
			EXECUTE pg_catalog.format('ALTER TABLE kvalitet.code_set_entry DROP CONSTRAINT %I', fk);
			-- and on the workers, whose own copies (made by their CREATE
			-- EXTENSION) would clash when the key comes back.
			EXECUTE 'SELECT pg_catalog.string_agg(nodename || '':'' || nodeport || '' '' || result, ''; '') '
				'FROM pg_catalog.run_command_on_workers($1) WHERE NOT success'
				INTO was_error USING pg_catalog.format(
					'ALTER TABLE kvalitet.code_set_entry DROP CONSTRAINT IF EXISTS %I', fk);
			IF was_error IS NOT NULL THEN
				RAISE EXCEPTION 'could not prepare the code set tables on the workers'
					USING ERRCODE = '55000', DETAIL = was_error;
			END IF;
			fk := NULL;
		END IF;
		IF made_reference THEN
			EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING t;
		END IF;
		RETURN NEXT;
	END LOOP;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
	               WHERE c.conrelid OPERATOR(pg_catalog.=) 'kvalitet.code_set_entry'::regclass
	                 AND c.confrelid OPERATOR(pg_catalog.=) 'kvalitet.code_set'::regclass) THEN
		EXECUTE pg_catalog.format('ALTER TABLE kvalitet.code_set_entry ADD CONSTRAINT %I FOREIGN KEY (set_name) '
			'REFERENCES kvalitet.code_set ON UPDATE CASCADE ON DELETE CASCADE',
			'code_set_entry_set_name_fkey');
	END IF;
	PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', was, true);
END $$;
COMMENT ON FUNCTION kvalitet.citus_distribute_code_sets() IS
	'On a Citus coordinator: make kvalitet.code_set and kvalitet.code_set_entry reference tables, so every node computes with the same code sets (docs/scale-out.md)';
REVOKE ALL ON FUNCTION kvalitet.citus_distribute_code_sets() FROM PUBLIC;
