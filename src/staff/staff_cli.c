/*
 * staff_cli: `glovebox staff add|reset|remove|list`, the operator's way to
 * manage staff accounts (docs/operations.md), a thin adapter over staff.h
 * that prints what was done, and the one-time enrolment token, once.
 */
#include "staff.h"

#include <string.h>
#include <time.h>

#include "app.h"
#include "crypto.h"
#include "policy.h"

/* Exit codes of the staff commands. */
#define EXIT_DONE   0
#define EXIT_FAILED 1
#define EXIT_USAGE  2

#define SECONDS_PER_HOUR 3600

static int store_failed(const char *what)
{
	fprintf(stderr, "glovebox: the staff account could not be %s\n", what);
	return EXIT_FAILED;
}

static void print_token(FILE *out, const struct staff_token *t)
{
	fprintf(out, "enrolment token (valid %d hours, shown once): %s\n",
		STAFF_ENROL_SECONDS / SECONDS_PER_HOUR, t->token);
}

int staff_cli_add(const char *email, const char *role, FILE *out)
{
	struct staff_token t;
	struct failure f;
	if (staff_account_add(email, role, &t, &f) != 0) {
		switch (f.err) {
		case ERR_NO_SUCH_ROLE:
			fprintf(stderr,
				"glovebox: the profile '%s' has no staff role '%s'; its roles:",
				app.policy->name, role ? role : "");
			for (size_t i = 0; i < app.policy->nroles; i++)
				fprintf(stderr, " %s", app.policy->roles[i].id);
			fprintf(stderr, "\n");
			return EXIT_USAGE;
		case ERR_INVALID_FIELD:
			fprintf(stderr, "glovebox: '%s' is not an e-mail address\n",
				email ? email : "");
			return EXIT_USAGE;
		case ERR_STAFF_EXISTS:
			fprintf(stderr, "glovebox: a staff account with that e-mail address "
					"exists (glovebox staff reset EMAIL gives it a new "
					"enrolment token)\n");
			return EXIT_FAILED;
		default:
			return store_failed("created");
		}
	}
	fprintf(out, "staff account %lld created with role %s.\n", (long long)t.staff, role);
	print_token(out, &t);
	fprintf(out,
		"the staff member opens /staff/enrol?token=%s on the site to choose a password and "
		"set up their authenticator app.\n",
		t.token);
	crypto_wipe(&t, sizeof(t));
	return EXIT_DONE;
}

static int no_such_account(void)
{
	fprintf(stderr, "glovebox: no staff account has that e-mail address\n");
	return EXIT_FAILED;
}

int staff_cli_reset(const char *email, FILE *out)
{
	struct staff_token t;
	struct failure f;
	if (staff_account_reset(email, &t, &f) != 0)
		return f.err == ERR_NO_SUCH_STAFF ? no_such_account() : store_failed("reset");
	fprintf(out,
		"staff account %lld reset: password and authenticator removed, sessions ended.\n",
		(long long)t.staff);
	print_token(out, &t);
	crypto_wipe(&t, sizeof(t));
	return EXIT_DONE;
}

int staff_cli_remove(const char *email, FILE *out)
{
	int64_t id;
	struct failure f;
	if (staff_account_remove(email, &id, &f) != 0)
		return f.err == ERR_NO_SUCH_STAFF ? no_such_account() : store_failed("removed");
	fprintf(out,
		"staff account %lld removed; its data key is destroyed. Its entries in the access "
		"log stay.\n",
		(long long)id);
	return EXIT_DONE;
}

int staff_cli_list(FILE *out)
{
	json_t *list = staff_account_list(), *item;
	size_t i;
	if (!list)
		return EXIT_FAILED;
	fprintf(out, "%-18s %-16s %-10s %-10s  %s\n", "id", "role", "state", "created", "e-mail");
	json_array_foreach (list, i, item) {
		char when[32] = "";
		time_t t = (time_t)json_integer_value(json_object_get(item, "created_at"));
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d", &tm);
		const char *email = json_string_value(json_object_get(item, "email"));
		bool enrolled = json_is_true(json_object_get(item, "enrolled"));
		fprintf(out, "%-18lld %-16s %-10s %s  %s\n",
			(long long)json_integer_value(json_object_get(item, "id")),
			json_string_value(json_object_get(item, "role")),
			enrolled ? "enrolled" : "pending", when, email ? email : "(unreadable)");
	}
	json_decref(list);
	return EXIT_DONE;
}
