/* POST /v1/complaints/{id}/actions bodies, checked against the lifecycle. */
/* cdp-test-sources: services/intake/action_json.c services/intake/complaint_json.c services/intake/lifecycle.c */
#include <string.h>

#include "fuzz.h"
#include "intake/intake.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_key			 key = { .name = "fuzz",
	    .role = KEY_ROLE_MERCHANT, .merchant_id = "M1" };
	struct action_req		 req;
	struct api_error		 err;
	Cdp__V1__ComplaintStatus	 next;
	int				 s;

	memset(&req, 0, sizeof(req));
	if (action_json_parse((const char *)data, size, &key, &req, &err) == 0)
		for (s = 0; s <= 15; s++)
			lifecycle_check((Cdp__V1__ComplaintStatus)s, key.role,
			    &req.rec, &next);
	action_json_free(&req);
	return 0;
}
