/*
 * fixture: what a unit test of a feature's domain stands on, as the server
 * has it: a fresh temporary directory with a master key, a migrated SQLite
 * store, a profile (bundled by name, or a file), the default configuration
 * with the per-address sign-in limits lifted (tests sign in often) and jansson
 * allocating through xmalloc. Included by one test file each (static
 * functions); include it after the project headers and before <cmocka.h>'s
 * users call assert_*.
 */
#ifndef GLOVEBOX_TEST_FIXTURE_H
#define GLOVEBOX_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "boot.h"
#include "config.h"
#include "crypto.h"
#include "mem.h"
#include "policy.h"
#include "store.h"

#define FIXTURE_SIGNINS 100000 /* per-address sign-ins allowed in a test */

static char fixture_dir[64];

/* Opens the fixture with profile: a bundled profile's name, or a path. */
static int fixture_open(const char *profile)
{
	char path[128], err[256];
	mem_init();
	config_init(&app.cfg);
	app.cfg.signin_per_minute = FIXTURE_SIGNINS;
	app.cfg.signin_per_hour = FIXTURE_SIGNINS;
	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/gb-unit-XXXXXX");
	if (!mkdtemp(fixture_dir) || crypto_init() != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/master.key", fixture_dir);
	if (crypto_keys_load(path, NULL, &app.keys, err, sizeof(err)) != 0)
		return -1;
	snprintf(path, sizeof(path), "sqlite:%s/unit.db", fixture_dir);
	int applied;
	if (store_open(path, 2, &app.store, err, sizeof(err)) != 0 ||
	    store_migrate(app.store, &applied, err, sizeof(err)) != 0) {
		fprintf(stderr, "fixture: %s\n", err);
		return -1;
	}
	struct policy_diags d = {0};
	app.policy = strchr(profile, '/') ? policy_load_file(profile, &d)
					  : policy_load_bundled(profile, &d);
	if (!app.policy)
		return -1;
	app.site_name = app.policy->site_name;
	return 0;
}

/* Closes what fixture_open opened and removes the directory. */
static int fixture_close(void)
{
	boot_close();
	config_release(&app.cfg);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fixture_dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
