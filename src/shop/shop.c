/*
 * shop: the catalogue, the signed cart, orders, the processor's webhooks
 * and the fulfilment queue (see shop.h).
 */
#include "shop.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "broker.h"
#include "buf.h"
#include "checkout.h"
#include "crypto.h"
#include "handover.h"
#include "log.h"
#include "members.h"
#include "outbox.h"
#include "policy.h"
#include "record.h"
#include "store.h"
#include "store_json.h"

#define TABLE	"shop_orders"
#define PURPOSE "product_orders"

const char *const shop_part_names[SHOP_NPARTS] = {
	[SHOP_NAME] = "name",
	[SHOP_EMAIL] = "email",
	[SHOP_POSTAL_ADDRESS] = "postal_address",
	[SHOP_PHONE] = "phone",
};

/* What an order keeps under the buyer's subject. */
static const char *const order_categories[] = {"name",	"email",	 "postal_address",
					       "phone", "order_details", "payment_card"};
/* What staff see of an order (record_read columns). */
static const char *const order_columns[] = {
	"name", "email", "postal_address", "phone", "order_details", "card_brand", "card_last4"};
/* What the carrier takes of an order (never the e-mail or the card). */
static const char *const carrier_fields[] = {"name", "postal_address", "phone"};

/* The cart cookie: "c1" then ":ITEM.QUANTITY.PRICE" per line, base64url,
 * a dot, and the base64url MAC of the text. */
#define CART_VERSION  "c1"
#define CART_TEXT_MAX 2400

/* An order's states (docs/shop.md). */
#define S_PENDING	   "pending"
#define S_PAID		   "paid"
#define S_SHIPPED	   "shipped"
#define S_EXPIRED	   "expired"
#define S_CANCELLED	   "cancelled"
#define S_REFUND_REQUESTED "refund_requested"
#define S_REFUNDED	   "refunded"

static const char SQL_ITEMS_ALL[] = "SELECT id, name, description, price, stock, active FROM "
				    "shop_items ORDER BY created_at, id LIMIT $1";
static const char SQL_ITEMS_ACTIVE[] =
	"SELECT id, name, description, price, stock, active FROM "
	"shop_items WHERE active = 1 ORDER BY created_at, id LIMIT $1";
static const char SQL_ITEM[] =
	"SELECT id, name, description, price, stock, active FROM shop_items WHERE id = $1";
static const char SQL_ITEM_ADD[] = "INSERT INTO shop_items (id, name, description, price, stock, "
				   "active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
static const char SQL_ITEM_SET[] =
	"UPDATE shop_items SET name = COALESCE($2, name), description = COALESCE($3, "
	"description), price = COALESCE($4, price), stock = COALESCE($5, stock), active = "
	"COALESCE($6, active) WHERE id = $1";
static const char SQL_RESERVE[] = "UPDATE shop_items SET stock = stock - $2 WHERE id = $1 AND "
				  "active = 1 AND stock >= $2";
static const char SQL_RELEASE[] =
	"UPDATE shop_items SET stock = stock + (SELECT quantity FROM shop_order_lines l WHERE "
	"l.order_id = $1 AND l.item_id = shop_items.id) WHERE id IN (SELECT item_id FROM "
	"shop_order_lines WHERE order_id = $1)";
static const char SQL_LINE_ADD[] = "INSERT INTO shop_order_lines (order_id, subject_id, item_id, "
				   "quantity, price) VALUES ($1, $2, $3, $4, $5)";
static const char SQL_LINES[] =
	"SELECT i.name, l.quantity, l.price, l.item_id FROM shop_order_lines l JOIN shop_items i "
	"ON i.id = l.item_id WHERE l.order_id = $1 ORDER BY i.name, l.item_id";
#define STATE_COLUMNS                                                                              \
	"SELECT id, subject_id, reference, status, currency, total, session_id, payment_intent, "  \
	"created_at, paid_at, shipped_at FROM shop_orders "
static const char SQL_BY_TOKEN[] = STATE_COLUMNS "WHERE token_hash = $1";
static const char SQL_BY_REFERENCE[] = STATE_COLUMNS "WHERE reference = $1";
static const char SQL_BY_SESSION[] = STATE_COLUMNS "WHERE session_id = $1";
static const char SQL_BY_INTENT[] = STATE_COLUMNS "WHERE payment_intent = $1";
static const char SQL_BY_ID[] = STATE_COLUMNS "WHERE id = $1";
static const char SQL_BY_ID_LOCKED[] = STATE_COLUMNS "WHERE id = $1 FOR UPDATE";
static const char SQL_SET_SESSION[] =
	"UPDATE shop_orders SET session_id = $2, checkout_url = $3 WHERE id = $1";
static const char SQL_CHECKOUT_URL[] =
	"SELECT checkout_url FROM shop_orders WHERE reference = $1 AND status = 'pending'";
static const char SQL_PAID[] = "UPDATE shop_orders SET status = 'paid', paid_at = $2, "
			       "payment_intent = $3 WHERE id = $1 AND status = 'pending'";
static const char SQL_END_PENDING[] = "UPDATE shop_orders SET status = $2, done_at = $3 WHERE id "
				      "= $1 AND status = 'pending'";
static const char SQL_SHIPPED[] = "UPDATE shop_orders SET status = 'shipped', shipped_at = $2, "
				  "done_at = $2 WHERE id = $1 AND status = 'paid'";
static const char SQL_REFUND_ASKED[] =
	"UPDATE shop_orders SET status = 'refund_requested' WHERE id = $1 AND status IN "
	"('paid', 'shipped')";
static const char SQL_REFUNDED[] =
	"UPDATE shop_orders SET status = 'refunded', done_at = $2 WHERE id = $1 AND status IN "
	"('paid', 'shipped', 'refund_requested')";
static const char SQL_EVENT_SEEN[] = "SELECT 1 FROM shop_events WHERE id = $1";
static const char SQL_EVENT_ADD[] = "INSERT INTO shop_events (id, received_at) VALUES ($1, $2)";
static const char SQL_QUEUE_PAID[] =
	"SELECT id, reference, status, total, currency, created_at, paid_at, shipped_at FROM "
	"shop_orders WHERE status = 'paid' ORDER BY paid_at, id LIMIT $1";
