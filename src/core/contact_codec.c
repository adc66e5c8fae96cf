/*
 * contact_codec.c - a compact byte form of an array of kv_contact; see
 * contact_codec.h.
 *
 * Per contact, a header byte, then unsigned LEB128 numbers (7 bits a byte,
 * low bits first, the high bit set on every byte but the last):
 *   header                            (HDR_* bits below)
 *   patient - previous patient        (mod 2^64; absent with HDR_SAME_PATIENT)
 *   zigzag(start - previous start)    (mod 2^64; in seconds with HDR_START_SECONDS)
 *   end - start                       (absent with HDR_OPEN; in seconds with
 *                                      HDR_DURATION_SECONDS)
 *   diag                              (absent with HDR_NO_DIAGNOSIS)
 *   flags
 * The first contact's differences are to patient 0 and start 0.  Clinical
 * timestamps are nearly always whole seconds, which makes a difference of
 * days three bytes shorter than in microseconds.
 */
#include "contact_codec.h"

#define HDR_SAME_PATIENT		0x01
#define HDR_START_SECONDS		0x02
#define HDR_OPEN				0x04
#define HDR_DURATION_SECONDS	0x08
#define HDR_NO_DIAGNOSIS		0x10
#define HDR_ALL					0x1F

#define USECS_PER_SECOND 1000000

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

/*
 * One number from p[0..end); NULL when it runs past end or past 64 bits.
 * One-byte numbers (most headers, patients, diagnoses, flags) take the
 * short path.
 */
static inline const unsigned char *
get_varint(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
	uint64_t	x = 0;
	int			shift = 0;

	if (p < end && *p < 0x80)
	{
		*v = *p;
		return p + 1;
	}
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

/*
 * The numbers of one contact after `prev_patient` and `prev_start`: the
 * header and the values of its fields (unused ones left 0).
 */
typedef struct PackedContact
{
	unsigned	header;
	uint64_t	patient;
	uint64_t	start;
	uint64_t	duration;
	uint64_t	diag;
	uint64_t	flags;
} PackedContact;

static inline PackedContact
to_packed(const kv_contact *c, uint64_t prev_patient, uint64_t prev_start)
{
	PackedContact pc = {0, 0, 0, 0, 0, c->flags};
	int64_t		step = (int64_t) ((uint64_t) c->start - prev_start);

	if ((uint64_t) c->patient == prev_patient)
		pc.header |= HDR_SAME_PATIENT;
	else
		pc.patient = (uint64_t) c->patient - prev_patient;
	if (step % USECS_PER_SECOND == 0)
	{
		pc.header |= HDR_START_SECONDS;
		pc.start = zigzag((uint64_t) (step / USECS_PER_SECOND));
	}
	else
		pc.start = zigzag((uint64_t) step);
	if (c->end == KV_TS_OPEN)
		pc.header |= HDR_OPEN;
	else
	{
		pc.duration = (uint64_t) c->end - (uint64_t) c->start;
		if (pc.duration % USECS_PER_SECOND == 0)
		{
			pc.header |= HDR_DURATION_SECONDS;
			pc.duration /= USECS_PER_SECOND;
		}
	}
	if (c->diag < 0)
		pc.header |= HDR_NO_DIAGNOSIS;
	else
		pc.diag = (uint64_t) c->diag;
	return pc;
}

size_t
kv_contacts_pack(const kv_contact *c, size_t n, const kv_contact *prev, unsigned char *out)
{
	unsigned char *p = out;
	uint64_t	patient = prev ? (uint64_t) prev->patient : 0,
				start = prev ? (uint64_t) prev->start : 0;

	for (size_t i = 0; i < n; i++)
	{
		PackedContact pc = to_packed(&c[i], patient, start);

		*p++ = (unsigned char) pc.header;
		if (!(pc.header & HDR_SAME_PATIENT))
			p = put_varint(p, pc.patient);
		p = put_varint(p, pc.start);
		if (!(pc.header & HDR_OPEN))
			p = put_varint(p, pc.duration);
		if (!(pc.header & HDR_NO_DIAGNOSIS))
			p = put_varint(p, pc.diag);
		p = put_varint(p, pc.flags);
		patient = (uint64_t) c[i].patient;
		start = (uint64_t) c[i].start;
	}
	return (size_t) (p - out);
}

void
kv_contact_reader_init(kv_contact_reader *r, const unsigned char *in, size_t len)
{
	r->p = in;
	r->end = in + len;
	r->patient = 0;
	r->start = 0;
}

/* One contact; false at the end of the input or a malformed number. */
static inline bool
read_one(kv_contact_reader *r, kv_contact *out)
{
	const unsigned char *p = r->p;
	unsigned	header;
	uint64_t	step,
				duration = 0,
				diag = 0,
				flags;

	if (p >= r->end || (*p & ~HDR_ALL) != 0)
		return false;
	header = *p++;
	if (!(header & HDR_SAME_PATIENT))
	{
		uint64_t	dp;

		if ((p = get_varint(p, r->end, &dp)) == NULL)
			return false;
		r->patient += dp;
	}
	if ((p = get_varint(p, r->end, &step)) == NULL ||
		(!(header & HDR_OPEN) && (p = get_varint(p, r->end, &duration)) == NULL) ||
		(!(header & HDR_NO_DIAGNOSIS) && (p = get_varint(p, r->end, &diag)) == NULL) ||
		(p = get_varint(p, r->end, &flags)) == NULL ||
		diag > (uint64_t) INT32_MAX || flags > UINT32_MAX)
		return false;
	step = unzigzag(step);
	r->start += header & HDR_START_SECONDS ? step * USECS_PER_SECOND : step;
	if (header & HDR_DURATION_SECONDS)
		duration *= USECS_PER_SECOND;
	r->p = p;
	out->patient = (int64_t) r->patient;
	out->start = (int64_t) r->start;
	out->end = header & HDR_OPEN ? KV_TS_OPEN : (int64_t) (r->start + duration);
	out->diag = header & HDR_NO_DIAGNOSIS ? -1 : (int32_t) diag;
	out->flags = (uint32_t) flags;
	return true;
}

size_t
kv_contacts_read(kv_contact_reader *r, kv_contact *out, size_t n)
{
	size_t		i = 0;

	while (i < n && read_one(r, &out[i]))
		i++;
	return i;
}

size_t
kv_contacts_unpack(const unsigned char *in, size_t len, kv_contact *out, size_t n)
{
	kv_contact_reader r;

	kv_contact_reader_init(&r, in, len);
	if (kv_contacts_read(&r, out, n) < n)
		return 0;
	return (size_t) (r.p - in);
}
