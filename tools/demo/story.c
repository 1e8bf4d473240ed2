/*
 * story.c: the complaint desk's day. Once the orders are in, a complaint is
 * filed every quarter second from the channel, in the language and of the
 * category mix.c draws; every few seconds a lost parcel, now and then five
 * customers on one SKU (a group complaint). Each complaint then walks its
 * story, one step when its due time comes: the agent's first contact, the
 * request to the merchant, the merchant's answer, the decision, the
 * merchant's execution. mix.c decides who is on time, late or never there,
 * and whose decision is not carried out, so the SLA clocks breach, coupon,
 * escalate and penalise. Bad merchants' standings are watched and some of
 * their penalties appealed; an admin upholds every other appeal.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "log.h"
#include "meta.h"
#include "xmalloc.h"

#define STORY_TICK_MS		250
#define STORY_MAX		4000
#define FIRST_CONTACT_S		8	/* config/sla-policies-fast.conf */
#define MERCHANT_S		10
#define EXECUTION_S		10

enum step {
	STEP_CONTACT, STEP_ASK_MERCHANT, STEP_MERCHANT, STEP_DECIDE,
	STEP_EXECUTE, STEP_DONE
};

struct tale {
	char			id[64];
	unsigned		order, merchant;
	struct mix_complaint	mc;
	enum step		step;
	int64_t			due_ms;
};

struct story {
	struct demo	*d;
	struct event	*tick;
	struct tale	*tales;
	size_t		 n;
	unsigned	 ticks;
	unsigned	 appealed[DEMO_MERCHANTS];	/* penalties seen */
	bool		 restricted[DEMO_MERCHANTS];	/* at the last look */
};

static void
story_key(char *buf, size_t sz, const char *who)
{
	snprintf(buf, sz, "demo-%s", who);
}

/* Files one complaint; adds its tale when intake accepted it. */
static void
story_file(struct story *s, const struct mix_complaint *mc, unsigned order,
    unsigned merchant)
{
	struct demo	*d = s->d;
	json_t		*body, *ans = NULL;
	char		 key[32], oid[32], user[16], email[48];
	long		 st;

	story_key(key, sizeof(key), mix_channel_name(mc->channel));
	snprintf(user, sizeof(user), "U%u", 100000 + order);
	snprintf(email, sizeof(email), "%s@example.com", user);
	body = json_pack("{sssss{ssssss}ssss}", "order_id",
	    market_order_id(order, oid, sizeof(oid)), "merchant_id",
	    market_merchant_id(merchant), "user", "id", user, "phone",
	    "+86 138-0000-0000", "email", email,
	    "description", mix_text(mc), "demand",
	    mc->category == MIX_LOGISTICS ? "reship" : "refund");
	if (mc->special != MIX_OUT_OF_SCOPE)
		json_object_set_new(body, "problem_type",
		    json_string(mix_problem_type(mc->category)));
	if (mc->special == MIX_HIGH_VALUE)
		json_object_set_new(body, "amount", json_real(12999.0));
	st = api_post(d->o.intake, "/v1/complaints", key, body, &ans);
	if (st == 202 && s->n < STORY_MAX && json_string_value(
	    json_object_get(ans, "complaint_id")) != NULL) {
		struct tale	*t = &s->tales[s->n++];

		snprintf(t->id, sizeof(t->id), "%s", json_string_value(
		    json_object_get(ans, "complaint_id")));
		t->order = order;
		t->merchant = merchant;
		t->mc = *mc;
		t->step = mc->special == MIX_OUT_OF_SCOPE ? STEP_DONE :
		    STEP_CONTACT;
		t->due_ms = meta_now_ms() + 1000 * (int64_t)
		    mix_response_delay_s(mc->agent, FIRST_CONTACT_S);
		d->n.filed[mc->channel]++;
		d->n.chinese += mc->chinese;
		d->n.urgent += mc->special == MIX_URGENT;
		d->n.mentions_12315 += mc->special == MIX_12315;
		d->n.high_value += mc->special == MIX_HIGH_VALUE;
		d->n.out_of_scope += mc->special == MIX_OUT_OF_SCOPE;
	} else {
		d->n.refused++;
		if (d->n.refused <= 3)
			log_warnx("demo: filing answered %ld", st);
	}
	json_decref(ans);
}

static bool
story_act(struct story *s, struct tale *t, const char *who, json_t *body)
{
	char	 key[32], path[128];
	long	 st;

	story_key(key, sizeof(key), who);
	snprintf(path, sizeof(path), "/v1/complaints/%s/actions", t->id);
	st = api_post(s->d->o.intake, path, key, body, NULL);
	if (st == 202 || st == 200) {
		s->d->n.actions++;
		return true;
	}
	s->d->n.actions_refused++;
	return false;
}

/* Waits delay_s more before the next step; never answered: the story ends. */
static void
story_next(struct tale *t, enum step next, enum mix_response r,
    unsigned clock_s)
{
	unsigned	delay = mix_response_delay_s(r, clock_s);

	t->step = delay == 0 ? STEP_DONE : next;
	t->due_ms = meta_now_ms() + 1000 * (int64_t)delay;
}

