/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The saved login: one small JSON file, {"hub","token","token_id","user"},
 * in the XDG config directory. It holds a bearer token, so it is written
 * 0600 in a 0700 directory, and atomically, so a crash or a full disk
 * during `hpcnet login` leaves the previous login rather than a torn file
 * that locks the user out.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/fsutil.h"
#include "common/xalloc.h"

#define CONFIG_MAX (64 * 1024)

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

int hpcnet_cli_config_path(char **path)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home;

	/* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
	if (xdg && xdg[0] == '/') {
		*path = hpcnet_xasprintf("%s/hpcnet/config.json", xdg);
		return 0;
	}
	home = home_dir();
	if (!home)
		return HPCNET_ENOTFOUND;
	*path = hpcnet_xasprintf("%s/.config/hpcnet/config.json", home);
	return 0;
}

static char *dup_field(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? hpcnet_xstrdup(s) : NULL;
}

int hpcnet_cli_config_load(struct hpcnet_cli_config *cfg)
{
	char *path = NULL, *text = NULL;
	json_t *root = NULL;
	size_t len;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = hpcnet_cli_config_path(&path);
	if (rc < 0)
		goto out;
	rc = hpcnet_fs_read(path, CONFIG_MAX, &text, &len);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	root = json_loadb(text, len, 0, NULL);
	if (!json_is_object(root)) {
		rc = HPCNET_EPROTO;
		goto out;
	}
	cfg->hub = dup_field(root, "hub");
	cfg->token = dup_field(root, "token");
	cfg->token_id = dup_field(root, "token_id");
	cfg->user = dup_field(root, "user");
out:
	if (rc == HPCNET_EPROTO)
		hpcnet_cli_errorf("%s is not a saved login; remove it and run `hpcnet login`", path);
	else if (rc < 0)
		hpcnet_cli_errorf("cannot read %s: %s", path ? path : "the saved login",
				  hpcnet_strerror(rc));
	json_decref(root);
	free(text);
	free(path);
	return rc;
}

static void set_field(json_t *obj, const char *key, const char *v)
{
	if (v)
		json_object_set_new(obj, key, json_string(v));
}

int hpcnet_cli_config_save(const struct hpcnet_cli_config *cfg)
{
	json_t *root = json_object();
	char *path = NULL, *text = NULL, *slash;
	int rc;

	rc = hpcnet_cli_config_path(&path);
	if (rc < 0) {
		hpcnet_cli_errorf("cannot find a home directory to save the login in (set HOME)");
		goto out;
	}
	set_field(root, "hub", cfg->hub);
	set_field(root, "token", cfg->token);
	set_field(root, "token_id", cfg->token_id);
	set_field(root, "user", cfg->user);
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	slash = strrchr(path, '/');
	*slash = '\0';
	rc = hpcnet_fs_mkdirs(path, 0700);
	*slash = '/';
	if (rc == 0) {
		size_t n = strlen(text);

		/* a trailing newline keeps `cat` output tidy */
		text = hpcnet_xrealloc(text, n + 2);
		memcpy(text + n, "\n", 2);
		rc = hpcnet_fs_write_atomic(path, text, n + 1, 0600);
	}
	if (rc < 0)
		hpcnet_cli_errorf("cannot save the login to %s: %s", path, hpcnet_strerror(rc));
out:
	free(text);
	free(path);
	json_decref(root);
	return rc;
}

void hpcnet_cli_config_free(struct hpcnet_cli_config *cfg)
{
	free(cfg->hub);
	free(cfg->token);
	free(cfg->token_id);
	free(cfg->user);
	memset(cfg, 0, sizeof(*cfg));
}
