/*
 * records: the declaration of personal data (see record.h). A feature that
 * keeps something about a person adds its table and columns here, and
 * export, erasure and retention cover it without a line of its own; the
 * schema test fails until every BYTEA column of the schema is declared.
 */
#include "record.h"

/*
 * Tables, in the order erasure deletes from them: a table whose rows refer
 * to another's comes before it (sessions before members, everything
 * before subject_keys and subjects).
 */
/* clang-format off */
#define NO_EXPIRY {.expiry = EXPIRE_NEVER}  /* kept while its subject is */
#define EXPIRES_AT(column) {.expiry = EXPIRE_AT_COLUMN, .purge = PURGE_ROW, .expires_column = column}
#define EXPIRES_SUBJECT(column) {.expiry = EXPIRE_AT_COLUMN, .purge = PURGE_SUBJECT, .expires_column = column}
/* clang-format on */

const struct record_table record_tables[] = {
	/* A member's sessions and remembered devices (token hashes only). */
	{"sessions", "member_id", NULL, false, NO_EXPIRY},
	{"remembered_devices", "member_id", NULL, false, EXPIRES_AT("expires_at")},
	/* Address confirmation links, and a change of address waiting for one. */
	{"email_confirmations", "member_id", NULL, false, EXPIRES_AT("expires_at")},
	{"email_changes", "member_id", "member_id", false, EXPIRES_AT("expires_at")},
	/* Forgotten-password links (members_reset.c), 30 minutes each. */
	{"password_resets", "member_id", NULL, false, EXPIRES_AT("expires_at")},
	/* A member's linked visits (INS10, docs/visits.md): only where the
	 * profile links visits to members; kept for its retention. */
	{"member_visits", "member_id", "id", false, EXPIRES_AT("expires_at")},
	/* Members' photos (issue 16, docs/content.md): the file's key, sealed;
	 * photo.c removes the files once the rows are gone. */
	{"photos", "member_id", "id", false, NO_EXPIRY},
	/* The garage (NAM06). */
	{"vehicles", "member_id", "id", false, NO_EXPIRY},
	/* Stories and questions (issue 16, INS13; docs/content.md): the
	 * author's, erased with them; a report of one is nobody's. */
	{"stories", "member_id", "id", false, NO_EXPIRY},
	{"story_reports", NULL, NULL, false, NO_EXPIRY},
	/* What a member chose to leave published when closing their account:
	 * copied without any link to them (docs/content.md), nobody's. */
	{"public_stories", NULL, NULL, false, NO_EXPIRY},
	/* Mail waiting to leave, sealed for its recipient. */
	{"outbox", "subject_id", "id", false, NO_EXPIRY},
	/* Hand-overs waiting for delivery to a recipient of the profile (issue
	 * 13): each field sealed under its category; one that failed for good
	 * is kept until expires_at for an administrator. */
	{"handover_fields", "subject_id", "id", false, EXPIRES_AT("expires_at")},
	{"handovers", "subject_id", NULL, false, EXPIRES_AT("expires_at")},
	/* Contact messages (NAM07): the sender is erased once the profile's time
	 * after the answer (or after writing) has passed, and a message never
	 * answered once its retention_not_done after writing has (issue 12). */
	/* clang-format off */
	{"contact_messages", "subject_id", "id", false,
	 {.expiry = EXPIRE_BY_PROFILE,
	  .purge = PURGE_SUBJECT,
	  .collection = "contact",
	  .category = "contact_return_address",
	  .created_column = "created_at",
	  .done_column = "answered_at"}},
	/* clang-format on */
	/* E-postcards (issue 14, NAM03, NAM05; docs/postcards.md). The recipient
	 * is a subject of their own, erased by postcard.c as soon as the card's
	 * mail is delivered or has failed for good; expires_at only backs that
	 * up. The sender is erased when the card's life ends (ends_at: 30 days,
	 * or at once when it is reported): the profile's until_done. */
	{"postcard_recipients", "subject_id", "id", false, EXPIRES_SUBJECT("expires_at")},
	{"postcards", "subject_id", "id", false, EXPIRES_SUBJECT("ends_at")},
	/* What a report leaves for staff: dates and the picture, nobody's. */
	{"postcard_reports", NULL, NULL, false, NO_EXPIRY},
	/* Information and material requests (issue 14, NAM02, NAM04, NAM05;
	 * docs/requests.md): the requester is erased the profile's time after
	 * the request is done (fulfilled or refused). Both collection points
	 * keep their requests here and the retention read is the information
	 * request's purpose's: the profile gives both the same (a profile that
	 * differed would need a table each; docs/requests.md). */
	/* clang-format off */
	{"requests", "subject_id", "id", false,
	 {.expiry = EXPIRE_BY_PROFILE,
	  .purge = PURGE_SUBJECT,
	  .collection = "information_request",
	  .category = "order_details",
	  .created_column = "created_at",
	  .done_column = "done_at"}},
	/* clang-format on */
	/* What can be requested: published by staff, nobody's. */
	{"request_items", NULL, NULL, false, NO_EXPIRY},
	/* The shop's orders (issue 14, NAM02, NAM04, ALL03; docs/shop.md): the
	 * buyer (a customer subject of their own) is erased the profile's time
	 * after the order is done (shipped, refunded, or its checkout expired
	 * unpaid), with what each order reserved. */
	{"shop_order_lines", "subject_id", NULL, false, NO_EXPIRY},
	/* clang-format off */
	{"shop_orders", "subject_id", "id", false,
	 {.expiry = EXPIRE_BY_PROFILE,
	  .purge = PURGE_SUBJECT,
	  .collection = "product_order",
	  .category = "order_details",
	  .created_column = "created_at",
	  .done_column = "done_at"}},
	/* clang-format on */
	/* The catalogue, and the processor's events already applied: nobody's. */
	{"shop_items", NULL, NULL, false, NO_EXPIRY},
	{"shop_events", NULL, NULL, false, NO_EXPIRY},
	/* The consent ledger and the NAM10 notices. */
	{"consents", "subject_id", NULL, false, NO_EXPIRY},
	{"consent_events", "subject_id", NULL, false, NO_EXPIRY},
	{"use_notices", "subject_id", NULL, false, NO_EXPIRY},
	/* Browsers that signed in to an account (a member's or a staff
	 * member's) before, by token hash only: they escape its address's lock. */
	{"known_browsers", "subject_id", NULL, false, EXPIRES_AT("expires_at")},
	/* The member's account. */
	{"members", "id", "id", false, NO_EXPIRY},
	/* Staff accounts: the operator's people, sealed all the same. */
	{"staff_sessions", "staff_id", NULL, false, NO_EXPIRY},
	{"staff", "id", "id", false, NO_EXPIRY},
	/* What staff did and what was handed over stays, naming the subject by
	 * number only, so the chain holds (NAM11). */
	{"access_log", "subject_id", NULL, true, NO_EXPIRY},
	{"access_log_head", NULL, NULL, false, NO_EXPIRY},
	{"rate_limits", NULL, NULL, false, NO_EXPIRY},
	/* Failures in a row against an address, a browser or a session, under a
	 * keyed hash of it: nobody's, forgotten a day after the last one. */
	{"lockouts", NULL, NULL, false, EXPIRES_AT("expires_at")},
	/* Counting visits (docs/visits.md): the day's salt and the day's views
	 * under visitor keys, nobody's; rolled up and deleted when the day ends. */
	{"visit_salts", NULL, NULL, false, NO_EXPIRY},
	{"visit_views", NULL, NULL, false, NO_EXPIRY},
	/* Last: the data key, then the subject itself. */
	{"subject_keys", "subject_id", NULL, false, NO_EXPIRY},
	{"subjects", "id", NULL, false, NO_EXPIRY},
};
const size_t record_tables_count = sizeof(record_tables) / sizeof(record_tables[0]);

