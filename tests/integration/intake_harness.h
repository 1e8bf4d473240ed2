/*
 * What the intake integration tests share: an intake process in dev mode
 * on a free port with a key file of the dev keys plus a slow key, and
 * requests with those keys.
 */
#ifndef CDP_INTAKE_HARNESS_H
#define CDP_INTAKE_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "testhttp.h"

/*
 * A test key is its name after this prefix ("dev-app" is presented as
 * "Bearer cdp-testkey-dev-app"), so a key can be told from its name, which
 * logs and events carry: tests/security/secrets_scan.py fails a test run
 * in whose logs the prefix appears.
 */
#define INTAKE_KEY_PREFIX	"cdp-testkey-"

struct intake_proc {
	pid_t	 pid;
	int	 port;
	int	 admin_port;	/* /readyz, /metrics */
	char	 keys_file[64];
};

void	intake_start(struct intake_proc *p, const char *publish_timeout_ms);
void	intake_start_with(struct intake_proc *p,
	    const char *publish_timeout_ms, const char *const *own,
	    const char *log);
void	intake_stop(struct intake_proc *p);
int	intake_call(struct intake_proc *p, const char *method,
	    const char *path, const char *key, const char *idem,
	    const char *body, struct testhttp_response *r);
char	*intake_file(struct intake_proc *p, const char *key,
	    const char *body);
json_t	*intake_wait_view(struct intake_proc *p, const char *key,
	    const char *id, const char *status, int timeout_ms);
char	*intake_file_received(struct intake_proc *p, const char *key,
	    const char *body);
void	intake_act(struct intake_proc *p, const char *id, const char *body,
	    const char *status);

#endif
