#!/usr/bin/env bash
# test/server/goals_generated.sh - kvalitet.bind against generated LPR3-shaped data
# (tools/kvalitet-gen --dirty), with TAP output: both presets give the same
# figures, the figures equal direct calls of the aggregates, months roll up
# exactly, refresh does not block readers, and pg_dump/pg_restore into a
# fresh database keeps the bindings and the generated objects working.
# Runs against the cluster the PG* variables point at (tools/test-server.sh).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
db=kvalitet_goals
restored=kvalitet_goals_restored
contacts=${KV_GOALS_CONTACTS:-20000}
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {	# ok CONDITION-EXIT-STATUS NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${3:-}" ] && echo "# $3"; fi
}
q() {	# q DB SQL: one value
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET client_min_messages = error" -c "$2" 2>&1
}
is() {	# is GOT EXPECTED NAME
	[ "$1" = "$2" ]; ok $? "$3" "got '$1', expected '$2'"
}

psql -X -q -c "DROP DATABASE IF EXISTS $restored" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
[ -x "$root/tools/kvalitet-gen" ] || make -s -C "$root" generator >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION kvalitet' -f "$root/tools/demo_schema.sql" >/dev/null
for t in enheder kontakter epikriser befolkning; do
	"$root/tools/kvalitet-gen" --table $t --contacts "$contacts" --dirty |
		psql -X -q -v ON_ERROR_STOP=1 -d $db -c "\\copy demo.$t from stdin"
done
psql -X -q -d $db -c 'VACUUM ANALYZE' >/dev/null

# 1. The lpr3 preset on the LPR3-shaped tables.
got=$(q $db "SELECT string_agg(indicator_code, ',' ORDER BY indicator_code) FROM kvalitet.bind('bi', 'demo.kontakter', 'lpr3',
	units => 'demo.enheder', epikriser => 'demo.epikriser', population => 'demo.befolkning') WHERE computed")
is "$got" "acute_admissions_copd_per_1000,acute_admissions_t2d_per_1000,epikrise_timely,mean_length_of_stay,mortality_30d_acute,preventable_admissions_65,preventable_admissions_65_per_1000,readmission_30d,sa_acute_short_admissions,sa_newborn_readmissions,sa_preventable_admissions,sa_preventable_readmissions" \
	"lpr3 preset: the twelve indicators with inputs are computed (KOL and diabetes by proxy)"
is "$(q $db "SELECT options ->> 'patient_is_cpr' FROM kvalitet.binding WHERE schema_name = 'bi'")" true \
	"lpr3 preset: the cpr column is recognised as CPR numbers"
is "$(q $db "SELECT count(DISTINCT org_level) FROM bi.indicator_values")" 4 \
	"region, hospital, department and municipality levels"

# 2. The canonical preset on views that rename the same data gives the same figures.
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<'SQL'
CREATE SCHEMA canon_src;
CREATE VIEW canon_src.contacts AS
SELECT cpr AS patient, (dato_start + tidspunkt_start) AT TIME ZONE 'Europe/Copenhagen' AS start_at,
       (dato_slut + tidspunkt_slut) AT TIME ZONE 'Europe/Copenhagen' AS end_at, prioritet = 'ATA1' AS acute,
       aktionsdiagnose AS diagnosis, died, sorenhed_ans AS unit, kommunekode AS municipality,
       CASE WHEN kvalitet.cpr_is_valid(cpr) THEN kvalitet.cpr_birth_date(cpr) END AS birth_date
FROM demo.kontakter WHERE kontakttype = 'ALCA00';
CREATE VIEW canon_src.units AS SELECT sorenhed AS unit, hospital, afdeling AS department FROM demo.enheder;
CREATE VIEW canon_src.letters AS SELECT cpr AS patient, discharged_at, sent_at FROM demo.epikriser;
CREATE VIEW canon_src.population AS
SELECT kommunekode AS municipality, aar AS year, aldersgruppe AS age_band, koen AS sex, antal AS count FROM demo.befolkning;
SQL
got=$(q $db "SELECT count(*) FROM kvalitet.bind('canon', 'canon_src.contacts', 'canonical', units => 'canon_src.units',
	epikriser => 'canon_src.letters', population => 'canon_src.population') WHERE computed")
is "$got" 12 "canonical preset: the same twelve indicators"
cmp="SELECT indicator_code, period_type, period_start, org_level, org_unit, numerator, denominator, value, ci_lower, ci_upper, followup_complete"
is "$(q $db "SELECT count(*) FROM (($cmp FROM bi.indicator_values EXCEPT $cmp FROM canon.indicator_values)
	UNION ALL ($cmp FROM canon.indicator_values EXCEPT $cmp FROM bi.indicator_values)) AS d")" 0 \
	"both presets give identical indicator_values"