/* Each column on one line: a table reads best that way. */
/* clang-format off */
#define SEALED(t, c, cat) {t, c, HOLD_SEALED, cat, NULL, NULL, NULL, NORMAL_EXACT, false}
#define SECRET(t, c, cat) {t, c, HOLD_SEALED, cat, NULL, NULL, NULL, NORMAL_EXACT, true}
#define SEALED_BY_ROW(t, c, catcol, withheld)                                                      \
	{t, c, HOLD_SEALED, NULL, catcol, NULL, NULL, NORMAL_EXACT, withheld}
#define INDEXED(t, c, cat, idx, domain, normal)                                                    \
	{t, c, HOLD_SEALED, cat, NULL, idx, domain, normal, false}
#define HOLDS(t, c, hold) {t, c, hold, NULL, NULL, NULL, NULL, NORMAL_EXACT, false}
/* clang-format on */

/* Every BYTEA column of the schema. Two index columns share the domain
 * "member-email", so a new address is checked against those in use. */
const struct record_column record_columns[] = {
	HOLDS("sessions", "token_hash", HOLD_TOKEN),
	HOLDS("remembered_devices", "token_hash", HOLD_TOKEN),
	HOLDS("email_confirmations", "token_hash", HOLD_TOKEN),
	HOLDS("email_changes", "token_hash", HOLD_TOKEN),
	INDEXED("email_changes", "new_email", "email", "new_index", "member-email", NORMAL_EMAIL),
	HOLDS("email_changes", "new_index", HOLD_INDEX),
	HOLDS("password_resets", "token_hash", HOLD_TOKEN),
	SEALED("member_visits", "page", "visits"),
	/* A photo's file key: the export carries the photo itself instead. */
	SECRET("photos", "file_key", "submitted_content"),
	INDEXED("vehicles", "vin", "vin", "vin_index", "vin", NORMAL_EXACT),
	HOLDS("vehicles", "vin_index", HOLD_INDEX),
	SEALED("vehicles", "serial_numbers", "serial_numbers"),
	SEALED("vehicles", "details", "vehicle_details"),
	/* A waiting message may carry a confirmation link for an address not yet
	 * proved to be the member's: the export says it is there, not what it says. */
	SEALED_BY_ROW("outbox", "recipient", "address_category", false),
	SEALED_BY_ROW("outbox", "message", "content_category", true),
	SEALED_BY_ROW("handover_fields", "field_value", "category", false),
	SEALED("contact_messages", "email", "contact_return_address"),
	SEALED("contact_messages", "topic", "message"),
	SEALED("contact_messages", "body", "message"),
	SEALED("contact_messages", "answer", "message"),
	SEALED("postcard_recipients", "name", "recipient_name"),
	SEALED("postcard_recipients", "email", "recipient_email"),
	SEALED("postcards", "sender_name", "name"),
	SEALED("postcards", "sender_email", "email"),
	SEALED("postcards", "greeting", "postcard_text"),
	HOLDS("postcards", "token_hash", HOLD_TOKEN),
	SEALED("requests", "name", "name"),
	SEALED("requests", "email", "email"),
	SEALED("requests", "postal_address", "postal_address"),
	SEALED("requests", "phone", "phone"),
	SEALED("requests", "order_details", "order_details"),
	HOLDS("requests", "token_hash", HOLD_TOKEN),
	SEALED("shop_orders", "name", "name"),
	SEALED("shop_orders", "email", "email"),
	SEALED("shop_orders", "postal_address", "postal_address"),
	SEALED("shop_orders", "phone", "phone"),
	SEALED("shop_orders", "order_details", "order_details"),
	SEALED("shop_orders", "card_brand", "payment_card"),
	SEALED("shop_orders", "card_last4", "payment_card"),
	HOLDS("shop_orders", "token_hash", HOLD_TOKEN),
	SEALED("members", "name", "name"),
	INDEXED("members", "email", "email", "email_index", "member-email", NORMAL_EMAIL),
	HOLDS("members", "email_index", HOLD_INDEX),
	SEALED("members", "postal_address", "postal_address"),
	SEALED("members", "phone", "phone"),
	SEALED("members", "date_of_birth", "date_of_birth"),
	SEALED("members", "display_name", "display_name"),
	SEALED("stories", "title", "submitted_content"),
	SEALED("stories", "body", "submitted_content"),
	HOLDS("staff_sessions", "token_hash", HOLD_TOKEN),
	INDEXED("staff", "email", "staff_email", "email_index", "staff-email", NORMAL_EMAIL),
	HOLDS("staff", "email_index", HOLD_INDEX),
	SECRET("staff", "totp_secret", "staff_totp_secret"),
	HOLDS("staff", "enrol_hash", HOLD_TOKEN),
	HOLDS("access_log", "prev_mac", HOLD_CHAIN),
	HOLDS("access_log", "mac", HOLD_CHAIN),
	HOLDS("access_log_head", "mac", HOLD_CHAIN),
	HOLDS("rate_limits", "bucket", HOLD_BUCKET),
	HOLDS("known_browsers", "token_hash", HOLD_TOKEN),
	HOLDS("lockouts", "bucket", HOLD_BUCKET),
	HOLDS("visit_salts", "salt", HOLD_SALT),
	HOLDS("visit_views", "visitor", HOLD_VISITOR),
	HOLDS("subject_keys", "sealed_key", HOLD_KEY),
};
const size_t record_columns_count = sizeof(record_columns) / sizeof(record_columns[0]);