static const char SQL_QUEUE_ALL[] =
	"SELECT id, reference, status, total, currency, created_at, paid_at, shipped_at FROM "
	"shop_orders ORDER BY created_at DESC, id LIMIT $1";

bool shop_offered(void)
{
	return policy_collection_index(app.policy, SHOP_POINT) >= 0;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

static json_t *text_of(const struct store_val *v)
{
	return v->type == STORE_TEXT ? json_stringn((const char *)v->p, v->n) : json_string("");
}

static int64_t int_of(const struct store_val *v)
{
	return v->type == STORE_INT ? v->i : 0;
}

static json_t *int_or_null(const struct store_val *v)
{
	return v->type == STORE_INT ? json_integer(v->i) : json_null();
}

/* ---- the catalogue ---- */

static int item_cb(void *ctx, const struct store_row *row)
{
	json_t *o = json_pack("{s:I,s:o,s:o,s:I,s:s,s:I,s:b}", "id", (json_int_t)row->cols[0].i,
			      "name", text_of(&row->cols[1]), "description", text_of(&row->cols[2]),
			      "price", (json_int_t)int_of(&row->cols[3]), "currency",
			      app.cfg.shop_currency, "stock", (json_int_t)int_of(&row->cols[4]),
			      "active", int_of(&row->cols[5]) != 0);
	json_t *into = ctx;
	if (json_is_array(into))
		json_array_append_new(into, o);
	else
		json_object_set_new(into, "item", o);
	return 0;
}

int shop_items_list(bool active_only, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct store_val limit[] = {SV_INT(SHOP_LIST_MAX)};
	return store_json_list(active_only ? SQL_ITEMS_ACTIVE : SQL_ITEMS_ALL, limit,
			       STORE_NPARAMS(limit), item_cb, list, f);
}

int shop_item_get(int64_t id, bool active_only, json_t **item, struct failure *f)
{
	*item = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	json_t *holder = json_object();
	struct store_val key[] = {SV_INT(id)};
	if (store_query(app.store, SQL_ITEM, key, STORE_NPARAMS(key), item_cb, holder) < 0) {
		json_decref(holder);
		return err_fail(f, ERR_STORE);
	}
	json_t *it = json_object_get(holder, "item");
	if (!it || (active_only && !json_is_true(json_object_get(it, "active")))) {
		json_decref(holder);
		return err_fail(f, ERR_SHOP_NO_SUCH_ITEM);
	}
	*item = json_incref(it);
	json_decref(holder);
	return 0;
}

static int item_field(const char *field, const char *message, struct failure *f)
{
	err_failf(f, ERR_SHOP_ITEM_FIELD, "%s", message);
	f->field = field;
	return -1;
}

static int item_check(const struct shop_item *in, bool adding, struct failure *f)
{
	if ((adding || in->name) && empty(in->name))
		return item_field("name", "Give the item a name.", f);
	if ((adding || in->has_price) && (in->price < 0 || in->price > SHOP_PRICE_MAX))
		return item_field("price",
				  "A price is a whole number of the currency's minor "
				  "unit (cents), from 0 up.",
				  f);
	if ((adding || in->has_stock) && (in->stock < 0 || in->stock > SHOP_STOCK_MAX))
		return item_field("stock", "The stock is a whole number from 0 up.", f);
	return 0;
}

int shop_item_add(const struct shop_item *in, int64_t *id, struct failure *f)
{
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	if (item_check(in, true, f) != 0)
		return -1;
	int64_t new_id = crypto_random_id();
	struct store_val row[] = {SV_INT(new_id),
				  SV_TEXT(in->name),
				  SV_TEXT(in->description ? in->description : ""),
				  SV_INT(in->price),
				  SV_INT(in->stock),
				  SV_INT(in->active ? 1 : 0),
				  SV_INT((int64_t)time(NULL))};
	if (store_query(app.store, SQL_ITEM_ADD, row, STORE_NPARAMS(row), NULL, NULL) < 0)
		return err_fail(f, ERR_STORE);
	log_info("shop item %" PRId64 " added", new_id);
	*id = new_id;
	return 0;
}

int shop_item_update(const struct shop_item *in, struct failure *f)
{
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	if (item_check(in, false, f) != 0)
		return -1;
	struct store_val row[] = {SV_INT(in->id),
				  in->name ? SV_TEXT(in->name) : SV_NULL,
				  in->description ? SV_TEXT(in->description) : SV_NULL,
				  in->has_price ? SV_INT(in->price) : SV_NULL,
				  in->has_stock ? SV_INT(in->stock) : SV_NULL,
				  in->has_active ? SV_INT(in->active ? 1 : 0) : SV_NULL};
	int n = store_query(app.store, SQL_ITEM_SET, row, STORE_NPARAMS(row), NULL, NULL);
	if (n < 0)
		return err_fail(f, ERR_STORE);
	if (n == 0)
		return err_fail(f, ERR_SHOP_NO_SUCH_ITEM);
	log_info("shop item %" PRId64 " changed", in->id);
	return 0;
}

/* ---- the cart ---- */

static size_t max_lines(void)
{
	long m = app.cfg.shop_max_lines;
	return m < 1 ? 1 : m > SHOP_LINES_MAX ? SHOP_LINES_MAX : (size_t)m;
}

static bool quantity_ok(int64_t q)
{
	return q >= 1 && q <= app.cfg.shop_max_quantity;
}

/* Reads an unsigned decimal number ending at one of stops; -1 if none. */
static int64_t number(const char **p, const char *stops)
{
	const char *s = *p;
	size_t n = strspn(s, "0123456789");
	if (n == 0 || n > 18 || !s[n] || !strchr(stops, s[n]))
		return -1;
	int64_t v = strtoll(s, NULL, 10);
	*p = s + n;
	return v;
}

int shop_cart_decode(const char *cookie, struct shop_cart *cart, struct failure *f)
{
	cart->n = 0;
	if (empty(cookie))
		return 0;
	const char *dot = strchr(cookie, '.');
	char text[CART_TEXT_MAX + 1];
	unsigned char mac[CRYPTO_MAC_BYTES], want[CRYPTO_MAC_BYTES];
	size_t tn = 0, mn = 0;
	char head[CART_TEXT_MAX * 2];
	if (!dot || (size_t)(dot - cookie) >= sizeof(head) || strlen(cookie) > SHOP_CART_COOKIE_MAX)
		goto bad;
	memcpy(head, cookie, (size_t)(dot - cookie));
	head[dot - cookie] = '\0';
	if (crypto_unbase64url(head, text, CART_TEXT_MAX, &tn) != 0 ||
	    crypto_unbase64url(dot + 1, mac, sizeof(mac), &mn) != 0 || mn != sizeof(mac))
		goto bad;
	text[tn] = '\0';
	crypto_cart_mac(app.keys, text, tn, want);
	if (crypto_equal(mac, want, sizeof(mac)) != 1 || strlen(text) != tn)
		goto bad;
	if (strncmp(text, CART_VERSION, strlen(CART_VERSION)) != 0)
		goto bad;
	/* Ours, so well formed; the limits are checked all the same, as the
	 * operator may have lowered them since. */
	for (const char *p = text + strlen(CART_VERSION); *p;) {
		if (*p++ != ':')
			goto bad;
		if (!*p)
			break; /* the ':' that ends the last line */
		if (cart->n >= max_lines())
			goto bad;
		struct shop_line l;
		if ((l.item = number(&p, ".")) < 0 || !*p++ || (l.quantity = number(&p, ".")) < 0 ||
		    !*p++ || (l.price = number(&p, ":")) < 0 || !quantity_ok(l.quantity))
			goto bad;
		for (size_t i = 0; i < cart->n; i++)
			if (cart->lines[i].item == l.item)
				goto bad;
		cart->lines[cart->n++] = l;
	}
	return 0;
bad:
	cart->n = 0;
	return err_fail(f, ERR_SHOP_BAD_CART);
}

/* number() needs a stop after the last price: the text ends in ":". */
void shop_cart_encode(const struct shop_cart *cart, char *out, size_t outlen)
{
	char text[CART_TEXT_MAX + 1];
	size_t n = (size_t)snprintf(text, sizeof(text), "%s", CART_VERSION);
	for (size_t i = 0; i < cart->n && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      ":%" PRId64 ".%" PRId64 ".%" PRId64, cart->lines[i].item,
				      cart->lines[i].quantity, cart->lines[i].price);
	if (cart->n && n < sizeof(text) - 1) {
		text[n++] = ':';
		text[n] = '\0';
	}
	unsigned char mac[CRYPTO_MAC_BYTES];
	crypto_cart_mac(app.keys, text, n, mac);
	char b64[CART_TEXT_MAX * 2], m64[2 * CRYPTO_MAC_BYTES];
	crypto_base64url(text, n, b64, sizeof(b64));
	crypto_base64url(mac, sizeof(mac), m64, sizeof(m64));
	snprintf(out, outlen, "%s.%s", b64, m64);
}

int shop_cart_set(struct shop_cart *cart, int64_t item, int64_t quantity, struct failure *f)
{
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	if (quantity < 0 || quantity > app.cfg.shop_max_quantity)
		return err_fail(f, ERR_SHOP_QUANTITY);
	size_t at = cart->n;
	for (size_t i = 0; i < cart->n; i++)
		if (cart->lines[i].item == item)
			at = i;
	if (quantity == 0) {
		if (at < cart->n)
			cart->lines[at] = cart->lines[--cart->n];
		return 0;
	}
	json_t *it;
	if (shop_item_get(item, true, &it, f) != 0)
		return -1;
	int64_t price = json_integer_value(json_object_get(it, "price"));
	json_decref(it);
	if (at == cart->n) {
		if (cart->n >= max_lines())
			return err_fail(f, ERR_SHOP_CART_FULL);
		cart->n++;
	}
	cart->lines[at] = (struct shop_line){item, quantity, price};
	return 0;
}

int shop_cart_json(const struct shop_cart *cart, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	json_t *lines = json_array();
	int64_t total = 0;
	bool changed = false;
	for (size_t i = 0; i < cart->n; i++) {
		const struct shop_line *l = &cart->lines[i];
		json_t *it;
		struct failure ignored;
		bool available = shop_item_get(l->item, true, &it, &ignored) == 0;
		if (!available && ignored.err == ERR_STORE) {
			json_decref(lines);
			return err_fail(f, ERR_STORE);
		}
		int64_t price = available ? json_integer_value(json_object_get(it, "price")) : 0;
		json_t *o = json_pack(
			"{s:I,s:s,s:I,s:I,s:I,s:I,s:b}", "item", (json_int_t)l->item, "name",
			available ? json_string_value(json_object_get(it, "name")) : "", "quantity",
			(json_int_t)l->quantity, "price", (json_int_t)price, "cart_price",
			(json_int_t)l->price, "amount", (json_int_t)(price * l->quantity),
			"available", available);
		json_array_append_new(lines, o);
		if (available) {
			total += price * l->quantity;
			changed |= price != l->price;
		}
		json_decref(it);
	}
	*out = json_pack("{s:o,s:I,s:s,s:b}", "lines", lines, "total", (json_int_t)total,
			 "currency", app.cfg.shop_currency, "price_changed", changed);
	return 0;
}

/* ---- ordering ---- */

bool shop_looks_like_card_number(const char *text)
{
	for (const char *p = text; p && *p; p++) {
		if (*p < '0' || *p > '9')
			continue;
		/* The run of digits from here, spaces and dashes allowed between. */
		int digits[19], n = 0;
		for (const char *q = p; *q && n < 19; q++) {
			if (*q >= '0' && *q <= '9')
				digits[n++] = *q - '0';
			else if (*q != ' ' && *q != '-')
				break;
			/* Each length from 13 up is a candidate: Luhn from its end. */
			if (n >= 13 && *q >= '0' && *q <= '9') {
				int sum = 0;
				for (int i = n - 1, k = 0; i >= 0; i--, k++) {
					int d = digits[i];
					if (k % 2 == 1 && (d *= 2) > 9)
						d -= 9;
					sum += d;
				}
				if (sum % 10 == 0)
					return true;
			}
		}
	}
	return false;
}

/* The values of an order, with a member's known details where they left
 * one out; record holds those while they are used. */
struct given {
	const char *value[SHOP_NPARTS];
	json_t *record;
};

static void fill_in(const struct shop_order_new *in, struct given *g)
{
	memcpy(g->value, in->value, sizeof(g->value));
	g->record = NULL;
	struct failure ignored;
	if (!in->member || members_own_record(in->member, &g->record, &ignored) != 0)
		return;
	for (size_t i = 0; i < SHOP_NPARTS; i++)
		if (empty(g->value[i]))
			g->value[i] =
				json_string_value(json_object_get(g->record, shop_part_names[i]));
}

/* The lines at today's prices; *changed when one differs from the cart's. */
struct priced {
	struct checkout_line lines[SHOP_LINES_MAX];
	int64_t price[SHOP_LINES_MAX];
	json_t *items[SHOP_LINES_MAX];
	size_t n;
	int64_t total;
	bool changed;
};

static void priced_release(struct priced *p)
{
	for (size_t i = 0; i < p->n; i++)
		json_decref(p->items[i]);
	p->n = 0;
}

static int price_cart(const struct shop_cart *cart, struct priced *p, struct failure *f)
{
	*p = (struct priced){0};
	for (size_t i = 0; i < cart->n; i++) {
		const struct shop_line *l = &cart->lines[i];
		if (shop_item_get(l->item, true, &p->items[i], f) != 0) {
			f->field = "item";
			priced_release(p);
			return -1;
		}
		p->n = i + 1;
		p->price[i] = json_integer_value(json_object_get(p->items[i], "price"));
		p->lines[i] = (struct checkout_line){
			json_string_value(json_object_get(p->items[i], "name")), p->price[i],
			l->quantity};
		p->total += p->price[i] * l->quantity;
		p->changed |= p->price[i] != l->price;
	}
	return 0;
}

static void money(char *out, size_t n, int64_t minor)
{
	snprintf(out, n, "%" PRId64 ".%02" PRId64 " %s", minor / 100, minor % 100,
		 app.cfg.shop_currency);
}

/* The order's details as the buyer and staff read them (sealed). */
static char *details_text(const struct shop_cart *cart, const struct priced *p)
{
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < p->n; i++) {
		char m[48];
		money(m, sizeof(m), p->price[i]);
		buf_printf(&b, "%" PRId64 " x %s at %s\n", cart->lines[i].quantity,
			   p->lines[i].name, m);
	}
	char m[48];
	money(m, sizeof(m), p->total);
	buf_printf(&b, "Total: %s\n", m);
	size_t len;
	return buf_detach(&b, &len);
}

