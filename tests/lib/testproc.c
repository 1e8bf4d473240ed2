#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "meta.h"
#include "testhttp.h"
#include "testproc.h"
#include "xmalloc.h"

/* A port nobody listens on now (the kernel's choice of an ephemeral one). */
int
testproc_free_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		fatal("testproc: no free port");
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static pid_t	testproc_start(const char *, const char *const *, const char *,
		    const char *);

/*
 * Starts $CDP_BUILD_DIR/services/<daemon>/<daemon> in the source tree with
 * the test environment plus env ("NAME=value" strings, NULL-terminated).
 */
pid_t
testproc_spawn(const char *daemon, const char *const *env)
{
	return testproc_start(daemon, env, NULL, NULL);
}

/* The same, with one command-line argument ("--recompute"). */
pid_t
testproc_spawn_arg(const char *daemon, const char *const *env, const char *arg)
{
	return testproc_start(daemon, env, NULL, arg);
}

/* The same, with the daemon's standard error (its log) into stderr_path. */
pid_t
testproc_spawn_logged(const char *daemon, const char *const *env,
    const char *stderr_path)
{
	return testproc_start(daemon, env, stderr_path, NULL);
}

/*
 * Runs a daemon that is expected to stop by itself (a start-up error),
 * its standard error into stderr_path; returns its exit status, or -1 if
 * it had to be killed after timeout_ms.
 */
int
testproc_run(const char *daemon, const char *const *env,
    const char *stderr_path, int timeout_ms)
{
	pid_t	pid = testproc_start(daemon, env, stderr_path, NULL);
	int	status, waited;

	timeout_ms = testproc_scale_ms(timeout_ms);
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(20000);
	}
	testproc_kill(pid);
	return -1;
}

/*
 * Where a second name of a daemon's log goes, so the log outlives the test
 * that unlinks it: tests/security/secrets_scan.py reads every log of a
 * test run from CDP_TEST_LOG_DIR (./dev test sets it). NULL: not kept.
 */
static char *
kept_log_path(const char *daemon)
{
	static int	 n;
	const char	*dir = getenv("CDP_TEST_LOG_DIR");

	if (dir == NULL || *dir == '\0' ||
	    (mkdir(dir, 0755) == -1 && errno != EEXIST))
		return NULL;
	return xasprintf("%s/%s-%d-%d.log", dir, daemon, (int)getpid(), n++);
}

/*
 * CDP_TEST_TIME_SCALE (./dev valgrind sets it): daemons under valgrind run
 * 20 to 50 times slower, so every wait of the harness is multiplied by it.
 */
int
testproc_scale_ms(int ms)
{
	const char	*s = getenv("CDP_TEST_TIME_SCALE");
	long		 scale = s != NULL ? strtol(s, NULL, 10) : 1;

	if (scale < 1 || scale > 100)
		scale = 1;
	return ms > INT_MAX / (int)scale ? INT_MAX : ms * (int)scale;
}

/*
 * The daemon's command: path and arg, behind the words of CDP_TEST_WRAPPER
 * when it is set (./dev valgrind: "valgrind --tool=memcheck ..."). The
 * words are split on spaces; none of them may contain one.
 */
static char **
daemon_argv(const char *path, const char *daemon, const char *arg)
{
	const char	*wrapper = getenv("CDP_TEST_WRAPPER");
	char		*words, *w, *save = NULL, **argv;
	size_t		 n = 0;

	argv = xcalloc(3 + (wrapper != NULL ? strlen(wrapper) : 0),
	    sizeof(*argv));
	if (wrapper != NULL) {
		words = xstrdup(wrapper);
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
	}
	argv[n] = n == 0 ? (char *)daemon : (char *)path;
	n++;
	if (arg != NULL)
		argv[n++] = (char *)arg;
	argv[n] = NULL;
	return argv;
}

/* Whether env sets name ("NAME="). */
static bool
testproc_sets(const char *const *env, const char *name)
{
	size_t	i, len = strlen(name);

	for (i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, len) == 0)
			return true;
	return false;
}

/*
 * In the child: env on top of the test environment. With a sharded test
 * Redis (CDP_TEST_REDIS_SHARDS=N ./dev test puts its list in
 * CDP_TEST_REDIS_ADDRS), a daemon gets REDIS_ADDRS instead of REDIS_ADDR,
 * unless the test gives it a Redis of its own (REDIS_ADDR or REDIS_ADDRS
 * in env, which then replaces the inherited one of the other name).
 */
static void
testproc_env(const char *const *env)
{
	const char	*addrs = getenv("CDP_TEST_REDIS_ADDRS");
	bool		 one = testproc_sets(env, "REDIS_ADDR=");
	bool		 list = testproc_sets(env, "REDIS_ADDRS=");
	size_t		 i;

	if (!one && !list && addrs != NULL && strchr(addrs, ',') != NULL) {
		unsetenv("REDIS_ADDR");
		setenv("REDIS_ADDRS", addrs, 1);
	} else if (one && !list)
		unsetenv("REDIS_ADDRS");
	else if (list && !one)
		unsetenv("REDIS_ADDR");
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv((char *)env[i]);
}