static void
story_step(struct story *s, struct tale *t)
{
	const char	*merchant = market_merchant_id(t->merchant);

	switch (t->step) {
	case STEP_CONTACT:
		story_act(s, t, "agent", json_pack("{ss}", "action",
		    "first_contact"));
		t->step = STEP_ASK_MERCHANT;
		t->due_ms = meta_now_ms() + 1000;
		break;
	case STEP_ASK_MERCHANT:
		story_act(s, t, "agent", json_pack("{ss}", "action",
		    "request_merchant_response"));
		story_next(t, STEP_MERCHANT, t->mc.merchant, MERCHANT_S);
		break;
	case STEP_MERCHANT:
		story_act(s, t, merchant, json_pack("{ssss}", "action",
		    "merchant_response", "stance", "accept"));
		t->step = STEP_DECIDE;
		t->due_ms = meta_now_ms() + 1000;
		break;
	case STEP_DECIDE:
		story_act(s, t, "agent", json_pack("{sssssfss}", "action",
		    "decide", "outcome", "refund_without_return", "amount",
		    market_price(s->d->market, t->order), "responsible_party",
		    "merchant"));
		if (t->mc.merchant == MIX_NOT_CARRIED_OUT) {
			s->d->n.not_carried_out++;
			t->step = STEP_DONE;
			break;
		}
		story_next(t, STEP_EXECUTE, t->mc.merchant, EXECUTION_S);
		break;
	case STEP_EXECUTE:
		story_act(s, t, merchant, json_pack("{sssssf}", "action",
		    "execute", "outcome", "refund_without_return", "amount",
		    market_price(s->d->market, t->order)));
		t->step = STEP_DONE;
		break;
	case STEP_DONE:
		break;
	}
}

/* Five customers, one SKU, a minute: the classifier's group complaint. */
static void
story_group(struct story *s)
{
	struct mix_complaint	mc = { .channel = MIX_APP,
	    .category = MIX_PRODUCT, .special = MIX_URGENT, .chinese = true,
	    .agent = MIX_ON_TIME, .merchant = MIX_LATE };
	unsigned		merchant, order, i;

	order = market_pick_order(s->d->market, &merchant);
	for (i = 0; i < 5; i++)
		story_file(s, &mc, market_same_sku(s->d->market, order, i),
		    merchant);
	s->d->n.group++;
}

/* A bad merchant's penalties: the first of every two appealed, upheld. */
static void
story_appeals(struct story *s, unsigned merchant)
{
	const char	*id = market_merchant_id(merchant);
	json_t		*view = NULL, *pens, *pen;
	const char	*standing;
	char		 key[32], path[160];
	size_t		 i;
	bool		 restricted;

	story_key(key, sizeof(key), id);
	snprintf(path, sizeof(path), "/v1/merchants/%s", id);
	if (api_get(s->d->o.intake, path, key, &view) != 200)
		goto done;
	standing = json_string_value(json_object_get(view, "standing"));
	restricted = standing != NULL && strcmp(standing, "restricted") == 0;
	if (restricted && !s->restricted[merchant])
		s->d->n.restricted++;
	s->restricted[merchant] = restricted;
	pens = json_object_get(view, "penalties");
	json_array_foreach(pens, i, pen) {
		const char	*pid = json_string_value(json_object_get(pen,
		    "penalty_id"));
		json_t		*ans = NULL;
		const char	*aid;

		if (pid == NULL || i < s->appealed[merchant])
			continue;
		s->appealed[merchant] = i + 1;
		if (i % 2 != 0)
			continue;
		snprintf(path, sizeof(path), "/v1/merchants/%s/appeals", id);
		if (api_post(s->d->o.intake, path, key, json_pack("{ssss}",
		    "penalty_id", pid, "reason", "物流延误导致回复超时，附聊天记录"),
		    &ans) == 202 && (aid = json_string_value(json_object_get(
		    ans, "appeal_id"))) != NULL) {
			s->d->n.appeals++;
			snprintf(path, sizeof(path),
			    "/v1/merchants/%s/appeals/%s/decision", id, aid);
			if (api_post(s->d->o.intake, path, "demo-admin",
			    json_pack("{ssss}", "verdict", "upheld", "reason",
			    "回复记录证实商家已处理"), NULL) == 202)
				s->d->n.appeals_upheld++;
		}
		json_decref(ans);
		break;
	}
done:
	json_decref(view);
}

static void
story_tick(evutil_socket_t fd, short what, void *arg)
{
	struct story		*s = arg;
	struct timeval		 tv = { 0, STORY_TICK_MS * 1000 };
	struct mix_complaint	 mc;
	int64_t			 now = meta_now_ms();
	unsigned		 merchant, order;
	size_t			 i;

	(void)fd;
	(void)what;
	evtimer_add(s->tick, &tv);
	if (!s->d->loaded)
		return;
	s->ticks++;
	order = market_pick_order(s->d->market, &merchant);
	mix_complaint(&s->d->rng, market_bad(merchant), &mc);
	story_file(s, &mc, order, merchant);
	if (s->ticks % 16 == 0)
		market_lose_parcel(s->d->market);
	if (s->ticks % 120 == 40)
		story_group(s);
	if (s->ticks % 20 == 0)
		story_appeals(s, 4 + 9 * ((s->ticks / 20) % (DEMO_MERCHANTS / 9)));
	for (i = 0; i < s->n; i++)
		if (s->tales[i].step != STEP_DONE && s->tales[i].due_ms <= now)
			story_step(s, &s->tales[i]);
}

struct story *
story_new(struct demo *d)
{
	struct story	*s = xcalloc(1, sizeof(*s));
	struct timeval	 tv = { 0, STORY_TICK_MS * 1000 };

	s->d = d;
	s->tales = xcalloc(STORY_MAX, sizeof(*s->tales));
	s->tick = evtimer_new(d->base, story_tick, s);
	evtimer_add(s->tick, &tv);
	return s;
}

void
story_free(struct story *s)
{
	if (s == NULL)
		return;
	event_free(s->tick);
	free(s->tales);
	free(s);
}