/* The "we received your order" mail, with the order link. */
static int received_mail(struct store_conn *c, const struct broker_grant *g, const char *to,
			 const char *name, const char *details, const char *token)
{
	struct buf text;
	buf_init(&text, 0);
	buf_printf(&text,
		   "Hello%s%s,\n\nwe received your order at %s:\n\n%s\nOnce you have paid on our "
		   "payment processor's page, you can follow it, without an account, at this "
		   "address:\n\n%s/shop/orders/%s\n\nWe never see your card number. We use what "
		   "you gave us only to complete this order, and erase it a while after it is "
		   "done, as our privacy notice says.\n\n-- \n%s\n",
		   empty(name) ? "" : " ", empty(name) ? "" : name, app.site_name, details,
		   app.cfg.site_url, token, app.site_name);
	int rc = outbox_send_text(c, g, PURPOSE, "email", "order_details", to,
				  "We received your order", text.data, NULL, 0);
	crypto_wipe(text.data, text.len);
	buf_release(&text);
	return rc;
}

/* Ends a pending order (expired, cancelled) and gives its stock back,
 * inside the caller's transaction. 1 when it was pending, 0 if not. */
static int end_pending(struct store_conn *c, int64_t id, const char *status)
{
	struct store_val end[] = {SV_INT(id), SV_TEXT(status), SV_INT((int64_t)time(NULL))};
	int n = store_exec(c, SQL_END_PENDING, end, STORE_NPARAMS(end), NULL, NULL);
	if (n <= 0)
		return n;
	struct store_val key[] = {SV_INT(id)};
	return store_exec(c, SQL_RELEASE, key, STORE_NPARAMS(key), NULL, NULL) < 0 ? -1 : 1;
}