static pid_t
testproc_start(const char *daemon, const char *const *env,
    const char *stderr_path, const char *arg)
{
	int		 fd;
	const char	*build = getenv("CDP_BUILD_DIR");
	const char	*src = getenv("CDP_SOURCE_DIR");
	char		*path, *kept = NULL, **argv;
	pid_t		 pid;

	if (build == NULL || src == NULL)
		fatalx("testproc: CDP_BUILD_DIR and CDP_SOURCE_DIR must be set");
	path = xasprintf("%s/services/%s/%s", build, daemon, daemon);
	if (stderr_path != NULL)
		kept = kept_log_path(daemon);
	if ((pid = fork()) == -1)
		fatal("testproc: fork");
	if (pid == 0) {
		/*
		 * The daemon dies with the test, even one that failed before
		 * stopping it, and holds none of the test's descriptors (such
		 * as ./dev test's lock).
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (stderr_path != NULL && ((fd = open(stderr_path,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
		    dup2(fd, STDERR_FILENO) == -1))
			_exit(125);
		if (kept != NULL)
			(void)link(stderr_path, kept);
		closefrom(3);
		if (chdir(src) == -1)
			_exit(126);
		testproc_env(env);
		/* A wrapper's log can be named after it: %q{CDP_TEST_DAEMON}. */
		setenv("CDP_TEST_DAEMON", daemon, 1);
		argv = daemon_argv(path, daemon, arg);
		if (argv[0] == daemon)
			execv(path, argv);
		else
			execvp(argv[0], argv);
		_exit(127);
	}
	free(path);
	free(kept);
	return pid;
}

/* Polls GET path until it answers want_status or timeout_ms pass. */
bool
testproc_wait_http(int port, const char *path, int want_status,
    int timeout_ms)
{
	struct testhttp_response	r;
	int64_t				deadline;
	char				last[512] = "no answer";

	deadline = meta_now_ms() + testproc_scale_ms(timeout_ms);
	while (meta_now_ms() < deadline) {
		if (testhttp_request(port, "GET", path, NULL, NULL, &r) == 0) {
			if (r.status == want_status) {
				testhttp_free(&r);
				return true;
			}
			snprintf(last, sizeof(last), "%d %s", r.status,
			    r.body != NULL ? r.body : "");
			testhttp_free(&r);
		}
		usleep(50000);
	}
	/* What the daemon last said (a /readyz names the check that fails). */
	log_warnx("testproc: port %d %s not %d within %d ms; last: %s", port,
	    path, want_status, testproc_scale_ms(timeout_ms), last);
	return false;
}

/* SIGTERM, then waits; returns the exit status, or -1 if it had to kill. */
int
testproc_stop(pid_t pid, int timeout_ms)
{
	int	status, waited;

	if (pid <= 0)	/* never started: kill() would signal our group */
		return 0;
	kill(pid, SIGTERM);
	timeout_ms = testproc_scale_ms(timeout_ms);
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(20000);
	}
	/* Said, as ./dev valgrind cannot check the leaks of a killed daemon. */
	log_warnx("testproc: pid %d did not stop within %d ms of SIGTERM; "
	    "killed", (int)pid, timeout_ms);
	testproc_kill(pid);
	return -1;
}

void
testproc_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * Starts a daemon the way the stack runs it: its HTTP and admin servers on
 * free ports, a stable INSTANCE_ID of "<daemon>-<instance>", dev mode, and
 * waits up to ready_ms for /readyz. The admin port goes to *admin_port;
 * -1 when the daemon did not become ready (it is stopped again).
 */
pid_t
testproc_start_ready(const char *daemon, const char *instance,
    int *admin_port, int ready_ms)
{
	char	*listen, *admin, *id;
	pid_t	 pid;

	*admin_port = testproc_free_port();
	listen = xasprintf("HTTP_LISTEN=127.0.0.1:%d", testproc_free_port());
	admin = xasprintf("ADMIN_LISTEN=127.0.0.1:%d", *admin_port);
	id = xasprintf("INSTANCE_ID=%s-%s", daemon, instance);
	{
		/* Dev mode: intake reads the repository's dev keys. */
		const char *env[] = { listen, admin, id, "LOG_LEVEL=warn",
		    "CDP_DEV_MODE=1", NULL };

		pid = testproc_spawn(daemon, env);
	}
	free(listen);
	free(admin);
	free(id);
	if (!testproc_wait_http(*admin_port, "/readyz", 200, ready_ms)) {
		testproc_kill(pid);
		return -1;
	}
	return pid;
}

/*
 * Keeps what a running daemon's /metrics (on its admin port) answers now
 * beside the kept logs, so the secrets scan reads the metrics of the run
 * too. Nothing without CDP_TEST_LOG_DIR or an answer.
 */
void
testproc_keep_metrics(const char *daemon, int admin_port)
{
	struct testhttp_response	 r;
	char				*path, *name;
	FILE				*f;

	name = xasprintf("%s-metrics", daemon);
	path = kept_log_path(name);
	free(name);
	if (path == NULL)
		return;
	if (testhttp_request(admin_port, "GET", "/metrics", NULL, NULL,
	    &r) == 0) {
		if (r.status == 200 && r.body != NULL &&
		    (f = fopen(path, "w")) != NULL) {
			fputs(r.body, f);
			fclose(f);
		}
		testhttp_free(&r);
	}
	free(path);
}
