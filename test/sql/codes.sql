-- Diagnosis codes and code sets.

-- Normal form: every input form of the same code.
SELECT c, kvalitet.normalize_code(c)
FROM (VALUES ('j44.9'), ('J449'), ('DJ44.9'), (' dj449 '), ('E86'), ('DE86'), ('dz76.3'),
             ('D50'), ('DD50'), ('KJFA20'), ('dc50.9')) AS v(c);
SELECT kvalitet.normalize_code(NULL) IS NULL AS null_in_null_out;
SELECT kvalitet.normalize_code('');
SELECT kvalitet.normalize_code('   ');
SELECT kvalitet.normalize_code('449');
SELECT kvalitet.normalize_code(E'DJ4\t49');
SELECT kvalitet.normalize_code('DJ44-9');
SELECT kvalitet.normalize_code('DJ44999999999999999');

-- The shipped sets and their entries.
SELECT set_name, count(*) AS entries
FROM kvalitet.code_set_entry WHERE rule_set = 'dk-default-1' GROUP BY set_name ORDER BY set_name;

-- Every default entry matches, and its neighbours do not.
SELECT code, set_name, kvalitet.code_in(code, set_name) AS member
FROM (VALUES
	('DD09', 'readmission_index_exclusion'), ('DD099', 'readmission_index_exclusion'),
	('DD10', 'readmission_index_exclusion'), ('DD0', 'readmission_index_exclusion'),
	('DO40', 'readmission_index_exclusion'), ('DO48', 'readmission_index_exclusion'),
	('DO49', 'readmission_index_exclusion'), ('DC509', 'readmission_index_exclusion'),
	('DZ763', 'readmission_index_exclusion'), ('DZ764', 'readmission_index_exclusion'),
	('DF20', 'readmission_index_exclusion'), ('DE86', 'readmission_index_exclusion'),
	('DD0', 'readmission_exclusion'), ('DO80', 'readmission_exclusion'), ('DO83', 'readmission_exclusion'),
	('DO84', 'readmission_exclusion'), ('DO85', 'readmission_exclusion'),
	('DT35', 'readmission_injury_exclusion'), ('DT36', 'readmission_injury_exclusion'),
	('DT29', 'readmission_injury_exclusion'), ('DT30', 'readmission_injury_exclusion'),
	('DT50', 'readmission_injury_exclusion'), ('DT51', 'readmission_injury_exclusion'),
	('DT59', 'readmission_injury_exclusion'), ('DT4', 'readmission_injury_exclusion'),
	('DS720', 'readmission_injury_exclusion'), ('DX', 'readmission_injury_exclusion'),
	('DE86', 'preventable_elderly'), ('DE87', 'preventable_elderly'),
	('DK590', 'preventable_elderly'), ('DK591', 'preventable_elderly'),
	('DJ12', 'preventable_elderly'), ('DJ189', 'preventable_elderly'), ('DJ19', 'preventable_elderly'),
	('DJ22', 'preventable_elderly'), ('DJ23', 'preventable_elderly'),
	('DN390', 'preventable_elderly'), ('DN391', 'preventable_elderly'),
	('DD53', 'preventable_elderly'), ('DD54', 'preventable_elderly'),
	('DS72', 'preventable_elderly'), ('DS73', 'preventable_elderly'), ('DT12', 'preventable_elderly'),
	('DT13', 'preventable_elderly'),
	('j44.1', 'copd'), ('DJ43', 'copd'), ('E11.9', 'type2_diabetes'), ('DE10', 'type2_diabetes'),
	('DR628', 'newborn_selected_causes'), ('DR62', 'newborn_selected_causes'),
	('DF99', 'psychiatric'), ('DG30', 'psychiatric')) AS v(code, set_name);
SELECT kvalitet.code_in('DE86', 'no_such_set');
SELECT kvalitet.code_in('?', 'copd');

-- Shipped entries are read-only; users add sets of their own.
UPDATE kvalitet.code_set_entry SET entry = 'DJ45' WHERE set_name = 'copd';
INSERT INTO kvalitet.code_set VALUES ('my_copd', 'KOL with a definition change in 2024');
INSERT INTO kvalitet.code_set_entry (set_name, entry, valid_to) VALUES ('my_copd', 'j44', '2023-12-31');
INSERT INTO kvalitet.code_set_entry (set_name, entry, valid_from) VALUES ('my_copd', 'dj43-dj44', '2024-01-01');
SELECT entry, valid_from, valid_to FROM kvalitet.code_set_entry WHERE set_name = 'my_copd' ORDER BY entry;
SELECT kvalitet.code_in('DJ43', 'my_copd', '2023-12-31') AS dj43_2023,
       kvalitet.code_in('DJ43', 'my_copd', '2024-01-01') AS dj43_2024,
       kvalitet.code_in('DJ441', 'my_copd', '2023-12-31') AS dj441_2023,
       kvalitet.code_in('DJ441', 'my_copd', '2024-01-01') AS dj441_2024;
INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_copd', 'DJ4-DJ45');
INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_copd', 'DJ45-DJ44');
INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_copd', '44');

-- A change made by another session is seen by the next statement of this one.
SELECT kvalitet.code_in('DJ47', 'my_copd', '2025-01-01') AS before_change;
\! psql -X -q -d contrib_regression -c "INSERT INTO kvalitet.code_set_entry (set_name, entry) VALUES ('my_copd', 'DJ47')"
SELECT kvalitet.code_in('DJ47', 'my_copd', '2025-01-01') AS after_change;
\! psql -X -q -d contrib_regression -c "DELETE FROM kvalitet.code_set_entry WHERE set_name = 'my_copd' AND entry = 'DJ47'"
SELECT kvalitet.code_in('DJ47', 'my_copd', '2025-01-01') AS after_delete;

-- The stay aggregates read the same tables: a user set as target.
SELECT kvalitet.preventable_admission_share(1::bigint, '2025-03-01 10:00+00', '2025-03-02 10:00+00', true, 'DJ47', 'my_copd');
DELETE FROM kvalitet.code_set WHERE set_name = 'my_copd';

-- Without Citus, making the code sets reference tables is a clear error
-- (docs/scale-out.md); the tables stay as they are.
SELECT * FROM kvalitet.citus_distribute_code_sets();
SELECT count(*) > 0 AS still_local FROM kvalitet.code_set_entry;