static int cancel(int64_t id)
{
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) == 0) {
		rc = end_pending(c, id, S_CANCELLED) >= 0 && store_commit(c) == 0 ? 0 : -1;
		if (rc != 0)
			store_rollback(c);
	}
	store_release(c);
	return rc;
}

/* The processor opened the order's session: its id kept, and the one
 * mail with the order link queued, in one transaction (an order the
 * processor refused is cancelled, and mails nobody). */
static int session_opened(const struct shop_placed *o, const char *session, const char *url)
{
	static const char *const cats[] = {"email", "name", "order_details"};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, o->subject, PURPOSE, cats, ARRAY_LEN(cats), "read"};
	struct record_text t[ARRAY_LEN(cats)] = {{0}};
	struct store_val set[] = {SV_INT(o->id), SV_TEXT(session), SV_TEXT(url)};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0)
		goto out;
	if (store_exec(c, SQL_SET_SESSION, set, STORE_NPARAMS(set), NULL, NULL) != 1 ||
	    broker_open(c, &use, &g, &why) != 0 ||
	    record_read(c, g, TABLE, o->id, cats, ARRAY_LEN(cats), t) != 1 || !t[0].p ||
	    received_mail(c, g, t[0].p, t[1].p, t[2].p ? t[2].p : "", o->token) != 0 ||
	    store_commit(c) != 0) {
		store_rollback(c);
		goto out;
	}
	rc = 0;
out:
	record_texts_release(t, ARRAY_LEN(cats));
	store_release(c);
	broker_grant_free(g);
	return rc;
}

