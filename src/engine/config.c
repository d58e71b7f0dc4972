/*
 * config: the directive table and the three sources it is read from
 * (INI file via libinih, GLOVEBOX_* environment, --flags).
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "text.h"

enum directive_type { DT_STRING, DT_LONG, DT_BOOL };

struct directive {
	const char *key; /* INI key and flag name */
	enum directive_type type;
	size_t offset;
	const char *def; /* default as text */
	const char *help;
};

#define D(key, type, field, def, help)                                                             \
	{                                                                                          \
		key, type, offsetof(struct config, field), def, help                               \
	}

static const struct directive directives[] = {
	D("config", DT_STRING, config_file, "", "INI file with any of these keys"),
	D("listen", DT_STRING, listen, "127.0.0.1:8080", "address and port to serve on"),
	D("data", DT_STRING, data_dir, "./var", "data directory (database, master key)"),
	D("database", DT_STRING, database, "",
	  "sqlite:PATH or postgres://... (default sqlite:DATA/glovebox.db)"),
	D("master-key-file", DT_STRING, master_key_file, "",
	  "master key file (default DATA/master.key); or set GLOVEBOX_MASTER_KEY"),
	D("profile", DT_STRING, profile, "north-american-motoring",
	  "privacy profile: bundled name or YAML file"),
	D("log-file", DT_STRING, log_file, "", "log file (default: standard error)"),
	D("log-level", DT_STRING, log_level, "info", "debug, info, warn or error"),
	D("threads", DT_LONG, threads, "0", "HTTP threads (0 = one per core)"),
	D("db-pool", DT_LONG, db_pool, "0",
	  "database connections (0 = threads + 2 + mail-workers + handover-workers)"),
	D("max-connections", DT_LONG, max_connections, "1024", "open client connections at most"),
	D("idle-timeout", DT_LONG, idle_timeout, "30",
	  "seconds before an idle connection is closed"),
	D("head-timeout", DT_LONG, head_timeout, "10",
	  "seconds a client has to send a request's whole head (408 after; 0 = no limit)"),
	D("max-connections-per-client", DT_LONG, max_connections_per_client, "64",
	  "open connections from one client address (an IPv6 /64) at most (0 = no cap)"),
	D("metrics-listen", DT_STRING, metrics_listen, "127.0.0.1:9180",
	  "address and port serving /metrics, apart from the site (empty: no metrics)"),
	D("password-hashes", DT_LONG, password_hashes, "0",
	  "password hashes at once, each on a worker thread (0 = one per core but one)"),
	D("password-queue", DT_LONG, password_queue, "64",
	  "requests waiting for a password hash at most (503 busy beyond)"),
	D("image-workers", DT_LONG, image_workers, "1",
	  "photos decoded at once, each on a worker thread of its own"),
	D("image-queue", DT_LONG, image_queue, "8",
	  "photo uploads waiting for an image worker at most (503 busy beyond)"),
	D("image-threads", DT_LONG, image_threads, "1", "libvips threads per photo being decoded"),
	D("image-cache-mb", DT_LONG, image_cache_mb, "0",
	  "megabytes of libvips's operation cache (0 = no cache)"),
	D("photos-per-hour", DT_LONG, photos_per_hour, "120",
	  "photo uploads per client address and hour (0 = no limit)"),
	D("photo-max-kib", DT_LONG, photo_max_kib, "25600",
	  "KiB of one photo upload at most (413 beyond)"),
	D("photo-max-megapixels", DT_LONG, photo_max_megapixels, "50",
	  "megapixels (width x height, from the header, before decoding) of a photo at most"),
	D("photo-max-side", DT_LONG, photo_max_side, "2048",
	  "pixels of a stored photo's longest side at most (larger ones are shrunk)"),
	D("photo-quality", DT_LONG, photo_quality, "85", "JPEG quality of a stored photo (1-100)"),
	D("retention-interval", DT_LONG, retention_interval, "3600",
	  "seconds between retention passes (0 = only by hand)"),
	D("signin-per-minute", DT_LONG, signin_per_minute, "6",
	  "sign-in attempts per client address and minute"),
	D("signin-per-hour", DT_LONG, signin_per_hour, "30",
	  "sign-in attempts per client address and hour"),
	D("reset-per-hour", DT_LONG, reset_per_hour, "30",
	  "password reset requests per client address and hour"),
	D("reset-per-email-hour", DT_LONG, reset_per_email_hour, "6",
	  "password reset requests per e-mail address and hour, from anywhere"),
	D("contact-per-hour", DT_LONG, contact_per_hour, "20",
	  "contact messages per client address and hour (0: no limit)"),
	D("postcards-per-client-day", DT_LONG, postcards_per_client_day, "200",
	  "e-postcards sent per client address and day (0: no limit)"),
	D("postcards-per-sender-day", DT_LONG, postcards_per_sender_day, "50",
	  "e-postcards sent per sender's e-mail address and day, from anywhere (0: no limit)"),
	D("stories-per-hour", DT_LONG, stories_per_hour, "60",
	  "stories and questions saved or edited per client address and hour (0: no limit)"),
	D("story-reports-per-hour", DT_LONG, story_reports_per_hour, "10",
	  "reports of a story or question per client address and hour (0: no limit)"),
	D("story-title-max", DT_LONG, story_title_max, "200",
	  "the longest title of a story or question, in bytes"),
	D("story-body-max", DT_LONG, story_body_max, "20000",
	  "the longest text of a story or question, in bytes (Markdown)"),
	D("community-garage-listed", DT_LONG, community_garage_listed, "500",
	  "the most cars the community garage lists, newest first"),
	D("requests-per-hour", DT_LONG, requests_per_hour, "30",
	  "information and material requests per client address and hour (0: no limit)"),
	D("signup-per-hour", DT_LONG, signup_per_hour, "20",
	  "sign-ups per client address and hour (0: no limit)"),
	D("email-change-per-hour", DT_LONG, email_change_per_hour, "10",
	  "e-mail address changes per client address and hour (0: no limit)"),
	D("account-changes-per-hour", DT_LONG, account_changes_per_hour, "60",
	  "corrections, password changes and cars added per client address and hour (0: no "
	  "limit)"),
	D("staff-sends-per-hour", DT_LONG, staff_sends_per_hour, "600",
	  "staff answers and campaigns per client address and hour (0: no limit)"),
	D("behind-tls", DT_BOOL, behind_tls, "false",
	  "the site is served over HTTPS (Secure, __Host- cookies)"),
	D("site-url", DT_STRING, site_url, "",
	  "the site's address as members reach it: links in mail (default " CONFIG_SITE_URL_DEFAULT
	  "), the origin of its forms (default: the request's Host)"),
	D("smtp-url", DT_STRING, smtp_url, "",
	  "mail relay: smtp://HOST:PORT or smtps://...; empty: mail waits in the outbox"),
	D("smtp-user", DT_STRING, smtp_user, "", "SMTP user name (empty: no authentication)"),
	D("smtp-password", DT_STRING, smtp_password, "",
	  "SMTP password (prefer GLOVEBOX_SMTP_PASSWORD)"),
	D("dkim-key", DT_STRING, dkim_key, "",
	  "Ed25519 key file for DKIM signatures (glovebox dkim keygen); empty: unsigned"),
	D("dkim-selector", DT_STRING, dkim_selector, "glovebox",
	  "DKIM selector (s=): the DNS record is SELECTOR._domainkey.DOMAIN"),
	D("dkim-domain", DT_STRING, dkim_domain, "",
	  "DKIM domain (d=); default: the domain of mail-from"),
	D("mail-from", DT_STRING, mail_from, "noreply@glovebox.invalid",
	  "the sender address of every message (set your own)"),
	D("mail-max-attempts", DT_LONG, mail_max_attempts, "8",
	  "delivery attempts before a message fails for good"),
	D("mail-retry-seconds", DT_LONG, mail_retry_seconds, "30",
	  "pause before the first retry; it doubles with each, up to an hour"),
	D("mail-claim-timeout", DT_LONG, mail_claim_timeout, "300",
	  "seconds after which a message claimed by a process that died is sent again"),
	D("mail-workers", DT_LONG, mail_workers, "2",
	  "delivery workers in this process, each with its own relay connection (1 to 16)"),
	D("mail-interval", DT_LONG, mail_interval, "1",
	  "seconds between outbox passes (0: no delivery in this process)"),
	D("handover-config", DT_STRING, handover_config, "",
	  "INI file naming each recipient's channel: [RECIPIENT] webhook=https://... "
	  "secret=whsec_..., or directory=PATH (docs/handovers.md); empty: hand-overs wait"),
	D("handover-ca-file", DT_STRING, handover_ca_file, "",
	  "CA certificates trusted for hand-over webhooks (empty: the system's)"),
	D("handover-timeout", DT_LONG, handover_timeout, "10",
	  "seconds a webhook may take to answer before the attempt counts as failed"),
	D("handover-max-attempts", DT_LONG, handover_max_attempts, "10",
	  "delivery attempts before a hand-over fails for good"),
	D("handover-retry-seconds", DT_LONG, handover_retry_seconds, "30",
	  "pause before a hand-over's first retry; it doubles with each, up to an hour"),
	D("handover-claim-timeout", DT_LONG, handover_claim_timeout, "300",
	  "seconds after which a hand-over claimed by a process that died goes again "
	  "(more than handover-timeout)"),
	D("handover-workers", DT_LONG, handover_workers, "4",
	  "hand-over delivery threads in this process (1 to 16)"),
	D("handover-interval", DT_LONG, handover_interval, "1",
	  "seconds between hand-over delivery passes (0: no delivery in this process)"),
	D("handover-failed-days", DT_LONG, handover_failed_days, "30",
	  "days a hand-over that failed for good is kept for an administrator to retry"),
	D("shop-currency", DT_STRING, shop_currency, "usd",
	  "the shop's currency, an ISO 4217 code in lower case; prices are in its minor unit"),
	D("shop-processor-url", DT_STRING, shop_processor_url, "",
	  "the payment processor's API base (Stripe: https://api.stripe.com; docs/shop.md); "
	  "empty: orders cannot be paid"),
	D("shop-processor-secret", DT_STRING, shop_processor_secret, "",
	  "the processor's secret API key (prefer GLOVEBOX_SHOP_PROCESSOR_SECRET; never logged)"),
	D("shop-webhook-secret", DT_STRING, shop_webhook_secret, "",
	  "the processor's webhook signing secret, whsec_... (prefer "
	  "GLOVEBOX_SHOP_WEBHOOK_SECRET)"),
	D("shop-webhook-tolerance", DT_LONG, shop_webhook_tolerance, "300",
	  "seconds a webhook's signed timestamp may differ from now"),
	D("shop-processor-timeout", DT_LONG, shop_processor_timeout, "10",
	  "seconds a call to the processor may take"),
	D("shop-checkout-minutes", DT_LONG, shop_checkout_minutes, "60",
	  "minutes a checkout session stays open at the processor (30 to 1440); then its stock "
	  "is released"),
	D("shop-max-quantity", DT_LONG, shop_max_quantity, "99",
	  "the most of one item in a cart or an order"),
	D("shop-max-lines", DT_LONG, shop_max_lines, "20",
	  "the most different items in a cart or an order"),
	D("shop-orders-per-hour", DT_LONG, shop_orders_per_hour, "60",
	  "shop orders per client address and hour (0: no limit)"),
	D("campaign-mailing-house", DT_STRING, campaign_mailing_house, "",
	  "a service-provider recipient of the profile that sends campaign e-mail: each "
	  "addressee's name and e-mail address are handed over to it instead of mailed by "
	  "SMTP (docs/handovers.md); empty: glovebox mails campaigns itself"),
	D("visits", DT_BOOL, visits, "true",
	  "count page views (docs/visits.md): anonymous daily counts per area"),
	D("visits-buffer", DT_LONG, visits_buffer, "20000",
	  "page views waiting for the writer at most; beyond, views are dropped and counted"),
	D("visits-flush-ms", DT_LONG, visits_flush_ms, "1000",
	  "milliseconds between the visit writer's passes"),
};

