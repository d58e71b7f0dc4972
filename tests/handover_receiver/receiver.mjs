// A partner's HTTPS endpoint for tests/api/test_handovers.py. It verifies
// every request's Standard Webhooks signature with the standardwebhooks
// package (an implementation independent of glovebox's) and appends one
// JSON line per request to LOG: {"id", "verified", "status", "body"}.
//
// Usage: node receiver.mjs PORT CERT KEY SECRET LOG MODE
// MODE: ok (204), fail500 (500 always), fail500-first (500 to the first
// request, 204 after), hang (never answers), hang-first (the first request
// never answered, 204 after), hang-after:N (204 to the first N requests,
// every later one never answered), slow:MS (204 after MS ms), redirect (302).
// It prints "listening" on standard output once ready.
import { appendFileSync, readFileSync } from "node:fs";
import { createServer } from "node:https";
import { Webhook } from "standardwebhooks";

const [port, cert, key, secret, log, mode] = process.argv.slice(2);
const hook = new Webhook(secret);
let seen = 0;

function record(entry) {
	appendFileSync(log, JSON.stringify(entry) + "\n");
}

const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const body = Buffer.concat(chunks).toString("utf8");
		const n = seen++;
		let verified = false;
		try {
			hook.verify(body, req.headers);
			verified = true;
		} catch {
			verified = false;
		}
		const id = req.headers["webhook-id"] || "";
		const answer = (status, headers = {}) => {
			record({ id, verified, status, body, method: req.method, url: req.url });
			res.writeHead(status, headers);
			res.end();
		};
		if (!verified) return answer(401);
		if (mode === "ok") return answer(204);
		if (mode === "fail500") return answer(500);
		if (mode === "fail500-first") return answer(n === 0 ? 500 : 204);
		if (mode === "redirect") return answer(302, { Location: "https://127.0.0.1:1/elsewhere" });
		if (mode === "hang" || (mode === "hang-first" && n === 0)) {
			record({ id, verified, status: 0, body, hung: true });
			return; // never answered
		}
		if (mode === "hang-first") return answer(204);
		if (mode.startsWith("hang-after:")) {
			if (n < Number(mode.slice(11))) return answer(204);
			record({ id, verified, status: 0, body, hung: true });
			return; // never answered
		}
		if (mode.startsWith("slow:")) {
			setTimeout(() => answer(204), Number(mode.slice(5)));
			return;
		}
		answer(400);
	});
});
server.listen(Number(port), "127.0.0.1", () => {
	process.stdout.write("listening\n");
});
