/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet agent` options: turns the command line into the loop's settings
 * and refuses bad input with a message that says what to type instead
 * (exit status 2), so an operator never finds out about a typo from a
 * daemon that misbehaves later. Defaults come from this host: all online
 * CPUs, all physical memory, no GPUs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/loop.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "hpcnet/adapter.h"
#include "hpcnet/error.h"

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: hpcnet agent --hub URL --workdir DIR [options]\n"
		"\n"
		"Runs this center's agent: dials out to the hub, takes jobs dispatched to the\n"
		"center, runs them through an adapter and reports back. Stop it with SIGTERM;\n"
		"running jobs keep running and are picked up at the next start.\n"
		"\n"
		"  --hub URL          the hub, e.g. https://hub.example.org (required)\n"
		"  --workdir DIR      journal, credential and job files (required; created 0700)\n"
		"  --join-token T     first start only: the token from `hpcnet centers join-token\n"
		"                     NAME` (or set HPCNET_JOIN_TOKEN); ignored once joined\n"
		"  --rejoin           forget the saved credential and join again with\n"
		"                     --join-token (jobs in the journal are kept)\n"
		"  --name NAME        the center name, checked against the credential\n"
		"  --adapter NAME     scheduler adapter (default local; one of:");
	for (i = 0; hpcnet_adapters[i]; i++)
		fprintf(f, " %s", hpcnet_adapters[i]->name);
	fprintf(f,
		")\n"
		"  --adapter-opt K=V  a setting for the adapter, e.g. partition=debug (repeatable;\n"
		"                     each adapter documents its own)\n"
		"  --cores N          cores offered to the hub (default: online CPUs)\n"
		"  --mem SIZE         memory offered, e.g. 64G or 512M (default: physical memory)\n"
		"  --gpus N           GPUs offered (default 0)\n"
		"  --heartbeat S      seconds between heartbeats (default 5)\n"
		"  -v, --verbose      debug logging\n"
		"  -h, --help         this text\n");
}

/* Says what was wrong with the command line; returns exit status 2. */
static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hpcnet agent: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'hpcnet agent --help' for the options.\n");
	return 2;
}

/* Whole decimal number in [min, max]. 0 or -1. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "16G", "512M", "1.5T", "1048576": binary units, optional trailing B/iB. */
static int parse_size(const char *s, long long *out)
{
	static const char units[] = "KMGTP";
	const char *u;
	char *end;
	double v, mult = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	if (*end) {
		u = strchr(units, end[0] & ~0x20);
		if (!u)
			return -1;
		for (const char *p = units; p <= u; p++)
			mult *= 1024;
		end++;
		if (strcmp(end, "") != 0 && strcmp(end, "B") != 0 && strcmp(end, "iB") != 0)
			return -1;
	} else if (v != (double)(long long)v) {
		return -1;
	}
	v *= mult;
	if (v < 1 || v > 9.0e18)
		return -1;
	*out = (long long)v;
	return 0;
}

