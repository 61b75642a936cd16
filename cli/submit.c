/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet submit`: builds a job from the command line and a script's
 * #HPCNET lines (read like #SBATCH: defaults the command line overrides),
 * posts it, and optionally waits for the end. With --explain it posts the
 * same body to /jobs/explain instead and prints each center's verdict, so
 * "why would my job wait?" has an answer before anything is queued.
 *
 * The one promise that shapes this file: a network blip never makes two
 * jobs. Every submission carries an Idempotency-Key (random unless given)
 * and a failed or timed-out POST is retried with the same key and the same
 * body, so the hub answers the retry with the job it already created.
 * stdout carries only the job id, so `id=$(hpcnet submit ...)` works.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/units.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/fsutil.h"
#include "common/xalloc.h"

#define SCRIPT_MAX (1024 * 1024)     /* the API's limit on `script` */
#define FILE_MAX (4 * 1024 * 1024)   /* the API's body limit; the hub says 413 past it */
#define WAIT_OUTAGE_MS (5 * 60 * 1000) /* --wait rides out a hub restart this long */

static const char usage[] =
	"Usage: hpcnet submit [options] (--wrap 'COMMAND' | SCRIPT | -)\n"
	"Submits a job and prints its id. A script's `#HPCNET --option` lines (before\n"
	"the first command, like #SBATCH) are defaults the command line overrides.\n"
	"  --center NAME           run at this center (default: the hub picks)\n"
	"  --cores N               cores (default 1)\n"
	"  --mem SIZE              memory: 512M, 2G, 1.5T; a bare number is MB\n"
	"                          (default: the center's)\n"
	"  --gpus [MODEL:]N        GPUs (default 0), e.g. 2 or a100:2 (as Slurm's --gpus)\n"
	"  --gpu-model MODEL       the GPU model the --gpus must be (a100, h100, ...)\n"
	"  --partition P           the center scheduler's partition (queue)\n"
	"  --account A             the account to charge at the center\n"
	"  --qos Q                 the quality of service at the center\n"
	"  --project P             charge an hpcnet project (an id or ORG/NAME) of an\n"
	"                          org you belong to (hpcnet projects)\n"
	"  --time DURATION         walltime: MM, MM:SS, H:MM:SS, D-HH:MM:SS, 90s, 2h\n"
	"                          (a bare number is minutes; default 1 hour)\n"
	"  --name NAME             job name (default: the script's or command's name)\n"
	"  --env K=V               set a variable (K alone: copy it from here); repeatable\n"
	"  --file PATH[:DEST]      copy a file into the job's directory; repeatable\n"
	"  --idempotency-key K     retry-safe key (default: a random one per run)\n"
	"  --wait                  wait for the end; exit with the job's exit code\n"
	"                          (1 if it failed without one, was cancelled or lost)\n"
	"  --wrap COMMAND          run one shell command instead of a script\n"
	"  --explain               submit nothing: show which centers could run the job,\n"
	"                          which would run it now, and why (exit 1 if none ever\n"
	"                          could); needs no SCRIPT or --wrap\n"
	"  --json                  print the job (with --explain: the answer) as JSON\n"
	"SCRIPT is a file; - reads the script from stdin.\n";

struct strv {
	char **v;
	size_t n;
};