/* Reserves and stores, in one transaction. */
static int order_store(const struct shop_order_new *in, const struct given *gv,
		       const struct priced *p, struct shop_placed *out, struct failure *f)
{
	const char *cats[ARRAY_LEN(order_categories)];
	size_t ncats = 0;
	for (size_t i = 0; i < ARRAY_LEN(order_categories); i++)
		cats[ncats++] = order_categories[i];
	char *details = details_text(in->cart, p);
	unsigned char hash[TOKEN_HASH_BYTES], ref[12];
	token_new(out->token, hash);
	crypto_random(ref, sizeof(ref));
	crypto_base64url(ref, sizeof(ref), out->reference, sizeof(out->reference));
	out->id = crypto_random_id();
	out->total = p->total;
	int64_t now = (int64_t)time(NULL);
	struct record_field row[SHOP_NPARTS + 8];
	size_t n = 0;
	for (size_t i = 0; i < SHOP_NPARTS; i++)
		if (!empty(gv->value[i]))
			row[n++] = (struct record_field){shop_part_names[i], SV_TEXT(gv->value[i])};
	row[n++] = (struct record_field){"order_details", SV_TEXT(details)};
	row[n++] = (struct record_field){"reference", SV_TEXT(out->reference)};
	row[n++] = (struct record_field){"token_hash", SV_BLOB(hash, sizeof(hash))};
	row[n++] = (struct record_field){"currency", SV_TEXT(app.cfg.shop_currency)};
	row[n++] = (struct record_field){"total", SV_INT(p->total)};
	row[n++] = (struct record_field){"status", SV_TEXT(S_PENDING)};
	row[n++] = (struct record_field){"created_at", SV_INT(now)};
	struct broker_grant *g = NULL;
	enum decision_reason why = DECISION_ALLOWED;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (broker_subject_new(c, "customer", PURPOSE, cats, ncats, in->member, &out->subject, &g,
			       &why) != 0) {
		if (why != DECISION_ALLOWED)
			log_warn("order refused: %s", policy_reason_code(why));
		broker_failure(c, 0, why, f);
		goto rollback;
	}
	if (record_insert(c, g, TABLE, out->id, row, n) < 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct shop_line *l = &in->cart->lines[i];
		struct store_val take[] = {SV_INT(l->item), SV_INT(l->quantity)};
		int got = store_exec(c, SQL_RESERVE, take, STORE_NPARAMS(take), NULL, NULL);
		if (got == 0) {
			err_fail(f, ERR_SHOP_OUT_OF_STOCK);
			goto rollback;
		}
		struct store_val line[] = {SV_INT(out->id), SV_INT(out->subject), SV_INT(l->item),
					   SV_INT(l->quantity), SV_INT(p->price[i])};
		if (got < 0 ||
		    store_exec(c, SQL_LINE_ADD, line, STORE_NPARAMS(line), NULL, NULL) < 0) {
			err_fail(f, ERR_STORE);
			goto rollback;
		}
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	crypto_wipe(details, strlen(details));
	free(details);
	return rc;
}

int shop_order_place(const struct shop_order_new *in, struct shop_placed *out, struct failure *f)
{
	*out = (struct shop_placed){0};
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	if (in->cart->n == 0)
		return err_fail(f, ERR_SHOP_CART_EMPTY);
	struct given gv;
	struct priced p = {0};
	int rc = -1;
	fill_in(in, &gv);
	for (size_t i = 0; i < SHOP_NPARTS; i++) {
		if (i != SHOP_PHONE && empty(gv.value[i])) {
			err_fail(f, ERR_SHOP_MISSING);
			f->field = shop_part_names[i];
			goto done;
		}
		/* ALL03: a card number typed here is refused, never kept. */
		if (!empty(in->value[i]) && shop_looks_like_card_number(in->value[i])) {
			err_fail(f, ERR_SHOP_CARD_NUMBER);
			f->field = shop_part_names[i];
			goto done;
		}
	}
	if (price_cart(in->cart, &p, f) != 0)
		goto done;
	out->total = p.total;
	if (p.changed && (!in->has_confirm || in->confirm_total != p.total)) {
		char m[48];
		money(m, sizeof(m), p.total);
		err_failf(f, ERR_SHOP_PRICE_CHANGED,
			  "A price changed since you filled your cart: the total is now %s. "
			  "Please confirm it to order.",
			  m);
		goto done;
	}
	if (!checkout_configured()) {
		log_error("shop: no payment processor configured (shop-processor-url)");
		err_fail(f, ERR_SHOP_PROCESSOR);
		goto done;
	}
	if (order_store(in, &gv, &p, out, f) != 0)
		goto done;
	char success[SHOP_URL_MAX], cancel_url[SHOP_URL_MAX];
	snprintf(success, sizeof(success), "%s/shop/return/%s", app.cfg.site_url, out->reference);
	snprintf(cancel_url, sizeof(cancel_url), "%s/shop/cart", app.cfg.site_url);
	long minutes = app.cfg.shop_checkout_minutes;
	struct checkout_request rq = {out->reference,
				      app.cfg.shop_currency,
				      p.lines,
				      p.n,
				      success,
				      cancel_url,
				      (int64_t)time(NULL) + 60 * minutes};
	struct checkout_session s;
	char err[CHECKOUT_ERR_MAX];
	if (checkout_create(&rq, &s, err, sizeof(err)) != 0) {
		log_warn("shop order %s: the processor refused the session (%s)", out->reference,
			 err);
		if (cancel(out->id) != 0)
			log_error("shop order %s: could not be cancelled", out->reference);
		err_fail(f, ERR_SHOP_PROCESSOR);
		goto done;
	}
	if (session_opened(out, s.id, s.url) != 0) {
		/* Nobody has the session's address: it expires unpaid. */
		if (cancel(out->id) != 0)
			log_error("shop order %s: could not be cancelled", out->reference);
		err_fail(f, ERR_STORE);
		goto done;
	}
	snprintf(out->checkout_url, sizeof(out->checkout_url), "%s", s.url);
	log_info("shop order %s placed", out->reference);
	rc = 0;
done:
	priced_release(&p);
	json_decref(gv.record);
	return rc;
}

/* ---- one order's plain state ---- */

struct state {
	bool found;
	int64_t id, subject, total, created_at, paid_at, shipped_at;
	char reference[SHOP_REFERENCE_CHARS + 1], status[20], currency[8];
	char session[CHECKOUT_ID_MAX + 1], intent[CHECKOUT_ID_MAX + 1];
};

static void copy_text(char *dst, size_t max, const struct store_val *v)
{
	snprintf(dst, max, "%.*s", v->type == STORE_TEXT ? (int)v->n : 0,
		 v->type == STORE_TEXT ? (const char *)v->p : "");
}

static int state_cb(void *ctx, const struct store_row *row)
{
	struct state *s = ctx;
	s->found = true;
	s->id = row->cols[0].i;
	s->subject = row->cols[1].i;
	copy_text(s->reference, sizeof(s->reference), &row->cols[2]);
	copy_text(s->status, sizeof(s->status), &row->cols[3]);
	copy_text(s->currency, sizeof(s->currency), &row->cols[4]);
	s->total = int_of(&row->cols[5]);
	copy_text(s->session, sizeof(s->session), &row->cols[6]);
	copy_text(s->intent, sizeof(s->intent), &row->cols[7]);
	s->created_at = int_of(&row->cols[8]);
	s->paid_at = int_of(&row->cols[9]);
	s->shipped_at = int_of(&row->cols[10]);
	return 0;
}

static int state_get(struct store_conn *c, const char *sql, struct store_val key, struct state *s)
{
	*s = (struct state){0};
	return store_exec(c, sql, &key, 1, state_cb, s) < 0 ? -1 : 0;
}

static int line_cb(void *ctx, const struct store_row *row)
{
	json_array_append_new(ctx, json_pack("{s:o,s:I,s:I}", "name", text_of(&row->cols[0]),
					     "quantity", (json_int_t)int_of(&row->cols[1]), "price",
					     (json_int_t)int_of(&row->cols[2])));
	return 0;
}

static json_t *maybe_time(int64_t t)
{
	return t ? json_integer(t) : json_null();
}

/* What the order link and the queue show: no value the buyer typed. */
static json_t *state_json(struct store_conn *c, const struct state *s)
{
	json_t *lines = json_array();
	struct store_val key[] = {SV_INT(s->id)};
	store_exec(c, SQL_LINES, key, STORE_NPARAMS(key), line_cb, lines);
	json_t *made = handover_made(c, s->subject);
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:I}", "id", (json_int_t)s->id, "reference",
			      s->reference, "status", s->status, "currency", s->currency, "total",
			      (json_int_t)s->total, "lines", lines, "created_at",
			      (json_int_t)s->created_at);
	json_object_set_new(o, "paid_at", maybe_time(s->paid_at));
	json_object_set_new(o, "shipped_at", maybe_time(s->shipped_at));
	json_object_set_new(o, "handovers", made ? made : json_array());
	return o;
}