#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]))

static const struct directive *directive_find(const char *key, size_t len)
{
	for (size_t i = 0; i < NDIRECTIVES; i++)
		if (strlen(directives[i].key) == len && strncmp(directives[i].key, key, len) == 0)
			return &directives[i];
	return NULL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Sets one directive from text. -1 if the value does not parse. */
static int directive_set(struct config *c, const struct directive *d, const char *value)
{
	void *field = (char *)c + d->offset;
	switch (d->type) {
	case DT_STRING: {
		char **s = field;
		free(*s);
		*s = xstrdup(value);
		return 0;
	}
	case DT_LONG: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < 0 || v > 1000000)
			return -1;
		*(long *)field = v;
		return 0;
	}
	case DT_BOOL:
		return parse_bool(value, field);
	}
	return -1;
}

/* Sets one directive from the operator's INI file, environment or flags;
 * -1 as directive_set. A site-url given this way is the site's own origin
 * (config.h); the default leaves it to the request's Host. */
static int directive_given(struct config *c, const struct directive *d, const char *value)
{
	if (directive_set(c, d, value) != 0)
		return -1;
	if (d->offset == offsetof(struct config, site_url))
		c->site_url_given = *value != '\0';
	return 0;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NDIRECTIVES; i++)
		directive_set(c, &directives[i], directives[i].def);
}

