/*
 * cdp-chaos: the program half of ./dev chaos (docs/reliability.md).
 *
 *	cdp-chaos file -u URL [-u URL...] -k KEY -r RATE -s SECONDS
 *	    [--seed N] -o FILE
 *	cdp-chaos recv -l HOST:PORT
 *	cdp-chaos verdict -b BROKERS -a FILE -u URL -k KEY [--due-before-ms N]
 *	    [--late-ms N]
 *
 * file files complaints at RATE a second for SECONDS, writing every
 * accepted one to FILE; recv answers the notifier; verdict prints the
 * run's one line and exits 1 when anything was lost, applied twice or
 * missed, 0 otherwise, 2 on wrong usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chaos.h"
#include "meta.h"
#include "timefmt.h"

#define EXIT_USAGE		2
#define DEFAULT_DUE_BEFORE_MS	15000	/* clocks due since may still run */
#define DEFAULT_LATE_MS		5000

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
	    "usage: cdp-chaos file -u URL [-u URL...] -k KEY -r RATE"
	    " -s SECONDS [--seed N] -o FILE\n"
	    "       cdp-chaos recv -l HOST:PORT\n"
	    "       cdp-chaos verdict -b BROKERS -a FILE -u URL -k KEY"
	    " [--due-before-ms N] [--late-ms N]\n");
	exit(EXIT_USAGE);
}

static int
cmd_file(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "seed", required_argument, NULL, 'S' }, { NULL, 0, NULL, 0 }
	};
	struct file_opts		 o = { .rate = 0 };
	int				 ch;

	while ((ch = getopt_long(argc, argv, "u:k:r:s:o:", opts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'u':
			if (o.nurls == sizeof(o.urls) / sizeof(o.urls[0]))
				usage();
			o.urls[o.nurls++] = optarg;
			break;
		case 'k': o.key = optarg; break;
		case 'r': o.rate = atof(optarg); break;
		case 's': o.seconds = (unsigned)atoi(optarg); break;
		case 'o': o.out = optarg; break;
		case 'S': o.seed = strtoull(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (o.nurls == 0 || o.key == NULL || o.out == NULL || o.rate <= 0 ||
	    o.seconds == 0)
		usage();
	return file_run(&o);
}

static void
print_lost(void *arg, const char *complaint, const char *why)
{
	fprintf(stderr, "cdp-chaos: lost %s: %s\n", complaint, why);
}

/* One line per late breach: when it fell due (UTC) and how late it came. */
static void
print_late(void *arg, const char *complaint, const char *clock,
    int64_t due_ms, int64_t lag_ms)
{
	char	due[32];

	timefmt_rfc3339(due_ms, due, sizeof(due));
	fprintf(stderr, "cdp-chaos: late %s clock %s due %s by %.1f s\n",
	    complaint, clock, due, lag_ms / 1000.0);
}

static int
cmd_verdict(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "due-before-ms", required_argument, NULL, 'D' },
		{ "late-ms", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*brokers = NULL, *accepted = NULL, *url = NULL;
	const char	*key = NULL;
	int64_t		 due_before = DEFAULT_DUE_BEFORE_MS;
	int64_t		 late = DEFAULT_LATE_MS, cutoff;
	struct collect	 c = { NULL, 0, 0, NULL, 0, 0 };
	struct verdict	 v;
	char		 line[256];
	int		 ch;

	while ((ch = getopt_long(argc, argv, "b:a:u:k:", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': brokers = optarg; break;
		case 'a': accepted = optarg; break;
		case 'u': url = optarg; break;
		case 'k': key = optarg; break;
		case 'D': due_before = atoll(optarg); break;
		case 'L': late = atoll(optarg); break;
		default: usage();
		}
	}
	if (brokers == NULL || accepted == NULL || url == NULL || key == NULL)
		usage();
	cutoff = meta_now_ms() - due_before;
	if (collect_accepted(&c, accepted) == -1 ||
	    collect_views(&c, url, key) == -1 || collect_log(&c, brokers) == -1)
		return 1;
	verdict_compute(c.obs, c.n, cutoff, late, &v,
	    &(struct verdict_listener){ print_lost, print_late, NULL });
	verdict_line(&v, line, sizeof(line));
	printf("%s\n", line);
	collect_free(&c);
	return verdict_failed(&v) ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "file") == 0)
		return cmd_file(argc - 1, argv + 1);
	if (strcmp(argv[1], "recv") == 0 && argc == 4 &&
	    strcmp(argv[2], "-l") == 0)
		return recv_run(argv[3]);
	if (strcmp(argv[1], "verdict") == 0)
		return cmd_verdict(argc - 1, argv + 1);
	usage();
}
