#!/usr/bin/env bash
#
# test_gen.sh - smoke test of the synthetic data generator tools/kvalitet_gen.c
#
# Builds the generator with the project's warning flags and checks, printing
# TAP: determinism, seeds, requested sizes, consistency between tables, CPR
# numbers, daylight-saving times, deaths and the --dirty rows.  The expected
# values come from outside the generator: the dates of the spring change are
# listed from the calendar and the CPR century rule is re-implemented in awk.
# Needs gcc, awk, md5sum; no database.
#
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen="$work/kvalitet-gen"
n=0
failed=0

ok()
{
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

check()
{
	desc=$1
	shift
	"$@"
	ok $? "$desc"
}

echo "1..32"

gcc -std=c99 -O2 -Wall -Wextra -Werror -o "$gen" "$top/tools/kvalitet_gen.c" -lm 2>"$work/cc.log"
ok $? "builds with -std=c99 -Wall -Wextra -Werror"
if [ ! -x "$gen" ]; then
	cat "$work/cc.log" | sed 's/^/# /'
	exit 1
fi

"$gen" --table kontakter --seed 11 > "$work/k1"
"$gen" --table kontakter --seed 11 > "$work/k2"
"$gen" --table kontakter --seed 12 > "$work/k3"
check "same seed gives byte-identical output" cmp -s "$work/k1" "$work/k2"
check "another seed gives other output" test "$(md5sum < "$work/k1")" != "$(md5sum < "$work/k3")"

rows=$(wc -l < "$work/k1")
check "default size is about 20,000 contacts (got $rows)" test "$rows" -ge 19400 -a "$rows" -le 20600

"$gen" --table kontakter --contacts 50000 --seed 5 > "$work/k50"
rows=$(wc -l < "$work/k50")
check "--contacts 50000 gives 50,000 rows within 3% (got $rows)" test "$rows" -ge 48500 -a "$rows" -le 51500

pats=$("$gen" --table kontakter --patients 300 --seed 5 | cut -f2 | sort -u | wc -l)
check "--patients 300 gives 300 distinct CPR numbers (got $pats)" test "$pats" = 300

check "a smaller run is a prefix of a larger one" \
	cmp -s <("$gen" --table kontakter --contacts 1000 --seed 5 | head -n 900) <(head -n 900 "$work/k50")

check "every kontakter row has 13 fields and a unique key" \
	awk -F'\t' 'NF != 13 || seen[$1]++ { bad = 1 } END { exit bad }' "$work/k50"

"$gen" --table epikriser --contacts 50000 --seed 5 > "$work/e50"
check "every epikriser key is a closed, living kontakter row of the same run" \
	awk -F'\t' 'NR == FNR { if ($5 != "\\N" && $11 == "f") k[$1] = 1; next }
				NF != 4 || !($1 in k) { bad = 1 } END { exit bad || FNR < 1000 }' "$work/k50" "$work/e50"

check "epikriser timestamps carry a UTC offset" \
	awk -F'\t' '$3 !~ /^[0-9-]+ [0-9:]+\+0[12]$/ { bad = 1 } END { exit bad }' "$work/e50"

"$gen" --table enheder > "$work/u"
check "every sorenhed_ans is a unit in enheder" \
	awk -F'\t' 'NR == FNR { u[$1] = 1; next } !($10 in u) { bad = 1 } END { exit bad }' "$work/u" "$work/k50"

"$gen" --table befolkning --contacts 50000 --seed 5 > "$work/b50"
check "befolkning has 19 kommuner x 10 years x 20 bands x 2 sexes rows" test "$(wc -l < "$work/b50")" = 7600
check "befolkning covers every kommune and year used in kontakter" \
	awk -F'\t' 'NR == FNR { b[$1 "/" $2] = 1; next }
				!(($12 "/" substr($3, 1, 4)) in b) { bad = 1 } END { exit bad }' "$work/b50" "$work/k50"

# CPR century rule (CPR-kontoret): 7th digit 0-3 -> 1900s; 4, 9 -> 2000s if
# YY <= 36 else 1900s; 5-8 -> 2000s if YY <= 57 else 1800s.
check "newborn contacts start on the birth date the CPR number encodes" \
	awk -F'\t' 'toupper($9) ~ /Z38/ {
		dd = substr($2, 1, 2); mm = substr($2, 3, 2); yy = substr($2, 5, 2) + 0; d7 = substr($2, 8, 1) + 0
		if (d7 <= 3) c = 1900; else if (d7 == 4 || d7 == 9) c = (yy <= 36) ? 2000 : 1900
		else c = (yy <= 57) ? 2000 : 1800
		if (sprintf("%04d-%s-%s", c + yy, mm, dd) != $3) bad = 1; count++
	} END { exit bad || count < 50 }' "$work/k50"

