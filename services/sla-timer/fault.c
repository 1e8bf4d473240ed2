/*
 * Faults the integration tests inject into a real sla-timer, to reach the
 * moments a test cannot time from outside: SLA_TEST_FAULT names one fault
 * point, which fires once. The points are honoured only in the test build
 * (CDP_TEST_HOOKS, the sanitizer build of ./dev test); a production build
 * ignores the variable and fault_hit() is always false.
 *
 *	exit_after_claim	the process ends right after a firing's claim,
 *				before any of its events is produced
 *	fail_coupon		the first coupon of a breach is refused as if
 *				the broker had refused it
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sla.h"

static const char	*fault_point;

void
fault_init(void)
{
#ifdef CDP_TEST_HOOKS
	if ((fault_point = getenv("SLA_TEST_FAULT")) != NULL)
		log_warnx("fault: test fault %s armed", fault_point);
#endif
}

/* Whether the armed fault is point; true once, then disarmed. */
bool
fault_hit(const char *point)
{
	if (fault_point == NULL || strcmp(fault_point, point) != 0)
		return false;
	log_warnx("fault: test fault %s fires", point);
	fault_point = NULL;
	return true;
}
