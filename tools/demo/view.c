/*
 * view.c: what the audience sees. While the orders load, a progress bar;
 * then, every second, a summary redrawn in place: complaints by status and
 * category, SLA met and breached, coupons, penalties and standings,
 * notifications delivered and retried, events a second. The platform's
 * figures come from analytics (the summary the dashboard draws), the
 * demo's own from its counters. When stdout is not a terminal, one plain
 * line every five seconds instead. At the end, the report: every kind of
 * event the issue names with its count; the exit status says whether all
 * of them happened.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "meta.h"
#include "nitems.h"
#include "xmalloc.h"

#define VIEW_TICK_MS	1000
#define VIEW_PLAIN_EVERY 5

struct view {
	struct demo	*d;
	struct event	*tick;
	bool		 tty;
	unsigned	 ticks, lines;	/* lines drawn last time */
	json_t		*totals, *backlog;
	int64_t		 events, events_at_ms;
	double		 rate;
};

static json_int_t
view_int(json_t *o, const char *path)
{
	char	 buf[128], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, ".", &save); p != NULL && o != NULL;
	    p = strtok_r(NULL, ".", &save))
		o = json_object_get(o, p);
	return json_integer_value(o);
}

/* The sum of one member over an object's members (e.g. every clock). */
static json_int_t
view_sum(json_t *o, const char *member)
{
	const char	*k;
	json_t		*v;
	json_int_t	 n = 0;

	json_object_foreach(o, k, v)
		n += member != NULL ? json_integer_value(json_object_get(v,
		    member)) : json_integer_value(v);
	return n;
}

static void
view_fetch(struct view *v)
{
	json_t	*ans = NULL;
	int64_t	 now = meta_now_ms(), events;

	if (api_get(v->d->o.analytics, "/v1/analytics/summary?window=1h",
	    "", &ans) != 200 || ans == NULL) {
		json_decref(ans);
		return;
	}
	json_decref(v->totals);
	json_decref(v->backlog);
	v->totals = json_incref(json_object_get(ans, "totals"));
	v->backlog = json_incref(json_object_get(ans, "backlog"));
	json_decref(ans);
	events = view_int(v->totals, "events");
	if (v->events_at_ms != 0 && now > v->events_at_ms)
		v->rate = (double)(events - v->events) * 1000 /
		    (double)(now - v->events_at_ms);
	v->events = events;
	v->events_at_ms = now;
}

static uint64_t
view_filed(const struct demo *d)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < MIX_CHANNELS; i++)
		n += d->n.filed[i];
	return n;
}

/* One object's members as "name n" pairs on a line. */
static void
view_pairs(FILE *f, const char *title, json_t *o)
{
	const char	*k;
	json_t		*v;

	fprintf(f, "  %-12s", title);
	json_object_foreach(o, k, v)
		if (json_integer_value(v) != 0)
			fprintf(f, " %s %lld", k, (long long)json_integer_value(v));
	fputc('\n', f);
}

static void
view_progress(struct view *v)
{
	const struct demo	*d = v->d;
	unsigned		 done = (unsigned)(d->n.orders * 40 / DEMO_ORDERS);

	printf("\r\033[Kloading orders [%.*s%*s] %u/%u orders, %llu events",
	    (int)done, "########################################",
	    (int)(40 - done), "", (unsigned)d->n.orders, (unsigned)DEMO_ORDERS,
	    (unsigned long long)(d->n.order_events + d->n.logistics_events));
	fflush(stdout);
}

static void
view_draw(struct view *v)
{
	const struct demo	*d = v->d;
	json_t			*t = v->totals, *sla;
	char			*text = NULL;
	size_t			 len = 0;
	FILE			*f = open_memstream(&text, &len);
	unsigned		 i, lines = 0;

	sla = json_object_get(json_object_get(t, "sla"), "by_clock");
	fprintf(f, "cdp-demo  %llds  filed %llu (+%lld proactive)  "
	    "%.0f events/s\n", (long long)(meta_now_ms() - d->start_ms) / 1000,
	    (unsigned long long)view_filed(d),
	    (long long)view_int(t, "volume.proactive"), v->rate);
	view_pairs(f, "status", json_object_get(v->backlog, "by_status"));
	view_pairs(f, "category", json_object_get(json_object_get(t,
	    "volume"), "by_category"));
	view_pairs(f, "channel", json_object_get(json_object_get(t,
	    "volume"), "by_channel"));
	fprintf(f, "  %-12s met %lld  breached %lld  warnings %lld\n", "SLA",
	    (long long)view_sum(sla, "met"),
	    (long long)view_sum(sla, "breached"),
	    (long long)view_sum(sla, "warnings"));
	fprintf(f, "  %-12s coupons %lld  escalations %lld  penalties %lld  "
	    "standing changes %lld  restricted %llu  appeals %llu\n", "outcomes",
	    (long long)view_int(t, "compensation.count"),
	    (long long)view_int(t, "escalations"),
	    (long long)view_int(t, "penalties"),
	    (long long)view_int(t, "standing_changes"),
	    (unsigned long long)d->n.restricted,
	    (unsigned long long)d->n.appeals);
	fprintf(f, "  %-12s delivered %llu  retried %llu (webhooks %llu/%llu, "
	    "sms+email %llu/%llu)\n", "notified",
	    (unsigned long long)(d->n.webhooks + d->n.messages),
	    (unsigned long long)(d->n.webhooks_retried +
	    d->n.messages_retried), (unsigned long long)d->n.webhooks,
	    (unsigned long long)d->n.webhooks_retried,
	    (unsigned long long)d->n.messages,
	    (unsigned long long)d->n.messages_retried);
	fclose(f);
	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (v->tty) {
		if (v->lines > 0)
			printf("\033[%uA", v->lines);
		for (char *p = text, *nl; (nl = strchr(p, '\n')) != NULL;
		    p = nl + 1)
			printf("\r\033[K%.*s\n", (int)(nl - p), p);
	} else
		fputs(text, stdout);
	fflush(stdout);
	v->lines = lines;
	free(text);
}

