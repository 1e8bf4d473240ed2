/*
 * kafka_conf_security: the transport settings of the environment reach
 * librdkafka under its names, a value librdkafka refuses is named by its
 * variable (never echoing the value), and a SASL_SSL client with SCRAM
 * is accepted by librdkafka as far as creating the handle, which loads
 * the CA file; a CA file that does not exist is refused there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kafka.h"

#define CA_FILE	"/etc/ssl/certs/ca-certificates.crt"

static const char *const vars[] = {
	"KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM",
	"KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_SSL_CA_LOCATION",
};

static int
clear_env(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	return 0;
}

static void
sasl_ssl_env(const char *ca)
{
	setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", 1);
	setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", 1);
	setenv("KAFKA_SASL_USERNAME", "cdp-intake", 1);
	setenv("KAFKA_SASL_PASSWORD", "s3cret-kafka-pw", 1);
	setenv("KAFKA_SSL_CA_LOCATION", ca, 1);
}

static void
assert_conf(rd_kafka_conf_t *conf, const char *name, const char *want)
{
	char	buf[512];
	size_t	n = sizeof(buf);

	assert_int_equal(rd_kafka_conf_get(conf, name, buf, &n),
	    RD_KAFKA_CONF_OK);
	assert_string_equal(buf, want);
}

static void
test_settings_reach_librdkafka(void **state)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	char		 err[512];

	sasl_ssl_env(CA_FILE);
	assert_int_equal(kafka_conf_security(conf, err, sizeof(err)), 0);
	assert_conf(conf, "security.protocol", "sasl_ssl");
	assert_conf(conf, "sasl.mechanisms", "SCRAM-SHA-512");
	assert_conf(conf, "sasl.username", "cdp-intake");
	assert_conf(conf, "ssl.ca.location", CA_FILE);
	rd_kafka_conf_destroy(conf);
}

static void
test_unset_settings_keep_plaintext(void **state)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	char		 err[512];

	assert_int_equal(kafka_conf_security(conf, err, sizeof(err)), 0);
	assert_conf(conf, "security.protocol", "plaintext");
	rd_kafka_conf_destroy(conf);
}

static void
test_a_refused_value_names_the_variable(void **state)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	char		 err[512];

	setenv("KAFKA_SECURITY_PROTOCOL", "carrier-pigeon", 1);
	assert_int_equal(kafka_conf_security(conf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "KAFKA_SECURITY_PROTOCOL"));
	rd_kafka_conf_destroy(conf);
}

/* Creating the handle loads the CA and checks the SASL mechanism. */
static void
test_librdkafka_accepts_sasl_ssl(void **state)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 err[512];

	sasl_ssl_env(CA_FILE);
	assert_int_equal(kafka_conf_security(conf, err, sizeof(err)), 0);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL)
		fail_msg("rd_kafka_new: %s", err);
	rd_kafka_destroy(rk);
}

static void
test_a_missing_ca_file_is_refused(void **state)
{
	rd_kafka_conf_t	*conf = rd_kafka_conf_new();
	rd_kafka_t	*rk;
	char		 err[512];

	sasl_ssl_env("/nonexistent/ca.pem");
	if (kafka_conf_security(conf, err, sizeof(err)) == -1) {
		rd_kafka_conf_destroy(conf);
		return;		/* refused already when set */
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	assert_null(rk);
	assert_null(strstr(err, "s3cret-kafka-pw"));
	rd_kafka_conf_destroy(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_settings_reach_librdkafka,
		    clear_env),
		cmocka_unit_test_setup(test_unset_settings_keep_plaintext,
		    clear_env),
		cmocka_unit_test_setup(test_a_refused_value_names_the_variable,
		    clear_env),
		cmocka_unit_test_setup(test_librdkafka_accepts_sasl_ssl,
		    clear_env),
		cmocka_unit_test_setup(test_a_missing_ca_file_is_refused,
		    clear_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
