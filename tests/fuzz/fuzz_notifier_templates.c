/* The notifier's message file, as an operator may write it. */
/* cdp-test-sources: services/notifier/template.c services/notifier/facts.c */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notifier/notifier.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_set	*ts;
	struct facts		 f;
	const char		*text;
	char			*s, *in = xmalloc(size + 1), err[512];

	memcpy(in, data, size);
	in[size] = '\0';
	if ((ts = template_load_text("fuzz.conf", in, size, err,
	    sizeof(err))) != NULL) {
		facts_init(&f);
		facts_set(&f, "complaint_id", "C1");
		if ((text = template_text(ts, "customer_ack", "en")) != NULL) {
			s = template_fill(text, &f);
			free(s);
		}
		template_free(ts);
	}
	free(in);
	return 0;
}