static void
view_tick(evutil_socket_t fd, short what, void *arg)
{
	struct view	*v = arg;
	struct timeval	 tv = { VIEW_TICK_MS / 1000, 0 };

	(void)fd;
	(void)what;
	evtimer_add(v->tick, &tv);
	v->ticks++;
	if (!v->d->loaded) {
		if (v->tty)
			view_progress(v);
		return;
	}
	view_fetch(v);
	if (v->tty && v->lines == 0)
		printf("\n");
	if (v->tty || v->ticks % VIEW_PLAIN_EVERY == 0)
		view_draw(v);
}

struct view *
view_new(struct demo *d)
{
	struct view	*v = xcalloc(1, sizeof(*v));
	struct timeval	 tv = { 0, 0 };

	v->d = d;
	v->tty = isatty(STDOUT_FILENO);
	v->tick = evtimer_new(d->base, view_tick, v);
	evtimer_add(v->tick, &tv);
	return v;
}

struct kind {
	const char	*name;
	long long	 n;
};

/* The final report; 0 when every kind happened, 1 when one did not. */
int
view_report(struct view *v)
{
	const struct demo	*d = v->d;
	json_t			*t, *sla;
	const char		*missing = NULL;
	size_t			 i;
	int			 ch;

	view_fetch(v);
	t = v->totals;
	sla = json_object_get(json_object_get(t, "sla"), "by_clock");
	struct kind kinds[] = {
		{ "filed", (long long)view_filed(d) },
		{ "classified", view_sum(json_object_get(json_object_get(t,
		    "volume"), "by_category"), NULL) },
		{ "urgent", view_int(t, "volume.by_severity.urgent") },
		{ "group", (long long)d->n.group },
		{ "out of scope", view_int(t, "volume.out_of_scope") },
		{ "proactive", view_int(t, "volume.proactive") },
		{ "warnings", view_sum(sla, "warnings") },
		{ "breaches", view_sum(sla, "breached") },
		{ "coupons", view_int(t, "compensation.count") },
		{ "escalations", view_int(t, "escalations") },
		{ "penalties", view_int(t, "penalties") },
		{ "restrictions", (long long)d->n.restricted },
		{ "appeals", (long long)d->n.appeals },
		{ "notifications delivered", (long long)(d->n.webhooks +
		    d->n.messages) },
		{ "notifications retried", (long long)(d->n.webhooks_retried +
		    d->n.messages_retried) },
	};

	if (v->tty && !d->loaded)
		printf("\n");
	printf("\ncdp-demo report (%llds, seed %llu)\n",
	    (long long)(meta_now_ms() - d->start_ms) / 1000,
	    (unsigned long long)d->o.seed);
	printf("  orders %llu, order events %llu, logistics events %llu, "
	    "lost parcels %llu\n", (unsigned long long)d->n.orders,
	    (unsigned long long)d->n.order_events,
	    (unsigned long long)d->n.logistics_events,
	    (unsigned long long)d->n.logistics_failures);
	printf("  filed per channel:");
	for (ch = 0; ch < MIX_CHANNELS; ch++) {
		printf(" %s %llu", mix_channel_name(ch),
		    (unsigned long long)d->n.filed[ch]);
		if (d->n.filed[ch] == 0 && missing == NULL)
			missing = mix_channel_name(ch);
	}
	printf("\n  in Chinese %llu, urgent filed %llu, 12315 %llu, high value "
	    "%llu, actions %llu (%llu refused), not carried out %llu, "
	    "appeals upheld %llu, bad signatures %llu\n",
	    (unsigned long long)d->n.chinese, (unsigned long long)d->n.urgent,
	    (unsigned long long)d->n.mentions_12315,
	    (unsigned long long)d->n.high_value,
	    (unsigned long long)d->n.actions,
	    (unsigned long long)d->n.actions_refused,
	    (unsigned long long)d->n.not_carried_out,
	    (unsigned long long)d->n.appeals_upheld,
	    (unsigned long long)d->n.webhooks_bad_signature);
	for (i = 0; i < nitems(kinds); i++) {
		printf("  %-24s %6lld%s\n", kinds[i].name, kinds[i].n,
		    kinds[i].n > 0 ? "" : "  <- never happened");
		if (kinds[i].n <= 0 && missing == NULL)
			missing = kinds[i].name;
	}
	printf("dashboard: %s/\n", d->o.analytics);
	if (missing != NULL) {
		printf("cdp-demo: not every kind of event happened (first "
		    "missing: %s)\n", missing);
		return 1;
	}
	return 0;
}

void
view_free(struct view *v)
{
	if (v == NULL)
		return;
	event_free(v->tick);
	json_decref(v->totals);
	json_decref(v->backlog);
	free(v);
}
