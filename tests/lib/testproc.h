/*
 * Daemons under test run as real processes: spawned with their environment,
 * waited for until /healthz answers, stopped with SIGTERM (or killed).
 * ./dev valgrind sets CDP_TEST_WRAPPER, the words put in front of every
 * daemon's command, and CDP_TEST_TIME_SCALE, which testproc_scale_ms()
 * applies to every wait of the harness.
 */
#ifndef CDP_TESTPROC_H
#define CDP_TESTPROC_H

#include <stdbool.h>
#include <sys/types.h>

int	testproc_free_port(void);
int	testproc_scale_ms(int ms);
pid_t	testproc_spawn(const char *daemon, const char *const *env);
pid_t	testproc_spawn_arg(const char *daemon, const char *const *env,
	    const char *arg);
pid_t	testproc_spawn_logged(const char *daemon, const char *const *env,
	    const char *stderr_path);
bool	testproc_wait_http(int port, const char *path, int want_status,
	    int timeout_ms);
int	testproc_stop(pid_t pid, int timeout_ms);
int	testproc_run(const char *daemon, const char *const *env,
	    const char *stderr_path, int timeout_ms);
void	testproc_kill(pid_t pid);
void	testproc_keep_metrics(const char *daemon, int admin_port);
pid_t	testproc_start_ready(const char *daemon, const char *instance,
	    int *admin_port, int ready_ms);

#endif
