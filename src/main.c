/*
 * main: the glovebox command line. A table of commands, each with its
 * synopsis and help; every command takes the configuration flags
 * (config.h) and --help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "boot.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "progress.h"
#include "audit.h"
#include "broker.h"
#include "policy.h"
#include "privacy.h"
#include "record.h"
#include "route.h"
#include "retention.h"
#include "server.h"
#include "campaign.h"
#include "crypto.h"
#include "deliver.h"
#include "dkim.h"
#include "handover.h"
#include "staff.h"
#include "vin_cli.h"
#include "store.h"
#include "version.h"
#include "text.h"

struct command {
	const char *name;
	const char *synopsis;
	const char *help;
	int min_args, max_args;
	int (*run)(int argc, char **argv);
	bool own_flags; /* takes flags of its own (own_flag()), e.g. --role */
};

static int cmd_serve(int argc, char **argv)
{
	return server_run();
}

static int cmd_migrate(int argc, char **argv)
{
	if (boot_open(APP_MIGRATE) != 0)
		return 1;
	printf("schema version %d\n", store_schema_version(app.store));
	boot_close();
	return 0;
}

static int cmd_backup(int argc, char **argv)
{
	char err[256];
	if (boot_open(0) != 0)
		return 1;
	int rc = store_backup(app.store, argv[0], broker_key_tables, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "glovebox: backup failed: %s\n", err);
	else
		printf("backup written to %s\n", argv[0]);
	boot_close();
	return rc ? 1 : 0;
}

static int cmd_version(int argc, char **argv)
{
	printf("glovebox %s\n", GLOVEBOX_VERSION);
	return 0;
}

static int profile_check(int argc, char **argv)
{
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct policy_diags d = {0};
		struct policy *p = policy_load_file(argv[i], &d);
		if (!p) {
			policy_diags_print(&d, argv[i], stderr);
			rc = 1;
			continue;
		}
		char err[256];
		if (campaign_mailing_house_check(p, app.cfg.campaign_mailing_house, err,
						 sizeof(err)) != 0) {
			fprintf(stderr, "%s: campaign-mailing-house: %s\n", argv[i], err);
			rc = 1;
		} else {
			printf("%s: ok (profile %s, version %d, effective %s)\n", argv[i], p->name,
			       p->version, p->effective);
		}
		policy_free(p);
	}
	return rc;
}

static int profile_publish(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "Usage: glovebox profile publish FILE\n");
		return 2;
	}
	struct policy_diags d = {0};
	struct policy *p = policy_load_file(argv[0], &d);
	if (!p) {
		policy_diags_print(&d, argv[0], stderr);
		return 1;
	}
	int rc = 1;
	if (boot_open(APP_MIGRATE) == 0) {
		int r = privacy_publish_listing(app.store, p, stdout, stderr);
		if (r == 1)
			printf("%s version %d is already published\n", p->name, p->version);
		rc = r < 0 ? 1 : 0;
	}
	policy_free(p);
	boot_close();
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} profile_commands[] = {
	{"check", profile_check},
	{"publish", profile_publish},
};

static int cmd_profile(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(profile_commands) / sizeof(profile_commands[0]); i++)
		if (strcmp(argv[0], profile_commands[i].name) == 0) {
			if (argc < 2) {
				fprintf(stderr, "Usage: glovebox profile %s FILE...\n", argv[0]);
				return 2;
			}
			return profile_commands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "glovebox: unknown profile command '%s'\n", argv[0]);
	return 2;
}

