#!/usr/bin/env python3
"""tests/store/faultproxy.py — a tiny fault-injecting HTTP proxy for the S3 tests.

Sits between a client and an S3 server (MinIO) and forwards each request
(same method, path, headers — Host included, so SigV4 signatures still
match — and body) on a fresh upstream connection, except when a rule says
to inject a fault instead.  Python standard library only.

    faultproxy.py --upstream http://127.0.0.1:9000 --port-file FILE

It listens on 127.0.0.1 on a free port, written to FILE once ready.

Control (plain HTTP, never forwarded):
    GET /__fault__/set?action=A&count=N[&method=M][&match=S][&header=H][&delay=SEC]
        replaces the rule: the next N requests (N=-1: all) whose method is M,
        whose path+query contains S and which carry header H (any value) get
        action A:
          503       reply 503 SlowDown with an S3 XML error body
          500       reply 500 InternalError
          drop      read the request, close the connection without a reply
          reset     read the request, reset the connection (RST)
          slow      wait SEC seconds, then forward
          truncate  forward, send the head and half the body, then close
    GET /__fault__/clear      no faults
    GET /__fault__/stats      "requests=R faults=F" (R counts forwarded and
                              faulted requests, not control ones)
Every wait is bounded (slow is capped at 30 s; sockets time out at 60 s).
"""
import argparse
import http.client
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
       "trailer", "upgrade", "expect"}

lock = threading.Lock()
state = {"rule": None, "requests": 0, "faults": 0}


def take_fault(method, target, headers):
    """The action for this request, or None; counts the request."""
    with lock:
        state["requests"] += 1
        r = state["rule"]
        if not r or r["count"] == 0:
            return None
        if r["method"] and r["method"] != method:
            return None
        if r["match"] and r["match"] not in target:
            return None
        if r["header"] and headers.get(r["header"]) is None:
            return None
        if r["count"] > 0:
            r["count"] -= 1
        state["faults"] += 1
        return dict(r)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port)
    timeout = 60

    def log_message(self, fmt, *args):  # quiet
        pass

    def control(self):
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path == "/__fault__/set":
            rule = {"action": q.get("action", "503"), "count": int(q.get("count", "1")),
                    "method": q.get("method", ""), "match": q.get("match", ""),
                    "header": q.get("header", ""),
                    "delay": min(float(q.get("delay", "1")), 30.0)}
            with lock:
                state["rule"] = rule
            body = b"ok\n"
        elif u.path == "/__fault__/clear":
            with lock:
                state["rule"] = None
            body = b"ok\n"
        elif u.path == "/__fault__/stats":
            with lock:
                body = ("requests=%d faults=%d\n" % (state["requests"], state["faults"])).encode()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        chunks = []
        while n > 0:
            c = self.rfile.read(min(n, 1 << 20))
            if not c:
                break
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def s3_error(self, status, code, message, body_too=True):
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
               '<Message>%s</Message><Resource>%s</Resource></Error>'
               % (code, message, self.path.split("?")[0])).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(xml)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(xml)

    def handle_any(self):
        if self.path.startswith("/__fault__/"):
            self.read_body()
            self.control()
            return
        body = self.read_body()
        rule = take_fault(self.command, self.path, self.headers)
        action = rule["action"] if rule else None
        if action == "503":
            self.s3_error(503, "SlowDown", "Please reduce your request rate.")
            return
        if action == "500":
            self.s3_error(500, "InternalError", "We encountered an internal error. Please try again.")
            return
        if action in ("drop", "reset"):
            if action == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR) if action == "drop" else None
            except OSError:
                pass
            self.connection.close()
            return
        if action == "slow":
            time.sleep(rule["delay"])
        self.forward(body, truncate=(action == "truncate"))

    def forward(self, body, truncate):
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() not in HOP and k.lower() != "content-length":
                    conn.putheader(k, v)
            if body or self.command in ("PUT", "POST"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read() if self.command != "HEAD" else b""
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            if self.command == "HEAD":
                cl = resp.getheader("Content-Length")
                if cl is not None:
                    self.send_header("Content-Length", cl)
            else:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if truncate and len(data) > 1:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.close()
                return
            self.wfile.write(data)
        except (OSError, http.client.HTTPException) as ex:
            try:
                self.s3_error(502, "BadGateway", "faultproxy: upstream failed: %s" % ex)
            except OSError:
                pass
        finally:
            conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.upstream)
    if u.scheme != "http" or not u.hostname or not u.port:
        sys.exit("faultproxy: --upstream must be http://HOST:PORT")
    Handler.upstream = (u.hostname, u.port)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.replace(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
