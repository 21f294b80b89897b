// SPDX-License-Identifier: GPL-2.0
/* ptwatchd: the fleet service. Parses the command line and runs the loop. */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ptwatch.h"
#include "config.h"
#include "loop.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ptwatchd [--config FILE] [--socket PATH]\n"
		"       ptwatchd --check-config [FILE]\n\n"
		"  -c, --config FILE     config file (default " D_CONFIG_PATH
		")\n"
		"  -s, --socket PATH     query socket (overrides [daemon] socket)\n"
		"  -t, --check-config    validate the config and exit\n"
		"  -h, --help            this help\n"
		"  -V, --version         print the version\n\n"
		"exit codes: 0 success, 1 runtime failure, 2 bad command line or "
		"config,\n"
		"  7 another ptwatchd already answers on the socket\n");
}

/* The default path may be missing (built-in defaults apply); an explicit
 * --config that cannot be read is an error. */
static int load(const char *path, bool explicit, struct d_config *cfg,
		const char **used)
{
	char err[512];

	d_config_defaults(cfg);
	*used = path;
	if (!explicit && access(path, F_OK)) {
		*used = NULL;
		return 0;
	}
	if (d_config_load(path, cfg, err, sizeof(err))) {
		fprintf(stderr, "ptwatchd: bad config: %s\n", err);
		return PTW_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct d_options o = { 0 };
	const char *path = D_CONFIG_PATH;
	bool explicit = false, check = false;
	static struct d_config cfg;
	int c, rc;

	opterr = 0; /* one line of ours, not getopt's and the usage */
	while ((c = getopt_long(argc, argv, "c:s:thV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			explicit = true;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return PTW_OK;
		case 'V':
			printf("ptwatchd %s\n", PTW_VERSION);
			return PTW_OK;
		default:
			fprintf(stderr,
				"ptwatchd: unknown or incomplete option '%s' "
				"(try --help)\n",
				argv[optind - 1]);
			return PTW_USAGE;
		}
	}
	/* --check-config FILE */
	if (check && optind < argc) {
		path = argv[optind++];
		explicit = true;
	}
	if (optind < argc) {
		fprintf(stderr, "ptwatchd: unexpected argument '%s'\n",
			argv[optind]);
		return PTW_USAGE;
	}
	rc = load(path, explicit || check, &cfg, &o.config_path);
	if (rc)
		return rc;
	if (check) {
		if (d_config_warning(&cfg))
			fprintf(stderr, "ptwatchd: warning: %s: %s\n", path,
				d_config_warning(&cfg));
		printf("%s: ok\n", path);
		return PTW_OK;
	}
	d_options_apply(&o, &cfg);
	/* a long-running daemon: big per-sample buffers go back to the
	 * kernel when freed instead of staying in the heap */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	return d_run(&o, &cfg);
}
