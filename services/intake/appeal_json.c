/*
 * Bodies of the appeal routes (docs/api.md "Merchants and appeals"):
 * POST /v1/merchants/{id}/appeals and its decision. Pure: a parsed body
 * owns its JSON document, and the strings it gives point into it.
 */
#include <string.h>

#include "intake.h"

#define APPEAL_REASON_MIN	1

/* The reason of an appeal or a decision: required, 1-4000 characters. */
static int
appeal_json_reason(json_t *root, const char **out, struct api_error *err)
{
	json_t	*v = json_object_get(root, "reason");

	if (v == NULL)
		return complaint_json_error(err, "missing_field", "reason",
		    "required: why, in words");
	if (complaint_json_text(v, "reason", INTAKE_TEXT_MAX, out, err) == -1)
		return -1;
	if (strspn(*out, " \t\r\n") == strlen(*out))
		return complaint_json_error(err, "invalid_field", "reason",
		    "must not be empty");
	return 0;
}

/* Evidence: at most INTAKE_EVIDENCE_MAX URLs, each https. */
static int
appeal_json_evidence(json_t *root, struct appeal_req *req,
    struct api_error *err)
{
	json_t	*v = json_object_get(root, "evidence_urls");
	char	 name[64];
	size_t	 i;

	req->n_evidence = 0;
	if (v == NULL)
		return 0;
	if (complaint_json_urls(v, "evidence_urls", req->evidence,
	    &req->n_evidence, err) == -1)
		return -1;
	for (i = 0; i < req->n_evidence; i++)
		if (strncmp(req->evidence[i], "https://", 8) != 0) {
			snprintf(name, sizeof(name), "evidence_urls[%zu]", i);
			return complaint_json_error(err, "invalid_field", name,
			    "must be an https URL");
		}
	return 0;
}

/*
 * {"penalty_id": id, "reason": text, "evidence_urls": [https URLs]}.
 * 0, or -1 with err filled (400).
 */
int
appeal_json_parse(const char *body, size_t len, struct appeal_req *req,
    struct api_error *err)
{
	json_t	*v;

	memset(req, 0, sizeof(*req));
	if (complaint_json_load(body, len, &req->root, err) == -1)
		return -1;
	if ((v = json_object_get(req->root, "penalty_id")) == NULL)
		return complaint_json_error(err, "missing_field", "penalty_id",
		    "required: the penalty appealed");
	if (!json_is_string(v) || !complaint_json_id_valid(
	    json_string_value(v)))
		return complaint_json_error(err, "invalid_field", "penalty_id",
		    "must be 1-64 of [A-Za-z0-9._:-]");
	req->penalty_id = json_string_value(v);
	if (appeal_json_reason(req->root, &req->reason, err) == -1)
		return -1;
	return appeal_json_evidence(req->root, req, err);
}

/*
 * {"verdict": "upheld" | "rejected", "reason": text}: an upheld appeal
 * overturns the penalty, a rejected one leaves it.
 */
int
appeal_json_parse_decision(const char *body, size_t len,
    struct appeal_decision_req *req, struct api_error *err)
{
	json_t		*v;
	const char	*s;

	memset(req, 0, sizeof(*req));
	if (complaint_json_load(body, len, &req->root, err) == -1)
		return -1;
	if ((v = json_object_get(req->root, "verdict")) == NULL)
		return complaint_json_error(err, "missing_field", "verdict",
		    "required: upheld or rejected");
	s = json_is_string(v) ? json_string_value(v) : "";
	if (strcmp(s, "upheld") == 0)
		req->verdict = CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_OVERTURNED;
	else if (strcmp(s, "rejected") == 0)
		req->verdict =
		    CDP__V1__APPEAL_VERDICT__APPEAL_VERDICT_ORIGINAL_UPHELD;
	else
		return complaint_json_error(err, "invalid_field", "verdict",
		    "must be one of: upheld, rejected");
	return appeal_json_reason(req->root, &req->reason, err);
}

void
appeal_json_free(json_t *root)
{
	json_decref(root);
}