static int cmd_retention(int argc, char **argv)
{
	int64_t at = (int64_t)time(NULL);
	if (strcmp(argv[0], "run") != 0 || (argc == 2 && retention_parse_time(argv[1], &at) != 0)) {
		fprintf(stderr, "Usage: glovebox retention run [UNIXTIME|YYYY-MM-DD]\n");
		return 2;
	}
	if (boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		return 1;
	int64_t n = retention_run(at);
	if (n >= 0)
		printf("retention: %lld record(s) purged\n", (long long)n);
	boot_close();
	return n < 0 ? 1 : 0;
}

static int cmd_keys(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "restore") != 0) {
		fprintf(stderr, "Usage: glovebox keys restore URL\n");
		return 2;
	}
	char err[256];
	struct store *into = NULL;
	if (boot_open(0) != 0)
		return 1;
	int rc = 1;
	if (store_open(argv[1], 1, &into, err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: restored database: %s\n", err);
	} else {
		int64_t copied = 0, removed = 0;
		if (record_keys_restore(app.store, into, &copied, &removed) == 0) {
			printf("%lld data key(s) restored; %lld subject(s) erased since the backup "
			       "removed from it\n",
			       (long long)copied, (long long)removed);
			rc = 0;
		} else {
			fprintf(stderr, "glovebox: the keys could not be restored\n");
		}
		store_close(into);
	}
	boot_close();
	return rc;
}

/* The declaration of personal data (record.h), for operators and the schema test. */
static int cmd_records(int argc, char **argv)
{
	json_t *doc = record_declaration();
	json_dumpf(doc, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(doc);
	return 0;
}

/* The flags `glovebox routes` shows, by the name it gives them. */
static const struct {
	unsigned flag;
	const char *name;
} route_flag_names[] = {
	{ROUTE_CROSS_SITE, "cross_site"}, /* another site may post to it */
	{ROUTE_PRESESSION, "presession"}, /* its form needs the pre-session token */
	{ROUTE_SLOW, "slow"},		  /* it hashes a password, on the workers */
	{ROUTE_METRICS, "metrics"},	  /* served on the metrics listener only */
	{ROUTE_RECENT, "recent"},	  /* staff: a password entered recently too */
};

/* The route table: each address, its methods, who may call it, the limit
 * per client address it counts against, and its flags. */
static int cmd_routes(int argc, char **argv)
{
	json_t *list = json_array();
	for (size_t i = 0; i < routes_count; i++) {
		const struct route *rt = &routes[i];
		json_t *methods = json_array();
		for (unsigned bit = HTTP_GET; bit < HTTP_OTHER; bit <<= 1)
			if (rt->methods & bit)
				json_array_append_new(methods, json_string(route_method_name(
								       (enum http_method)bit)));
		json_t *o = json_pack("{s:o,s:s,s:s,s:b,s:b}", "methods", methods, "pattern",
				      rt->pattern, "access", route_access_name(rt->access), "api",
				      (rt->flags & ROUTE_API) != 0, "form", rt->body == BODY_FORM);
		if (rt->limit)
			json_object_set_new(o, "limit", json_string(rt->limit->name));
		for (size_t k = 0; k < ARRAY_LEN(route_flag_names); k++)
			if (rt->flags & route_flag_names[k].flag)
				json_object_set_new(o, route_flag_names[k].name, json_true());
		if (rt->access == ACCESS_STAFF) {
			json_object_set_new(o, "purpose_from",
					    json_string(route_purpose_name(rt->purpose_from)));
			if (rt->purpose)
				json_object_set_new(o, "purpose", json_string(rt->purpose));
		}
		json_array_append_new(list, o);
	}
	json_dumpf(list, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(list);
	return 0;
}

/*
 * A command's own flags ("staff add EMAIL --role ROLE") are taken out of argv
 * before the configuration flags are read; own_flag() returns their values.
 */
static const struct {
	const char *name;
	bool takes_value;
} own_flags[] = {{"role", true},    {"lenient", false}, {"purpose", true},
		 {"subject", true}, {"log", true},	{"accept-broken", false}};
#define NOWN (sizeof(own_flags) / sizeof(own_flags[0]))
static const char *own_flag_values[NOWN];

static const char *own_flag(const char *name)
{
	for (size_t i = 0; i < NOWN; i++)
		if (strcmp(own_flags[i].name, name) == 0)
			return own_flag_values[i];
	return NULL;
}

/* Removes --NAME VALUE and --NAME=VALUE (or --NAME, for a flag without a
 * value: its value is then "") for the own flags; returns the new argc. */
static int take_own_flags(int argc, char **argv)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		bool taken = false;
		for (size_t k = 0; k < NOWN && !taken && text_after(argv[i], "--"); k++) {
			size_t len = strlen(own_flags[k].name);
			if (strncmp(argv[i] + 2, own_flags[k].name, len) != 0)
				continue;
			if (!own_flags[k].takes_value) {
				if (argv[i][2 + len] == '\0') {
					own_flag_values[k] = "";
					taken = true;
				}
			} else if (argv[i][2 + len] == '=') {
				own_flag_values[k] = argv[i] + 3 + len;
				taken = true;
			} else if (argv[i][2 + len] == '\0' && i + 1 < argc) {
				own_flag_values[k] = argv[++i];
				taken = true;
			}
		}
		if (!taken)
			argv[n++] = argv[i];
	}
	return n;
}