/* Creates the work dir private to this user; it holds the agent token. */
static int prepare_workdir(const char *dir)
{
	struct stat sb;
	int rc = hpcnet_fs_mkdirs(dir, 0700);

	if (rc < 0 || stat(dir, &sb) < 0) {
		fprintf(stderr, "hpcnet agent: cannot create --workdir %s: %s\n", dir,
			hpcnet_strerror(rc < 0 ? rc : -errno));
		return 1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "hpcnet agent: --workdir %s is not a directory\n", dir);
		return 1;
	}
	if ((sb.st_mode & 077) && chmod(dir, 0700) < 0) {
		fprintf(stderr, "hpcnet agent: --workdir %s is readable by others and chmod 0700 "
			"failed: %s\n", dir, strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * Fills c from the command line (opts receives the --adapter-opt values
 * and must hold argc entries). 0 to run, 1 after --help, or 2 after a
 * message about bad input.
 */
static int parse_args(int argc, char **argv, struct hpcnet_agent_conf *c, const char **opts,
		      int *verbose)
{
	enum { O_HUB = 256, O_TOKEN, O_NAME, O_ADAPTER, O_WORKDIR, O_CORES, O_MEM, O_GPUS,
	       O_HEARTBEAT, O_REJOIN, O_ADAPTER_OPT };
	static const struct option longopts[] = {
		{ "hub", required_argument, NULL, O_HUB },
		{ "join-token", required_argument, NULL, O_TOKEN },
		{ "name", required_argument, NULL, O_NAME },
		{ "adapter", required_argument, NULL, O_ADAPTER },
		{ "adapter-opt", required_argument, NULL, O_ADAPTER_OPT },
		{ "workdir", required_argument, NULL, O_WORKDIR },
		{ "cores", required_argument, NULL, O_CORES },
		{ "mem", required_argument, NULL, O_MEM },
		{ "gpus", required_argument, NULL, O_GPUS },
		{ "heartbeat", required_argument, NULL, O_HEARTBEAT },
		{ "rejoin", no_argument, NULL, O_REJOIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int opt;

	optind = 0; /* GNU: full re-initialisation, the CLI may have parsed before us */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		switch (opt) {
		case O_HUB:
			c->hub = optarg;
			break;
		case O_TOKEN:
			c->join_token = optarg;
			break;
		case O_NAME:
			c->name = optarg;
			break;
		case O_ADAPTER:
			c->adapter = optarg;
			break;
		case O_ADAPTER_OPT:
			if (optarg[0] == '=' || !strchr(optarg, '='))
				return bad("--adapter-opt wants KEY=VALUE, not '%s'", optarg);
			opts[c->nadapter_opts++] = optarg;
			break;
		case O_WORKDIR:
			c->workdir = optarg;
			break;
		case O_CORES:
			if (parse_int(optarg, 1, 10000000, &v) < 0)
				return bad("--cores must be a whole number of at least 1, not '%s'",
					   optarg);
			c->cores = (int)v;
			break;
		case O_MEM:
			if (parse_size(optarg, &v) < 0)
				return bad("--mem must be a size such as 64G, 512M or 1073741824, "
					   "not '%s'", optarg);
			c->mem_bytes = v;
			break;
		case O_GPUS:
			if (parse_int(optarg, 0, 100000, &v) < 0)
				return bad("--gpus must be a whole number of 0 or more, not '%s'",
					   optarg);
			c->gpus = (int)v;
			break;
		case O_HEARTBEAT:
			if (parse_int(optarg, 1, 3600, &v) < 0)
				return bad("--heartbeat must be whole seconds from 1 to 3600, not '%s'",
					   optarg);
			c->heartbeat_s = (int)v;
			break;
		case O_REJOIN:
			c->rejoin = 1;
			break;
		case 'v':
			*verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			if (optopt)
				return bad("option '%s' needs a value", argv[optind - 1]);
			return bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (!c->hub)
		return bad("%s", "--hub URL is required (the hub's address, e.g. http://hub:8080)");
	if (strncmp(c->hub, "http://", 7) != 0 && strncmp(c->hub, "https://", 8) != 0)
		return bad("--hub must start with http:// or https://, not '%s'", c->hub);
	if (!c->workdir || !*c->workdir)
		return bad("%s", "--workdir DIR is required (where the agent keeps its journal)");
	if (!hpcnet_adapter_find(c->adapter))
		return bad("unknown --adapter '%s' (see --help for the list)", c->adapter);
	return 0;
}

int hpcnet_agent_main(int argc, char **argv)
{
	const char **opts = hpcnet_xcalloc((size_t)argc + 1, sizeof(*opts));
	struct hpcnet_agent_conf c = {
		.adapter = "local",
		.heartbeat_s = 5,
		.cores = (int)sysconf(_SC_NPROCESSORS_ONLN),
		.mem_bytes = (int64_t)sysconf(_SC_PHYS_PAGES) * (int64_t)sysconf(_SC_PAGESIZE),
		.adapter_opts = opts,
	};
	const char *env = getenv("HPCNET_JOIN_TOKEN");
	char tag[300];
	int status, verbose = 0;

	status = parse_args(argc, argv, &c, opts, &verbose);
	if (status != 0) {
		status = status == 1 ? 0 : 2;
		goto out;
	}
	if (!c.join_token && env && *env)
		c.join_token = env;
	if (c.cores < 1)
		c.cores = 1;
	snprintf(tag, sizeof(tag), "agent%s%s", c.name ? ":" : "", c.name ? c.name : "");
	hpcnet_log_init(tag, verbose ? HPCNET_LOG_DEBUG : HPCNET_LOG_INFO);
	status = prepare_workdir(c.workdir);
	if (status == 0)
		status = hpcnet_agent_run(&c);
out:
	free(opts);
	return status;
}
