/*
 * Every Filed (and ProactiveOpened) complaint gets exactly one Classified or
 * OutOfScope, whose id is derived from the Filed event's, so handling the
 * same event twice emits the same event, dropped downstream as a duplicate.
 *
 * The facts come first: the order snapshot and the earlier complaints on
 * the order, in one Redis round trip (grouping.c); classify.c decides.
 * Then the complaint is counted into its groups (group.c: the same SKU or
 * the same decided subcategory of its merchant, distinct customers), in a
 * second round trip, and classified again with the group facts. The
 * offset is stored only once the broker confirmed the result, and, when
 * this complaint formed a group, the raised earlier members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "events.h"
#include "kafka.h"
#include "log.h"
#include "meta.h"
#include "metrics.h"
#include "xmalloc.h"

#define CONSUME_RETRY_MS		1000
#define CONSUME_KEY_MAX		200

struct classifying {
	struct classifier	*c;
	struct kafka_msg	*m;
	Cdp__V1__ComplaintEvent	*in;
	const Cdp__V1__Filed	*filed;
	const char		*merchant_id;
	struct order_facts	 order;		/* owned */
	struct group_count	 counts[GROUP_BY_N]; /* owned */
	char			 keys[GROUP_BY_N][CONSUME_KEY_MAX];
	bool			 counted[GROUP_BY_N]; /* into keys[] */
	int			 group;		/* group_pick(), -1: none */
	struct classification	*result;
	char			**others;	/* the group but this one */
	struct meta_ids		 ids;
	Cdp__V1__EventMeta	 meta;
	Cdp__V1__ComplaintEvent	 out;
};

static void
job_free(struct classifying *j)
{
	order_facts_free(&j->order);
	grouping_counts_free(j->counts);
	if (j->result != NULL)
		classification_free(j->result);
	free(j->others);
	cdp__v1__complaint_event__free_unpacked(j->in, NULL);
	free(j);
}

static void
job_retry(struct classifying *j)
{
	kafka_consumer_retry(j->m, CONSUME_RETRY_MS);
	job_free(j);
}

static void
consume_finish(void *arg, bool ok)
{
	struct classifying	*j = arg;

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
 * Once remembered: when this complaint formed a group, in scope or not,
 * the earlier members are raised and linked before the Filed counts as
 * handled.
 */
static void
consume_on_remembered(void *arg, bool ok)
{
	struct classifying		*j = arg;
	struct group_count	*g;

	if (!ok || j->group == -1 || !j->counts[j->group].formed) {
		consume_finish(j, ok);
		return;
	}
	g = &j->counts[j->group];
	grouping_link(j->c, j->in->meta, j->in->complaint_id, j->merchant_id,
	    j->keys[j->group], g->ids, g->nids, consume_finish, j);
}

/*
 * A Classified is remembered, so that a group forming later can raise it;
 * one counted into groups without being in one raises itself when one of
 * them formed meanwhile (grouping.c).
 */
static void
consume_on_emitted(void *arg, bool ok)
{
	struct classifying	*j = arg;
	char			*keys[GROUP_BY_N];
	bool			 counted = false;
	int			 by;

	if (!ok) {
		consume_finish(j, false);
		return;
	}
	if (j->out.body_case != CDP__V1__COMPLAINT_EVENT__BODY_CLASSIFIED) {
		consume_on_remembered(j, true);
		return;
	}
	for (by = 0; by < GROUP_BY_N; by++) {
		keys[by] = j->group == -1 && j->counted[by] ? j->keys[by] :
		    NULL;
		counted |= keys[by] != NULL;
	}
	if (grouping_remember(j->c, &j->out, j->in->meta,
	    counted ? keys : NULL, consume_on_remembered, j) == -1)
		consume_finish(j, false);
}

/* A complaint of a group lists the group's other members. */
static void
consume_link_self(struct classifying *j, Cdp__V1__Classified *cl)
{
	struct group_count	*g;

	if (j->group == -1)
		return;
	g = &j->counts[j->group];
	j->others = xcalloc(g->nids + 1, sizeof(char *));
	cl->group_complaint_ids = j->others;
	cl->n_group_complaint_ids = group_others(g->ids, g->nids,
	    j->in->complaint_id, j->others);
}

/* The result as an event caused by the Filed one. */
static void
consume_emit(struct classifying *j)
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
		consume_link_self(j, j->out.classified);
	}
	log_ctx_set(j->in->complaint_id, j->in->meta->event_id,
	    j->merchant_id);
	log_debug("classified");
	log_ctx_clear();
	if (emit_event(j->c, &j->out, consume_on_emitted, j) == -1)
		job_retry(j);
}