static void strv_add(struct strv *s, const char *p)
{
	s->v = hpcnet_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = hpcnet_xstrdup(p);
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* What one source (command line or #HPCNET lines) asked for; -1 / NULL = unset. */
struct job_opts {
	char *center, *name, *wrap, *idem;
	char *gpu_model, *partition, *account, *qos;
	char *project; /* hpcnet project (id or ORG/NAME) to charge */
	char *count_model; /* the MODEL of --gpus MODEL:N, folded into gpu_model */
	int64_t cores, mem, gpus, walltime;
	struct strv env, files;
	int wait, json, explain;
	char *script; /* SCRIPT path or "-" */
};

static void opts_init(struct job_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cores = o->mem = o->gpus = o->walltime = -1;
}

static void opts_free(struct job_opts *o)
{
	free(o->center);
	free(o->name);
	free(o->wrap);
	free(o->idem);
	free(o->gpu_model);
	free(o->count_model);
	free(o->partition);
	free(o->account);
	free(o->qos);
	free(o->project);
	free(o->script);
	strv_free(&o->env);
	strv_free(&o->files);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = hpcnet_xstrdup(v);
}

/* Resource options first: everything from O_IDEM on is command-line only. */
enum { O_CENTER = 1000, O_CORES, O_MEM, O_GPUS, O_GPU_MODEL, O_PARTITION, O_ACCOUNT, O_QOS,
       O_PROJECT, O_TIME, O_NAME, O_ENV, O_FILE, O_IDEM, O_WAIT, O_WRAP, O_JSON, O_EXPLAIN, O_HELP };

/* --partition, --account, --qos, --gpu-model: a word any scheduler takes. */
static int set_word(char **dst, const char *opt, const char *v, size_t max, const char *at)
{
	if (!hpcnet_units_valid_word(v, max)) {
		hpcnet_cli_errorf("%s--%s '%s' must be 1-%zu letters, digits, '-', '_' or '.'", at, opt,
				  v, max);
		return HPCNET_CLI_EUSAGE;
	}
	set_str(dst, v);
	return 0;
}

/* --gpus N or MODEL:N (the last one given wins, as for every option). */
static int set_gpus(struct job_opts *o, const char *v, const char *at)
{
	char model[HPCNET_UNITS_GPU_MODEL_MAX + 1];

	if (hpcnet_units_parse_gpus(v, model, sizeof(model), &o->gpus) < 0) {
		hpcnet_cli_errorf("%s--gpus '%s' must be a count from 0 to 1024, optionally after a GPU "
				  "model (e.g. 2 or a100:2)", at, v);
		return HPCNET_CLI_EUSAGE;
	}
	free(o->count_model);
	o->count_model = *model ? hpcnet_xstrdup(model) : NULL;
	return 0;
}

/* One source's --gpus MODEL:N and --gpu-model must agree; keeps the one. */
static int fold_gpu_model(struct job_opts *o, const char *at)
{
	if (!o->count_model)
		return 0;
	if (o->gpu_model && strcmp(o->gpu_model, o->count_model) != 0) {
		hpcnet_cli_errorf("%s--gpus %s:%lld and --gpu-model %s ask for different GPU models", at,
				  o->count_model, (long long)o->gpus, o->gpu_model);
		return HPCNET_CLI_EUSAGE;
	}
	set_str(&o->gpu_model, o->count_model);
	free(o->count_model);
	o->count_model = NULL;
	return 0;
}

/*
 * Parses argv into *o. `where` is NULL for the command line, else
 * "SCRIPT:LINE" for a #HPCNET line, where only resource options are
 * allowed and positional arguments are not. Returns 0, 1 for --help, or
 * HPCNET_CLI_EUSAGE (the message is printed).
 */
static int parse_opts(int argc, char **argv, const char *where, struct job_opts *o)
{
	static const struct option opts[] = {
		{ "center", required_argument, NULL, O_CENTER },
		{ "cores", required_argument, NULL, O_CORES },
		{ "mem", required_argument, NULL, O_MEM },
		{ "gpus", required_argument, NULL, O_GPUS },
		{ "gpu-model", required_argument, NULL, O_GPU_MODEL },
		{ "partition", required_argument, NULL, O_PARTITION },
		{ "account", required_argument, NULL, O_ACCOUNT },
		{ "project", required_argument, NULL, O_PROJECT },
		{ "qos", required_argument, NULL, O_QOS },
		{ "time", required_argument, NULL, O_TIME },
		{ "name", required_argument, NULL, O_NAME },
		{ "env", required_argument, NULL, O_ENV },
		{ "file", required_argument, NULL, O_FILE },
		{ "idempotency-key", required_argument, NULL, O_IDEM },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "wrap", required_argument, NULL, O_WRAP },
		{ "json", no_argument, NULL, O_JSON },
		{ "explain", no_argument, NULL, O_EXPLAIN },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	/* messages name the #HPCNET line; the command line needs no prefix */
	char at[320];
	int ch, idx = -1, rc;

	snprintf(at, sizeof(at), "%s%s", where ? where : "", where ? ": " : "");

	optind = 0;
	while ((idx = -1, ch = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (where && ch >= O_IDEM) {
			hpcnet_cli_errorf("%sonly resource options (--cores, --mem, --time, ...) "
					  "belong in #HPCNET lines", at);
			return HPCNET_CLI_EUSAGE;
		}
		switch (ch) {
		case O_CENTER: set_str(&o->center, optarg); break;
		case O_PROJECT: set_str(&o->project, optarg); break;
		case O_NAME: set_str(&o->name, optarg); break;
		case O_WRAP: set_str(&o->wrap, optarg); break;
		case O_IDEM:
			if (!*optarg || strpbrk(optarg, "\r\n")) {
				hpcnet_cli_errorf("%s--idempotency-key must be one non-empty line", at);
				return HPCNET_CLI_EUSAGE;
			}
			set_str(&o->idem, optarg);
			break;
		case O_CORES:
			if (hpcnet_units_parse_int(optarg, 1, 100000, &o->cores) < 0) {
				hpcnet_cli_errorf("%s--cores '%s' must be a whole number from 1 to 100000",
						  at, optarg);
				return HPCNET_CLI_EUSAGE;
			}
			break;
		case O_GPUS:
			if ((rc = set_gpus(o, optarg, at)) < 0)
				return rc;
			break;
		case O_GPU_MODEL:
			if ((rc = set_word(&o->gpu_model, "gpu-model", optarg,
					   HPCNET_UNITS_GPU_MODEL_MAX, at)) < 0)
				return rc;
			break;
		case O_PARTITION:
			if ((rc = set_word(&o->partition, "partition", optarg, 64, at)) < 0)
				return rc;
			break;
		case O_ACCOUNT:
			if ((rc = set_word(&o->account, "account", optarg, 64, at)) < 0)
				return rc;
			break;
		case O_QOS:
			if ((rc = set_word(&o->qos, "qos", optarg, 64, at)) < 0)
				return rc;
			break;
		case O_MEM:
			if (hpcnet_units_parse_size(optarg, &o->mem) < 0) {
				hpcnet_cli_errorf("%s--mem '%s' is not a size (e.g. 512M, 2G, 1.5T)", at,
						  optarg);
				return HPCNET_CLI_EUSAGE;
			}
			break;
		case O_TIME:
			if (hpcnet_units_parse_duration(optarg, &o->walltime) < 0 || o->walltime <= 0) {
				hpcnet_cli_errorf("%s--time '%s' is not a positive duration "
						  "(e.g. 30, 10:00, 1:00:00, 2-00:00:00, 90s, 2h)", at, optarg);
				return HPCNET_CLI_EUSAGE;
			}
			break;
		case O_ENV: strv_add(&o->env, optarg); break;
		case O_FILE: strv_add(&o->files, optarg); break;
		case O_WAIT: o->wait = 1; break;
		case O_JSON: o->json = 1; break;
		case O_EXPLAIN: o->explain = 1; break;
		case 'h':
		case O_HELP: fputs(usage, stdout); return 1;
		default:
			if (where)
				hpcnet_cli_errorf("%ssee `hpcnet submit --help` for the options", at);
			return where ? HPCNET_CLI_EUSAGE : hpcnet_cli_usage_error(usage);
		}
	}
	if (where && optind < argc) {
		hpcnet_cli_errorf("%sunexpected '%s'", at, argv[optind]);
		return HPCNET_CLI_EUSAGE;
	}
	if ((rc = fold_gpu_model(o, at)) < 0)
		return rc;
	if (!where) {
		if (optind < argc)
			o->script = hpcnet_xstrdup(argv[optind++]);
		if (optind < argc) {
			hpcnet_cli_errorf("one script only (arguments to the script are not supported; "
					  "use --env or --wrap)");
			return HPCNET_CLI_EUSAGE;
		}
	}
	return 0;
}

/*
 * Splits a #HPCNET line into words the way a shell would for simple
 * cases: whitespace separates, '...' is literal, "..." allows \" and \\,
 * a backslash escapes one character, an unquoted # at a word start begins
 * a comment. Returns 0 or HPCNET_EINVAL for an unterminated quote.
 */
static int split_words(const char *s, struct strv *out)
{
	struct hpcnet_buf w = { 0 };
	int in_word = 0, rc = 0;

	for (;;) {
		char ch = *s;

		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\r') {
			if (in_word)
				strv_add(out, w.data);
			w.len = 0;
			in_word = 0;
			if (ch == '\0')
				break;
			s++;
			continue;
		}
		if (ch == '#' && !in_word)
			break;
		if (!in_word)
			hpcnet_buf_add(&w, "", 0);
		in_word = 1;
		if (ch == '\'') {
			const char *end = strchr(s + 1, '\'');

			if (!end) {
				rc = HPCNET_EINVAL;
				break;
			}
			hpcnet_buf_add(&w, s + 1, (size_t)(end - s - 1));
			s = end + 1;
		} else if (ch == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				hpcnet_buf_add(&w, s, 1);
			}
			if (*s != '"') {
				rc = HPCNET_EINVAL;
				break;
			}
			s++;
		} else if (ch == '\\' && s[1]) {
			hpcnet_buf_add(&w, s + 1, 1);
			s += 2;
		} else {
			hpcnet_buf_add(&w, s, 1);
			s++;
		}
	}
	hpcnet_buf_free(&w);
	return rc;
}

/*
 * Reads #HPCNET lines from the top of the script (after an optional #!
 * line, through comments and blank lines, up to the first command) into
 * *o. Returns 0 or HPCNET_CLI_EUSAGE with the line named.
 */
static int read_directives(const char *script, const char *label, struct job_opts *o)
{
	const char *line = script;
	int lineno = 0, rc = 0;

	while (*line && rc == 0) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *text = hpcnet_xstrndup(line, len), *p = text;

		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "#HPCNET", 7) == 0 && (p[7] == ' ' || p[7] == '\t' || p[7] == '\0')) {
			struct strv words = { 0 };
			char *where = hpcnet_xasprintf("%s:%d", label, lineno);

			strv_add(&words, where); /* argv[0] names the line in getopt's messages */
			if (split_words(p + 7, &words) < 0) {
				hpcnet_cli_errorf("%s: unterminated quote", where);
				rc = HPCNET_CLI_EUSAGE;
			} else {
				int r = parse_opts((int)words.n, words.v, where, o);

				rc = r < 0 ? r : 0;
			}
			strv_free(&words);
			free(where);
		} else if (*p != '#' && *p != '\0' && *p != '\r') {
			free(text);
			break; /* the first command ends the header, as with #SBATCH */
		}
		free(text);
		line = end ? end + 1 : line + len;
	}
	return rc;
}

