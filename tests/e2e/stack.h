/*
 * The end-to-end stack (docs/e2e.md): the six daemons as processes on free
 * ports over the test Kafka and Redis, with seconds-scale SLA and penalty
 * policies of their own, the merchants' webhooks and the SMS/e-mail
 * provider on receivers in the test process (tests/lib/testrecv.c).
 */
#ifndef CDP_E2E_STACK_H
#define CDP_E2E_STACK_H

#include <jansson.h>

#include "intake_harness.h"
#include "testrecv.h"

/* The stack's merchants, each with a webhook on stack.hooks. */
#define STACK_M_PRODUCT		"M1001"		/* stories 1, 7 */
#define STACK_M_FOOD		"M1002"		/* stories 2, 6 */
#define STACK_M_SILENT		"ME2E-3"	/* story 3 */
#define STACK_M_KEY_SILENT	"merchant-ME2E-3"
#define STACK_M_LOGISTICS	"ME2E-4"	/* story 4 */
#define STACK_M_GROUP		"ME2E-5"	/* story 5 */

/* Seconds-scale targets of the stack's SLA policy (stack.c). */
#define STACK_FC_URGENT_S	3	/* first contact, urgent */
#define STACK_FC_NORMAL_S	8	/* first contact, normal */
#define STACK_MR_S		4	/* merchant response */
#define STACK_SIGNED_GRACE_MS	2000	/* proxy-signed, no later scan */

struct stack {
	struct intake_proc	 intake;
	struct testrecv		*hooks;		/* every merchant's webhook */
	struct testrecv		*provider;	/* SMS and e-mail */
	int			 analytics_port;
};

extern struct stack	stack;

int	 stack_up(void **state);
int	 stack_down(void **state);
json_t	*stack_hook_wait(struct testrecv *recv, const char *complaint_id,
	    const char *tmpl, int timeout_ms);
json_t	*stack_analytics(const char *window);

#endif
