// A local payment processor for glovebox's shop tests (tests/api/test_shop.py,
// tests/browser/shop.test.mjs, bench/shop.sh). It speaks the subset of the
// Stripe Checkout protocol glovebox uses (docs/shop.md): it creates checkout
// sessions (honouring Idempotency-Key), serves the hosted checkout page where
// the buyer types the card number (never sent to glovebox: only the brand and
// last four are kept, as Stripe's payment method shows them), redirects to
// success_url, answers session retrieval with payment_intent.payment_method
// expanded, takes refunds, and sends glovebox webhooks signed with the official
// stripe package's webhooks.generateTestHeaderString.
//
// Usage: node processor.mjs PORT API_SECRET WEBHOOK_URL WEBHOOK_SECRET
// It prints "listening" once ready. Test controls (not Stripe's):
//   POST /control/hold {"on": true}      pay without sending the webhook
//   POST /control/webhook {"url"}        where the webhooks go from now on
//   POST /control/send {"session", "type", "mode", "event"}  sends one event
//        type: checkout.session.completed | checkout.session.expired |
//              charge.refunded; mode: ok | forged | stale | replay (event:
//              the id of an event sent before, sent again as it was)
//        answers {"status", "body", "event"} as glovebox answered
//   POST /control/expire/:id             expires an open session (and sends
//                                        checkout.session.expired unless held)
//   GET  /control/state                  {sessions, events, refunds, seen_pans}
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import Stripe from "stripe";

const [port, apiSecret, firstWebhookUrl, webhookSecret] = process.argv.slice(2);
let webhookUrl = firstWebhookUrl;
const stripe = new Stripe("sk_test_local_processor");
const sessions = new Map();
const idempotent = new Map();
const events = new Map();
const refunds = [];
let hold = false;
let pansSeen = 0; // card numbers typed at this processor (never kept)

const id = (prefix) => prefix + randomBytes(12).toString("hex");
const now = () => Math.floor(Date.now() / 1000);

function body(req) {
	return new Promise((resolve) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
	});
}

function json(res, status, obj) {
	res.writeHead(status, { "Content-Type": "application/json" });
	res.end(JSON.stringify(obj));
}

