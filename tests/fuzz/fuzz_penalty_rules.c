/*
 * The penalty rules file, as an operator may write it (PENALTY_RULES_FILE),
 * and the ladder it gives a ledger: a file that loads must give levels
 * that climb and a ledger that stays within them.
 */
/* cdp-test-sources: services/penalty/rules.c services/penalty/ledger.c */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "penalty/penalty.h"
#include "xmalloc.h"

#define DAY	INT64_C(86400000)

/* Two violations of the first type a day apart, then a year later. */
static void
exercise(const struct pen_rules *r)
{
	struct ledger_violation	v = { .violation = r->violations[0].name,
				    .complaint_id = "C", .cause_id = "E",
				    .base_points = r->violations[0].points };
	struct ledger_change	ch;
	struct ledger		l;

	ledger_init(&l, "M");
	v.id = "a";
	v.at_ms = DAY;
	ledger_add(&l, r, &v, &ch);
	v.id = "b";
	v.at_ms = 2 * DAY;
	ledger_add(&l, r, &v, &ch);
	if (ch.new_level >= (int)r->nlevels)
		abort();
	ledger_reverse(&l, r, "a", "ap", true, 3 * DAY, &ch);
	ledger_settle(&l, r, 400 * DAY, &ch);
	ledger_free(&l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pen_rules	*r;
	char			*text = xmalloc(size + 1), err[512];

	memcpy(text, data, size);
	text[size] = '\0';
	if ((r = rules_load_text("fuzz.conf", text, size, err,
	    sizeof(err))) != NULL) {
		exercise(r);
		rules_free(r);
	}
	free(text);
	return 0;
}
