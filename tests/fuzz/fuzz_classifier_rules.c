/* The classifier's rules file, as an operator may write it. */
/* cdp-test-sources: services/classifier/rules.c services/classifier/rules_sections.c services/classifier/rule_keys.c services/classifier/rule_conditions.c services/classifier/rule_patterns.c services/classifier/rules_values.c services/classifier/rules_resolve.c services/classifier/matcher.c */
#include <stdlib.h>
#include <string.h>

#include "classifier/classifier.h"
#include "fuzz.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules	*r;
	char		*text = xmalloc(size + 1), err[512];
	size_t		 i;

	memcpy(text, data, size);
	text[size] = '\0';
	if ((r = rules_load_text("fuzz.conf", text, size, err,
	    sizeof(err))) != NULL) {
		for (i = 0; i < rules_count(r); i++)
			if (rules_rule(r, i)->scope != NULL)
				rules_guidance(r, rules_rule(r, i)->scope);
		rules_group_window_max(r);
		rules_free(r);
	}
	free(text);
	return 0;
}
