/*
 * seed_members: N members for bench/mail.sh, written the way sign-up writes
 * them (a data subject with its own key, the fields through the record
 * layer, member news switched on in the ledger, the address confirmed) but
 * with a fixed password hash, since the bench measures mail, not Argon2id.
 * Usage: seed_members N [glovebox configuration flags]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "crypto.h"
#include "record.h"
#include "store.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long n = strtol(argv[1], NULL, 10);
	int nargs = 0;
	bool help = false;
	config_init(&app.cfg);
	if (config_load(&app.cfg, argc - 2, argv + 2, &nargs, &help, stderr) != 0 ||
	    boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		return 1;
	static const char *const cats[] = {"name", "email", "date_of_birth"};
	const char *purpose = "account";
	int64_t now = (int64_t)time(NULL);
	struct store_conn *c = store_acquire(app.store);
	for (long i = 0; i < n; i++) {
		if (i % 1000 == 0 && store_begin(c) != 0)
			return 1;
		char name[64], email[64];
		snprintf(name, sizeof(name), "Bench Member %ld", i);
		snprintf(email, sizeof(email), "bench%ld@example.org", i);
		int64_t id;
		struct broker_grant *g;
		enum decision_reason why;
		const struct record_field row[] = {
			{"name", SV_TEXT(name)},
			{"email", SV_TEXT(email)},
			{"date_of_birth", SV_TEXT("1970-01-01")},
			{"password_hash", SV_TEXT("$argon2id$v=19$m=19456,t=2,p=1$bench$bench")},
			{"created_at", SV_INT(now)},
			{"email_confirmed_at", SV_INT(now)},
		};
		if (broker_subject_new(c, "member", purpose, cats, ARRAY_LEN(cats), 0, &id, &g,
				       &why) != 0 ||
		    record_insert(c, g, "members", id, row, ARRAY_LEN(row)) < 0 ||
		    broker_consent_set(c, id, "member_news", true, "form") != 0)
			return 1;
		broker_grant_free(g);
		if ((i + 1) % 1000 == 0 || i + 1 == n)
			if (store_commit(c) != 0)
				return 1;
	}
	store_release(c);
	boot_close();
	printf("%ld members\n", n);
	return 0;
}