/* The chain (audit.h), and with --log FILE the heads that log recorded. */
static int audit_verify_cmd(void)
{
	const char *log = own_flag("log");
	struct audit_log_heads heads = {0};
	if (log && audit_log_heads_read(log, &heads) != 0) {
		fprintf(stderr, "glovebox: cannot read %s: %s\n", log, strerror(errno));
		return 1;
	}
	/* Checks what is there: an old chain is not re-keyed by looking at it. */
	if (boot_open(APP_MIGRATE | APP_OLD_CHAIN) != 0) {
		audit_log_heads_release(&heads);
		return 1;
	}
	struct audit_report r;
	struct store_conn *c = store_acquire(app.store);
	int rc = audit_verify(c, log ? &heads : NULL, &r);
	store_release(c);
	if (rc == 0) {
		printf("access log intact: %lld entries, head at entry %lld", (long long)r.entries,
		       (long long)r.head.seq);
		if (r.old_chain)
			printf(", under the old hash (re-keyed at the next start)");
		if (log)
			printf("; %zu heads in the log reached (%s)", r.log_heads, log);
		putchar('\n');
		if (log && !heads.n)
			fprintf(stderr, "glovebox: %s holds no head of the access log\n", log);
	} else if (rc > 0) {
		char why[512];
		audit_break_describe(&r, log, why, sizeof(why));
		printf("access log broken at entry %lld: %s%s\n", (long long)r.bad_seq, why,
		       r.old_chain ? " (under the old hash, not re-keyed)" : "");
	} else {
		fprintf(stderr, "glovebox: the access log could not be read\n");
	}
	audit_log_heads_release(&heads);
	boot_close();
	return rc == 0 ? 0 : 1;
}

/* Re-keys a chain from before the audit key by hand: what start does, or
 * with --accept-broken a broken one as it stands. */
static int audit_rekey_cmd(void)
{
	bool accept = own_flag("accept-broken") != NULL;
	if (boot_open(APP_MIGRATE | APP_OLD_CHAIN) != 0)
		return 1;
	struct audit_report r;
	int64_t rekeyed = 0;
	char why[256];
	struct store_conn *c = store_acquire(app.store);
	int rc = audit_upgrade(c, accept, &r, &rekeyed);
	store_release(c);
	audit_break_describe(&r, NULL, why, sizeof(why));
	if (rc == 0 && r.why != AUDIT_INTACT)
		printf("access log re-keyed over a break at entry %lld (%s): %lld entries\n",
		       (long long)r.bad_seq, why, (long long)rekeyed);
	else if (rc == 0 && rekeyed)
		printf("access log re-keyed: %lld entries\n", (long long)rekeyed);
	else if (rc == 0)
		printf("access log already under its key\n");
	else if (rc > 0)
		printf("access log broken at entry %lld: %s; not re-keyed (--accept-broken "
		       "re-keys it as it stands)\n",
		       (long long)r.bad_seq, why);
	else
		fprintf(stderr, "glovebox: the access log could not be re-keyed\n");
	boot_close();
	return rc == 0 ? 0 : 1;
}

