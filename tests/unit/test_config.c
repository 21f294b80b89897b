// SPDX-License-Identifier: GPL-2.0
/* ptwatchd's config parser: the shipped file, errors that name file, line
 * and key, and a bad file that leaves the running config untouched. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/config.h"
#include "fixture.h"

#define SHIPPED FIXTURES "/../../configs/ptwatchd.conf"

static char dir[64];

/* The config file of this test, replaced by each call. */
static const char *write_conf(const char *text)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/ptwatchd.conf", dir);
	fixture_write(NULL, p, text);
	return p;
}

static int setup(void **state)
{
	(void)state;
	fixture_tmpdir(dir, sizeof(dir), "ptw-conf");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return fixture_rmtree(dir);
}

static void shipped_config_equals_the_defaults(void **state)
{
	struct d_config a, b;
	char err[512];

	(void)state;
	d_config_defaults(&a);
	d_config_defaults(&b);
	assert_int_equal(d_config_load(SHIPPED, &a, err, sizeof(err)), 0);
	/* every key in the shipped file shows its default */
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.reclaim.dry_run);
	assert_int_equal(a.interval_ms, 10000);
}

static void values_and_units_parse(void **state)
{
	struct d_config c;
	char err[512];
	const char *p =
		write_conf("[daemon]\ninterval = 250ms\nbpf = no\n"
			   "[metrics]\nlisten = [::1]:9417\n"
			   "[reclaim]\nmin_interval = 5m\ndry_run = off\n"
			   "on_waste_percent = 2.5 ; inline comment\n");

	(void)state;
	d_config_defaults(&c);
	assert_int_equal(d_config_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.interval_ms, 250);
	assert_false(c.bpf);
	assert_string_equal(c.listen, "[::1]:9417");
	assert_int_equal(c.reclaim.min_interval, 300);
	assert_false(c.reclaim.dry_run);
	assert_true(c.reclaim.on_threshold == 2.5);
}

static void expect_error(const char *text, const char *want)
{
	struct d_config c, before;
	char err[512], full[600];
	const char *p = write_conf(text);

	d_config_defaults(&c);
	before = c;
	assert_int_equal(d_config_load(p, &c, err, sizeof(err)), -1);
	snprintf(full, sizeof(full), "%s%s", p, want);
	if (!strstr(err, full)) {
		print_error("got '%s', want '%s'\n", err, full);
		fail();
	}
	/* nothing of the bad file was applied */
	assert_memory_equal(&c, &before, sizeof(c));
}

static void errors_name_file_line_and_key(void **state)
{
	(void)state;
	expect_error("[daemon]\n\ninterval = soon\n",
		     ":3: [daemon] interval: expected a duration");
	expect_error("[reclaim]\nmode = auto\nmoed = on\n",
		     ":3: [reclaim] moed: unknown key");
	expect_error("[reclaim]\ndry_run = perhaps\n",
		     ":2: [reclaim] dry_run: expected yes or no");
	expect_error("[metrics]\nlisten = 0.0.0.0:9417\n",
		     ":2: [metrics] listen: expected a loopback");
	expect_error("[daemon]\ninterval = 10ms\n", ":2: [daemon] interval:");
	expect_error("[reclaim\nmode = on\n", ":1: syntax error");
	expect_error("[reclaim]\non_waste_percent = 1\noff_waste_percent = 2\n",
		     ": [reclaim] off threshold is above the on threshold");
}

static void missing_file_is_an_error(void **state)
{
	struct d_config c;
	char err[512];

	(void)state;
	d_config_defaults(&c);
	assert_int_equal(d_config_load("/nonexistent/ptwatchd.conf", &c, err,
				       sizeof(err)),
			 -1);
	assert_non_null(
		strstr(err, "/nonexistent/ptwatchd.conf: No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_config_equals_the_defaults),
		cmocka_unit_test(values_and_units_parse),
		cmocka_unit_test(errors_name_file_line_and_key),
		cmocka_unit_test(missing_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
