/*
 * Every Filed (and ProactiveOpened) complaint gets exactly one Classified or
 * OutOfScope, whose id is derived from the Filed event's, so handling the
 * same event twice emits the same event, dropped downstream as a duplicate.
 *
 * The facts come first: the group and repeat counts and the order
 * snapshot, in one Redis round trip (grouping.c); classify.c decides; the
 * offset is stored only once the broker confirmed the result.
 */
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "pb.h"
#include "xmalloc.h"

#define FILING_RETRY_MS		1000

struct job {
	struct classifier	*c;
	struct kafka_msg	*m;
	Cdp__V1__ComplaintEvent	*in;
	const Cdp__V1__Filed	*filed;
	const char		*merchant_id;
	struct group_counts	 group;		/* owned */
	struct classification	*result;
	char			*group_key;
	char			**others;	/* the group but this one */
	struct meta_ids		 ids;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 out;
};

static void
job_free(struct job *j)
{
	grouping_counts_free(&j->group);
	if (j->result != NULL)
		classification_free(j->result);
	free(j->group_key);
	free(j->others);
	cdp__v1__complaint_event__free_unpacked(j->in, NULL);
	free(j);
}

static void
job_retry(struct job *j)
{
	kafka_consumer_retry(j->m, FILING_RETRY_MS);
	job_free(j);
}

static void
filing_finish(void *arg, bool ok)
{
	struct job	*j = arg;

	if (!ok) {
		job_retry(j);
		return;
	}
	metrics_inc(metrics_counter("classifier_classified_total",
	    "Complaints classified (Classified or OutOfScope emitted).", ""));
	kafka_consumer_done(j->m);
	job_free(j);
}

/*
 * Once remembered: when this complaint completed a group, the earlier
 * members are raised and linked before the Filed counts as handled.
 */
static void
filing_on_remembered(void *arg, bool ok)
{
	struct job	*j = arg;

	if (!ok || j->group.nmembers == 0 || j->group_key == NULL) {
		filing_finish(j, ok);
		return;
	}
	grouping_link(j->c, j->in->meta, j->in->complaint_id, j->group_key,
	    j->group.members, j->group.nmembers, filing_finish, j);
}

static void
filing_on_emitted(void *arg, bool ok)
{
	struct job	*j = arg;

	if (!ok)
		filing_finish(j, false);
	else if (j->out.body_case != CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED)
		filing_finish(j, true);
	else if (grouping_remember(j->c, &j->out, filing_on_remembered, j) ==
	    -1)
		filing_finish(j, false);
}

/* A complaint that completed a group lists the group's other members. */
static void
filing_link_self(struct job *j, Cdp__V1__Classified *cl)
{
	size_t	i, n = 0;

	if (j->group.nmembers == 0)
		return;
	j->others = xcalloc(j->group.nmembers, sizeof(char *));
	for (i = 0; i < j->group.nmembers; i++)
		if (strcmp(j->group.members[i], j->in->complaint_id) != 0)
			j->others[n++] = j->group.members[i];
	cl->group_complaint_ids = j->others;
	cl->n_group_complaint_ids = n;
}

/* The result as an event caused by the Filed one. */
static void
filing_emit(struct job *j)
{
	cdp__v1__complaint_event__init(&j->out);
	meta_fill(&j->meta, &j->ids, "classifier", j->in->meta, "classified");
	j->out.meta = &j->meta;
	j->out.complaint_id = j->in->complaint_id;
	j->out.merchant_id = (char *)j->merchant_id;
	if (classification_out_of_scope(j->result)) {
		j->out.body_case = CDP__V1__COMPLAINT_EVENT__BODY_OUT_OF_SCOPE;
		j->out.out_of_scope = (Cdp__V1__OutOfScope *)
		    classification_oos(j->result);
	} else {
		j->out.body_case = CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED;
		j->out.classified = (Cdp__V1__Classified *)
		    classification_classified(j->result);
		filing_link_self(j, j->out.classified);
	}
	log_ctx_set(j->in->complaint_id, j->in->meta->event_id,
	    j->merchant_id);
	log_debug("classified");
	log_ctx_clear();
	if (emit_event(j->c, &j->out, filing_on_emitted, j) == -1)
		job_retry(j);
}

static const char *
filing_group_key(const struct job *j, char *buf, size_t size)
{
	uint32_t	n = rules_settings(j->c->rules)->group_threshold;

	if (j->group.sku >= n && j->filed->order != NULL)
		snprintf(buf, size, "sku:%s", j->filed->order->sku);
	else if (j->group.merchant >= n)
		snprintf(buf, size, "merchant:%s", j->merchant_id);
	else
		return NULL;
	return buf;
}

/* Classifies with the facts gathered; takes ownership of what g holds. */
static void
filing_on_counts(void *arg, int rc, struct group_counts *g)
{
	struct job		*j = arg;
	struct classify_facts	 f = { 0 };
	char			 key[160];

	if (rc == -1) {
		job_retry(j);
		return;
	}
	j->group = *g;
	f.filed = j->filed;
	f.order = j->group.order;
	f.group_size = j->group.sku > j->group.merchant ? j->group.sku :
	    j->group.merchant;
	f.group_key = filing_group_key(j, key, sizeof(key));
	j->group_key = f.group_key != NULL ? xstrdup(f.group_key) : NULL;
	f.repeat_on_order = j->group.order_before > 0;
	f.now_ms = j->in->meta->occurred_at_ms;
	j->result = classify(j->c->rules, &f);
	filing_emit(j);
}

static const Cdp__V1__Filed *
filing_body(const Cdp__V1__ComplaintEvent *ev)
{
	if (ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_FILED)
		return ev->filed;
	if (ev->body_case == CDP__V1__COMPLAINT_EVENT__BODY_PROACTIVE_OPENED &&
	    ev->proactive_opened != NULL)
		return ev->proactive_opened->filed;
	return NULL;
}

void
filing_handle(struct classifier *c, struct kafka_msg *m)
{
	struct job	*j = xcalloc(1, sizeof(*j));

	j->c = c;
	j->m = m;
	j->in = cdp__v1__complaint_event__unpack(NULL, m->len, m->payload);
	if (j->in == NULL || j->in->meta == NULL) {
		kafka_consumer_dead(m, j->in == NULL ?
		    "undecodable ComplaintEvent" :
		    "ComplaintEvent without metadata");
		job_free(j);
		return;
	}
	if ((j->filed = filing_body(j->in)) == NULL) {
		pb_body_unknown(m->topic, j->in->body_case);
		kafka_consumer_done(m);	/* not ours to classify */
		job_free(j);
		return;
	}
	j->merchant_id = j->in->merchant_id[0] != '\0' ? j->in->merchant_id :
	    j->filed->respondent != NULL ? j->filed->respondent->merchant_id :
	    "";
	if (grouping_count(c, j->in->complaint_id, j->filed, j->merchant_id,
	    j->in->meta->occurred_at_ms, filing_on_counts, j) == -1)
		job_retry(j);
}
