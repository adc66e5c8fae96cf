/*
 * strata.h - pooling small strata before a direct standardisation
 * (docs/indicators.md section 10).
 *
 * The strata of one unit come sorted by group (the sex) and then age band.
 * Within a group, bands join the next older ones until the pooled
 * denominator reaches min_population; a remainder under it at the top joins
 * the pool below (or is the group's only pool).  Consecutive strata of the
 * same group and band are added up before a pool may close.  A pool is named
 * by its lowest band and sums events, population and weight.
 *
 * Pure C, no PostgreSQL headers; nothing here allocates or prints.
 */
#ifndef KV_STRATA_H
#define KV_STRATA_H

#include <stddef.h>

typedef struct kv_stratum
{
	int			group;			/* the sex, as a number: equal numbers pool together */
	int			age_low;		/* lower bound of the age band */
	double		events;
	double		population;
	double		weight;
} kv_stratum;

/*
 * Pool n strata sorted by (group, age_low) into out (room for n); returns
 * the number of pools written, in the same order.  in and out may not
 * overlap.
 */
extern size_t kv_pool_strata(const kv_stratum *in, size_t n, double min_population, kv_stratum *out);

#endif
