/* The notifier's merchants file, as a deployment may write it. */
/* cdp-test-sources: services/notifier/merchants.c services/notifier/urlpolicy.c */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notifier/notifier.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merchant_set	*ms;
	char			*in = xmalloc(size + 1), err[512];

	memcpy(in, data, size);
	in[size] = '\0';
	if ((ms = merchants_load_text("fuzz.conf", in, size, true, err,
	    sizeof(err))) != NULL) {
		merchants_find(ms, "M1001");
		merchants_free(ms);
	}
	free(in);
	return 0;
}