function authorised(req, res) {
	if (req.headers.authorization === `Bearer ${apiSecret}`) return true;
	json(res, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
	return false;
}

// Stripe's session object, with the payment intent expanded when asked.
function view(s, expand) {
	const out = { ...s };
	delete out.card;
	delete out.line_items;
	if (s.payment_intent && expand) {
		out.payment_intent = {
			id: s.payment_intent,
			object: "payment_intent",
			payment_method: { id: "pm_" + s.payment_intent.slice(3), object: "payment_method", card: s.card },
		};
	}
	return out;
}

function brandOf(pan) {
	if (pan.startsWith("4")) return "visa";
	if (/^5[1-5]/.test(pan)) return "mastercard";
	if (/^3[47]/.test(pan)) return "amex";
	return "unknown";
}

function eventFor(type, s) {
	const object =
		type === "charge.refunded"
			? { id: "ch_" + s.payment_intent.slice(3), object: "charge", payment_intent: s.payment_intent, refunded: true, amount_refunded: s.amount_total }
			: view(s, false);
	return { id: id("evt_"), object: "event", type, created: now(), data: { object } };
}

async function send(event, mode = "ok") {
	const payload = JSON.stringify(event);
	const secret = mode === "forged" ? "whsec_not_the_endpoints_secret" : webhookSecret;
	const timestamp = mode === "stale" ? now() - 3600 : now();
	const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
	events.set(event.id, event);
	try {
		const r = await fetch(webhookUrl, {
			method: "POST",
			headers: { "Content-Type": "application/json", "Stripe-Signature": header },
			body: payload,
		});
		return { status: r.status, body: await r.text(), event: event.id };
	} catch (e) {
		return { status: 0, body: String(e), event: event.id };
	}
}

function createSession(form, key) {
	if (key && idempotent.has(key)) return sessions.get(idempotent.get(key));
	const lines = [];
	for (let i = 0; form.has(`line_items[${i}][quantity]`); i++)
		lines.push({
			name: form.get(`line_items[${i}][price_data][product_data][name]`),
			unit_amount: Number(form.get(`line_items[${i}][price_data][unit_amount]`)),
			quantity: Number(form.get(`line_items[${i}][quantity]`)),
			currency: form.get(`line_items[${i}][price_data][currency]`),
		});
	const sid = id("cs_test_");
	const s = {
		id: sid,
		object: "checkout.session",
		mode: form.get("mode"),
		url: `http://127.0.0.1:${port}/pay/${sid}`,
		status: "open",
		payment_status: "unpaid",
		client_reference_id: form.get("client_reference_id"),
		success_url: form.get("success_url"),
		cancel_url: form.get("cancel_url"),
		expires_at: Number(form.get("expires_at")),
		currency: lines[0] ? lines[0].currency : "usd",
		amount_total: lines.reduce((t, l) => t + l.unit_amount * l.quantity, 0),
		payment_intent: null,
		line_items: lines,
		card: null,
	};
	sessions.set(sid, s);
	if (key) idempotent.set(key, sid);
	return s;
}

function payPage(s) {
	const lines = s.line_items.map((l) => `<li>${l.quantity} × ${l.name}</li>`).join("");
	return `<!doctype html><html><head><meta charset="utf-8"><title>Pay</title></head><body>
<h1>Local processor: pay ${(s.amount_total / 100).toFixed(2)} ${s.currency}</h1><ul>${lines}</ul>
<form method="post" action="/pay/${s.id}">
<label for="card_number">Card number</label><input id="card_number" name="card_number" autocomplete="cc-number">
<label for="expiry">Expiry</label><input id="expiry" name="expiry" value="12/34">
<label for="cvc">CVC</label><input id="cvc" name="cvc" value="123">
<button id="pay" type="submit">Pay</button></form>
<p><a id="cancel" href="${s.cancel_url}">Cancel</a></p></body></html>`;
}

const server = createServer(async (req, res) => {
	const url = new URL(req.url, `http://127.0.0.1:${port}`);
	const path = url.pathname;
	const text = await body(req);
	let m;
	if (req.method === "POST" && path === "/v1/checkout/sessions") {
		if (!authorised(req, res)) return;
		return json(res, 200, view(createSession(new URLSearchParams(text), req.headers["idempotency-key"]), false));
	}
	if (req.method === "GET" && (m = path.match(/^\/v1\/checkout\/sessions\/([\w-]+)$/))) {
		if (!authorised(req, res)) return;
		const s = sessions.get(m[1]);
		if (!s) return json(res, 404, { error: { type: "invalid_request_error", message: "No such checkout.session" } });
		return json(res, 200, view(s, url.searchParams.getAll("expand[]").includes("payment_intent.payment_method")));
	}
	if (req.method === "POST" && path === "/v1/refunds") {
		if (!authorised(req, res)) return;
		const pi = new URLSearchParams(text).get("payment_intent");
		const s = [...sessions.values()].find((x) => x.payment_intent === pi);
		if (!s) return json(res, 404, { error: { type: "invalid_request_error", message: "No such payment_intent" } });
		const refund = { id: id("re_"), object: "refund", payment_intent: pi, status: "succeeded", amount: s.amount_total };
		refunds.push(refund);
		json(res, 200, refund);
		if (!hold) send(eventFor("charge.refunded", s));
		return;
	}
	if ((m = path.match(/^\/pay\/([\w-]+)$/))) {
		const s = sessions.get(m[1]);
		if (!s) return json(res, 404, { error: { message: "No such session" } });
		if (req.method === "GET") {
			res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
			return res.end(payPage(s));
		}
		const pan = (new URLSearchParams(text).get("card_number") || "").replace(/[\s-]/g, "");
		if (!/^\d{12,19}$/.test(pan) || s.status !== "open") {
			res.writeHead(400, { "Content-Type": "text/plain" });
			return res.end("card declined or session not open");
		}
		pansSeen++;
		s.card = { brand: brandOf(pan), last4: pan.slice(-4) };
		s.status = "complete";
		s.payment_status = "paid";
		s.payment_intent = id("pi_");
		if (!hold) await send(eventFor("checkout.session.completed", s));
		res.writeHead(303, { Location: s.success_url.replace("{CHECKOUT_SESSION_ID}", s.id) });
		return res.end();
	}
	if (req.method === "POST" && path === "/control/webhook") {
		webhookUrl = JSON.parse(text || "{}").url;
		return json(res, 200, { url: webhookUrl });
	}
	if (req.method === "POST" && path === "/control/hold") {
		hold = !!JSON.parse(text || "{}").on;
		return json(res, 200, { hold });
	}
	if (req.method === "POST" && (m = path.match(/^\/control\/expire\/([\w-]+)$/))) {
		const s = sessions.get(m[1]);
		if (!s || s.status !== "open") return json(res, 409, { error: "not open" });
		s.status = "expired";
		return json(res, 200, hold ? {} : await send(eventFor("checkout.session.expired", s)));
	}
	if (req.method === "POST" && path === "/control/send") {
		const c = JSON.parse(text || "{}");
		if (c.mode === "replay") return json(res, 200, await send(events.get(c.event)));
		const s = sessions.get(c.session) || {
			id: c.session, object: "checkout.session", status: "complete", payment_status: "paid",
			payment_intent: "pi_unknown", client_reference_id: null, line_items: [], card: null,
		};
		return json(res, 200, await send(eventFor(c.type, s), c.mode));
	}
	if (req.method === "GET" && path === "/control/state") {
		return json(res, 200, {
			sessions: [...sessions.values()].map((s) => view(s, true)),
			events: [...events.keys()],
			refunds,
			pans_seen: pansSeen,
		});
	}
	json(res, 404, { error: { message: "not found" } });
});

server.listen(Number(port), "127.0.0.1", () => console.log("listening"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
