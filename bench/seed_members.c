/*
 * seed_members: N members for bench/mail.sh, written the way sign-up writes
 * them (a data subject with its own key, sealed fields, the blind index,
 * member news switched on in the ledger, the address confirmed) but with a
 * fixed password hash, since the bench measures mail, not Argon2id.
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
#include "members.h"
#include "store.h"

static const char SQL_MEMBER[] = "INSERT INTO members (id, email_index, name, email, "
				 "date_of_birth, password_hash, created_at, "
				 "failed_logins, locked_until, email_confirmed_at) VALUES ($1, $2, "
				 "$3, $4, $5, $6, $7, 0, 0, $7)";

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	long n = strtol(argv[1], NULL, 10);
	int nargs = 0;
	bool help = false;
	config_init(&app.cfg);
	if (config_load(&app.cfg, argc - 2, argv + 2, &nargs, &help, stderr) != 0 ||
	    app_open(APP_MIGRATE | APP_PROFILE) != 0)
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
		unsigned char index[CRYPTO_INDEX_BYTES], *ct[3];
		size_t len[3];
		const char *vals[3] = {name, email, "1970-01-01"};
		if (broker_subject_new(c, "member", purpose, cats, 3, &id, &g, &why) != 0)
			return 1;
		for (int k = 0; k < 3; k++)
			if (broker_seal(g, cats[k], "members", cats[k], id, vals[k],
					strlen(vals[k]), &ct[k], &len[k]) != 0)
				return 1;
		email_blind_index(MEMBER_EMAIL_DOMAIN, email, index);
		struct store_val row[] = {SV_INT(id),
					  SV_BLOB(index, sizeof(index)),
					  SV_BLOB(ct[0], len[0]),
					  SV_BLOB(ct[1], len[1]),
					  SV_BLOB(ct[2], len[2]),
					  SV_TEXT("$argon2id$v=19$m=19456,t=2,p=1$bench$bench"),
					  SV_INT(now)};
		if (store_exec(c, SQL_MEMBER, row, 7, NULL, NULL) < 0 ||
		    broker_consent_set(c, id, "member_news", true, "form") != 0)
			return 1;
		for (int k = 0; k < 3; k++)
			free(ct[k]);
		broker_grant_free(g);
		if ((i + 1) % 1000 == 0 || i + 1 == n)
			if (store_commit(c) != 0)
				return 1;
	}
	store_release(c);
	app_close();
	printf("%ld members\n", n);
	return 0;
}