int shop_order_status(const char *token, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	unsigned char hash[TOKEN_HASH_BYTES];
	if (!token_hash(token, hash))
		return err_fail(f, ERR_NO_SUCH_ORDER);
	struct state s;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (state_get(c, SQL_BY_TOKEN, SV_BLOB(hash, sizeof(hash)), &s) != 0)
		err_fail(f, ERR_STORE);
	else if (!s.found)
		err_fail(f, ERR_NO_SUCH_ORDER);
	else {
		*out = state_json(c, &s);
		json_object_del(*out, "id");
		rc = 0;
	}
	store_release(c);
	return rc;
}

/* ---- payment ---- */

/*
 * Applies what the processor says of the order's session: paid (once: the
 * status moves from pending only, whoever comes first, the buyer's return
 * or the webhook), with the payment intent, brand and last four; or
 * expired (stock back, unless paid). Inside the caller's transaction.
 * 1 when the order changed, 0 when not, -1 when the store failed.
 */
static int apply_session(struct store_conn *c, const struct state *st,
			 const struct checkout_session *s)
{
	if (strcmp(s->status, "expired") == 0)
		return end_pending(c, st->id, S_EXPIRED);
	if (!s->paid)
		return 0;
	struct store_val paid[] = {SV_INT(st->id), SV_INT((int64_t)time(NULL)),
				   *s->payment_intent ? SV_TEXT(s->payment_intent) : SV_NULL};
	int n = store_exec(c, SQL_PAID, paid, STORE_NPARAMS(paid), NULL, NULL);
	if (n <= 0 || (!*s->brand && !*s->last4))
		return n;
	static const char *const card[] = {"payment_card"};
	struct broker_actor system = {ACTOR_SYSTEM, 0, NULL, NULL};
	struct broker_use use = {&system, st->subject, PURPOSE, card, ARRAY_LEN(card), "write"};
	struct broker_grant *g = NULL;
	enum decision_reason why;
	if (broker_open(c, &use, &g, &why) != 0)
		return -1;
	const struct record_field row[] = {
		{"card_brand", *s->brand ? SV_TEXT(s->brand) : SV_NULL},
		{"card_last4", *s->last4 ? SV_TEXT(s->last4) : SV_NULL},
	};
	int u = record_update(c, g, TABLE, st->id, row, ARRAY_LEN(row));
	broker_grant_free(g);
	return u == 1 ? 1 : -1;
}

/* Reads the session at the processor and applies it in a transaction;
 * event, when given, is recorded as applied in the same one (a replay of
 * it then changes nothing). *changed as apply_session says. */
static int sync_session(const struct state *st, const char *event, bool *changed, struct failure *f)
{
	*changed = false;
	struct checkout_session s;
	char err[CHECKOUT_ERR_MAX];
	if (!*st->session || checkout_get(st->session, &s, err, sizeof(err)) != 0) {
		log_warn("shop order %s: the processor's session could not be read (%s)",
			 st->reference, *st->session ? err : "none");
		return err_fail(f, ERR_SHOP_PROCESSOR);
	}
	if (strcmp(s.reference, st->reference) != 0) {
		log_warn("shop order %s: the processor's session names another order",
			 st->reference);
		return err_fail(f, ERR_SHOP_UNKNOWN_SESSION);
	}
	struct store_conn *c = store_acquire(app.store);
	int rc = -1;
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	struct store_val ev[] = {SV_TEXT(event ? event : ""), SV_INT((int64_t)time(NULL))};
	int seen = event ? store_exec(c, SQL_EVENT_ADD, ev, STORE_NPARAMS(ev), NULL, NULL) : 1;
	if (seen == STORE_CONFLICT) {
		store_rollback(c); /* a replay: applied already */
		rc = 0;
		goto out;
	}
	int n = seen < 0 ? -1 : apply_session(c, st, &s);
	if (n < 0 || store_commit(c) != 0) {
		store_rollback(c);
		err_fail(f, ERR_STORE);
		goto out;
	}
	*changed = n > 0;
	if (*changed)
		log_info("shop order %s %s", st->reference, s.paid ? S_PAID : S_EXPIRED);
	rc = 0;
out:
	store_release(c);
	return rc;
}

