/* The SLA policy file, as an operator may write it (SLA_POLICY_FILE). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_set	*ps;
	char			*text = xmalloc(size + 1), err[512];

	memcpy(text, data, size);
	text[size] = '\0';
	if ((ps = policy_load_text("fuzz.conf", text, size, err,
	    sizeof(err))) != NULL) {
		policy_due(ps, CDP__V1__SEVERITY__SEVERITY_NORMAL,
		    CDP__V1__CATEGORY__CATEGORY_PRODUCT,
		    CDP__V1__SLA_CLOCK__SLA_CLOCK_FIRST_CONTACT, 0);
		policy_free(ps);
	}
	free(text);
	return 0;
}