check "CPR numbers are DDMMYY-SSSS and fail the modulus-11 check" \
	awk -F'\t' '{
		if (length($2) != 11 || substr($2, 7, 1) != "-" || $2 !~ /^[0-9]+-[0-9]+$/) bad = 1
		s = $2; sub("-", "", s); split("4 3 2 7 6 5 4 3 2 1", w, " "); sum = 0
		for (i = 1; i <= 10; i++) sum += substr(s, i, 1) * w[i]
		if (sum % 11 == 0) bad = 1
	} END { exit bad }' "$work/k50"

check "no contact starts after a contact that ended in death" \
	awk -F'\t' 'NR == FNR { if ($11 == "t") d[$2] = $3 " " $4; next }
				($2 in d) && ($3 " " $4) > d[$2] { bad = 1 } END { exit bad }' "$work/k50" "$work/k50"

# Last Sundays of March 2016-2025, from the calendar.
check "some local start times fall in the skipped spring hour 02:00-02:59" \
	awk -F'\t' 'BEGIN { split("2016-03-27 2017-03-26 2018-03-25 2019-03-31 2020-03-29 2021-03-28 2022-03-27 2023-03-26 2024-03-31 2025-03-30", a, " "); for (i in a) s[a[i]] = 1 }
				($3 in s) && $4 ~ /^02:/ { n++ } END { exit n < 1 }' "$work/k1"

"$gen" --table kontakter --contacts 50000 --seed 5 --dirty > "$work/d50"
check "--dirty keeps at least 98% of the clean rows unchanged" \
	test "$(comm -12 <(sort "$work/k50") <(sort "$work/d50") | wc -l)" -ge 49000
check "--dirty rows include NULL cpr, NULL start, malformed diagnoses and duplicates" \
	awk -F'\t' '$2 == "\\N" { a = 1 } $3 == "\\N" { b = 1 } $9 == "D?J4" || $9 == "123" { c = 1 }
				$1 % 1000 >= 900 { d = 1 } END { exit !(a && b && c && d) }' "$work/d50"
check "--dirty output escapes control characters (13 fields on every line)" \
	awk -F'\t' 'NF != 13 { bad = 1 } END { exit bad }' "$work/d50"

# LPR3_F's forloeb: every contact's dw_ek_forloeb is a forløb of the same
# patient; the forløb ended ALAC70 are exactly those whose last contact died,
# and it ends when that contact ends.
"$gen" --table forloeb --contacts 50000 --seed 5 > "$work/f50"
check "every contact's forløb is in forloeb, for the same patient" \
	awk -F'\t' 'NR == FNR { f[$1] = $2; next } !($13 in f) || f[$13] != $2 { bad = 1 } END { exit bad }' "$work/f50" "$work/k50"
check "forløb ended ALAC70 are those of the contacts that died, ending with them" \
	awk -F'\t' 'NR == FNR { if ($7 == "ALAC70") { d[$1] = $5 " " $6; n++ } next }
				$11 == "t" { m++; if (!($13 in d) || d[$13] != $5 " " $6) bad = 1 }
				$11 == "f" && ($13 in d) && ($5 " " $6) > d[$13] { bad = 1 }
				END { exit bad || n != m || n < 1 }' "$work/f50" "$work/k50"

"$gen" --table organisationer > "$work/o"
check "every sorenhed_ans is a unit of organisationer, with levels and validity" \
	awk -F'\t' 'NR == FNR { if (NF == 6 && $5 ~ /^[0-9-]+$/) u[$1] = 1; next } !($10 in u) { bad = 1 } END { exit bad }' "$work/o" "$work/k50"

