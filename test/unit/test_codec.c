/*
 * test_codec.c - unit tests of the compact contact form (contact_codec.c):
 * exact round trips of sorted and unsorted arrays, extreme values, the
 * size of typical sorted data, and refusal of short or malformed input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "contact_codec.h"
#include "unit.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int
same_contacts(const kv_contact *a, const kv_contact *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].patient != b[i].patient || a[i].start != b[i].start || a[i].end != b[i].end ||
			a[i].diag != b[i].diag || a[i].flags != b[i].flags)
			return 0;
	return 1;
}

/* Pack, unpack, compare; returns the packed size (0 when it failed). */
static size_t
round_trip(const kv_contact *c, size_t n, const char *name)
{
	unsigned char *buf = malloc(n * KV_CONTACT_PACKED_MAX + 1);
	kv_contact *back = malloc(sizeof(kv_contact) * (n + 1));
	size_t		half = n / 2;
	size_t		len = kv_contacts_pack(c, half, NULL, buf);
	size_t		read;

	/* Packed in two pieces, unpacked as one. */
	len += kv_contacts_pack(c + half, n - half, half > 0 ? &c[half - 1] : NULL, buf + len);
	read = kv_contacts_unpack(buf, len, back, n);
	OK(read == len && len <= n * KV_CONTACT_PACKED_MAX && same_contacts(c, back, n), name);
	free(buf);
	free(back);
	return read == len ? len : 0;
}

/*
 * Sorted contacts round-trip in at most `most` bytes each, and round-trip
 * in another order too.
 */
static void
sorted_and_shuffled(const kv_contact *c, kv_contact *shuffled, size_t n, const char *what, size_t most)
{
	char		name[160];
	size_t		len;

	snprintf(name, sizeof(name), "%zu sorted contacts%s round-trip", n, what);
	len = round_trip(c, n, name);
	printf("# %zu sorted contacts%s: %.1f bytes each\n", n, what, (double) len / (double) n);
	snprintf(name, sizeof(name), "sorted contacts%s take under %zu bytes each (32 unpacked)", what, most);
	OK(len > 0 && len < n * most, name);
	for (size_t i = 0; i < n; i++)
		shuffled[i] = c[(i * 7919) % n];
	snprintf(name, sizeof(name), "the same contacts%s in another order round-trip", what);
	round_trip(shuffled, n, name);
}

/* Sorted data shaped like the benchmark's: patients 1..n/4, days apart. */
static kv_contact *
typical(size_t n)
{
	kv_contact *c = malloc(sizeof(kv_contact) * n);
	int64_t		patient = 1,
				t = INT64_C(600000000000000);	/* 2019 */

	for (size_t i = 0; i < n; i++)
	{
		if (i > 0 && next_random() % 4 == 0)
		{
			patient += 1 + (int64_t) (next_random() % 3);
			t = INT64_C(600000000000000) + (int64_t) (next_random() % INT64_C(150000000000000));
		}
		else
			t += (int64_t) (next_random() % INT64_C(2600000000000));	/* up to a month */
		c[i].patient = patient;
		c[i].start = t;
		c[i].end = next_random() % 100 == 0 ? KV_TS_OPEN :
			t + (int64_t) (next_random() % INT64_C(1200000000000));	/* up to two weeks */
		c[i].diag = (int32_t) (next_random() % 300) - 1;
		c[i].flags = (uint32_t) (next_random() % 8);
	}
	return c;
}

int
main(void)
{
	kv_contact	extremes[] = {
		{INT64_MIN, INT64_MIN + 1, INT64_MIN + 1, -1, 0},
		{INT64_MAX, INT64_MAX - 1, KV_TS_OPEN, INT32_MAX, UINT32_MAX},
		{-1, -5, -5, 0, 1},
		{0, 0, 0, 0, 0},
		{INT64_MIN, INT64_MAX - 2, INT64_MAX - 1, 7, 0xFFFFFF00u},
		{5, INT64_MIN + 1, INT64_MAX - 1, -1, 4},
		{5, INT64_MIN + 1, KV_TS_OPEN, -1, 4},
	};
	size_t		nx = sizeof(extremes) / sizeof(extremes[0]);
	size_t		n = 100000;
	kv_contact *c = typical(n);
	kv_contact *shuffled = malloc(sizeof(kv_contact) * n);
	kv_contact	out[8];
	unsigned char buf[8 * KV_CONTACT_PACKED_MAX];
	size_t		len;

	round_trip(extremes, nx, "extreme patients, times, open ends, diagnoses and flags round-trip");
	round_trip(extremes, 0, "an empty array round-trips");

	sorted_and_shuffled(c, shuffled, n, "", 18);

	/* Times in whole seconds, as clinical systems record them. */
	for (size_t i = 0; i < n; i++)
	{
		c[i].start -= c[i].start % 1000000;
		if (c[i].end != KV_TS_OPEN)
			c[i].end = c[i].start + (c[i].end - c[i].start) / 1000000 * 1000000;
	}
	sorted_and_shuffled(c, shuffled, n, " in whole seconds", 12);

	for (size_t i = 0; i < n; i++)
	{
		c[i].patient = (int64_t) next_random();
		c[i].start = (int64_t) (next_random() >> 1) - INT64_C(4611686018427387904);
		c[i].end = c[i].start + (int64_t) (next_random() >> 2);
		c[i].diag = (int32_t) (next_random() & 0x7FFFFFFF) - 1;
		c[i].flags = (uint32_t) next_random();
	}
	round_trip(c, n, "random 64-bit patients, times and flags round-trip");

	/* Short and malformed input. */
	len = kv_contacts_pack(extremes, nx, NULL, buf);
	IS_INT(kv_contacts_unpack(buf, len - 1, out, nx), 0, "input one byte short is refused");
	IS_INT(kv_contacts_unpack(buf, len, out, nx + 1), 0, "asking for one contact more than written is refused");
	IS_INT(kv_contacts_unpack(buf, 0, out, 1), 0, "empty input holds no contact");
	memset(buf, 0xFF, 12);
	IS_INT(kv_contacts_unpack(buf, 12, out, 1), 0, "a number longer than 64 bits is refused");
	{
		/* diag = 2^31: no int32 diagnosis id */
		unsigned char *p = buf;

		memset(buf, 0, sizeof(buf));
		*p++ = 0x04;			/* header: open; patient, start 0 follow */
		p += 2;
		*p++ = 0x80;
		*p++ = 0x80;
		*p++ = 0x80;
		*p++ = 0x80;
		*p++ = 0x08;
		*p++ = 0;				/* flags */
		IS_INT(kv_contacts_unpack(buf, (size_t) (p - buf), out, 1), 0, "a diagnosis id beyond int32 is refused");
		buf[0] = 0x24;
		IS_INT(kv_contacts_unpack(buf, 5, out, 1), 0, "a header with unknown bits is refused");
	}

	free(c);
	free(shuffled);
	return unit_done();
}