static const struct {
	const char *name;
	int (*run)(void);
} audit_commands[] = {
	{"verify", audit_verify_cmd},
	{"rekey", audit_rekey_cmd},
};

static int cmd_audit(int argc, char **argv)
{
	for (size_t i = 0; i < ARRAY_LEN(audit_commands); i++)
		if (strcmp(argv[0], audit_commands[i].name) == 0)
			return audit_commands[i].run();
	fprintf(stderr, "Usage: glovebox audit verify [--log FILE] | rekey [--accept-broken]\n");
	return 2;
}

static int staff_add(int argc, char **argv)
{
	return argc == 1 ? staff_cli_add(argv[0], own_flag("role"), stdout) : -1;
}

static int staff_reset(int argc, char **argv)
{
	return argc == 1 ? staff_cli_reset(argv[0], stdout) : -1;
}

static int staff_remove(int argc, char **argv)
{
	return argc == 1 ? staff_cli_remove(argv[0], stdout) : -1;
}

static int staff_list(int argc, char **argv)
{
	return argc == 0 ? staff_cli_list(stdout) : -1;
}

static const struct {
	const char *name, *usage;
	int (*run)(int argc, char **argv);
} staff_commands[] = {
	{"add", "staff add EMAIL --role ROLE", staff_add},
	{"reset", "staff reset EMAIL", staff_reset},
	{"remove", "staff remove EMAIL", staff_remove},
	{"list", "staff list", staff_list},
};

static int cmd_staff(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(staff_commands) / sizeof(staff_commands[0]); i++) {
		if (strcmp(argv[0], staff_commands[i].name) != 0)
			continue;
		if (boot_open(APP_MIGRATE | APP_PROFILE) != 0)
			return 1;
		int rc = staff_commands[i].run(argc - 1, argv + 1);
		boot_close();
		if (rc < 0) {
			fprintf(stderr, "Usage: glovebox %s\n", staff_commands[i].usage);
			rc = 2;
		}
		return rc;
	}
	fprintf(stderr, "glovebox: unknown staff command '%s'\n", argv[0]);
	return 2;
}

static int cmd_vin(int argc, char **argv)
{
	return vin_cli(argc, argv, own_flag("lenient") != NULL, stdin, stdout);
}

static int cmd_mail(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "campaign") != 0) {
		fprintf(stderr,
			"Usage: glovebox mail campaign --purpose PURPOSE --subject TEXT FILE\n");
		return 2;
	}
	if (boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		return 1;
	int rc = campaign_cli(own_flag("purpose"), own_flag("subject"), argv[1], stdout);
	boot_close();
	return rc;
}

/* handover queue RECIPIENT PURPOSE: every member the broker allows it
 * for (a recipient or purpose added to the profile); handover deliver: one
 * delivery pass with the configured channels. */
