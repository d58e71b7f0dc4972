/*
 * err: the error table (see err.h). A new error is a new row here and a
 * line in docs/api.md.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Seconds a client waits after a 503: the store may be restarting; a
 * password slot frees within a second. */
#define RETRY_STORE 5
#define RETRY_BUSY  1

static const struct err_row rows[ERR_COUNT] = {
	[ERR_NONE] = {"ok", 200, "", NULL, 0},
	[ERR_BAD_JSON] = {"bad_json", 400, "The request body is not valid JSON.", NULL, 0},
	[ERR_NOT_OBJECT] = {"bad_json", 400, "The request body must be a JSON object.", NULL, 0},
	[ERR_UNKNOWN_FIELD] = {"unknown_field", 400,
			       "The request has a field this call does not take.", NULL, 0},
	[ERR_MISSING_FIELD] = {"missing_field", 400, "A required field is missing.", NULL, 0},
	[ERR_INVALID_FIELD] = {"invalid_field", 400, "A field is not valid.", NULL, 0},
	[ERR_BAD_FORM] = {"bad_form", 400, "The form could not be read.", NULL, 0},
	[ERR_BAD_PATH] = {"bad_path", 400, "The address holds a character addresses cannot hold.",
			  NULL, 0},
	[ERR_NOT_FOUND] = {"not_found", 404, "There is nothing at this address.", NULL, 0},
	[ERR_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405,
				    "This address does not take that method.", NULL, 0},
	[ERR_BODY_TOO_LARGE] = {"body_too_large", 413, "The request body is too large.", NULL, 0},
	[ERR_URI_TOO_LONG] = {"uri_too_long", 414, "The address is too long.", NULL, 0},
	[ERR_UNSUPPORTED_MEDIA_TYPE] = {"unsupported_media_type", 415,
					"The request body is not of a type this call takes.", NULL,
					0},
	[ERR_HEADERS_TOO_LARGE] = {"headers_too_large", 431, "The request headers are too large.",
				   NULL, 0},
	[ERR_INTERNAL] = {"internal", 500, "The server could not answer this request.", NULL, 0},
	[ERR_STORE] =
		{"store_unavailable", 503,
		 "The request could not be completed just now; nothing was changed. Try again "
		 "in a moment.",
		 NULL, RETRY_STORE},
	[ERR_BUSY] = {"busy", 503, "Too many password checks at once; try again in a second.", NULL,
		      RETRY_BUSY},
	[ERR_NOT_SIGNED_IN] = {"not_signed_in", 401, "Sign in first.", NULL, 0},
	[ERR_STAFF_NOT_SIGNED_IN] = {"not_signed_in", 401, "Staff sign-in needed.", NULL, 0},
	[ERR_CSRF] = {"csrf", 403, "The request lacks this session's CSRF token.", NULL, 0},
	[ERR_CROSS_SITE] = {"cross_site", 403,
			    "This request came from another site; nothing was done.", NULL, 0},
	[ERR_FORM_TOKEN] = {"csrf", 403,
			    "This form has expired or was not sent from this site. Open the page "
			    "again and send it from there.",
			    NULL, 0},
	[ERR_TOO_MANY_REQUESTS] = {"too_many_requests", 429,
				   "Too many requests of this kind from here; wait and try again.",
				   NULL, 0},
	[ERR_REAUTH] = {"reauth_required", 403, "Enter your password again to continue.", NULL, 0},
	[ERR_ROLE] = {"role_lacks_purpose", 403,
		      "Your role does not include that purpose (need to know).", NULL, 0},
	[ERR_REFUSED] = {"refused", 403, "That use of personal data is not allowed.", NULL, 0},
	[ERR_ERASED] = {"erased", 410, "That person's data has been erased.", NULL, 0},
	[ERR_NO_REGISTRATION] = {"not_found", 404, "This site takes no registrations.", NULL, 0},
	[ERR_NOT_ELIGIBLE] = {"not_eligible", 403,
			      "Thank you for your interest. We cannot register you.", NULL, 0},
	[ERR_EMAIL_TAKEN_SINCE] = {"email_taken", 409, "Another account has that address now.",
				   NULL, 0},
	[ERR_EMAIL_UNCHANGED] = {"unchanged", 409, "That is your address already.", "email", 0},
	[ERR_WEAK_PASSWORD] = {"invalid_field", 400, "That password cannot be used.", "password",
			       0},
	[ERR_BAD_CREDENTIALS] = {"bad_credentials", 401,
				 "The e-mail address or the password is wrong, or the address is "
				 "not confirmed yet.",
				 NULL, 0},
	[ERR_STAFF_BAD_CREDENTIALS] = {"bad_credentials", 401,
				       "The e-mail address, the password or the code is wrong.",
				       NULL, 0},
	[ERR_WRONG_PASSWORD] = {"bad_credentials", 401, "That password is wrong.", "password", 0},
	[ERR_TOO_MANY_FROM_HERE] = {"too_many_attempts", 429,
				    "Too many sign-in attempts from here; wait and try again.",
				    NULL, 0},
	[ERR_ACCOUNT_LOCKED] = {"too_many_attempts", 429,
				"Too many failed attempts; wait and try again.", NULL, 0},
	[ERR_NO_ACCOUNT] = {"not_found", 404, "No such account.", NULL, 0},
	[ERR_NAME_EMPTY] = {"invalid_field", 400, "name cannot be empty", "name", 0},
	[ERR_NO_CHOICE] = {"not_found", 404, "There is no choice for that purpose.", NULL, 0},
	[ERR_NO_SESSION] = {"not_found", 404, "You have no session with that id.", NULL, 0},
	[ERR_NO_DEVICE] = {"not_found", 404, "You have no remembered device with that id.", NULL,
			   0},
	[ERR_BAD_LINK] = {"bad_token", 404, "That link is unknown, used or expired.", "token", 0},
	[ERR_TOO_MANY_RESETS] = {"too_many_attempts", 429,
				 "Too many password reset requests; wait and try again.", NULL, 0},
	[ERR_BAD_ENROL_TOKEN] = {"bad_token", 404,
				 "That enrolment token is unknown or has expired.", "token", 0},
	[ERR_ENROL_NOT_STARTED] = {"bad_token", 404,
				   "That enrolment token is unknown, has expired, or has no "
				   "password yet.",
				   "token", 0},
	[ERR_BAD_CODE] = {"bad_code", 400, "That code is not the one your authenticator shows now.",
			  "code", 0},
	[ERR_CODE_USED] = {"bad_code", 400, "That code was used already; wait for the next one.",
			   "code", 0},
	[ERR_NO_SUCH_MEMBER] = {"not_found", 404, "No member has that id.", NULL, 0},
	[ERR_NO_MEMBER_WITH_EMAIL] = {"not_found", 404, "No member has that e-mail address.",
				      "email", 0},
	[ERR_NO_SUCH_ROLE] = {"invalid_field", 400, "The profile has no such staff role.", "role",
			      0},
	[ERR_STAFF_EXISTS] = {"staff_exists", 409,
			      "A staff account with that e-mail address exists.", "email", 0},
	[ERR_NO_SUCH_STAFF] = {"not_found", 404, "No staff account has that e-mail address.",
			       "email", 0},
	[ERR_NO_SUCH_STAFF_ID] = {"not_found", 404, "No staff account has that id.", NULL, 0},
	[ERR_STAFF_SELF] = {"staff_self", 409,
			    "You cannot reset or remove your own account; another admin can.", NULL,
			    0},
	[ERR_LAST_ADMIN] = {"last_admin", 409,
			    "That is the last account that can manage staff; add and enrol another "
			    "admin first.",
			    NULL, 0},
	[ERR_NO_GARAGE] = {"not_found", 404, "This site has no garage.", NULL, 0},
	[ERR_VIN] = {"invalid_vin", 400, "That is not a valid VIN.", "vin", 0},
	[ERR_VEHICLE_EXISTS] = {"vehicle_exists", 409, "That car is in your garage already.", "vin",
				0},
	[ERR_GARAGE_FULL] = {"garage_full", 409, "Your garage is full.", NULL, 0},
	[ERR_NO_SUCH_CAR] = {"not_found", 404, "There is no such car in your garage.", NULL, 0},
	[ERR_NO_SUCH_CLAIM] = {"not_found", 404, "There is no such claim.", NULL, 0},
	[ERR_NOT_IN_REVIEW] = {"not_in_review", 409, "That claim is not waiting for a decision.",
			       NULL, 0},
	[ERR_NO_CONTACT] = {"not_found", 404, "This site takes no messages through a form.", NULL,
			    0},
	[ERR_NO_SUCH_MESSAGE] = {"not_found", 404,
				 "There is no message with that id (it may have been erased after "
				 "its retention).",
				 NULL, 0},
	[ERR_ALREADY_ANSWERED] = {"already_answered", 409, "This message has been answered.",
				  "answer", 0},
	[ERR_NO_POSTCARDS] = {"not_found", 404, "This site sends no e-postcards.", NULL, 0},
	[ERR_NO_SUCH_CARD] = {"unknown_card", 400,
			      "There is no such card; pick one of the pictures.", "card", 0},
	[ERR_POSTCARD_FROM_NAME] = {"missing_field", 400,
				    "Give your name: the card says who sent it.", "name", 0},
	[ERR_POSTCARD_FROM_EMAIL] =
		{"missing_field", 400,
		 "Give your e-mail address: we tell you whether the card arrived.", "email", 0},
	[ERR_POSTCARD_SENDER_LIMIT] = {"too_many_requests", 429,
				       "Too many e-postcards from this address today; try again "
				       "tomorrow.",
				       "email", 0},
	[ERR_NO_SUCH_POSTCARD] = {"not_found", 404, "There is no card at this address.", NULL, 0},
	[ERR_POSTCARD_GONE] = {"gone", 410,
			       "This card can no longer be viewed: its time is over, or it was "
			       "reported.",
			       NULL, 0},
	[ERR_NO_REQUESTS] = {"not_found", 404, "This site takes no requests.", NULL, 0},
	[ERR_NO_SUCH_ITEM] = {"not_found", 404, "There is no such item to request.", NULL, 0},
	[ERR_REQUEST_KIND] = {"invalid_field", 400,
			      "That kind of request is not one this site takes.", "kind", 0},
	[ERR_REQUEST_ITEM_FIELD] = {"invalid_field", 400, "That detail of the item is not valid.",
				    NULL, 0},
	[ERR_REQUEST_MISSING] = {"missing_field", 400, "This request needs that field.", NULL, 0},
	[ERR_NO_SUCH_REQUEST] = {"not_found", 404,
				 "There is no request at this address (it may have been erased "
				 "after its retention).",
				 NULL, 0},
	[ERR_REQUEST_DONE] = {"request_done", 409, "This request is done already.", "outcome", 0},
	[ERR_NO_SHOP] = {"not_found", 404, "This site has no shop.", NULL, 0},
	[ERR_SHOP_NO_SUCH_ITEM] = {"no_such_item", 404,
				   "There is no such item in the shop, or it is not for sale now.",
				   "item", 0},
	[ERR_SHOP_ITEM_FIELD] = {"invalid_field", 400, "That detail of the item is not valid.",
				 NULL, 0},
	[ERR_SHOP_QUANTITY] =
		{"invalid_field", 400,
		 "A quantity is a whole number from 0 to the shop's maximum per item.", "quantity",
		 0},
	[ERR_SHOP_CART_FULL] = {"cart_full", 400,
				"The cart holds as many different items as it can.", "item", 0},
	[ERR_SHOP_BAD_CART] = {"bad_cart", 400,
			       "Your cart could not be read, so it has been emptied. Please add "
			       "the items again.",
			       NULL, 0},
	[ERR_SHOP_CART_EMPTY] = {"cart_empty", 400, "Your cart is empty.", NULL, 0},
	[ERR_SHOP_MISSING] = {"missing_field", 400, "An order needs that field.", NULL, 0},
	[ERR_SHOP_CARD_NUMBER] = {"card_number_refused", 400,
				  "That looks like a card number. Never type it here: you pay on "
				  "our payment processor's own page.",
				  NULL, 0},
	[ERR_SHOP_PRICE_CHANGED] = {"price_changed", 409,
				    "A price changed since you filled your cart: please check the "
				    "new total and confirm it.",
				    "total", 0},
	[ERR_SHOP_OUT_OF_STOCK] = {"out_of_stock", 409, "There are not that many of an item left.",
				   "item", 0},
	[ERR_NO_SUCH_ORDER] = {"not_found", 404, "There is no order at this address.", NULL, 0},
	[ERR_SHOP_ORDER_STATE] = {"order_state", 409, "The order cannot do that in its state.",
				  NULL, 0},
	[ERR_SHOP_PROCESSOR] = {"processor_unavailable", 502,
				"The payment processor could not be reached; nothing was charged. "
				"Try again in a while.",
				NULL, 0},
	[ERR_SHOP_BAD_SIGNATURE] = {"bad_signature", 400,
				    "The webhook's signature is missing, wrong or out of its time.",
				    NULL, 0},
	[ERR_SHOP_UNKNOWN_SESSION] =
		{"unknown_session", 400,
		 "The webhook names a checkout session this shop did not open.", NULL, 0},
	[ERR_INVALID_CAMPAIGN] = {"invalid_campaign", 400, "That campaign cannot be sent.", NULL,
				  0},
	[ERR_BAD_UNSUBSCRIBE] = {"bad_token", 404, "That link is unknown or too old.", NULL, 0},
	[ERR_NO_SUCH_VERSION] = {"not_found", 404,
				 "There is no published version with that number.", NULL, 0},
	[ERR_NO_DEALERS] = {"not_found", 404, "This site passes no one to a dealer.", NULL, 0},
	[ERR_NO_SUCH_DEALER] = {"not_found", 404, "There is no dealer with that id.", NULL, 0},
	[ERR_DEALER_FIELD] = {"invalid_field", 400, "That detail of the dealer is not valid.", NULL,
			      0},
	[ERR_DEALER_EXISTS] = {"dealer_exists", 409, "A dealer with that code exists.", "code", 0},
	[ERR_DEALER_UNAVAILABLE] = {"invalid_field", 400,
				    "That dealer cannot be chosen; choose one from the list.",
				    "dealer", 0},
	[ERR_DEALER_NOTHING] = {"nothing_to_hand_over", 409,
				"Nothing can be passed to the dealer yet: confirm your e-mail "
				"address first.",
				NULL, 0},
	[ERR_BAD_RANGE] =
		{"bad_range", 400,
		 "The first day must not come after the last, and a report covers at most "
		 "366 days.",
		 "from", 0},
	[ERR_NOISE_BUDGET] =
		{"privacy_budget_spent", 429,
		 "Your privacy budget for visit reports is spent for this period: each "
		 "report's figures carry random noise, and more reports would let it be "
		 "averaged away. Try again in the next period.",
		 NULL, 0},
	[ERR_NO_COMMUNITY] = {"not_found", 404, "This site has no community garage.", NULL, 0},
	[ERR_NO_STORIES] = {"not_found", 404, "This site publishes no stories or questions.", NULL,
			    0},
	[ERR_NO_SUCH_STORY] = {"not_found", 404, "There is no such story or question.", NULL, 0},
	[ERR_NOT_ACCEPTED] = {"not_accepted", 400,
			      "To publish, tick the box that says you accept the notice above it.",
			      "accept", 0},
	[ERR_STORY_TOO_LONG] = {"too_long", 400, "That text is too long.", "submitted_content", 0},
	[ERR_STORY_STATE] = {"wrong_state", 409,
			     "That story or question is not in a state that allows this.", NULL, 0},
	[ERR_NO_SUCH_PHOTO] = {"no_such_photo", 404, "There is no such photo.", NULL, 0},
	[ERR_PHOTO_TYPE] = {"photo_type", 415, "A photo must be a JPEG, PNG or WebP image.", NULL,
			    0},
	[ERR_PHOTO_TOO_LARGE] = {"photo_too_large", 422,
				 "The photo has too many pixels; send a smaller one.", NULL, 0},
	[ERR_PHOTO_UNREADABLE] = {"photo_unreadable", 422,
				  "The photo cannot be read: it is damaged or incomplete.", NULL,
				  0},
	[ERR_IMAGES_BUSY] = {"busy", 503,
			     "Too many photos are being processed at once; try again in a "
			     "second.",
			     NULL, RETRY_BUSY},
};

