/*
 * strata.c - pooling small strata before a direct standardisation
 * (strata.h, docs/indicators.md section 10).
 */
#include "strata.h"

#include <stdbool.h>

size_t
kv_pool_strata(const kv_stratum *in, size_t n, double min_population, kv_stratum *out)
{
	size_t		npools = 0;		/* pools written */
	size_t		group_first = 0;	/* first pool of the current group */
	bool		open = false;	/* a pool is being filled (out[npools]) */

	for (size_t i = 0; i < n; i++)
	{
		bool		last_of_group = (i + 1 == n || in[i + 1].group != in[i].group);
		bool		last_of_band = last_of_group || in[i + 1].age_low != in[i].age_low;

		if (i == 0 || in[i].group != in[i - 1].group)
			group_first = npools;
		if (!open)
		{
			out[npools] = in[i];
			open = true;
		}
		else
		{
			out[npools].events += in[i].events;
			out[npools].population += in[i].population;
			out[npools].weight += in[i].weight;
		}
		if (last_of_band && out[npools].population >= min_population)
		{
			npools++;
			open = false;
		}
		if (last_of_group && open)
		{
			/* a remainder under the minimum joins the pool below, if any */
			if (npools > group_first)
			{
				out[npools - 1].events += out[npools].events;
				out[npools - 1].population += out[npools].population;
				out[npools - 1].weight += out[npools].weight;
			}
			else
				npools++;
			open = false;
		}
	}
	return npools;
}
