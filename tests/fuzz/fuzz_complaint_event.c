/*
 * complaints.events messages, as other teams and our services publish
 * them: decoded, applied to intake's view and rendered for each role.
 */
/* cdp-test-sources: services/intake/view.c services/intake/view_json.c services/intake/view_sla.c services/intake/view_bound.c services/intake/view_render.c services/intake/lifecycle.c services/intake/action_json.c services/intake/complaint_json.c */
#include <stdlib.h>

#include "fuzz.h"
#include "intake/intake.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Cdp__V1__ComplaintEvent	*ev;
	struct api_key		 agent = { .name = "a", .role = KEY_ROLE_AGENT };
	struct api_key		 merchant = { .name = "m",
	    .role = KEY_ROLE_MERCHANT, .merchant_id = "M1" };
	json_t			*view, *summary;
	char			*text;

	if ((ev = cdp__v1__complaint_event__unpack(NULL, size, data)) == NULL)
		return 0;
	view = view_new("C1");
	view_apply(view, ev, 1);
	view_apply(view, ev, 2);
	text = view_render(view, &agent);
	free(text);
	text = view_render(view, &merchant);
	free(text);
	summary = view_summary(view, &agent);
	json_decref(summary);
	json_decref(view);
	cdp__v1__complaint_event__free_unpacked(ev, NULL);
	return 0;
}