void config_release(struct config *c)
{
	for (size_t i = 0; i < NDIRECTIVES; i++)
		if (directives[i].type == DT_STRING) {
			char **s = (char **)((char *)c + directives[i].offset);
			free(*s);
			*s = NULL;
		}
}

/* libinih reports the line of the first entry whose handler returned 0;
 * the handler leaves the reason here. */
struct ini_ctx {
	struct config *c;
	char problem[128];
};

static int ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *ctx = user;
	const struct directive *d = directive_find(name, strlen(name));
	if (!d || d->offset == offsetof(struct config, config_file)) {
		snprintf(ctx->problem, sizeof(ctx->problem), "unknown key '%.64s'", name);
		return 0;
	}
	if (directive_given(ctx->c, d, value) != 0) {
		snprintf(ctx->problem, sizeof(ctx->problem), "bad value for '%s'", name);
		return 0;
	}
	return 1;
}

static void env_name(const char *key, char *out, size_t n)
{
	size_t k = 0;
	const char *prefix = "GLOVEBOX_";
	for (const char *p = prefix; *p && k + 1 < n; p++)
		out[k++] = *p;
	for (const char *p = key; *p && k + 1 < n; p++)
		out[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	out[k] = '\0';
}

/* Finds "--key=value" or "--key value"; returns how many argv slots it used, 0 if none. */
static int flag_value(int argc, char **argv, int i, const struct directive **d, const char **value)
{
	const char *a = argv[i] + 2;
	const char *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	*d = directive_find(a, len);
	if (!*d)
		return -1;
	if (eq) {
		*value = eq + 1;
		return 1;
	}
	if ((*d)->type == DT_BOOL) {
		*value = "true";
		return 1;
	}
	if (i + 1 >= argc)
		return -2;
	*value = argv[i + 1];
	return 2;
}

int config_load(struct config *c, int argc, char **argv, int *nargs, bool *help, FILE *err)
{
	*help = false;
	*nargs = 0;
	/* The config file path first: flag, then environment. */
	const char *file = getenv("GLOVEBOX_CONFIG");
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[i + 1];
		else if (text_after(argv[i], "--config="))
			file = text_after(argv[i], "--config=");
	}
	if (file && *file) {
		directive_set(c, &directives[0], file);
		struct ini_ctx ctx = {c, ""};
		int rc = ini_parse(file, ini_entry, &ctx);
		if (rc < 0) {
			fprintf(err, "%s: cannot read the configuration file\n", file);
			return -1;
		}
		if (rc > 0) {
			fprintf(err, "%s:%d: %s\n", file, rc,
				ctx.problem[0] ? ctx.problem : "syntax error");
			return -1;
		}
	}
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		char name[64];
		env_name(directives[i].key, name, sizeof(name));
		const char *v = getenv(name);
		if (v && directive_given(c, &directives[i], v) != 0) {
			fprintf(err, "%s: bad value\n", name);
			return -1;
		}
	}
	for (int i = 0; i < argc;) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = true;
			i++;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			for (int k = i + 1; k < argc; k++)
				argv[(*nargs)++] = argv[k];
			return 0;
		}
		if (!text_after(a, "--") || !*text_after(a, "--")) {
			/* *nargs <= i always holds, so this never overwrites an unread slot. */
			argv[(*nargs)++] = argv[i];
			i++;
			continue;
		}
		const struct directive *d;
		const char *value;
		int used = flag_value(argc, argv, i, &d, &value);
		if (used == -1) {
			fprintf(err, "unknown option '%s' (see --help)\n", a);
			return -1;
		}
		if (used == -2) {
			fprintf(err, "option '%s' needs a value\n", a);
			return -1;
		}
		if (directive_given(c, d, value) != 0) {
			fprintf(err, "bad value for '--%s'\n", d->key);
			return -1;
		}
		i += used;
	}
	return 0;
}

void config_finish(struct config *c)
{
	if (!*c->site_url) {
		free(c->site_url);
		c->site_url = xstrdup(CONFIG_SITE_URL_DEFAULT);
	}
	size_t n = strlen(c->data_dir) + 32;
	if (!*c->database) {
		free(c->database);
		c->database = xmalloc(n);
		snprintf(c->database, n, "sqlite:%s/glovebox.db", c->data_dir);
	}
	if (!*c->master_key_file) {
		free(c->master_key_file);
		c->master_key_file = xmalloc(n);
		snprintf(c->master_key_file, n, "%s/master.key", c->data_dir);
	}
}

void config_usage(FILE *out)
{
	fprintf(out, "Options (each also an INI key and a GLOVEBOX_* environment variable):\n");
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		char env[64], flag[64];
		env_name(directives[i].key, env, sizeof(env));
		snprintf(flag, sizeof(flag), "--%s%s", directives[i].key,
			 directives[i].type == DT_BOOL ? "" : "=V");
		fprintf(out, "  %-24s %s\n  %-24s [%s%s%s]\n", flag, directives[i].help, "", env,
			*directives[i].def ? ", default " : "", directives[i].def);
	}
}
