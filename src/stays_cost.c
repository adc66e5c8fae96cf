/*
 * stays_cost.c - the planner's cost of merging partial states of the
 * patient-flow aggregates (readmission_rate, preventable_admission_share,
 * the outcome aggregates, patient_stays).
 *
 * PostgreSQL charges an aggregate's combine function once per partial state
 * it merges, at its COST, whatever the state holds.  A patient-flow state
 * holds every contact its worker read, and the leader pays for each of them
 * again: the workers' states are packed, sent, unpacked and merged, and the
 * sort and walk of the final function stay in the leader either way.  On
 * the benchmark machine (bench/stays.sh, 1 M and 10 M contacts) that cost
 * more than the workers' share of the scan saved, so PostgreSQL's default
 * charge made the planner choose parallel plans that ran 0.7-0.9 times as
 * fast as the serial one.
 *
 * stays_combine_support answers the planner's cost request for
 * kvalitet.stays_combine: COST (in cpu_operator_cost units) per contact in
 * the state merged, estimated as the rows of the largest relation the query
 * plans over (an upper bound of the aggregate's input) divided by the
 * estimated number of groups (patient_stays ... GROUP BY patient merges one
 * patient's contacts per call).  Partial aggregation is then chosen only
 * where the per-contact work it shares out is dearer than the per-contact
 * merge.
 * With the default COST it never is.  Lowering the COST (ALTER FUNCTION
 * kvalitet.stays_combine(internal, internal) COST 0.01) gives the planner
 * its parallel and partitionwise partial plans back; the answers are the
 * same either way (the tests run both).
 */
#include "kvalitet.h"

#include "access/htup_details.h"
#include "catalog/pg_proc.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/tlist.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(stays_combine_support);

/*
 * The most rows any relation of the query is estimated to give: the input of
 * an aggregate over one table, over a join or over a subquery is at most
 * this (a filter can only lower it), and overestimating only favours the
 * serial plan.
 */
static double
largest_relation_rows(PlannerInfo *root)
{
	double		rows = 1.0;
	ListCell   *lc;

	if (root == NULL)
		return rows;
	for (int i = 1; i < root->simple_rel_array_size; i++)
	{
		RelOptInfo *rel = root->simple_rel_array[i];

		if (rel != NULL && rel->rows > rows &&
			(rel->reloptkind == RELOPT_BASEREL ||
			 rel->reloptkind == RELOPT_OTHER_MEMBER_REL))
			rows = rel->rows;
	}
	foreach(lc, root->join_rel_list)
	{
		RelOptInfo *rel = (RelOptInfo *) lfirst(lc);

		if (rel->rows > rows)
			rows = rel->rows;
	}
	return rows;
}

/* Contacts in one group's state: the input rows over the estimated groups. */
static double
contacts_per_state(PlannerInfo *root)
{
	double		rows = largest_relation_rows(root);
	Query	   *parse = root != NULL ? root->parse : NULL;
	List	   *exprs;
	double		groups;

	if (parse == NULL || parse->groupClause == NIL || parse->groupingSets != NIL)
		return rows;
	exprs = get_sortgrouplist_exprs(parse->groupClause, parse->targetList);
	groups = estimate_num_groups(root, exprs, rows, NULL, NULL);
	return groups >= 1.0 ? rows / groups : rows;
}

Datum
stays_combine_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestCost *req;
	HeapTuple	tuple;
	double		procost;

	if (!IsA(rawreq, SupportRequestCost))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestCost *) rawreq;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(req->funcid));
	if (!HeapTupleIsValid(tuple))
		PG_RETURN_POINTER(NULL);
	procost = ((Form_pg_proc) GETSTRUCT(tuple))->procost;
	ReleaseSysCache(tuple);

	req->startup = 0;
	req->per_tuple = procost * cpu_operator_cost * contacts_per_state(req->root);
	PG_RETURN_POINTER(req);
}
