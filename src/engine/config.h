/*
 * config: the server's settings. Each setting has one entry in the
 * directive table (config.c) that gives its INI key, its command-line flag
 * (--KEY) and its environment variable (GLOVEBOX_KEY, upper-cased, '-' as
 * '_'). Precedence, lowest first: built-in default, INI file (--config FILE
 * or GLOVEBOX_CONFIG), environment, flags.
 */
#ifndef GLOVEBOX_CONFIG_H
#define GLOVEBOX_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

/* The address links in mail use when site-url is not given. */
#define CONFIG_SITE_URL_DEFAULT "http://127.0.0.1:8080"

struct config {
	char *config_file;
	char *listen; /* HOST:PORT, [V6]:PORT */
	char *data_dir;
	char *database;	       /* sqlite:PATH or postgres://...; default sqlite:DATA/glovebox.db */
	char *master_key_file; /* default DATA/master.key */
	char *profile;	       /* bundled name or path */
	char *log_file;	       /* empty: stderr */
	char *log_level;
	long threads; /* HTTP thread pool; 0 = number of cores */
	long db_pool; /* store connections; 0 = threads + 2 */
	long max_connections;
	long head_timeout;		 /* seconds for a whole request head; 0 = none */
	long max_connections_per_client; /* open connections per address; 0 = no cap */
	long password_queue;		 /* requests waiting for a hashing worker */
	long image_workers;		 /* photo decoding threads (docs/content.md) */
	long image_queue;		 /* uploads waiting for an image worker */
	long image_threads;		 /* libvips threads per image */
	long image_cache_mb;		 /* libvips operation cache */
	long photo_max_kib;		 /* one upload's body, KiB */
	long photos_per_hour;		 /* uploads per client address */
	long photo_max_megapixels;	 /* header width x height, checked before decoding */
	long photo_max_side;		 /* a stored photo's longest side */
	long photo_quality;		 /* its JPEG quality */
	char *metrics_listen;		 /* HOST:PORT for /metrics; empty: none */

	long idle_timeout;	 /* seconds */
	long password_hashes;	 /* concurrent Argon2id hashes; 0 = cores */
	long retention_interval; /* seconds between retention passes; 0 = off */
	long signin_per_minute;	 /* sign-in attempts per client address */
	long signin_per_hour;
	/* Forms that send mail or store text, per client address and hour
	 * (the route table names each route's; 0: no limit). */
	long contact_per_hour;
	long postcards_per_client_day; /* e-postcards (docs/postcards.md) */
	long requests_per_hour;	       /* docs/requests.md */
	long postcards_per_sender_day;
	long signup_per_hour;
	long email_change_per_hour;
	long account_changes_per_hour;
	long staff_sends_per_hour;
	long stories_per_hour;	      /* stories and questions saved (docs/content.md) */
	long story_reports_per_hour;  /* members' reports of a submission */
	long story_title_max;	      /* bytes of a story's title */
	long story_body_max;	      /* bytes of a story's Markdown text */
	long community_garage_listed; /* cars on the community garage page */
	bool behind_tls;	      /* served over TLS (directly or by a proxy) */
	/* The site's address as members reach it (https://example.org): links
	 * in mail, and the origin a state-changing request must come from.
	 * Not given: links use CONFIG_SITE_URL_DEFAULT and the origin is the
	 * request's own Host. */
	char *site_url;
	bool site_url_given;
	char *smtp_url; /* empty: no delivery */
	char *smtp_user;
	char *smtp_password;
	char *mail_from;
	char *dkim_key; /* path; empty: no signing */
	char *dkim_selector;
	char *dkim_domain; /* empty: mail-from's domain */
	long mail_max_attempts;
	long mail_retry_seconds; /* first retry pause, doubling */
	long mail_claim_timeout; /* a claim older than this was left by a dead process */
	long mail_workers;	 /* delivery threads */
	long mail_interval;	 /* seconds between outbox passes; 0: none */

	/* Hand-overs to the profile's recipients (docs/handovers.md). */
	char *handover_config;	     /* INI file: a [recipient] section per channel; empty: none */
	char *handover_ca_file;	     /* CA bundle for webhook certificates; empty: the system's */
	long handover_timeout;	     /* seconds for one webhook request */
	long handover_max_attempts;  /* attempts before a hand-over fails for good */
	long handover_retry_seconds; /* first retry pause, doubling */
	long handover_claim_timeout; /* a claim older than this was left by a dead process */
	long handover_workers;	     /* delivery threads */
	long handover_interval;	     /* seconds between delivery passes; 0: none */
	long handover_failed_days;   /* a hand-over failed for good is kept this long */
	/* INS07: campaign e-mail handed over to this service provider, not
	 * mailed by SMTP; empty: SMTP (campaign.h). */
	char *campaign_mailing_house;

	/* The shop (docs/shop.md). */
	char *shop_currency;	     /* ISO 4217, lower case */
	char *shop_processor_url;    /* empty: orders cannot be paid */
	char *shop_processor_secret; /* never logged */
	char *shop_webhook_secret;   /* whsec_...; never logged */
	long shop_webhook_tolerance; /* seconds */
	long shop_processor_timeout; /* seconds for one call */
	long shop_checkout_minutes;  /* a checkout session's life at the processor */
	long shop_max_quantity;	     /* of one item */
	long shop_max_lines;	     /* different items */
	long shop_orders_per_hour;   /* per client address */

	/* a forgotten password: requests per hour */
	long reset_per_hour;	   /* from one client address */
	long reset_per_email_hour; /* for one e-mail address, from anywhere */

	/* Counting visits (docs/visits.md). */
	bool visits;	      /* count page views at all */
	long visits_buffer;   /* views waiting for the writer at most; more are dropped */
	long visits_flush_ms; /* milliseconds between the writer's passes */
};

/* Fills c with defaults. */
void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Applies the INI file, the environment and the flags in argv. Arguments
 * that are not flags are moved, in order, to the front of argv and counted
 * in *nargs (everything after "--" is an argument). Returns 0, or -1 after
 * printing an error ("FILE:LINE: unknown key 'x'") to err. --help sets *help.
 */
int config_load(struct config *c, int argc, char **argv, int *nargs, bool *help, FILE *err);

/* Prints the flags, their environment variables and defaults. */
void config_usage(FILE *out);

/* Fills in paths that depend on others (database, master key under data
 * dir) and the address links use when site-url was not given. */
void config_finish(struct config *c);

#endif
