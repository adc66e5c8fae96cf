/*
 * contact_codec.h - a compact byte form of an array of kv_contact.
 *
 * Parallel workers pass their sorted contact buffers to the leader as bytes
 * (a bytea, at most 1 GB).  Sorted by patient and start, consecutive
 * contacts differ little: after a header byte, each field is written as a
 * variable-length integer (7 bits a byte) of its difference to the previous
 * contact's (patient, start), of the contact's duration, or of its value
 * (diagnosis, flags), times in whole seconds where they are.  A typical
 * contact takes 10-12 bytes instead of 32, so a worker can pass about three
 * times as many contacts, and the leader copies and keeps a third of the
 * bytes.  Any array round-trips exactly, sorted or not (differences wrap
 * modulo 2^64); sorting only makes it small.
 *
 * Pure C, no allocation.  Precondition: every contact is open (end ==
 * KV_TS_OPEN) or has end >= start, and has diag >= -1, as buffered
 * contacts do.
 */
#ifndef KV_CONTACT_CODEC_H
#define KV_CONTACT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stays.h"

/* Most bytes one contact can take: a header, three 64-bit and two 32-bit varints. */
#define KV_CONTACT_PACKED_MAX (1 + 3 * 10 + 2 * 5)

/*
 * Write c[0..n) to out (room for n * KV_CONTACT_PACKED_MAX); returns bytes.
 * prev is the contact packed just before c[0], or NULL at the start: an
 * array packed in pieces unpacks as one.
 */
extern size_t kv_contacts_pack(const kv_contact *c, size_t n, const kv_contact *prev,
							   unsigned char *out);

/*
 * Reads packed contacts one at a time, so that a reader can decode them
 * where it needs them instead of into a full array first.
 */
typedef struct kv_contact_reader
{
	const unsigned char *p;		/* the next contact's bytes */
	const unsigned char *end;
	uint64_t	patient;		/* the previous contact's patient and start */
	uint64_t	start;
} kv_contact_reader;

extern void kv_contact_reader_init(kv_contact_reader *r, const unsigned char *in, size_t len);

/*
 * The next n contacts into out[0..n): fewer (the count read) when the input
 * ends or holds a malformed number (nothing is read beyond its end).
 */
extern size_t kv_contacts_read(kv_contact_reader *r, kv_contact *out, size_t n);

/*
 * Read n contacts from in[0..len) into out[0..n).  Returns the bytes read,
 * or 0 when the input ends early or holds a malformed number.
 */
extern size_t kv_contacts_unpack(const unsigned char *in, size_t len, kv_contact *out, size_t n);

#endif							/* KV_CONTACT_CODEC_H */
