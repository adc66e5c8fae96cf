/*
 * contact_codec.h - a compact byte form of an array of kv_contact.
 *
 * Parallel workers pass their sorted contact buffers to the leader as bytes
 * (a bytea, at most 1 GB).  Sorted by patient and start, consecutive
 * contacts differ little: each field is written as a variable-length
 * integer (7 bits a byte) of its difference to the previous contact's
 * (patient, start), of the contact's duration, or of its value (diagnosis,
 * flags).  A typical contact takes 12-18 bytes instead of 32, so a worker
 * can pass about twice as many contacts, and the leader copies half the
 * bytes.  Any array round-trips exactly, sorted or not (differences wrap
 * modulo 2^64); sorting only makes it small.
 *
 * Pure C, no allocation.  Precondition: every contact is open (end ==
 * KV_TS_OPEN) or has end >= start, as buffered contacts are.
 */
#ifndef KV_CONTACT_CODEC_H
#define KV_CONTACT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "stays.h"

/* Most bytes one contact can take: three 64-bit and two 32-bit varints. */
#define KV_CONTACT_PACKED_MAX (3 * 10 + 2 * 5)

/* The bytes kv_contacts_pack writes for c[0..n). */
extern size_t kv_contacts_packed_size(const kv_contact *c, size_t n);

/* Write c[0..n) to out (room for n * KV_CONTACT_PACKED_MAX); returns bytes. */
extern size_t kv_contacts_pack(const kv_contact *c, size_t n, unsigned char *out);

/*
 * Read n contacts from in[0..len) into out[0..n).  Returns the bytes read,
 * or 0 when the input ends early or holds a malformed number (nothing is
 * read beyond len).
 */
extern size_t kv_contacts_unpack(const unsigned char *in, size_t len, kv_contact *out, size_t n);

#endif							/* KV_CONTACT_CODEC_H */
