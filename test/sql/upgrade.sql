-- Upgrades: installing 0.1.0 and updating must give exactly what a fresh
-- install of the current version gives.  Every extension member is described
-- by name (never by OID): functions with their whole definition, aggregates
-- with their support functions and state, types, tables with columns,
-- constraints, indexes, triggers and policies, views, operators, comments,
-- privileges, the shipped catalogue rows and the pg_dump registrations.
CREATE FUNCTION pg_temp.kvalitet_members() RETURNS TABLE (member text, definition text)
LANGUAGE sql AS $$
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'kvalitet'),
m AS (SELECT d.classid, d.objid FROM pg_depend AS d, ext
      WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e')
-- functions and procedures
SELECT pg_describe_object(m.classid, m.objid, 0),
       concat_ws(E'\n', pg_get_functiondef(p.oid), p.proacl::text,
                 obj_description(p.oid, 'pg_proc'))
FROM m JOIN pg_proc AS p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind <> 'a'
UNION ALL
-- aggregates
SELECT pg_describe_object(m.classid, m.objid, 0),
       concat_ws(E'\n', pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                 a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure, a.aggfinalfn::regprocedure,
                 a.aggcombinefn::regprocedure, a.aggserialfn::regprocedure, a.aggdeserialfn::regprocedure,
                 a.aggfinalextra, a.aggfinalmodify, a.aggtranstype::regtype, a.agginitval,
                 a.aggtransspace, p.proparallel, p.proacl::text, obj_description(p.oid, 'pg_proc'))
FROM m JOIN pg_proc AS p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind = 'a'
JOIN pg_aggregate AS a ON a.aggfnoid = p.oid
UNION ALL
-- types (a composite type's attributes are described with its relation)
SELECT pg_describe_object(m.classid, m.objid, 0),
       concat_ws(E'\n', t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage,
                 t.typinput::regprocedure, t.typoutput::regprocedure, t.typreceive::regprocedure,
                 t.typsend::regprocedure, t.typcategory,
                 (SELECT string_agg(format('%s %s', at.attname, format_type(at.atttypid, at.atttypmod)), ', '
                                    ORDER BY at.attnum)
                  FROM pg_attribute AS at WHERE at.attrelid = t.typrelid AND at.attnum > 0 AND NOT at.attisdropped),
                 t.typacl::text, obj_description(t.oid, 'pg_type'))
FROM m JOIN pg_type AS t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
UNION ALL
-- relations: tables, views, sequences, and what hangs on them
SELECT pg_describe_object(m.classid, m.objid, 0),
       concat_ws(E'\n', c.relkind, c.relrowsecurity, c.relacl::text, obj_description(c.oid, 'pg_class'),
                 CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
                 (SELECT string_agg(concat_ws(' ', at.attname, format_type(at.atttypid, at.atttypmod),
                                              CASE WHEN at.attnotnull THEN 'NOT NULL' END, at.attidentity,
                                              pg_get_expr(ad.adbin, ad.adrelid), col_description(c.oid, at.attnum)),
                                    E'\n' ORDER BY at.attnum)
                  FROM pg_attribute AS at LEFT JOIN pg_attrdef AS ad ON ad.adrelid = at.attrelid AND ad.adnum = at.attnum
                  WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped),
                 (SELECT string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), E'\n' ORDER BY co.conname)
                  FROM pg_constraint AS co WHERE co.conrelid = c.oid),
                 (SELECT string_agg(pg_get_indexdef(i.indexrelid), E'\n' ORDER BY 1)
                  FROM pg_index AS i WHERE i.indrelid = c.oid),
                 (SELECT string_agg(pg_get_triggerdef(tg.oid), E'\n' ORDER BY tg.tgname)
                  FROM pg_trigger AS tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal),
                 (SELECT string_agg(concat_ws(' ', po.polname, po.polcmd, po.polpermissive, po.polroles::text,
                                              pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid),
                                              obj_description(po.oid, 'pg_policy')), E'\n' ORDER BY po.polname)
                  FROM pg_policy AS po WHERE po.polrelid = c.oid))
FROM m JOIN pg_class AS c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
-- operators
SELECT pg_describe_object(m.classid, m.objid, 0),
       concat_ws(E'\n', o.oprcode::regprocedure, o.oprresult::regtype, o.oprcom::regoperator,
                 o.oprnegate::regoperator, o.oprrest, o.oprjoin, obj_description(o.oid, 'pg_operator'))
FROM m JOIN pg_operator AS o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
UNION ALL
-- members of any other kind: named, so that one appearing on one side only shows
SELECT pg_describe_object(m.classid, m.objid, 0), m.classid::regclass::text
FROM m WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass, 'pg_operator'::regclass)
UNION ALL
-- the schema, the pg_dump registrations, and the shipped catalogue rows
SELECT 'schema kvalitet', concat_ws(E'\n', n.nspacl::text, obj_description(n.oid, 'pg_namespace'))
FROM pg_namespace AS n WHERE n.nspname = 'kvalitet'
UNION ALL
SELECT 'pg_dump registration ' || cfg.rel::regclass::text, cfg.cond
FROM pg_extension AS e, unnest(e.extconfig, e.extcondition) AS cfg(rel, cond) WHERE e.extname = 'kvalitet'
UNION ALL
SELECT 'rows of ' || t.rel, md5(t.rows)
FROM (SELECT 'kvalitet.goal' AS rel, (SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM kvalitet.goal AS x) AS rows
      UNION ALL SELECT 'kvalitet.indicator', (SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM kvalitet.indicator AS x)
      UNION ALL SELECT 'kvalitet.code_set', (SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM kvalitet.code_set AS x)
      UNION ALL SELECT 'kvalitet.code_set_entry', (SELECT string_agg(x::text, E'\n' ORDER BY x::text) FROM kvalitet.code_set_entry AS x)) AS t
$$;

CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.kvalitet_members();
SELECT count(*) > 100 AS described_many_members FROM fresh;

DROP EXTENSION kvalitet;
CREATE EXTENSION kvalitet VERSION '0.1.0';
ALTER EXTENSION kvalitet UPDATE;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'kvalitet') AS at_default
FROM pg_extension WHERE extname = 'kvalitet';
CREATE TEMP TABLE updated AS SELECT * FROM pg_temp.kvalitet_members();

-- What differs (expected: nothing).  A member only one side has, or with
-- another definition, is listed with the side that has it.
SELECT 'only in a fresh install' AS side, f.member FROM (SELECT * FROM fresh EXCEPT SELECT * FROM updated) AS f
UNION ALL
SELECT 'only after the update', u.member FROM (SELECT * FROM updated EXCEPT SELECT * FROM fresh) AS u
ORDER BY 2, 1;

-- Every object the extension owns is documented with COMMENT ON.
SELECT pg_describe_object(classid, objid, 0) AS undocumented
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'kvalitet')
  AND deptype = 'e'
  AND obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)) IS NULL
  -- array types get no comment of their own
  AND NOT (classid = 'pg_type'::regclass
           AND (SELECT typcategory FROM pg_type WHERE oid = objid) = 'A')
ORDER BY 1;

-- Every function and aggregate of the extension names its arguments.
SELECT p.oid::regprocedure AS unnamed_arguments
FROM pg_proc AS p
JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension AS e ON e.oid = d.refobjid AND e.extname = 'kvalitet'
WHERE p.pronargs > 0
  AND (p.proargnames IS NULL
       OR EXISTS (SELECT 1 FROM unnest(p.proargnames[1:p.pronargs]) AS n WHERE n = ''))
ORDER BY 1::text;
