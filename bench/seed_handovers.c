/*
 * seed_handovers: N members of the mini-insiders profile for
 * bench/handovers.sh, written the way sign-up writes them (a data subject
 * with its own key, the fields through the record layer, the address
 * confirmed, the age screen's fact kept and the date of birth only where
 * the profile needs it) with a fixed password hash, and for each a hand-over to one
 * affiliate queued through handover_queue, as a yes to affiliate offers
 * queues it. Usage: seed_handovers N RECIPIENT [glovebox configuration flags]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "boot.h"
#include "broker.h"
#include "config.h"
#include "handover.h"
#include "members.h"
#include "record.h"
#include "store.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = strtol(argv[1], NULL, 10);
	const char *recipient = argv[2];
	int nargs = 0;
	bool help = false;
	config_init(&app.cfg);
	if (config_load(&app.cfg, argc - 3, argv + 3, &nargs, &help, stderr) != 0 ||
	    boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		return 1;
	static const char *const cats[] = {"name", "email", "postal_address", "phone",
					   "date_of_birth"};
	int64_t now = (int64_t)time(NULL);
	struct store_conn *c = store_acquire(app.store);
	for (long i = 0; i < n; i++) {
		if (i % 1000 == 0 && store_begin(c) != 0)
			return 1;
		char name[64], email[64], address[64];
		snprintf(name, sizeof(name), "Bench Member %ld", i);
		snprintf(email, sizeof(email), "bench%ld@example.org", i);
		snprintf(address, sizeof(address), "%ld Bench Street, Springfield", i);
		int64_t id;
		struct broker_grant *g;
		enum decision_reason why;
		const struct record_field row[] = {
			{"name", SV_TEXT(name)},
			{"email", SV_TEXT(email)},
			{"postal_address", SV_TEXT(address)},
			{"phone", SV_TEXT("+1 555 0100")},
			{"password_hash", SV_TEXT("$argon2id$v=19$m=19456,t=2,p=1$bench$bench")},
			{"created_at", SV_INT(now)},
			{"email_confirmed_at", SV_INT(now)},
			{"age_stated_at", SV_INT(now)},
			{"age_stated_min", SV_INT(app.policy->settings.minimum_age)},
			/* Last: kept only where the profile needs it, as sign-up does. */
			{"date_of_birth", SV_TEXT("1970-01-01")},
		};
		size_t nrow = ARRAY_LEN(row) - (members_keep_birth_date() ? 0 : 1);
		if (broker_subject_new(c, "member", "insider_account", cats, ARRAY_LEN(cats), 0,
				       &id, &g, &why) != 0 ||
		    record_insert(c, g, "members", id, row, nrow) < 0 ||
		    handover_queue(c, recipient, "affiliate_offers", id, "bench", &why) != 1)
			return 1;
		broker_grant_free(g);
		if ((i + 1) % 1000 == 0 || i + 1 == n)
			if (store_commit(c) != 0)
				return 1;
	}
	store_release(c);
	boot_close();
	printf("%ld members, %ld hand-overs queued\n", n, n);
	return 0;
}
