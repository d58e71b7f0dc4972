"""handover_sink: a minimal HTTPS receiver for bench/handovers.sh. It
answers every POST 204 at once (keep-alive), checks nothing and keeps
nothing, and writes how many it got to COUNTFILE every 100 and at exit,
so that the bench measures glovebox, not the receiver.
Usage: handover_sink.py PORT CERT KEY COUNTFILE"""
import http.server
import signal
import ssl
import sys
import threading

port, cert, key, countfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lock = threading.Lock()
count = 0


def save():
    with open(countfile, "w") as f:
        f.write(f"{count}\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global count
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response_only(204)
        self.end_headers()
        with lock:
            count += 1
            if count % 100 == 0:
                save()

    def log_message(self, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
signal.signal(signal.SIGTERM, lambda *a: (save(), sys.exit(0)))
print("listening", flush=True)
server.serve_forever()