/* Command line over directives: scalars replace, lists append. */
static void merge_opts(struct job_opts *cli, struct job_opts *dir)
{
	if (!cli->center && dir->center)
		set_str(&cli->center, dir->center);
	if (!cli->name && dir->name)
		set_str(&cli->name, dir->name);
	if (cli->cores < 0)
		cli->cores = dir->cores;
	if (cli->mem < 0)
		cli->mem = dir->mem;
	if (cli->gpus < 0)
		cli->gpus = dir->gpus;
	/* a model belongs with its count: --gpus 2 on the command line over
	 * "#HPCNET --gpus a100:1" still wants an a100 unless it names another */
	if (!cli->gpu_model && dir->gpu_model)
		set_str(&cli->gpu_model, dir->gpu_model);
	if (!cli->partition && dir->partition)
		set_str(&cli->partition, dir->partition);
	if (!cli->account && dir->account)
		set_str(&cli->account, dir->account);
	if (!cli->qos && dir->qos)
		set_str(&cli->qos, dir->qos);
	if (!cli->project && dir->project)
		set_str(&cli->project, dir->project);
	if (cli->walltime < 0)
		cli->walltime = dir->walltime;
	/* directives first, so the command line's --env K=V wins for the same K */
	for (size_t i = 0; i < cli->env.n; i++)
		strv_add(&dir->env, cli->env.v[i]);
	strv_free(&cli->env);
	cli->env = dir->env;
	memset(&dir->env, 0, sizeof(dir->env));
	for (size_t i = 0; i < dir->files.n; i++)
		strv_add(&cli->files, dir->files.v[i]);
}

