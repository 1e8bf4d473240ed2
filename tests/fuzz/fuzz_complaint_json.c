/* POST /v1/complaints bodies, as every channel and agent key sends them. */
/* cdp-test-sources: services/intake/complaint_json.c */
#include <string.h>

#include "fuzz.h"
#include "intake/intake.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_key		key = { .name = "fuzz", .role = KEY_ROLE_CHANNEL,
	    .channel = CDP__V1__CHANNEL__CHANNEL_APP };
	struct complaint_req	req;
	struct api_error	err;

	memset(&req, 0, sizeof(req));
	if (complaint_json_parse((const char *)data, size, &key, &req,
	    &err) == 0)
		complaint_json_check_complete(&req, &err);
	complaint_json_free(&req);
	key.role = KEY_ROLE_AGENT;
	memset(&req, 0, sizeof(req));
	complaint_json_parse((const char *)data, size, &key, &req, &err);
	complaint_json_free(&req);
	return 0;
}
