/*
 * server: `glovebox serve`: builds the app context, starts the HTTP engine
 * and runs until SIGTERM or SIGINT.
 */
#include "server.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "app.h"
#include "audit.h"
#include "boot.h"
#include "crypto.h"
#include "campaign.h"
#include "deliver.h"
#include "gate.h"
#include "http.h"
#include "log.h"
#include "notices.h"
#include "page.h"
#include "photo.h"
#include "postcard.h"
#include "privacy.h"
#include "outbox.h"
#include "retention.h"
#include "route.h"
#include "store.h"
#include "tpl.h"
#include "visits.h"
#include "visits_page.h"

int server_run(void)
{
	char err[256];
	int rc = 1;
	struct http_server *http = NULL;
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	/* Blocked before any thread starts, so only sigwait() below sees them. */
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (boot_open(APP_MIGRATE | APP_PROFILE) != 0)
		goto out;
	/* The profile in force is published before the first request, so the
	 * privacy page and its versions always exist. */
	if (privacy_publish(app.store, app.policy, stderr) < 0) {
		fprintf(stderr, "glovebox: refusing to start: the profile cannot be published\n");
		goto out;
	}
	/* The hand-over channels are the operator's (deliver.h): a bad file
	 * refuses the start rather than holding hand-overs back unnoticed. */
	if (deliver_channels_load(err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: handover-config: %s\n", err);
		goto out;
	}
	/* INS07: campaign mail handed to a recipient that may not have it
	 * would be a disclosure the profile does not name. */
	if (campaign_mailing_house_check(app.policy, app.cfg.campaign_mailing_house, err,
					 sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: campaign-mailing-house: %s\n", err);
		goto out;
	}
	if (tpl_set_load(&app.tpl, err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: templates: %s\n", err);
		goto out;
	}
	page_init();
	route_init();
	/* libvips and libmagic, once, before any image worker runs. */
	if (photo_init() != 0) {
		fprintf(stderr, "glovebox: photos: the image libraries cannot start\n");
		goto out;
	}
	http_set_gate(gate_pass);
	/* Page views are counted in memory and written by a writer of their
	 * own (docs/visits.md), ready before the first request. */
	if (visits_start() != 0)
		log_warn("visits: the writer could not be started");
	http_set_observer(visits_page_observe);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads =
		app.cfg.threads ? (unsigned)app.cfg.threads : (unsigned)(cores > 0 ? cores : 1);
	/* One hashing worker per hashing slot: a worker never finds the slots
	 * taken, and the event loops never hash. By default one per core but
	 * one, so a hashing flood leaves a core free for the event loops: with
	 * every core hashing, other processes on the machine (the database, a
	 * proxy, anything else) and the event loops queue behind the hashing,
	 * and /healthz's p99 under a flood measured 40 to 200 ms instead of
	 * 5 to 20 on a shared 2-core machine. */
	unsigned hashers = app.cfg.password_hashes ? (unsigned)app.cfg.password_hashes
			   : cores > 1		   ? (unsigned)(cores - 1)
						   : 1;
	crypto_password_limit(hashers);
	struct http_options o = {
		.listen = app.cfg.listen,
		.threads = threads,
		.max_connections = (unsigned)app.cfg.max_connections,
		.idle_timeout = (unsigned)app.cfg.idle_timeout,
		.head_timeout = (unsigned)app.cfg.head_timeout,
		.per_client = (unsigned)app.cfg.max_connections_per_client,
		.slow_workers = hashers,
		.slow_queue = (unsigned)app.cfg.password_queue,
		.image_workers = (unsigned)(app.cfg.image_workers > 0 ? app.cfg.image_workers : 1),
		.image_queue = (unsigned)(app.cfg.image_queue > 0 ? app.cfg.image_queue : 1),
		.metrics_listen = app.cfg.metrics_listen,
		.hsts = app.cfg.behind_tls,
	};
	if (http_start(&o, &http, err, sizeof(err)) != 0) {
		fprintf(stderr, "glovebox: %s\n", err);
		goto out;
	}
	log_buffering_start();
	if (retention_start((unsigned)app.cfg.retention_interval) != 0)
		log_warn("the retention pass could not be started");
	/* The access log's head, so that a truncation shows against any
	 * earlier line of the log (audit.h). */
	if (audit_heads_start() != 0)
		log_warn("the access log's head cannot be written to the log on a timer");
	/* An e-postcard's recipient is erased once its mail settles (NAM05),
	 * and any whose mail settled just before a crash, now. */
	outbox_on_settled(postcard_mail_settled);
	if (postcard_settle_orphans() != 0)
		log_warn("postcard: recipients whose mail has left could not all be erased");
	if (outbox_start() != 0)
		log_warn("mail delivery could not be started");
	if (deliver_start() != 0)
		log_warn("hand-over delivery could not be started");
	/* Policy-change notices (NAM10) go out as mail: only with a relay. */
	if (*app.cfg.smtp_url && notices_start((unsigned)app.cfg.mail_interval) != 0)
		log_warn("policy-change notices could not be started");
	log_info("glovebox listening on http://%s (%u threads, %u password workers, store %s)",
		 app.cfg.listen, threads, hashers,
		 store_engine_of(app.store) == STORE_SQLITE ? "sqlite" : "postgres");
	if (*app.cfg.metrics_listen)
		log_info("metrics on http://%s/metrics", app.cfg.metrics_listen);
	else
		log_info("metrics are off (metrics-listen is empty)");
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping on signal %d", sig);
	rc = 0;
out:
	http_stop(http);
	visits_stop();
	retention_stop();
	audit_heads_stop();
	notices_stop();
	outbox_stop();
	deliver_stop();
	deliver_channels_free();
	photo_shutdown();
	log_buffering_stop();
	if (app.tpl)
		tpl_set_free(app.tpl);
	app.tpl = NULL;
	boot_close();
	return rc;
}