/* Classifies with the facts gathered so far (group: see group.c). */
static void
consume_classify(struct classifying *j, uint32_t group_size, uint32_t threshold,
    const char *group_key)
{
	struct classify_facts	f = { 0 };

	f.filed = j->filed;
	f.order = j->order.order;
	f.group_size = group_size;
	f.group_threshold = threshold;
	f.group_key = group_key;
	f.repeat_on_order = j->order.order_before > 0;
	f.now_ms = j->in->meta->occurred_at_ms;
	if (j->result != NULL)
		classification_free(j->result);
	j->result = classify(j->c->rules, &f);
}

/* Classifies again with the group counts; takes what counts hold. */
static void
consume_on_counts(void *arg, int rc, struct group_count *counts)
{
	struct classifying	*j = arg;
	int		 shown;

	if (rc == -1) {
		job_retry(j);
		return;
	}
	memcpy(j->counts, counts, sizeof(j->counts));
	shown = group_shown(j->c->rules, j->counts);
	j->group = group_pick(j->c->rules, j->counts);
	consume_classify(j, j->counts[shown].customers,
	    rules_group(j->c->rules, shown)->threshold,
	    j->group != -1 ? j->keys[j->group] : NULL);
	consume_emit(j);
}

/*
 * The complaint's group keys, from its first classification; returns
 * whether it has any. A complaint without a customer id counts in no
 * group: groups count distinct customers.
 */
static bool
consume_group_keys(struct classifying *j, char **keys)
{
	const Cdp__V1__Classified	*cl = classification_classified(
	    j->result);
	char				 sub[160];
	bool				 any = false;
	int				 by;

	snprintf(sub, sizeof(sub), "%s.%s", rules_category(j->c->rules,
	    cl->category)->name, cl->subcategory);
	for (by = 0; by < GROUP_BY_N; by++) {
		keys[by] = NULL;
		if (j->filed->complainant == NULL ||
		    j->filed->complainant->user_id[0] == '\0' ||
		    group_key(j->c->rules, by, j->merchant_id, j->filed,
		    cl->subcategory[0] != '\0' ? sub : "", j->keys[by],
		    sizeof(j->keys[by])) == -1)
			continue;
		keys[by] = j->keys[by];
		j->counted[by] = true;
		any = true;
	}
	return any;
}

/*
 * Classifies with the order facts (takes ownership of what o holds), then
 * counts the complaint into the groups its classification names.
 */
static void
consume_on_order(void *arg, int rc, struct order_facts *o)
{
	struct classifying	*j = arg;
	char		*keys[GROUP_BY_N];

	if (rc == -1) {
		job_retry(j);
		return;
	}
	j->order = *o;
	consume_classify(j, 1, 0, NULL);
	if (!consume_group_keys(j, keys))
		consume_emit(j);
	else if (grouping_count(j->c, j->in->complaint_id,
	    j->filed->complainant->user_id, keys,
	    j->in->meta->occurred_at_ms, consume_on_counts, j) == -1)
		job_retry(j);
}

void
consume_handle(struct classifier *c, struct kafka_msg *m)
{
	struct classifying	*j = xcalloc(1, sizeof(*j));

	j->c = c;
	j->m = m;
	j->group = -1;
	j->in = kafka_msg_take(m);	/* checked by events_complaint */
	if ((j->filed = events_filed(j->in)) == NULL) {
		kafka_consumer_done(m);	/* not ours to classify */
		job_free(j);
		return;
	}
	j->merchant_id = j->in->merchant_id[0] != '\0' ? j->in->merchant_id :
	    j->filed->respondent != NULL ? j->filed->respondent->merchant_id :
	    "";
	if (grouping_order_facts(c, j->in->complaint_id, j->filed,
	    j->in->meta->occurred_at_ms, consume_on_order, j) == -1)
		job_retry(j);
}