is "$(q $db "SELECT count(*) FROM bi.indicator_values")" "$(q $db "SELECT count(*) FROM canon.indicator_values")" \
	"and the same number of rows"
is "$(q $db "SELECT count(*) > 5000 FROM bi.indicator_values")" t "thousands of rows"

# 3. Direct calls of the aggregates.  Readmissions per year and per hospital
# and year: index_eligible picks the stays discharged then and there (it is
# read from the discharging contact), the follow-up searches the whole history.
direct_cte="WITH c AS (SELECT k.cpr, (dato_start + tidspunkt_start) AT TIME ZONE 'Europe/Copenhagen' AS s,
	(dato_slut + tidspunkt_slut) AT TIME ZONE 'Europe/Copenhagen' AS e, prioritet = 'ATA1' AS a, aktionsdiagnose AS d,
	died, u.hospital FROM demo.kontakter k LEFT JOIN demo.enheder u ON u.sorenhed = k.sorenhed_ans WHERE kontakttype = 'ALCA00')"
got=$(q $db "$direct_cte,
	d AS (SELECT y, kvalitet.readmission_rate(cpr, s, e, a, d, died,
	          e >= make_date(y, 1, 1)::timestamp AT TIME ZONE 'Europe/Copenhagen'
	          AND e < make_date(y + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Copenhagen', kvalitet.stay_rules()) AS p
	      FROM c, generate_series(2016, 2025) AS y GROUP BY y)
	SELECT count(*) FILTER (WHERE kvalitet.numerator(d.p) = v.numerator AND kvalitet.denominator(d.p) = v.denominator)
	       || '/' || count(*)
	FROM d LEFT JOIN bi.indicator_values v ON v.indicator_code = 'readmission_30d' AND v.org_level = 'region'
	  AND v.period_type = 'year' AND v.period_start = make_date(d.y, 1, 1)")
is "$got" "10/10" "readmission_30d per year equals readmission_rate with index_eligible = discharged that year"
got=$(q $db "$direct_cte,
	h AS (SELECT DISTINCT hospital FROM demo.enheder),
	d AS (SELECT h.hospital, y, kvalitet.readmission_rate(cpr, s, e, a, d, died,
	          c.hospital IS NOT DISTINCT FROM h.hospital
	          AND e >= make_date(y, 1, 1)::timestamp AT TIME ZONE 'Europe/Copenhagen'
	          AND e < make_date(y + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Copenhagen', kvalitet.stay_rules()) AS p
	      FROM c, h, generate_series(2016, 2025) AS y GROUP BY h.hospital, y)
	SELECT count(*) FILTER (WHERE kvalitet.denominator(d.p) = 0 AND v.numerator IS NULL
	                           OR kvalitet.numerator(d.p) = v.numerator AND kvalitet.denominator(d.p) = v.denominator)
	       || '/' || count(*)
	FROM d LEFT JOIN bi.indicator_values v ON v.indicator_code = 'readmission_30d' AND v.org_level = 'hospital'
	  AND v.period_type = 'year' AND v.period_start = make_date(d.y, 1, 1) AND v.org_unit = d.hospital")
is "$got" "60/60" "readmission_30d per hospital and year equals readmission_rate with index_eligible = discharged there then"
got=$(q $db "$direct_cte
	SELECT kvalitet.preventable_admission_share(cpr, s, e, a, d, 'preventable_elderly', kvalitet.stay_rules())
	           FILTER (WHERE kvalitet.cpr_is_valid(cpr) AND kvalitet.cpr_age(cpr, (s AT TIME ZONE 'Europe/Copenhagen')::date) >= 65)::text
	FROM c")
want=$(q $db "SELECT sum(numerator) || '/' || sum(denominator) FROM bi.indicator_values
	WHERE indicator_code = 'preventable_admissions_65' AND org_level = 'region' AND period_type = 'year'")
is "$got" "$want" "preventable_admissions_65 over all years equals preventable_admission_share of the 65+ contacts"
got=$(q $db "SET kvalitet.timezone = 'Europe/Copenhagen';
	WITH d AS (SELECT date_trunc('year', discharged_at AT TIME ZONE 'Europe/Copenhagen')::date AS y,
	                  kvalitet.epikrise_timeliness(discharged_at, sent_at) AS p
	           FROM demo.epikriser WHERE discharged_at IS NOT NULL GROUP BY 1)
	SELECT count(*) FILTER (WHERE kvalitet.numerator(d.p) = v.numerator AND kvalitet.denominator(d.p) = v.denominator)
	       || '/' || count(*)
	FROM d LEFT JOIN bi.indicator_values v ON v.indicator_code = 'epikrise_timely' AND v.org_level = 'region'
	  AND v.period_type = 'year' AND v.period_start = d.y")
is "$got" "10/10" "epikrise_timely per year equals epikrise_timeliness"
got=$(q $db "SELECT count(*) FILTER (WHERE v.numerator = s.n AND v.denominator = s.d) || '/' || count(*)
	FROM (SELECT date_trunc('year', discharge_month)::date AS y, count(*) FILTER (WHERE readmitted) AS n, count(*) AS d
	      FROM bi.stays WHERE index_stay GROUP BY 1) s
	JOIN bi.indicator_values v ON v.indicator_code = 'readmission_30d' AND v.org_level = 'region'
	  AND v.period_type = 'year' AND v.period_start = s.y")
is "$got" "10/10" "the per-stay view's flags add up to indicator_values"

# 4. Months roll up exactly to quarters and years, at every level.
got=$(q $db "SELECT count(*) FROM bi_private.indicator_values AS v
	CROSS JOIN LATERAL (SELECT sum(m.numerator) AS n, sum(m.denominator) AS d FROM bi_private.indicator_values AS m
	      WHERE m.indicator_code = v.indicator_code AND m.org_level = v.org_level AND m.org_unit = v.org_unit
	        AND m.period_type = 'month' AND m.period_start BETWEEN v.period_start AND v.period_end) AS s
	WHERE v.period_type <> 'month' AND v.indicator_code NOT IN (SELECT code FROM kvalitet.indicator WHERE grain = 'year')
	  AND (v.denominator IS DISTINCT FROM s.d OR (v.measure = 'proportion' AND v.numerator IS DISTINCT FROM s.n)
	       OR (v.measure = 'days' AND NOT abs(v.numerator - s.n) < 0.0001))")
is "$got" 0 "every quarter and year is the sum of its months (days: up to rounding of the shown total)"
got=$(q $db "SELECT count(*) FROM bi_private.indicator_values AS y
	WHERE y.period_type = 'year' AND y.measure = 'proportion' AND y.proportion::text <> (
	      SELECT kvalitet.rollup(m.proportion)::text FROM bi_private.indicator_values AS m
	      WHERE m.indicator_code = y.indicator_code AND m.org_level = y.org_level AND m.org_unit = y.org_unit
	        AND m.period_type = 'month' AND m.period_start BETWEEN y.period_start AND y.period_end)")
is "$got" 0 "kvalitet.rollup of the monthly proportions equals the yearly proportion"
got=$(q $db "SELECT count(*) FROM bi.indicator_values r
	WHERE r.org_level = 'region' AND r.period_type = 'year' AND r.indicator_code <> 'epikrise_timely'
	  AND r.denominator <> (SELECT sum(h.denominator) FROM bi.indicator_values h WHERE h.indicator_code = r.indicator_code
	      AND h.org_level = 'municipality' AND h.period_type = 'year' AND h.period_start = r.period_start)")
is "$got" 0 "municipalities add up to the region"
got=$(q $db "SELECT v.denominator = (SELECT sum(antal) FROM demo.befolkning WHERE aar = 2025
	        AND substring(aldersgruppe FROM '[0-9]+')::int >= 65)
	FROM bi.indicator_values v WHERE v.indicator_code = 'preventable_admissions_65_per_1000'
	  AND v.org_level = 'region' AND v.period_label = '2025'")
is "$got" t "per 1,000: the denominator is the population aged 65+"

# 5. Refresh while other sessions read: with CONCURRENTLY no reader waits
# (lock_timeout 200 ms) or errs; without it readers are blocked.
readers() {	# readers SECONDS OUTFILE: read the views in a loop
	local until=$((SECONDS + $1))
	while [ $SECONDS -lt $until ]; do
		psql -X -q -At -d $db -c "SET lock_timeout = '200ms'" \
			-c "SELECT count(*) FROM bi.indicator_values WHERE period_type = 'year'" \
			-c "SELECT count(*) > 0 FROM bi.goal_overview WHERE is_latest" -c "SELECT count(*) FROM bi.stays" >>"$2" 2>&1 ||
			echo "psql failed" >>"$2"
	done
}
before=$(q $db "SELECT count(*) FROM bi.indicator_values WHERE period_type = 'year'")
readers 6 "$tmp/read1" &
rp=$!
sleep 0.5
q $db "SELECT count(*) FROM kvalitet.refresh('bi'); SELECT count(*) FROM kvalitet.refresh('bi')" >"$tmp/refresh1" 2>&1
wait $rp
errors=$(grep -c -i -E 'error|failed|timeout' "$tmp/read1")
reads=$(grep -c -x "$before" "$tmp/read1")
is "$errors" 0 "refresh (concurrently) while sessions read: no reader errs or waits"
[ "$reads" -ge 3 ]; ok $? "readers kept reading during the refresh ($reads reads)"
[ "$(grep -c -x 'f' "$tmp/read1")" -eq 0 ]; ok $? "readers never saw an empty goal_overview"
is "$(q $db "SELECT count(*) FROM kvalitet.refresh_log WHERE schema_name = 'bi' AND relation = '*' AND concurrent")" 2 \
	"both refreshes were concurrent and logged"
# The same without CONCURRENTLY: a refresh holding its lock blocks readers (so the check above can fail).
( psql -X -q -d $db -c "BEGIN" -c "SELECT count(*) FROM kvalitet.refresh('bi', concurrent => false)" \
	-c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null 2>&1 ) &
rp=$!
sleep 1.5
psql -X -q -At -d $db -c "SET lock_timeout = '200ms'" -c "SELECT count(*) FROM bi.indicator_values" >"$tmp/read2" 2>&1
wait $rp
grep -q 'lock timeout' "$tmp/read2"; ok $? "a refresh without CONCURRENTLY does block readers"

# 6. pg_dump and restore into a fresh database.
pg_dump -Fc -d $db -f "$tmp/dump" 2>"$tmp/dump.err"; ok $? "pg_dump" "$(head -3 "$tmp/dump.err")"
createdb $restored && pg_restore -d $restored --exit-on-error "$tmp/dump" 2>"$tmp/restore.err"
ok $? "pg_restore into a fresh database" "$(head -5 "$tmp/restore.err")"
is "$(q $restored "SELECT string_agg(schema_name || ':' || preset, ',' ORDER BY schema_name) FROM kvalitet.binding")" \
	"bi:lpr3,canon:canonical" "the bindings are restored"
is "$(q $restored "SELECT count(*) FROM kvalitet.refresh_log")" "$(q $db "SELECT count(*) FROM kvalitet.refresh_log")" \
	"the refresh log is restored"
is "$(q $restored "SELECT count(*) FROM (($cmp FROM bi.indicator_values EXCEPT $cmp FROM canon.indicator_values)
	UNION ALL ($cmp FROM canon.indicator_values EXCEPT $cmp FROM bi.indicator_values)) AS d")" 0 \
	"the restored views give the same figures for both bindings"
is "$(q $restored "SELECT count(*) FROM bi.indicator_values")" "$(q $db "SELECT count(*) FROM bi.indicator_values")" \
	"and as many rows as before"
is "$(q $restored "SELECT relation FROM kvalitet.refresh('bi') WHERE refreshed_concurrently ORDER BY relation DESC LIMIT 1")" \
	"bi_private.stays" "the restored binding refreshes concurrently"
is "$(q $restored "SELECT count(*) FROM kvalitet.bind('bi', 'demo.kontakter', 'lpr3', units => 'demo.enheder', replace => true) WHERE computed")" \
	8 "and can be bound again (contacts and units: 8 indicators)"
is "$(q $restored "SELECT count(*) FROM kvalitet.goal") $(q $restored "SELECT count(*) FROM kvalitet.indicator")" "8 20" \
	"the catalogue is there once"
psql -X -q -c "DROP DATABASE IF EXISTS $restored" >/dev/null 2>&1

# 8. Every goal with figures: the generator's deaths, birth dates, periods,
# register, markers and loaded figures, bound with the lpr3 preset.
for t in personer doede kronikere faerdigbehandlede forloebsmarkoerer rkkp lup sundhed udgifter henvisninger; do
	"$root/tools/kvalitet-gen" --table $t --contacts "$contacts" |
		psql -X -q -v ON_ERROR_STOP=1 -d $db -c "\\copy demo.$t from stdin"
done
is "$(q $db "SELECT count(*) FROM kvalitet.bind('every', 'demo.kontakter', 'lpr3', units => 'demo.enheder',
	epikriser => 'demo.epikriser', population => 'demo.befolkning', deaths => 'demo.doede', persons => 'demo.personer',
	faerdigbehandling => 'demo.faerdigbehandlede', chronic_register => 'demo.kronikere',
	pathway_markers => 'demo.forloebsmarkoerer', rkkp_results => 'demo.rkkp', lup_answers => 'demo.lup',
	population_health => 'demo.sundhed', costs => 'demo.udgifter', municipal_referrals => 'demo.henvisninger',
	options => '{\"region_name\": \"Region Midtjylland\"}') WHERE computed")" 20 \
	"all generated sources bound: every indicator of the catalogue is computed"
is "$(q $db "SELECT string_agg(goal_no::text, ',' ORDER BY goal_no) FROM (SELECT DISTINCT goal_no FROM every.goal_overview
	WHERE is_latest AND period_type = 'year' AND org_level = 'region' AND value IS NOT NULL) AS g")" "1,2,3,4,5,6,7,8" \
	"the goal overview has a value for each of the eight goals"
is "$(q $db "SELECT count(DISTINCT indicator_code) FROM every.indicator_values WHERE goal_no IS NULL AND value IS NOT NULL")" 5 \
	"and every sundhedsaftale indicator has values"
echo "1..$n"
