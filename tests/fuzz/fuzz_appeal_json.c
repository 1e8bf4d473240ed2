/*
 * POST /v1/merchants/{id}/appeals bodies and the bodies of their decision,
 * as merchants and agents send them.
 */
/* cdp-test-sources: services/intake/appeal_json.c services/intake/complaint_json.c */
#include "fuzz.h"
#include "intake/intake.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct appeal_req		req;
	struct appeal_decision_req	dec;
	struct api_error		err;

	appeal_json_parse((const char *)data, size, &req, &err);
	appeal_json_free(req.root);
	appeal_json_parse_decision((const char *)data, size, &dec, &err);
	appeal_json_free(dec.root);
	return 0;
}