static int cmd_handover(int argc, char **argv)
{
	bool queue = (argc == 3 || argc == 4) && strcmp(argv[0], "queue") == 0;
	if (!queue && !(argc == 1 && strcmp(argv[0], "deliver") == 0)) {
		fprintf(stderr, "Usage: glovebox handover queue RECIPIENT PURPOSE [MEMBER]\n"
				"       glovebox handover deliver\n");
		return 2;
	}
	if (boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		return 1;
	int rc = 1;
	char err[256];
	if (queue && argc == 4) {
		enum decision_reason why;
		int64_t id = strtoll(argv[3], NULL, 10);
		int r = id > 0 ? handover_queue_one(argv[1], argv[2], id, &why) : -1;
		if (r > 0) {
			printf("1 hand-overs queued\n");
			rc = 0;
		} else {
			fprintf(stderr, "glovebox: not queued: %s\n",
				r == 0 && why != DECISION_ALLOWED ? policy_reason_message(why)
				: r == 0 ? "no such member, or none of the fields"
					 : "the store failed");
		}
	} else if (queue) {
		int64_t queued, refused;
		if (handover_queue_all(argv[1], argv[2], &queued, &refused) != 0) {
			fprintf(stderr,
				"glovebox: %s does not take %s (an affiliate-offers purpose) under "
				"the profile in force, or the store failed\n",
				argv[1], argv[2]);
		} else {
			printf("%lld hand-overs queued, %lld members not handed over\n",
			       (long long)queued, (long long)refused);
			rc = 0;
		}
	} else if (deliver_channels_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: handover-config: %s\n", err);
	} else {
		int64_t n = 0, k;
		while ((k = deliver_pass()) > 0)
			n += k;
		printf("%lld hand-overs delivered\n", (long long)n);
		rc = k < 0 && n == 0 ? 1 : 0;
		deliver_channels_free();
	}
	boot_close();
	return rc;
}

static int cmd_dkim(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[0], "keygen") != 0) {
		fprintf(stderr,
			"Usage: glovebox dkim keygen FILE [--dkim-selector S --dkim-domain D]\n");
		return 2;
	}
	if (crypto_init() != 0)
		return 1;
	const char *domain = app.cfg.dkim_domain, *at = strchr(app.cfg.mail_from, '@');
	if (!*domain)
		domain = at ? at + 1 : "example.org";
	return dkim_keygen(argv[1], app.cfg.dkim_selector, domain, stdout);
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{"serve", "serve [OPTIONS]", "Serve the site and the API until SIGTERM.", 0, 0, cmd_serve,
	 false},
	{"migrate", "migrate [OPTIONS]", "Apply database migrations and print the schema version.",
	 0, 0, cmd_migrate, false},
	{"backup", "backup FILE [OPTIONS]",
	 "Write a consistent copy of the database to FILE (SQLite copy or pg_dump SQL). Personal\n"
	 "    fields stay sealed in it; a member erased later cannot be read from it.",
	 1, 1, cmd_backup, false},
	{"profile", "profile check|publish FILE...",
	 "check: check profiles, printing problems as FILE:LINE:COL: message.\n"
	 "    publish: install a new version of the profile in force (NAM10, INS14).",
	 2, 64, cmd_profile, false},
	{"audit", "audit verify|rekey",
	 "verify [--log FILE]: walk the access log's chain to its head and name the first\n"
	 "    broken entry; with --log, check too that it reaches every head FILE recorded.\n"
	 "    rekey [--accept-broken]: put a chain from before the audit key under it (done at\n"
	 "    start; a broken one only with --accept-broken, which logs the break).",
	 1, 1, cmd_audit, true},
	{"retention", "retention run [AT]",
	 "Purge personal data whose retention has passed, judged at AT (Unix time or\n"
	 "    YYYY-MM-DD; default now). Logs counts only.",
	 1, 2, cmd_retention, false},
	{"keys", "keys restore URL",
	 "After restoring a backup into the database at URL (backups hold no data keys), copy\n"
	 "    in the keys of everyone still live here, and remove from it everyone erased since\n"
	 "    the backup was taken: nothing of them can be opened or used.",
	 2, 2, cmd_keys, false},
	{"records", "records",
	 "Print the declaration of personal data: every table that holds a person's rows, every\n"
	 "    sealed column with its category and blind index, and the retention rules (JSON).",
	 0, 0, cmd_records, false},
	{"routes", "routes",
	 "Print every address the server answers, its methods and who may call it (JSON).", 0, 0,
	 cmd_routes, false},
	{"staff", "staff add|reset|remove|list",
	 "add EMAIL --role ROLE: create a staff account with a role of the profile and print\n"
	 "    its one-time enrolment token. reset EMAIL: remove its password and second factor,\n"
	 "    end its sessions, print a new token. remove EMAIL: delete it (its data key too).\n"
	 "    list: the staff accounts.",
	 1, 2, cmd_staff, true},
	{"mail", "mail campaign --purpose P --subject S FILE",
	 "Send the text in FILE (- for standard input) as news under purpose P to every member\n"
	 "    with a confirmed address whom the profile and their choices allow; each message\n"
	 "    has a one-click unsubscribe. Messages leave through the outbox.",
	 2, 2, cmd_mail, true},
	{"handover", "handover queue RECIPIENT PURPOSE [MEMBER] | handover deliver",
	 "Queue a hand-over to RECIPIENT for PURPOSE: of one MEMBER, or, for an\n"
	 "    affiliate-offers purpose, of every member whose choice allows it (after adding an\n"
	 "    affiliate); or deliver what is due once.",
	 1, 4, cmd_handover, false},
	{"dkim", "dkim keygen FILE",
	 "Write a new Ed25519 DKIM key to FILE (0600, never overwriting) and print the DNS TXT\n"
	 "    record to publish for --dkim-selector and --dkim-domain (or mail-from's domain).",
	 2, 2, cmd_dkim, false},
	{"vin", "vin [--lenient] [VIN...]",
	 "Check and decode VINs (or one per line of standard input): one JSON line each with\n"
	 "    vin, valid, errors, warnings, manufacturer, make, country, model_year, plant.\n"
	 "    Strict (check digit required) unless --lenient. Exit 3 if any is invalid.",
	 0, 1 << 30, cmd_vin, true},
	{"version", "version", "Print the version.", 0, 0, cmd_version, false},
	{"help", "help [COMMAND]", "Show help for all commands or one.", 0, 1, cmd_help, false},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"glovebox %s: the privacy-profile driven back end of a car community.\n\n"
		"Usage: glovebox COMMAND [ARGS] [OPTIONS]\n\nCommands:\n",
		GLOVEBOX_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-24s %s\n", commands[i].synopsis, commands[i].help);
	fprintf(out, "\n");
	config_usage(out);
}