static int valid_env_name(const char *s, size_t n)
{
	if (n == 0 || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int add_env(json_t *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);
	char *key = hpcnet_xstrndup(kv, n);
	const char *val = eq ? eq + 1 : getenv(key);
	int rc = 0;

	if (!valid_env_name(kv, n)) {
		hpcnet_cli_errorf("--env '%s': the name must match [A-Za-z_][A-Za-z0-9_]*", kv);
		rc = HPCNET_CLI_EUSAGE;
	} else if (!val) {
		hpcnet_cli_errorf("--env %s: not set here; use --env %s=VALUE", key, key);
		rc = HPCNET_CLI_EUSAGE;
	} else {
		json_object_set_new(env, key, json_string(val));
	}
	free(key);
	return rc;
}

/* PATH[:DEST] → {"path": DEST or basename(PATH), "content_base64": ...} */
static int add_file(json_t *files, const char *spec)
{
	char *src = hpcnet_xstrdup(spec), *dest = NULL, *data = NULL, *b64 = NULL, *colon;
	size_t len = 0, b64len;
	int rc;

	/* "a:b" is a path with a colon if such a file exists, else PATH:DEST */
	colon = strrchr(src, ':');
	if (colon && access(src, F_OK) != 0) {
		*colon = '\0';
		dest = hpcnet_xstrdup(colon + 1);
	}
	if (!dest || !*dest) {
		char *copy = hpcnet_xstrdup(src);

		free(dest);
		dest = hpcnet_xstrdup(basename(copy));
		free(copy);
	}
	rc = hpcnet_fs_read(src, FILE_MAX, &data, &len);
	if (rc < 0) {
		hpcnet_cli_errorf("--file %s: %s", src,
				  rc == -EFBIG ? "larger than the 4 MiB a submission can carry; "
						 "stage big inputs at the center" : hpcnet_strerror(rc));
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	b64 = hpcnet_xmalloc(b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)data, len,
			  sodium_base64_VARIANT_ORIGINAL);
	json_array_append_new(files, json_pack("{s:s, s:s}", "path", dest, "content_base64", b64));
out:
	free(src);
	free(dest);
	free(data);
	free(b64);
	return rc;
}

/* The name a person would give the job: the script's file name or the
 * command's first word. */
static char *default_name(const struct job_opts *o)
{
	char *copy, *name;

	if (o->wrap) {
		size_t n = strcspn(o->wrap + strspn(o->wrap, " \t"), " \t;|&<>\n");
		const char *w = o->wrap + strspn(o->wrap, " \t");

		copy = hpcnet_xstrndup(w, n);
	} else if (o->script && strcmp(o->script, "-") != 0) {
		copy = hpcnet_xstrdup(o->script);
	} else {
		return NULL;
	}
	if (*copy) {
		const char *base = basename(copy);

		/* hpcnet_xstrndup copies exactly n bytes: bound n by the string */
		name = hpcnet_xstrndup(base, strnlen(base, 128));
	} else {
		name = NULL;
	}
	free(copy);
	return name;
}

static int read_stdin(char **out, size_t *len)
{
	struct hpcnet_buf b = { 0 };
	char chunk[65536];
	size_t n;

	hpcnet_buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b.len + n > SCRIPT_MAX) {
			hpcnet_buf_free(&b);
			return -EFBIG;
		}
		hpcnet_buf_add(&b, chunk, n);
	}
	if (ferror(stdin)) {
		hpcnet_buf_free(&b);
		return -EIO;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

static int build_body(struct job_opts *o, const char *script, json_t **out)
{
	json_t *body = json_object(), *env = json_object(), *files = json_array();
	char *name = o->name ? hpcnet_xstrdup(o->name) : default_name(o);
	int rc = 0;

	if (name)
		json_object_set_new(body, "name", json_string(name));
	if (o->wrap)
		json_object_set_new(body, "command", json_string(o->wrap));
	else if (script)
		json_object_set_new(body, "script", json_string(script));
	else /* --explain without a command: what runs does not change where */
		json_object_set_new(body, "command", json_string(":"));
	if (o->cores >= 0)
		json_object_set_new(body, "cores", json_integer(o->cores));
	if (o->mem >= 0)
		json_object_set_new(body, "memory_bytes", json_integer(o->mem));
	if (o->gpus >= 0)
		json_object_set_new(body, "gpus", json_integer(o->gpus));
	if (o->walltime >= 0)
		json_object_set_new(body, "walltime_seconds", json_integer(o->walltime));
	if (o->center)
		json_object_set_new(body, "center", json_string(o->center));
	if (o->gpu_model)
		json_object_set_new(body, "gpu_model", json_string(o->gpu_model));
	if (o->partition)
		json_object_set_new(body, "partition", json_string(o->partition));
	if (o->account)
		json_object_set_new(body, "account", json_string(o->account));
	if (o->qos)
		json_object_set_new(body, "qos", json_string(o->qos));
	if (o->project)
		json_object_set_new(body, "project", json_string(o->project));
	for (size_t i = 0; i < o->env.n && rc == 0; i++)
		rc = add_env(env, o->env.v[i]);
	for (size_t i = 0; i < o->files.n && rc == 0; i++)
		rc = add_file(files, o->files.v[i]);
	if (json_object_size(env))
		json_object_set(body, "env", env);
	if (json_array_size(files))
		json_object_set(body, "files", files);
	json_decref(env);
	json_decref(files);
	free(name);
	if (rc < 0) {
		json_decref(body);
		return rc;
	}
	*out = body;
	return 0;
}

/* 502/503/504 and no answer at all are worth retrying; everything else is
 * the hub's considered answer. */
static int retryable(int rc, long status)
{
	return rc == HPCNET_EUNAVAIL || rc == HPCNET_ETIMEOUT || status == 502 || status == 503 ||
	       status == 504;
}

static int post_job(struct hpcnet_cli *c, json_t *body, const char *key, json_t **job)
{
	static const int delays_s[] = { 1, 2, 4, 8, 15 };
	char *header = hpcnet_xasprintf("Idempotency-Key: %s", key);
	long status = 0;
	int rc;

	for (size_t attempt = 0;; attempt++) {
		json_decref(*job);
		*job = NULL;
		rc = hpcnet_cli_call(c, "POST", "/api/v1/jobs", body, header, HPCNET_CLI_QUIET, &status,
				     job);
		if (rc == 0 || !retryable(rc, status) ||
		    attempt == sizeof(delays_s) / sizeof(delays_s[0]))
			break;
		if (status)
			fprintf(stderr, "hpcnet: the hub at %s is unavailable (HTTP %ld); retrying in "
				"%ds with the same idempotency key\n", c->hub, status, delays_s[attempt]);
		else
			fprintf(stderr, "hpcnet: cannot reach the hub at %s (%s); retrying in %ds with "
				"the same idempotency key\n", c->hub, c->error, delays_s[attempt]);
		hpcnet_sleep_ms(delays_s[attempt] * 1000LL);
	}
	if (rc < 0)
		hpcnet_cli_explain(c, status, *job, c->error);
	free(header);
	return rc;
}

static int final_state(const char *s)
{
	return strcmp(s, "succeeded") == 0 || strcmp(s, "failed") == 0 ||
	       strcmp(s, "cancelled") == 0 || strcmp(s, "lost") == 0;
}

/*
 * Polls the job until it ends (fast at first, so a quick job returns
 * quickly, then once a second), riding out a hub restart of up to
 * WAIT_OUTAGE_MS. *job gets the final job object.
 */
static int wait_job(struct hpcnet_cli *c, const char *id, json_t **job)
{
	char *eid = hpcnet_cli_escape(id);
	char *path = hpcnet_xasprintf("/api/v1/jobs/%s", eid);
	int64_t delay = 100, outage_since = 0;
	long status = 0;
	int rc, warned = 0;

	for (;;) {
		json_decref(*job);
		*job = NULL;
		rc = hpcnet_cli_call(c, "GET", path, NULL, NULL, HPCNET_CLI_QUIET, &status, job);
		if (rc == 0) {
			outage_since = 0;
			if (final_state(hpcnet_cli_str(*job, "state")))
				break;
		} else if (retryable(rc, status)) {
			if (!outage_since)
				outage_since = hpcnet_mono_ms();
			if (hpcnet_mono_ms() - outage_since > WAIT_OUTAGE_MS) {
				hpcnet_cli_explain(c, status, *job, c->error);
				break;
			}
			if (!warned++)
				hpcnet_cli_errorf("lost contact with the hub (%s); still waiting for %s",
						  status ? "unavailable" : c->error, id);
		} else {
			hpcnet_cli_explain(c, status, *job, c->error);
			break;
		}
		hpcnet_sleep_ms(delay);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
	free(path);
	free(eid);
	return rc;
}

/* The exit status --wait promises: the job's own code, else 1. */
static int job_exit_status(json_t *job)
{
	const char *state = hpcnet_cli_str(job, "state");
	const char *reason = hpcnet_cli_str(job, "state_reason");
	const char *id = hpcnet_cli_str(job, "id");
	int64_t code = hpcnet_cli_int(job, "exit_code", -1);
	int64_t sig = hpcnet_cli_int(job, "signal", 0);

	/* One line on stderr for the person waiting (stdout keeps only the id
	 * for scripts): where it ran and how to read what it printed. */
	if (strcmp(state, "succeeded") == 0) {
		fprintf(stderr, "hpcnet: job %s succeeded on %s; its output: hpcnet logs %s\n", id,
			hpcnet_cli_str(job, "center"), id);
		return 0;
	}
	if (strcmp(state, "failed") == 0) {
		/* the hub's reason already says "exit code 3" or "walltime exceeded" */
		if (*reason)
			fprintf(stderr, "hpcnet: job %s failed: %s\n", id, reason);
		else if (sig > 0)
			fprintf(stderr, "hpcnet: job %s failed: killed by signal %lld\n", id, (long long)sig);
		else
			fprintf(stderr, "hpcnet: job %s failed: exit code %lld\n", id, (long long)code);
		if (sig <= 0 && code > 0)
			return (code & 0xff) ? (int)(code & 0xff) : 1;
		return HPCNET_EXIT_FAILED;
	}
	fprintf(stderr, "hpcnet: job %s %s%s%s\n", id,
		strcmp(state, "cancelled") == 0 ? "was cancelled" : "was lost by its center",
		*reason ? ": " : "", reason);
	return HPCNET_EXIT_FAILED;
}

/* A model with no count would ask for no GPUs at all: say so rather than
 * let the hub ignore the model. An explicit --gpus 0 drops the model. */
static int check_gpus(struct job_opts *o)
{
	if (!o->gpu_model)
		return 0;
	if (o->gpus < 0) {
		hpcnet_cli_errorf("--gpu-model %s needs a count: add --gpus N (or --gpus %s:N)",
				  o->gpu_model, o->gpu_model);
		return HPCNET_CLI_EUSAGE;
	}
	if (o->gpus == 0) {
		free(o->gpu_model);
		o->gpu_model = NULL;
	}
	return 0;
}

/* ---- --explain ---- */

static const char *verdict_of(json_t *v)
{
	if (!json_is_true(json_object_get(v, "eligible")))
		return "cannot run";
	return json_is_true(json_object_get(v, "fits_now")) ? "runs now" : "would wait";
}

/* The sentence under the table: where it would go, or why it would wait
 * or be refused. */
static void explain_summary(json_t *answer)
{
	json_t *verdicts = json_object_get(answer, "verdicts"), *v;
	const char *choice = hpcnet_cli_str(answer, "choice");
	const char *first = NULL;
	size_t i, waiting = 0;

	if (!json_is_true(json_object_get(answer, "admissible"))) {
		printf("Would be refused: %s\n", hpcnet_cli_str(answer, "detail"));
		return;
	}
	if (*choice) {
		printf("Would run now at %s (the best score).\n", choice);
		return;
	}
	json_array_foreach(verdicts, i, v) {
		if (!json_is_true(json_object_get(v, "eligible")))
			continue;
		if (!first)
			first = hpcnet_cli_str(v, "reason");
		waiting++;
	}
	if (first && waiting > 1)
		printf("Would wait in the queue: %zu centers can run it, none now (%s; ...)\n",
		       waiting, first);
	else if (first)
		printf("Would wait in the queue: %s\n", first);
	else
		printf("Would wait in the queue: %s\n", hpcnet_cli_str(answer, "detail"));
}

static void explain_table(json_t *answer)
{
	static const char *const head[] = { "CENTER", "VERDICT", "SCORE", "EST. WAIT", "REASON" };
	struct hpcnet_table *t = hpcnet_table_new(5, head);
	json_t *verdicts = json_object_get(answer, "verdicts"), *v;
	size_t i;

	json_array_foreach(verdicts, i, v) {
		json_t *score = json_object_get(v, "score");
		int64_t wait = hpcnet_cli_int(v, "estimated_wait_seconds", -1);
		char score_s[32] = "-", wait_s[32] = "-";

		if (json_is_number(score))
			snprintf(score_s, sizeof(score_s), "%.1f", json_number_value(score));
		if (wait >= 0)
			hpcnet_units_format_duration(wait, wait_s, sizeof(wait_s));
		hpcnet_table_add(t, (const char *const[]){ hpcnet_cli_str(v, "center"), verdict_of(v),
							   score_s, wait_s, hpcnet_cli_str(v, "reason") });
	}
	if (json_array_size(verdicts) == 0)
		printf("No centers are registered.\n");
	else
		hpcnet_table_print(t, stdout);
	hpcnet_table_free(t);
	explain_summary(answer);
}

/*
 * Asks the hub where body would go (nothing is written) and prints the
 * answer. *status gets 0 when the hub would admit the job, 1 when no
 * center could ever run it; the return is the call's code.
 */
static int explain(struct hpcnet_cli *c, json_t *body, int json, int *status)
{
	json_t *answer = NULL;
	int rc = hpcnet_cli_call(c, "POST", "/api/v1/jobs/explain", body, NULL, 0, NULL, &answer);

	if (rc == 0) {
		if (json)
			hpcnet_cli_print_json(answer);
		else
			explain_table(answer);
		*status = json_is_true(json_object_get(answer, "admissible")) ? HPCNET_EXIT_OK
									      : HPCNET_EXIT_FAILED;
	}
	json_decref(answer);
	return rc;
}

int hpcnet_cli_submit(int argc, char **argv)
{
	struct job_opts o, dir;
	struct hpcnet_cli c;
	char *script = NULL, key[64];
	json_t *body = NULL, *job = NULL;
	size_t len = 0;
	int rc, status = -1;

	opts_init(&o);
	opts_init(&dir);
	memset(&c, 0, sizeof(c));
	rc = parse_opts(argc, argv, NULL, &o);
	if (rc != 0) {
		status = rc > 0 ? HPCNET_EXIT_OK : HPCNET_EXIT_USAGE;
		goto out;
	}
	if (o.explain && o.wait) {
		hpcnet_cli_errorf("--explain submits nothing, so there is nothing to --wait for");
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	if (o.wrap && o.script) {
		hpcnet_cli_errorf("give either --wrap or a script, not both");
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	if (!o.wrap && !o.script && !o.explain) {
		hpcnet_cli_errorf("what should run? give --wrap 'COMMAND', a SCRIPT file, "
				  "or - to read the script from stdin");
		rc = HPCNET_CLI_EUSAGE;
		goto out;
	}
	if (o.script) {
		const char *label = strcmp(o.script, "-") == 0 ? "stdin" : o.script;

		rc = strcmp(o.script, "-") == 0 ? read_stdin(&script, &len)
						: hpcnet_fs_read(o.script, SCRIPT_MAX, &script, &len);
		if (rc < 0) {
			hpcnet_cli_errorf("cannot read the script %s: %s", label,
					  rc == -EFBIG ? "larger than 1 MiB" : hpcnet_strerror(rc));
			rc = HPCNET_CLI_EUSAGE;
			goto out;
		}
		if (memchr(script, '\0', len)) {
			hpcnet_cli_errorf("%s is not a text script (it contains NUL bytes)", label);
			rc = HPCNET_CLI_EUSAGE;
			goto out;
		}
		rc = read_directives(script, label, &dir);
		if (rc < 0)
			goto out;
		merge_opts(&o, &dir);
	}
	rc = check_gpus(&o);
	if (rc < 0)
		goto out;
	rc = build_body(&o, script, &body);
	if (rc < 0)
		goto out;
	if (o.explain) {
		rc = hpcnet_cli_open(&c, 1);
		if (rc == 0)
			rc = explain(&c, body, o.json, &status);
		goto out;
	}
	if (!o.idem) {
		if (hpcnet_crypto_init() < 0) {
			hpcnet_cli_errorf("cannot initialize the random generator");
			rc = HPCNET_EUNAVAIL;
			goto out;
		}
		hpcnet_crypto_token("cli_", key, sizeof(key));
	}
	rc = hpcnet_cli_open(&c, 1);
	if (rc < 0)
		goto out;
	rc = post_job(&c, body, o.idem ? o.idem : key, &job);
	if (rc < 0)
		goto out;
	if (!o.json || !o.wait) {
		if (o.json)
			hpcnet_cli_print_json(job);
		else
			printf("%s\n", hpcnet_cli_str(job, "id"));
		fflush(stdout); /* the id is useful while we wait */
	}
	if (o.wait) {
		char *id = hpcnet_xstrdup(hpcnet_cli_str(job, "id"));

		rc = wait_job(&c, id, &job);
		free(id);
		if (rc < 0)
			goto out;
		if (o.json)
			hpcnet_cli_print_json(job);
		status = job_exit_status(job);
	}
out:
	if (status < 0)
		status = hpcnet_cli_exit_code(rc);
	json_decref(body);
	json_decref(job);
	free(script);
	opts_free(&o);
	opts_free(&dir);
	hpcnet_cli_close(&c);
	return status;
}
