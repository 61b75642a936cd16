/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hpcnet orgs ...` and `hpcnet projects ...`: organizations, their
 * members and invites, and the projects inside them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/xalloc.h"
#include "hpcnet/error.h"

static const char orgs_usage[] =
	"Usage: hpcnet orgs [--json]                  the orgs you belong to (admin: all)\n"
	"       hpcnet orgs create NAME [--kind university|company|group] [--owner USER]\n"
	"                                             (platform admin) a new org\n"
	"       hpcnet orgs members ORG               who is in it\n"
	"       hpcnet orgs add ORG USER [--admin]    (org admin) add a member / change role\n"
	"       hpcnet orgs remove ORG USER           (org admin) remove a member\n"
	"       hpcnet orgs invite ORG [--admin] [--expires SECONDS]\n"
	"                                             (org admin) a one-time sign-up code\n"
	"Every form takes --json.\n";

static const char projects_usage[] =
	"Usage: hpcnet projects [--org ORG] [--json]  projects of your orgs\n"
	"       hpcnet projects create ORG NAME [--description TEXT]   (org admin)\n"
	"       hpcnet projects members PROJECT       PROJECT: an id or ORG/NAME\n"
	"       hpcnet projects add PROJECT USER      (org admin)\n"
	"       hpcnet projects remove PROJECT USER   (org admin)\n"
	"Submit to a project with: hpcnet submit --project ORG/NAME ...\n";

/* Flags after the positional arguments: --admin, --kind K, --expires N,
 * --description D, --org O. Unknown ones are a usage error. */
struct flags {
	int admin;
	const char *kind, *expires, *description, *org, *owner;
};

static int parse_flags(int argc, char **argv, const char *usage, struct flags *f, int *npos)
{
	static const struct option opts[] = {
		{ "admin", no_argument, NULL, 'a' },
		{ "kind", required_argument, NULL, 'k' },
		{ "expires", required_argument, NULL, 'e' },
		{ "description", required_argument, NULL, 'd' },
		{ "org", required_argument, NULL, 'o' },
		{ "owner", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(f, 0, sizeof(*f));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': f->admin = 1; break;
		case 'k': f->kind = optarg; break;
		case 'e': f->expires = optarg; break;
		case 'd': f->description = optarg; break;
		case 'o': f->org = optarg; break;
		case 'w': f->owner = optarg; break;
		case 'h': fputs(usage, stdout); return 1;
		default: return hpcnet_cli_usage_error(usage);
		}
	}
	*npos = argc - optind;
	return 0;
}

/* A sub-command's words: positional arguments first (into pos, npos),
 * then options. 0, 1 after --help, or a usage error. */
static int parse_sub(int argc, char **argv, const char *usage, struct flags *f, char ***pos,
		     int *npos)
{
	int i, rest, rc;

	for (i = 1; i < argc && argv[i][0] != '-'; i++)
		;
	*pos = argv + 1;
	*npos = i - 1;
	rc = parse_flags(argc - *npos, argv + *npos, usage, f, &rest);
	if (rc == 0 && rest != 0)
		rc = hpcnet_cli_usage_error(usage);
	return rc;
}

/* argv[0] is the sub-command; positional arguments come first. */
static int orgs_sub(int argc, char **argv, int json)
{
	const char *sub = argv[0];
	char *path = NULL, *e1 = NULL, *e2 = NULL;
	struct flags f;
	int npos, rc;
	char **pos;

	rc = parse_sub(argc, argv, orgs_usage, &f, &pos, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	e1 = npos > 0 ? hpcnet_cli_escape(pos[0]) : NULL;
	e2 = npos > 1 ? hpcnet_cli_escape(pos[1]) : NULL;
	if (!strcmp(sub, "create") && npos == 1) {
		json_t *b = json_pack("{s:s}", "name", pos[0]);

		if (f.kind)
			json_object_set_new(b, "kind", json_string(f.kind));
		if (f.owner) /* its first admin */
			json_object_set_new(b, "admin", json_string(f.owner));
		rc = hpcnet_cli_write("POST", "/api/v1/orgs", b, json, "Org created.");
	} else if (!strcmp(sub, "members") && npos == 1) {
		static const char *const h[] = { "USER", "ROLE", "ID", "ADDED" };
		static const char *const k[] = { "user_name", "role", "user_id", "added_at" };

		path = hpcnet_xasprintf("/api/v1/orgs/%s/members", e1);
		rc = hpcnet_cli_list(path, json, 4, h, k);
	} else if (!strcmp(sub, "add") && npos == 2) {
		path = hpcnet_xasprintf("/api/v1/orgs/%s/members", e1);
		rc = hpcnet_cli_write("POST", path, json_pack("{s:s, s:s}", "user", pos[1], "role",
							      f.admin ? "admin" : "member"),
				      json, f.admin ? "Now an admin of the org." : "Now a member of the org.");
	} else if (!strcmp(sub, "remove") && npos == 2) {
		path = hpcnet_xasprintf("/api/v1/orgs/%s/members/%s", e1, e2);
		rc = hpcnet_cli_write("DELETE", path, NULL, json, "Removed from the org.");
	} else if (!strcmp(sub, "invite") && npos == 1) {
		json_t *b = json_pack("{s:s}", "role", f.admin ? "admin" : "member"), *resp = NULL;
		struct hpcnet_cli c;

		if (f.expires)
			json_object_set_new(b, "expires_in", json_integer(atoll(f.expires)));
		path = hpcnet_xasprintf("/api/v1/orgs/%s/invites", e1);
		memset(&c, 0, sizeof(c));
		rc = hpcnet_cli_open(&c, 1);
		if (rc == 0)
			rc = hpcnet_cli_call(&c, "POST", path, b, NULL, 0, NULL, &resp);
		if (rc == 0 && json)
			hpcnet_cli_print_json(resp);
		else if (rc == 0)
			printf("Invite code (shown once, valid until %s):\n  %s\n"
			       "The new user signs up with: hpcnet signup --hub %s --invite %s NAME\n",
			       hpcnet_cli_str(resp, "expires_at"), hpcnet_cli_str(resp, "code"), c.hub,
			       hpcnet_cli_str(resp, "code"));
		json_decref(resp);
		json_decref(b);
		hpcnet_cli_close(&c);
	} else {
		rc = hpcnet_cli_usage_error(orgs_usage);
	}
	free(path);
	free(e1);
	free(e2);
	return rc;
}

int hpcnet_cli_orgs(int argc, char **argv)
{
	static const char *const h[] = { "NAME", "KIND", "MY ROLE", "ID", "CREATED" };
	static const char *const k[] = { "name", "kind", "my_role", "id", "created_at" };
	int json = hpcnet_cli_take_json(&argc, argv);

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(orgs_usage, stdout);
		return HPCNET_EXIT_OK;
	}
	if (argc > 1)
		return hpcnet_cli_exit_code(orgs_sub(argc - 1, argv + 1, json));
	return hpcnet_cli_exit_code(hpcnet_cli_list("/api/v1/orgs", json, 5, h, k));
}

static int projects_sub(int argc, char **argv, int json)
{
	const char *sub = argv[0];
	char *path = NULL, *e1 = NULL, *e2 = NULL;
	struct flags f;
	int npos, rc;
	char **pos;

	rc = parse_sub(argc, argv, projects_usage, &f, &pos, &npos);
	if (rc)
		return rc > 0 ? 0 : rc;
	e1 = npos > 0 ? hpcnet_cli_escape(pos[0]) : NULL;
	e2 = npos > 1 ? hpcnet_cli_escape(pos[1]) : NULL;
	if (!strcmp(sub, "create") && npos == 2) {
		json_t *b = json_pack("{s:s, s:s}", "org", pos[0], "name", pos[1]);

		if (f.description)
			json_object_set_new(b, "description", json_string(f.description));
		rc = hpcnet_cli_write("POST", "/api/v1/projects", b, json, "Project created.");
	} else if (!strcmp(sub, "members") && npos == 1) {
		static const char *const h[] = { "USER", "ID", "ADDED" };
		static const char *const k[] = { "user_name", "user_id", "added_at" };

		path = hpcnet_xasprintf("/api/v1/projects/%s/members", e1);
		rc = hpcnet_cli_list(path, json, 3, h, k);
	} else if (!strcmp(sub, "add") && npos == 2) {
		path = hpcnet_xasprintf("/api/v1/projects/%s/members", e1);
		rc = hpcnet_cli_write("POST", path, json_pack("{s:s}", "user", pos[1]), json,
				      "Added to the project.");
	} else if (!strcmp(sub, "remove") && npos == 2) {
		path = hpcnet_xasprintf("/api/v1/projects/%s/members/%s", e1, e2);
		rc = hpcnet_cli_write("DELETE", path, NULL, json, "Removed from the project.");
	} else {
		rc = hpcnet_cli_usage_error(projects_usage);
	}
	free(path);
	free(e1);
	free(e2);
	return rc;
}

int hpcnet_cli_projects(int argc, char **argv)
{
	static const char *const h[] = { "ORG", "NAME", "ID", "CREATED" };
	static const char *const k[] = { "org_name", "name", "id", "created_at" };
	int json = hpcnet_cli_take_json(&argc, argv), npos, rc;
	char *path, *org;
	struct flags f;

	if (argc > 1 && argv[1][0] != '-')
		return hpcnet_cli_exit_code(projects_sub(argc - 1, argv + 1, json));
	rc = parse_flags(argc, argv, projects_usage, &f, &npos);
	if (rc)
		return rc > 0 ? HPCNET_EXIT_OK : hpcnet_cli_exit_code(rc);
	if (npos)
		return hpcnet_cli_exit_code(hpcnet_cli_usage_error(projects_usage));
	org = f.org ? hpcnet_cli_escape(f.org) : NULL;
	path = org ? hpcnet_xasprintf("/api/v1/projects?org=%s", org) : hpcnet_xstrdup("/api/v1/projects");
	rc = hpcnet_cli_list(path, json, 4, h, k);
	free(path);
	free(org);
	return hpcnet_cli_exit_code(rc);
}