int shop_order_return(const char *reference, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct state st;
	struct store_conn *c = store_acquire(app.store);
	int got = state_get(c, SQL_BY_REFERENCE, SV_TEXT(reference), &st);
	store_release(c);
	if (got != 0)
		return err_fail(f, ERR_STORE);
	if (!st.found)
		return err_fail(f, ERR_NO_SUCH_ORDER);
	bool changed;
	if (strcmp(st.status, S_PENDING) == 0 && sync_session(&st, NULL, &changed, f) != 0)
		return -1;
	c = store_acquire(app.store);
	got = state_get(c, SQL_BY_ID, SV_INT(st.id), &st);
	store_release(c);
	if (got != 0)
		return err_fail(f, ERR_STORE);
	*out = json_pack("{s:s,s:s,s:I,s:s}", "reference", st.reference, "status", st.status,
			 "total", (json_int_t)st.total, "currency", st.currency);
	return 0;
}

static int url_cb(void *ctx, const struct store_row *row)
{
	struct buf *b = ctx;
	if (row->cols[0].type == STORE_TEXT)
		buf_append(b, row->cols[0].p, row->cols[0].n);
	return 0;
}

int shop_order_checkout_url(const char *reference, char *url, size_t n, struct failure *f)
{
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct buf b;
	buf_init(&b, SHOP_URL_MAX);
	struct store_val key[] = {SV_TEXT(reference)};
	int rc = store_query(app.store, SQL_CHECKOUT_URL, key, STORE_NPARAMS(key), url_cb, &b);
	if (rc < 0)
		rc = err_fail(f, ERR_STORE);
	else if (b.len == 0)
		rc = err_fail(f, ERR_NO_SUCH_ORDER);
	else
		rc = snprintf(url, n, "%s", b.data) >= 0 ? 0 : -1;
	buf_release(&b);
	return rc;
}

/* ---- the processor's webhooks ---- */

static int event_seen(const char *id, bool *seen)
{
	struct store_val key[] = {SV_TEXT(id)};
	int n = store_query(app.store, SQL_EVENT_SEEN, key, STORE_NPARAMS(key), NULL, NULL);
	*seen = n > 0;
	return n < 0 ? -1 : 0;
}

