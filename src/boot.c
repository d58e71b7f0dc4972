/*
 * boot: building and tearing down the process-wide context of app.h for
 * the server and the commands: configuration, profile, keys, store.
 */
#include "boot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "crypto.h"
#include "dkim.h"
#include "totp.h"
#include "log.h"
#include "members.h"
#include "policy.h"
#include "store.h"

/* Connections beyond the HTTP and delivery threads' (commands, tickers). */
#define POOL_SPARE 2

/* A profile is a file when it looks like a path, else a bundled name. */
static int load_profile(const char *name)
{
	struct policy_diags d = {0};
	bool is_file = strchr(name, '/') || strstr(name, ".yaml") || strstr(name, ".yml");
	app.policy = is_file ? policy_load_file(name, &d) : policy_load_bundled(name, &d);
	if (!app.policy) {
		if (d.count)
			policy_diags_print(&d, name, stderr);
		else
			fprintf(stderr,
				"glovebox: no profile named '%s' (bundled: "
				"north-american-motoring, mini-insiders)\n",
				name);
		fprintf(stderr,
			"glovebox: refusing to start with a profile that fails its check\n");
		return -1;
	}
	app.site_name = app.policy->site_name;
	return 0;
}

static int ensure_data_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "glovebox: cannot create data directory %s: %s\n", dir, strerror(errno));
	return -1;
}

/*
 * A database from before the access log had a key of its own is re-keyed
 * once, as a step of its migration (audit_upgrade): an old chain that does
 * not verify is not, and nothing starts on it.
 */
static int audit_rekey(void)
{
	struct audit_report r;
	int64_t rekeyed = 0;
	struct store_conn *c = store_acquire(app.store);
	int rc = audit_upgrade(c, false, &r, &rekeyed);
	store_release(c);
	if (rc < 0) {
		fprintf(stderr, "glovebox: the access log could not be re-keyed\n");
		return -1;
	}
	if (rc > 0) {
		char why[256];
		audit_break_describe(&r, NULL, why, sizeof(why));
		fprintf(stderr,
			"glovebox: access log broken at entry %lld: %s (under the hash it had "
			"before the key of its own); it is not re-keyed, for that would hide the "
			"break. See docs/operations.md, \"The access log\".\n",
			(long long)r.bad_seq, why);
		return -1;
	}
	return 0;
}

int boot_open(unsigned flags)
{
	char err[256];
	config_finish(&app.cfg);
	app.site_name = "glovebox";
	if ((flags & APP_PROFILE) && load_profile(app.cfg.profile) != 0)
		return -1;
	if (crypto_init() != 0 || totp_init() != 0) {
		fprintf(stderr, "glovebox: the crypto libraries cannot be used\n");
		return -1;
	}
	if (ensure_data_dir(app.cfg.data_dir) != 0)
		return -1;
	if (crypto_keys_load(app.cfg.master_key_file, getenv("GLOVEBOX_MASTER_KEY"), &app.keys, err,
			     sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: master key: %s\n", err);
		return -1;
	}
	if (*app.cfg.dkim_key && !(app.dkim = dkim_key_load(app.cfg.dkim_key, err, sizeof(err)))) {
		fprintf(stderr, "glovebox: dkim-key: %s\n", err);
		return -1;
	}
	/* By default one connection per HTTP thread, two spare (commands, the
	 * tickers), and one per background delivery thread (mail and
	 * hand-overs), so a long delivery queue never makes a page wait for a
	 * connection. */
	long http = app.cfg.threads ? app.cfg.threads : sysconf(_SC_NPROCESSORS_ONLN);
	long background = (app.cfg.mail_workers > 0 ? app.cfg.mail_workers : 0) +
			  (app.cfg.handover_workers > 0 ? app.cfg.handover_workers : 0) +
			  (app.cfg.image_workers > 0 ? app.cfg.image_workers : 0);
	unsigned pool = app.cfg.db_pool ? (unsigned)app.cfg.db_pool
					: (unsigned)(http + POOL_SPARE + background);
	if (store_open(app.cfg.database, pool, &app.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: database: %s\n", err);
		return -1;
	}
	if (flags & APP_MIGRATE) {
		int applied = 0;
		if (store_migrate(app.store, &applied, err, sizeof(err)) != 0) {
			fprintf(stderr, "glovebox: migration failed: %s\n", err);
			return -1;
		}
		if (applied)
			log_info("applied %d migration(s); schema version %d", applied,
				 store_schema_version(app.store));
		if (!(flags & APP_OLD_CHAIN) && audit_rekey() != 0)
			return -1;
		/* NAM12, issue 12: rows from before the age screen kept only its
		 * fact (migration 017) get it; a failure is retried next start. */
		if ((flags & APP_PROFILE) && members_age_screen_upgrade() != 0)
			log_error("age screen: some members still keep their date of birth");
	}
	return 0;
}

void boot_close(void)
{
	if (app.store)
		store_close(app.store);
	if (app.keys)
		crypto_keys_free(app.keys);
	if (app.policy)
		policy_free(app.policy);
	dkim_key_free(app.dkim);
	app.store = NULL;
	app.keys = NULL;
	app.policy = NULL;
	app.dkim = NULL;
}
