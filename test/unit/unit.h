/*
 * unit.h - a minimal TAP emitter for the C unit tests of src/core.
 *
 * Each test program includes this header, calls the check macros and ends
 * with `return unit_done();`.  Output is TAP ("ok N - name" / "not ok N"),
 * so `prove` and kvalitet's test runner can count results.  The exit code is
 * non-zero when any check failed.
 */
#ifndef KV_UNIT_H
#define KV_UNIT_H

#include <stdio.h>
#include <string.h>
#include <math.h>

static int	unit_count = 0;
static int	unit_failed = 0;

static int
unit_ok(int cond, const char *file, int line, const char *name)
{
	unit_count++;
	if (cond)
		printf("ok %d - %s\n", unit_count, name);
	else
	{
		unit_failed++;
		printf("not ok %d - %s\n#   at %s:%d\n", unit_count, name, file, line);
	}
	return cond;
}

/* Checks: each prints one TAP line and, on failure, what was expected. */
#define OK(cond, name) unit_ok((cond) ? 1 : 0, __FILE__, __LINE__, (name))

#define IS_INT(got, want, name) do { \
	long long got_ = (long long) (got), want_ = (long long) (want); \
	if (!unit_ok(got_ == want_, __FILE__, __LINE__, (name))) \
		printf("#   got %lld, want %lld\n", got_, want_); \
} while (0)

#define IS_STR(got, want, name) do { \
	const char *got_ = (got), *want_ = (want); \
	int same_ = (got_ == NULL && want_ == NULL) || \
		(got_ != NULL && want_ != NULL && strcmp(got_, want_) == 0); \
	if (!unit_ok(same_, __FILE__, __LINE__, (name))) \
		printf("#   got \"%s\", want \"%s\"\n", got_ ? got_ : "(null)", want_ ? want_ : "(null)"); \
} while (0)

#define IS_NEAR(got, want, tol, name) do { \
	double got_ = (got), want_ = (want); \
	if (!unit_ok(fabs(got_ - want_) <= (tol), __FILE__, __LINE__, (name))) \
		printf("#   got %.12g, want %.12g (tolerance %g)\n", got_, want_, (double) (tol)); \
} while (0)

static int
unit_done(void)
{
	printf("1..%d\n", unit_count);
	return unit_failed == 0 ? 0 : 1;
}

#endif							/* KV_UNIT_H */
