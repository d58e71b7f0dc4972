"""Measures how long /healthz takes to answer, from a process of its own so
that the attack the test runs beside it (threads, a busy selector loop)
cannot delay the measurement through Python's interpreter lock.

    python3 probe.py PORT SECONDS INTERVAL SOURCE MODE

probes 127.0.0.1:PORT every INTERVAL seconds for SECONDS seconds, from the
local address SOURCE (127.0.0.2 is another client address on Linux's
loopback), either on one kept-alive connection (MODE keepalive) or on a new
connection each time (MODE fresh). Prints one JSON list of [status,
milliseconds] pairs; status 0 is a connection refused, cut or timed out.
"""
import json
import socket
import sys
import time

TIMEOUT = 5.0     # seconds one probe may take before it counts as failed


def read_answer(sock):
    """The status of one HTTP/1.1 answer, read to the end of its body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer's head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the answer's body")
        body += chunk
    return status


def connect(port, source):
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT,
                                    source_address=(source, 0))


def main():
    port, seconds, interval = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    source, mode = sys.argv[4], sys.argv[5]
    request = b"GET /healthz HTTP/1.1\r\nHost: probe\r\n"
    if mode == "fresh":
        request += b"Connection: close\r\n"
    request += b"\r\n"
    results = []
    sock = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        try:
            if sock is None:
                sock = connect(port, source)
            sock.sendall(request)
            status = read_answer(sock)
        except (OSError, ValueError, IndexError):
            status = 0
        results.append([status, (time.monotonic() - start) * 1000.0])
        if mode == "fresh" or status == 0:
            if sock is not None:
                sock.close()
            sock = None
        time.sleep(max(0.0, interval - (time.monotonic() - start)))
    if sock is not None:
        sock.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
