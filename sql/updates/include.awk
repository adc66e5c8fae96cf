# sql/updates/include.awk - makes an update script from its source.
#
# An update script gives an installed version every object a fresh install
# of the next version has.  Most of those objects are written, word for
# word, in sql/parts/; the source names them instead of copying them:
#
#   --@include FILE
#       the whole file;
#   --@include FILE NAME [N] [or-replace]
#       the N-th object (default the first) created under NAME in FILE: the
#       comment lines just above its CREATE, the CREATE statement, and its
#       COMMENT ON statement; or-replace writes CREATE OR REPLACE.
#
# Every other line is copied as it is.  A name that is not found stops make.

function fail(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# The name a CREATE or COMMENT ON line is about, without its arguments.
function object_name(line,    f, n, i, word) {
	n = split(line, f, /[ \t]+/)
	i = 2
	if (f[1] == "COMMENT")
		i = 3
	else if (f[i] == "OR")
		i = 4
	word = f[i + 1]
	sub(/\(.*/, "", word)
	return word
}

function emit_object(file, name, nth, or_replace,    n, lines, line, i, seen, start, stop) {
	n = 0
	while ((getline line < file) > 0)
		lines[++n] = line
	close(file)
	if (n == 0)
		fail("cannot read " file)
	seen = 0
	for (i = 1; i <= n; i++)
		if (lines[i] ~ /^CREATE / && object_name(lines[i]) == name && ++seen == nth)
			break
	if (i > n)
		fail("no object " name " (number " nth ") in " file)
	start = i
	while (start > 1 && lines[start - 1] ~ /^--/)
		start--
	for (stop = i + 1; stop <= n; stop++)
		if (lines[stop] ~ /^COMMENT ON / && object_name(lines[stop]) == name)
			break
	if (stop > n)
		fail("object " name " in " file " has no COMMENT ON statement")
	while (stop <= n && lines[stop] !~ /';[ \t]*$/)
		stop++
	for (line = start; line <= stop; line++) {
		if (line == i && or_replace)
			sub(/^CREATE /, "CREATE OR REPLACE ", lines[line])
		print lines[line]
	}
}

/^--@include / {
	nth = 1
	or_replace = 0
	for (k = 4; k <= NF; k++) {
		if ($k == "or-replace")
			or_replace = 1
		else if ($k ~ /^[0-9]+$/)
			nth = $k + 0
		else
			fail("unknown word " $k)
	}
	if (NF == 2) {
		got = 0
		while ((getline line < $2) > 0) {
			print line
			got = 1
		}
		close($2)
		if (!got)
			fail("cannot read " $2)
	} else
		emit_object($2, $3, nth, or_replace)
	next
}

{ print }
