/*
 * contact_codec.c - a compact byte form of an array of kv_contact; see
 * contact_codec.h.
 *
 * Per contact, five unsigned LEB128 numbers (7 bits a byte, low bits first,
 * the high bit set on every byte but the last):
 *   patient - previous patient        (mod 2^64; 0 for the same patient)
 *   zigzag(start - previous start)    (mod 2^64; small within a patient)
 *   0 for an open contact, else end - start + 1
 *   diag + 1                          (0 for no diagnosis)
 *   flags
 * The first contact's differences are to patient 0 and start 0.
 */
#include "contact_codec.h"

static inline unsigned char *
put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80)
	{
		*p++ = (unsigned char) (v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char) v;
	return p;
}

/* One number from p[0..end); NULL when it runs past end or past 64 bits. */
static inline const unsigned char *
get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	uint64_t	x = 0;
	int			shift = 0;

	while (p < end)
	{
		unsigned char b = *p++;

		if (shift == 63 && (b & 0x7E) != 0)
			return NULL;		/* more than 64 bits */
		x |= (uint64_t) (b & 0x7F) << shift;
		if ((b & 0x80) == 0)
		{
			*v = x;
			return p;
		}
		shift += 7;
		if (shift > 63)
			return NULL;
	}
	return NULL;
}

/* Signed difference -> small unsigned number: 0, -1, 1, -2, ... -> 0, 1, 2, 3. */
static inline uint64_t
zigzag(uint64_t d)
{
	return (d << 1) ^ (uint64_t) -(int64_t) (d >> 63);
}

static inline uint64_t
unzigzag(uint64_t z)
{
	return (z >> 1) ^ (uint64_t) -(int64_t) (z & 1);
}

static inline size_t
varint_size(uint64_t v)
{
	size_t		n = 1;

	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

size_t
kv_contacts_packed_size(const kv_contact *c, size_t n)
{
	size_t		size = 0;
	uint64_t	patient = 0,
				start = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	cp = (uint64_t) c[i].patient,
					cs = (uint64_t) c[i].start;

		size += varint_size(cp - patient) + varint_size(zigzag(cs - start)) +
			varint_size(c[i].end == KV_TS_OPEN ? 0 : (uint64_t) c[i].end - cs + 1) +
			varint_size((uint64_t) ((int64_t) c[i].diag + 1)) + varint_size(c[i].flags);
		patient = cp;
		start = cs;
	}
	return size;
}

size_t
kv_contacts_pack(const kv_contact *c, size_t n, unsigned char *out)
{
	unsigned char *p = out;
	uint64_t	patient = 0,
				start = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	cp = (uint64_t) c[i].patient,
					cs = (uint64_t) c[i].start;

		p = put_varint(p, cp - patient);
		p = put_varint(p, zigzag(cs - start));
		p = put_varint(p, c[i].end == KV_TS_OPEN ? 0 : (uint64_t) c[i].end - cs + 1);
		p = put_varint(p, (uint64_t) ((int64_t) c[i].diag + 1));
		p = put_varint(p, c[i].flags);
		patient = cp;
		start = cs;
	}
	return (size_t) (p - out);
}

size_t
kv_contacts_unpack(const unsigned char *in, size_t len, kv_contact *out, size_t n)
{
	const unsigned char *p = in,
			   *end = in + len;
	uint64_t	patient = 0,
				start = 0;

	for (size_t i = 0; i < n; i++)
	{
		uint64_t	dp,
					ds,
					dur,
					diag,
					flags;

		if ((p = get_varint(p, end, &dp)) == NULL ||
			(p = get_varint(p, end, &ds)) == NULL ||
			(p = get_varint(p, end, &dur)) == NULL ||
			(p = get_varint(p, end, &diag)) == NULL ||
			(p = get_varint(p, end, &flags)) == NULL ||
			diag > (uint64_t) INT32_MAX + 1 || flags > UINT32_MAX)
			return 0;
		patient += dp;
		start += unzigzag(ds);
		out[i].patient = (int64_t) patient;
		out[i].start = (int64_t) start;
		out[i].end = dur == 0 ? KV_TS_OPEN : (int64_t) (start + dur - 1);
		out[i].diag = (int32_t) ((int64_t) diag - 1);
		out[i].flags = (uint32_t) flags;
	}
	return (size_t) (p - in);
}