static void command_usage(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: glovebox %s\n\n%s\n\n", c->synopsis, c->help);
	config_usage(out);
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c = argc ? command_find(argv[0]) : NULL;
	if (argc && !c) {
		fprintf(stderr, "glovebox: unknown command '%s'\n", argv[0]);
		return 2;
	}
	if (c)
		command_usage(c, stdout);
	else
		usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	mem_init();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	const struct command *c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "glovebox: unknown command '%s' (see glovebox --help)\n", argv[1]);
		return 2;
	}
	config_init(&app.cfg);
	if (c->own_flags)
		argc = 2 + take_own_flags(argc - 2, argv + 2);
	int nargs = 0;
	bool help = false;
	int rc = 2;
	if (config_load(&app.cfg, argc - 2, argv + 2, &nargs, &help, stderr) != 0)
		goto out;
	if (help) {
		command_usage(c, stdout);
		rc = 0;
		goto out;
	}
	if (nargs < c->min_args || nargs > c->max_args) {
		fprintf(stderr, "Usage: glovebox %s\n", c->synopsis);
		goto out;
	}
	enum log_level level = LOG_INFO;
	if (log_level_parse(app.cfg.log_level, &level) != 0) {
		fprintf(stderr, "glovebox: unknown log level '%s'\n", app.cfg.log_level);
		goto out;
	}
	if (log_open(app.cfg.log_file, level) != 0) {
		fprintf(stderr, "glovebox: cannot open log file %s\n", app.cfg.log_file);
		goto out;
	}
	/* A long command shows how far it has got on a terminal (progress.h);
	 * the server's standard error is its log. */
	if (c->run != cmd_serve && isatty(fileno(stderr)))
		progress_enable(stderr);
	rc = c->run(nargs, argv + 2);
	log_close();
out:
	config_release(&app.cfg);
	return rc;
}
