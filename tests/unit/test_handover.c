/*
 * test_handover: the hand-over rules that need no receiver: which fields a
 * recipient gets for a purpose (never an identifier, NAM06; only named
 * purposes, INS01), the Standard Webhooks signature against the
 * specification's own example, and the broker's hand-over decision, which
 * logs nothing until broker_disclosed says the hand-over was made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include "broker.h"
#include "handover.h"
#include "webhook.h"

#include "fixture.h"

#include <cmocka.h>

static int setup(void **state)
{
	return fixture_open("mini-insiders");
}

static int teardown(void **state)
{
	return fixture_close();
}

static void fields_are(const char *recipient, const char *purpose, const char *want)
{
	const char *out[HANDOVER_MAX_FIELDS];
	char got[256] = "";
	int n = handover_fields(app.policy, recipient, purpose, out, HANDOVER_MAX_FIELDS);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
			 out[i]);
	assert_string_equal(got, want);
}

static void test_ins07_fields_are_the_recipients_that_the_purpose_covers(void **state)
{
	fields_are("bmw_bank", "affiliate_offers", "name,postal_address,email,phone");
	fields_are("fulfilment_house", "service_providers", "name,postal_address");
	fields_are("mailing_house", "product_communications", "name,postal_address,email");
	fields_are("mini_dealers", "dealer_handover", "name,email,phone");
	/* INS01: a purpose the recipient is not named for gives nothing. */
	fields_are("fulfilment_house", "affiliate_offers", "");
	fields_are("bmw_bank", "insider_account", "");
	const char *out[HANDOVER_MAX_FIELDS];
	assert_int_equal(handover_fields(app.policy, "data_broker", "affiliate_offers", out,
					 HANDOVER_MAX_FIELDS),
			 -1);
}

static void test_nam06_an_identifier_is_never_a_field(void **state)
{
	/* Even in a policy the loader never let through. */
	int name = policy_category_index(app.policy, "name");
	app.policy->categories[name].identifier = true;
	fields_are("bmw_bank", "affiliate_offers", "postal_address,email,phone");
	app.policy->categories[name].identifier = false;
}

static void test_webhook_signature_is_the_specifications(void **state)
{
	/* The example of the Standard Webhooks specification. */
	unsigned char key[64];
	size_t len;
	const char *b64 = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	assert_int_equal(crypto_unbase64(b64, strlen(b64), key, sizeof(key), &len), 0);
	const char *body = "{\"test\": 2432232314}";
	char sig[WEBHOOK_SIGNATURE_MAX];
	webhook_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body, strlen(body),
		     sig);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

static int count_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

static int64_t log_entries(struct store_conn *c)
{
	int64_t n = -1;
	store_exec(c, "SELECT COUNT(*) FROM access_log", NULL, 0, count_cb, &n);
	return n;
}

static void test_handover_logged_once_when_made(void **state)
{
	static const char *const cats[] = {"name", "email"};
	static const char *const vin[] = {"name", "date_of_birth"};
	struct store_conn *c = store_acquire(app.store);
	int64_t member;
	struct broker_grant *g;
	enum decision_reason why;
	assert_int_equal(
		broker_subject_new(c, "member", "insider_account", cats, 2, 0, &member, &g, &why),
		0);
	broker_grant_free(g);
	int64_t before = log_entries(c);
	struct broker_actor to = {ACTOR_RECIPIENT, 0, NULL, "bmw_bank"};
	struct broker_use use = {&to, member, "affiliate_offers", cats, 2, "disclose"};
	assert_int_equal(broker_open_handover(c, &use, &g, &why), 0);
	broker_grant_free(g);
	assert_int_equal(log_entries(c), before);
	assert_int_equal(broker_disclosed(c, &use), 0);
	assert_int_equal(log_entries(c), before + 1);
	/* A field the recipient does not take, and another actor: refused. */
	struct broker_use more = {&to, member, "affiliate_offers", vin, 2, "disclose"};
	assert_int_not_equal(broker_open_handover(c, &more, &g, &why), 0);
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use as_system = {&system, member, "affiliate_offers", cats, 2, "disclose"};
	assert_int_not_equal(broker_open_handover(c, &as_system, &g, &why), 0);
	assert_int_not_equal(broker_disclosed(c, &as_system), 0);
	/* Switched off (INS06): refused. */
	assert_int_equal(broker_consent_set(c, member, "affiliate_offers", false, "api"), 0);
	assert_int_not_equal(broker_open_handover(c, &use, &g, &why), 0);
	assert_int_equal(why, DENY_OPTED_OUT);
	store_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ins07_fields_are_the_recipients_that_the_purpose_covers),
		cmocka_unit_test(test_nam06_an_identifier_is_never_a_field),
		cmocka_unit_test(test_webhook_signature_is_the_specifications),
		cmocka_unit_test(test_handover_logged_once_when_made),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
