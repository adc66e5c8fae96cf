/*
 * test_strata.c - unit tests of src/core/strata.c against cases worked out
 * by hand (docs/indicators.md section 10).
 */
#include "unit.h"
#include "strata.h"

int
main(void)
{
	/*
	 * Group 0: bands 0 (3), 5 (10), 10 (6), 15 (2): pools (0: 13) and
	 * (10: 6 + 2 = 8).  Group 1: 0 (0), 5 (0), 10 (7): one pool (0: 7).
	 * Group 2: 0 (2), 5 (1): one pool under 5 (0: 3).
	 */
	{
		kv_stratum	in[] = {
			{0, 0, 1, 3, 10}, {0, 5, 3, 10, 20}, {0, 10, 1, 6, 40}, {0, 15, 1, 2, 10},
			{1, 0, 0, 0, 10}, {1, 5, 0, 0, 20}, {1, 10, 2, 7, 30},
			{2, 0, 1, 2, 5}, {2, 5, 0, 1, 5}};
		kv_stratum	out[9];

		IS_INT(kv_pool_strata(in, 9, 5, out), 4, "four pools");
		OK(out[0].group == 0 && out[0].age_low == 0 && out[0].events == 4 && out[0].population == 13 && out[0].weight == 30,
		   "group 0: bands 0 and 5 pooled");
		OK(out[1].group == 0 && out[1].age_low == 10 && out[1].events == 2 && out[1].population == 8 && out[1].weight == 50,
		   "group 0: the top band under 5 joins the pool below");
		OK(out[2].group == 1 && out[2].age_low == 0 && out[2].events == 2 && out[2].population == 7 && out[2].weight == 60,
		   "group 1: empty bands join the next one");
		OK(out[3].group == 2 && out[3].age_low == 0 && out[3].events == 1 && out[3].population == 3 && out[3].weight == 10,
		   "group 2: all under 5, one pool");
	}
	/* exactly the minimum is enough; min 0 pools nothing */
	{
		kv_stratum	in[] = {{0, 0, 1, 5, 1}, {0, 5, 1, 5, 1}};
		kv_stratum	out[2];

		IS_INT(kv_pool_strata(in, 2, 5, out), 2, "5 is enough");
		IS_INT(kv_pool_strata(in, 2, 10, out), 1, "under 10: one pool");
		OK(out[0].population == 10 && out[0].weight == 2, "the pool sums both");
	}
	/* a band given twice (counts, then weight) is added up before the pool closes */
	{
		kv_stratum	in[] = {{0, 0, 2, 7, 0}, {0, 0, 0, 0, 4}, {0, 5, 1, 6, 0}, {0, 5, 0, 0, 3}};
		kv_stratum	out[4];

		IS_INT(kv_pool_strata(in, 4, 5, out), 2, "duplicates: two pools");
		OK(out[0].weight == 4 && out[0].population == 7 && out[1].weight == 3 && out[1].population == 6,
		   "duplicates: each band keeps its weight");
	}
	/* nothing in, nothing out */
	{
		kv_stratum	out[1];

		IS_INT(kv_pool_strata(NULL, 0, 5, out), 0, "no strata");
	}
	return unit_done();
}
