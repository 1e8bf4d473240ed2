/*
 * cdp-demo: plays a marketplace's complaint desk against the running
 * platform and shows what it does (docs/demo.md). ./dev run starts it.
 *
 *   cdp-demo [--for SECONDS] [--seed N]
 *
 * Exit 0 when every kind of event the demo is meant to show happened, 1
 * when one never did (or the demo could not start), 2 on a bad option.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "log.h"
#include "meta.h"

static void
usage(void)
{
	fprintf(stderr, "usage: cdp-demo [--for SECONDS] [--seed N]\n");
	exit(2);
}

static unsigned long long
number(const char *opt, const char *s, unsigned long long max)
{
	unsigned long long	 n;
	char			*end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || n > max) {
		fprintf(stderr, "cdp-demo: %s: '%s' is not a number from 0 to "
		    "%llu\n", opt, s, max);
		usage();
	}
	return n;
}

static const char *
env_or(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : def;
}

static void
options(int argc, char **argv, struct demo_opts *o)
{
	static const struct option longs[] = {
		{ "for", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	o->seed = 13;
	o->intake = env_or("DEMO_INTAKE_URL", "http://127.0.0.1:8080");
	o->analytics = env_or("DEMO_ANALYTICS_URL", "http://127.0.0.1:8090");
	o->brokers = env_or("KAFKA_BROKERS", "127.0.0.1:9092");
	o->merchant_listen = "127.0.0.1:8098";
	o->provider_listen = "127.0.0.1:8099";
	o->provider_secret = env_or("NOTIFIER_PROVIDER_SECRET",
	    "dev-provider-secret-0001");
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->for_s = (unsigned)number("--for", optarg, 86400);
			break;
		case 's':
			o->seed = number("--seed", optarg, UINT64_MAX);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

static void
stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct demo	 d = { 0 };
	struct event	*sigint, *sigterm, *end = NULL;
	struct timeval	 tv = { 0, 0 };
	int		 rc = 1;

	options(argc, argv, &d.o);
	log_init("cdp-demo", LOG_LEVEL_WARN);
	signal(SIGPIPE, SIG_IGN);
	mix_seed(&d.rng, d.o.seed);
	d.start_ms = meta_now_ms();
	if ((d.base = event_base_new()) == NULL || api_init() == -1)
		fatalx("cdp-demo: cannot set up libevent or libcurl");
	sigint = evsignal_new(d.base, SIGINT, stop, d.base);
	sigterm = evsignal_new(d.base, SIGTERM, stop, d.base);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	if (d.o.for_s > 0) {
		tv.tv_sec = d.o.for_s;
		end = evtimer_new(d.base, stop, d.base);
		evtimer_add(end, &tv);
	}
	if ((d.recv = recv_new(&d)) == NULL ||
	    (d.market = market_new(&d)) == NULL)
		goto done;
	d.story = story_new(&d);
	d.view = view_new(&d);
	event_base_dispatch(d.base);
	rc = view_report(d.view);
done:
	view_free(d.view);
	story_free(d.story);
	market_free(d.market);
	recv_free(d.recv);
	if (end != NULL)
		event_free(end);
	event_free(sigint);
	event_free(sigterm);
	api_free();
	event_base_free(d.base);
	return rc;
}
