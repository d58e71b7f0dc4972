-- Issue 14: the shop (NAM02, NAM04, ALL03; docs/shop.md). `shop_items` is
-- the catalogue staff keep: nobody's. `shop_orders` belongs to the buyer's
-- own subject (a customer, owned by the member who ordered while signed
-- in): name, e-mail, postal address, phone and the order's details sealed
-- under the buyer's key, card brand and last four (payment_card) sealed
-- too; the processor's session and payment references are its own opaque
-- handles, kept plain so that its webhooks find the order, with the address
-- of its checkout page (the buyer is sent there). No card number
-- is ever here: the buyer types it on the processor's page (SAQ A).
-- `shop_order_lines` are what each order reserved (item, quantity, price),
-- plain so that an expired checkout releases its stock, under the same
-- subject so that erasure takes them. `shop_events` are the processor's
-- event ids already applied: a replayed webhook changes nothing.
-- Portable SQL (src/data/store.h).
CREATE TABLE shop_items (
	id BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	description TEXT NOT NULL,
	price BIGINT NOT NULL,
	stock BIGINT NOT NULL,
	active INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE shop_orders (
	id BIGINT PRIMARY KEY,
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	reference TEXT NOT NULL UNIQUE,
	name BYTEA,
	email BYTEA,
	postal_address BYTEA,
	phone BYTEA,
	order_details BYTEA,
	card_brand BYTEA,
	card_last4 BYTEA,
	token_hash BYTEA NOT NULL UNIQUE,
	currency TEXT NOT NULL,
	total BIGINT NOT NULL,
	status TEXT NOT NULL,
	session_id TEXT UNIQUE,
	checkout_url TEXT,
	payment_intent TEXT,
	created_at BIGINT NOT NULL,
	paid_at BIGINT,
	shipped_at BIGINT,
	done_at BIGINT
);
CREATE INDEX shop_orders_subject ON shop_orders (subject_id);
CREATE INDEX shop_orders_status ON shop_orders (status, created_at);
CREATE INDEX shop_orders_intent ON shop_orders (payment_intent);
CREATE TABLE shop_order_lines (
	order_id BIGINT NOT NULL REFERENCES shop_orders(id),
	subject_id BIGINT NOT NULL REFERENCES subjects(id),
	item_id BIGINT NOT NULL REFERENCES shop_items(id),
	quantity BIGINT NOT NULL,
	price BIGINT NOT NULL,
	PRIMARY KEY (order_id, item_id)
);
CREATE INDEX shop_order_lines_subject ON shop_order_lines (subject_id);
CREATE TABLE shop_events (
	id TEXT PRIMARY KEY,
	received_at BIGINT NOT NULL
);