const struct err_row *err_row(enum err e)
{
	return &rows[e > ERR_NONE && e < ERR_COUNT ? e : ERR_INTERNAL];
}

int err_fail(struct failure *f, enum err e)
{
	*f = (struct failure){.err = e};
	return -1;
}

int err_failf(struct failure *f, enum err e, const char *fmt, ...)
{
	va_list ap;
	*f = (struct failure){.err = e};
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
}

int failures_add(struct failures *fs, const struct failure *f)
{
	if (fs->n < FAILURES_MAX)
		fs->list[fs->n++] = *f;
	return -1;
}

bool failures_has(const struct failures *fs, const char *field)
{
	for (size_t i = 0; i < fs->n; i++) {
		const char *x = err_field(&fs->list[i]);
		if (x && field && strcmp(x, field) == 0)
			return true;
	}
	return false;
}

int err_status(const struct failure *f)
{
	return err_row(f->err)->status;
}

const char *err_code(const struct failure *f)
{
	return f->code ? f->code : err_row(f->err)->code;
}

const char *err_message(const struct failure *f)
{
	return f->message[0] ? f->message : err_row(f->err)->message;
}

const char *err_field(const struct failure *f)
{
	return f->field ? f->field : err_row(f->err)->field;
}

int64_t err_retry_after(const struct failure *f)
{
	return f->retry_after > 0 ? f->retry_after : err_row(f->err)->retry_after;
}