"$gen" --table kontakter --contacts 5000 --seed 5 --pseudonymise > "$work/p1"
"$gen" --table kontakter --contacts 5000 --seed 5 --pseudonymise > "$work/p2"
"$gen" --table personer --contacts 5000 --seed 5 --pseudonymise > "$work/pp"
check "--pseudonymise is deterministic and keeps every row but the key" \
	bash -c "cmp -s '$work/p1' '$work/p2' && cmp -s <(cut -f1,3- '$work/p1') <(head -n \$(wc -l < '$work/p1') '$work/k50' | cut -f1,3-)"
check "--pseudonymise: one 32-character pseudonym per CPR number, each with a birth date in personer" \
	awk -F'\t' 'NR == FNR { b[$1] = $2; next }
				FILENAME ~ /k50$/ { if (FNR <= lines) { if (($2 in map) && map[$2] != k[FNR]) bad = 1; map[$2] = k[FNR] } next }
				{ k[FNR] = $2; lines = FNR; if (length($2) != 32 || $2 ~ /-/ || !($2 in b)) bad = 1 }
				END { exit bad }' "$work/pp" "$work/p1" "$work/k50"

# The inputs of the remaining indicators (docs/synthetic-data.md).
check "every new table is deterministic" \
	bash -c 'for t in doede kronikere faerdigbehandlede forloebsmarkoerer rkkp lup sundhed udgifter henvisninger; do
		cmp -s <("$0" --table $t --contacts 20000 --seed 5) <("$0" --table $t --contacts 20000 --seed 5) || exit 1; done' "$gen"
"$gen" --table doede --contacts 50000 --seed 5 > "$work/d"
check "every contact that died has its patient's death date in doede, the day it ended; and some deaths are outside hospital" \
	awk -F'\t' 'NR == FNR { d[$1] = $2; n++; next }
				$11 == "t" { if (d[$2] != $5) bad = 1; inh[$2] = 1 }
				END { for (p in d) if (!(p in inh)) out++; exit bad || out < 1 }' "$work/d" "$work/k50"
"$gen" --table faerdigbehandlede --contacts 50000 --seed 5 > "$work/fb"
check "færdigbehandling periods: patients of kontakter, their kommune, ready before discharged" \
	awk -F'\t' 'NR == FNR { k[$2] = $12; next } !($1 in k) || k[$1] != $2 || $3 >= $4 { bad = 1 } END { exit bad || FNR < 1 }' "$work/k50" "$work/fb"
"$gen" --table forloebsmarkoerer --contacts 50000 --seed 5 > "$work/m"
check "pathway markers: a forløb of the same patient; an end marker after its referral; about 60% within 30 days" \
	awk -F'\t' 'NR == FNR { f[$1] = $2; next }
				{ if (f[$2] != $1) bad = 1
				  split($4, a, "-"); t = mktime(a[1] " " a[2] " " a[3] " 12 00 00")
				  if ($3 == "AFV01A") s[$2] = t; else { if (!($2 in s) || t < s[$2]) bad = 1; e++; if (t - s[$2] <= 30 * 86400 + 3600) w++ } }
				END { exit bad || e < 50 || w / e < 0.45 || w / e > 0.75 }' "$work/f50" "$work/m"
check "loaded figures: RKKP and LUP numerators within their denominators" \
	bash -c '"$0" --table rkkp | awk -F"\t" "\$6 > \$7 || \$6 < 0 { bad = 1 } END { exit bad }" &&
		"$0" --table lup | awk -F"\t" "\$6 > \$5 { bad = 1 } END { exit bad }"' "$gen"
check "referrals: one row per kommune and year, about 20 per 1,000 citizens" \
	bash -c 'paste <("$0" --table henvisninger --contacts 50000 --seed 5 | sort -k1,1 -k2,2 | cut -f3) \
		<("$0" --table befolkning --contacts 50000 --seed 5 | awk -F"\t" "{ n[\$2 \"\t\" \$1] += \$5 } END { for (k in n) print k \"\t\" n[k] }" | sort -k1,1 -k2,2 | cut -f3) |
		awk -F"\t" "{ r += \$1; c += \$2; rows++ } END { exit rows != 190 || r / c < 0.015 || r / c > 0.025 }"' "$gen"

"$gen" --table nosuch > /dev/null 2>&1
rc1=$?
"$gen" --table kontakter --patients 3 --contacts 3 > /dev/null 2>&1
rc2=$?
check "bad arguments exit with status 2" test "$rc1" = 2 -a "$rc2" = 2

[ "$failed" = 0 ]
