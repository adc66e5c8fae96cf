/*
 * kvalitet.c - module entry point and settings of kvalitet.
 */
#include "kvalitet.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Settings are defined here as features need them (see the feature files);
 * this is the one place that registers them.
 */
void
_PG_init(void)
{
	kv_calendar_define_settings();
}

/*
 * Reject a confidence level outside (0, 1): an interval at level 1 would be
 * infinitely wide, and a level written as 95 instead of 0.95 is a common slip.
 */
void
kv_check_level(double level)
{
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level must be between 0 and 1 exclusive"),
				 errdetail("The level given was %g.", level),
				 errhint("Write 95%% as 0.95.")));
}