/* charge.refunded: the order whose payment intent it names. */
static int refunded(const char *event, const char *intent, bool *applied, struct failure *f)
{
	struct store_conn *c = store_acquire(app.store);
	struct state st;
	int rc = -1;
	if (state_get(c, SQL_BY_INTENT, SV_TEXT(intent), &st) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (!st.found) {
		err_fail(f, ERR_SHOP_UNKNOWN_SESSION);
		goto out;
	}
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	struct store_val ev[] = {SV_TEXT(event), SV_INT((int64_t)time(NULL))};
	struct store_val set[] = {SV_INT(st.id), SV_INT((int64_t)time(NULL))};
	int seen = store_exec(c, SQL_EVENT_ADD, ev, STORE_NPARAMS(ev), NULL, NULL);
	if (seen == STORE_CONFLICT) {
		store_rollback(c);
		rc = 0;
		goto out;
	}
	int n = seen < 0 ? -1 : store_exec(c, SQL_REFUNDED, set, STORE_NPARAMS(set), NULL, NULL);
	if (n < 0 || store_commit(c) != 0) {
		store_rollback(c);
		err_fail(f, ERR_STORE);
		goto out;
	}
	*applied = n > 0;
	if (*applied)
		log_info("shop order %s refunded", st.reference);
	rc = 0;
out:
	store_release(c);
	return rc;
}

int shop_webhook(const char *signature, const char *body, size_t len, bool *applied,
		 struct failure *f)
{
	*applied = false;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	if (!checkout_signature_ok(app.cfg.shop_webhook_secret, signature, body, len,
				   (int64_t)time(NULL), app.cfg.shop_webhook_tolerance)) {
		log_warn("shop webhook refused: bad or stale signature");
		return err_fail(f, ERR_SHOP_BAD_SIGNATURE);
	}
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *id = json_string_value(json_object_get(j, "id"));
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *obj = json_object_get(json_object_get(j, "data"), "object");
	int rc = -1;
	bool seen;
	if (!id || !type || !json_is_object(obj)) {
		err_fail(f, ERR_BAD_JSON);
		goto out;
	}
	if (event_seen(id, &seen) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (seen) {
		rc = 0; /* a replay: applied already */
		goto out;
	}
	if (strcmp(type, "charge.refunded") == 0) {
		const char *intent = json_string_value(json_object_get(obj, "payment_intent"));
		if (!intent) {
			err_fail(f, ERR_SHOP_UNKNOWN_SESSION);
			goto out;
		}
		rc = refunded(id, intent, applied, f);
		goto out;
	}
	if (strcmp(type, "checkout.session.completed") != 0 &&
	    strcmp(type, "checkout.session.expired") != 0) {
		rc = 0; /* not one the shop needs */
		goto out;
	}
	const char *session = json_string_value(json_object_get(obj, "id"));
	struct state st = {0};
	struct store_conn *c = store_acquire(app.store);
	int got = session ? state_get(c, SQL_BY_SESSION, SV_TEXT(session), &st) : 0;
	store_release(c);
	if (got != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (!st.found) {
		log_warn("shop webhook for a session this shop did not open");
		err_fail(f, ERR_SHOP_UNKNOWN_SESSION);
		goto out;
	}
	/* The webhook says which session; the processor's own answer says
	 * what became of it, so an event out of order applies what is true
	 * now, and apply_session moves an order only forward. */
	rc = sync_session(&st, id, applied, f);
out:
	json_decref(j);
	return rc;
}

/* ---- the fulfilment queue ---- */

static int queue_cb(void *ctx, const struct store_row *row)
{
	json_t *o =
		json_pack("{s:I,s:o,s:o,s:I,s:o,s:I}", "id", (json_int_t)row->cols[0].i,
			  "reference", text_of(&row->cols[1]), "status", text_of(&row->cols[2]),
			  "total", (json_int_t)int_of(&row->cols[3]), "currency",
			  text_of(&row->cols[4]), "created_at", (json_int_t)int_of(&row->cols[5]));
	json_object_set_new(o, "paid_at", int_or_null(&row->cols[6]));
	json_object_set_new(o, "shipped_at", int_or_null(&row->cols[7]));
	json_array_append_new(ctx, o);
	return 0;
}

int shop_orders_queue(bool all, json_t **list, struct failure *f)
{
	*list = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct store_val limit[] = {SV_INT(SHOP_LIST_MAX)};
	return store_json_list(all ? SQL_QUEUE_ALL : SQL_QUEUE_PAID, limit, STORE_NPARAMS(limit),
			       queue_cb, list, f);
}

/* Reads an order's state (locked: for a change) and opens its buyer as
 * actor under product_orders, with action for the access log. */
static int buyer_open(struct store_conn *c, int64_t id, bool lock, const struct broker_actor *actor,
		      const char *action, struct state *s, struct broker_grant **g,
		      struct failure *f)
{
	*g = NULL;
	if (state_get(c, lock ? SQL_BY_ID_LOCKED : SQL_BY_ID, SV_INT(id), s) != 0)
		return err_fail(f, ERR_STORE);
	if (!s->found)
		return err_fail(f, ERR_NO_SUCH_ORDER);
	struct broker_use use = {
		actor, s->subject, PURPOSE, order_categories, ARRAY_LEN(order_categories), action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) != 0)
		return broker_failure(c, s->subject, why, f);
	return 0;
}

int shop_order_open(int64_t id, const struct broker_actor *actor, json_t **out, struct failure *f)
{
	*out = NULL;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct state s;
	struct broker_grant *g = NULL;
	struct record_text t[ARRAY_LEN(order_columns)] = {{0}};
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (buyer_open(c, id, false, actor, "read", &s, &g, f) != 0)
		goto out;
	int read = record_read(c, g, TABLE, id, order_columns, ARRAY_LEN(order_columns), t);
	if (read != 1) {
		err_fail(f, read == 0 ? ERR_NO_SUCH_ORDER : ERR_STORE);
		goto out;
	}
	json_t *o = state_json(c, &s), *fields = json_object();
	for (size_t i = 0; i < ARRAY_LEN(order_columns); i++)
		json_object_set_new(fields, order_columns[i],
				    t[i].p ? json_stringn(t[i].p, t[i].n) : json_null());
	json_object_set_new(o, "fields", fields);
	*out = o;
	rc = 0;
out:
	record_texts_release(t, ARRAY_LEN(order_columns));
	store_release(c);
	broker_grant_free(g);
	return rc;
}

int shop_order_ship(int64_t id, const struct broker_actor *actor, bool by_carrier, int *handed_over,
		    struct failure *f)
{
	*handed_over = 0;
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct state s;
	struct broker_grant *g = NULL;
	int rc = -1;
	struct store_conn *c = store_acquire(app.store);
	if (store_begin(c) != 0) {
		err_fail(f, ERR_STORE);
		goto out;
	}
	if (buyer_open(c, id, true, actor, "write", &s, &g, f) != 0)
		goto rollback;
	struct store_val set[] = {SV_INT(id), SV_INT((int64_t)time(NULL))};
	int n = store_exec(c, SQL_SHIPPED, set, STORE_NPARAMS(set), NULL, NULL);
	if (n <= 0) {
		err_fail(f, n < 0 ? ERR_STORE : ERR_SHOP_ORDER_STATE);
		goto rollback;
	}
	if (by_carrier) {
		/* NAM04: the carrier gets what delivery needs, for this order's
		 * purpose only; the reference names the order, nobody. */
		char reference[64];
		snprintf(reference, sizeof(reference), "{\"order\":\"%s\"}", s.reference);
		struct handover_order o = {.recipient = SHOP_CARRIER,
					   .purpose = PURPOSE,
					   .subject = s.subject,
					   .reason = "order_shipped",
					   .only = carrier_fields,
					   .n_only = ARRAY_LEN(carrier_fields),
					   .reference = reference,
					   .table = TABLE,
					   .row = id};
		char what[64];
		snprintf(what, sizeof(what), "shop order %s", s.reference);
		if (handover_queue_decided(c, &o, what, handed_over, f) != 0)
			goto rollback;
	}
	if (store_commit(c) != 0) {
		err_fail(f, ERR_STORE);
		goto rollback;
	}
	log_info("shop order %s shipped", s.reference);
	rc = 0;
	goto out;
rollback:
	store_rollback(c);
out:
	store_release(c);
	broker_grant_free(g);
	return rc;
}

int shop_order_refund(int64_t id, const struct broker_actor *actor, struct failure *f)
{
	if (!shop_offered())
		return err_fail(f, ERR_NO_SHOP);
	struct state s;
	struct broker_grant *g = NULL;
	struct store_conn *c = store_acquire(app.store);
	int rc = buyer_open(c, id, false, actor, "write", &s, &g, f);
	store_release(c);
	broker_grant_free(g);
	if (rc != 0)
		return -1;
	if ((strcmp(s.status, S_PAID) != 0 && strcmp(s.status, S_SHIPPED) != 0 &&
	     strcmp(s.status, S_REFUND_REQUESTED) != 0) ||
	    !*s.intent)
		return err_fail(f, ERR_SHOP_ORDER_STATE);
	char key[64], err[CHECKOUT_ERR_MAX];
	snprintf(key, sizeof(key), "glovebox-refund-%s", s.reference);
	if (checkout_refund(s.intent, key, err, sizeof(err)) != 0) {
		log_warn("shop order %s: the processor refused the refund (%s)", s.reference, err);
		return err_fail(f, ERR_SHOP_PROCESSOR);
	}
	struct store_val key_id[] = {SV_INT(id)};
	if (store_query(app.store, SQL_REFUND_ASKED, key_id, STORE_NPARAMS(key_id), NULL, NULL) < 0)
		return err_fail(f, ERR_STORE);
	log_info("shop order %s: refund requested", s.reference);
	return 0;
}
