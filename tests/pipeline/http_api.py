"""A tiny JSON API for tests/pipeline/test_http.sh (binds 127.0.0.1, a free
port written to argv[1]).  Paths:
  /next?p=N      {"data": [...], "next": "/next?p=N+1"} three pages (7 rows)
  /link?p=N      a JSON array per page, Link: <...>; rel="next"
  /pages?page=N  JSON lines; page 4 is empty
  /flaky         500 on the first request, then the rows
  /big           a 2 MB array
  /slow          answers after 3 s
"""
import json, sys, time, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

ROWS = [{"id": i, "name": f"n{i}", "price": i * 1.5, "tags": ["a"] if i % 2 else []}
        for i in range(1, 8)]
PAGES = [ROWS[0:3], ROWS[3:6], ROWS[6:7]]
hits = {"flaky": 0}

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def send(self, code, body, headers=()):
        b = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        p = int(q.get("p", q.get("page", ["1"]))[0])
        if u.path == "/next":
            if self.headers.get("Authorization") != "Bearer s3cret":
                return self.send(401, "{}")
            nxt = f"/next?p={p + 1}" if p < 3 else None
            return self.send(200, json.dumps({"data": PAGES[p - 1], "next": nxt}))
        if u.path == "/link":
            h = [("Link", f'<http://127.0.0.1:{self.server.server_port}/link?p={p + 1}>; rel="next", </link?p=1>; rel=first')] if p < 3 else []
            return self.send(200, json.dumps(PAGES[p - 1]), h)
        if u.path == "/pages":
            rows = PAGES[p - 1] if p <= 3 else []
            return self.send(200, "".join(json.dumps(r) + "\n" for r in rows))
        if u.path == "/flaky":
            hits["flaky"] += 1
            if hits["flaky"] == 1:
                return self.send(500, "oops")
            return self.send(200, json.dumps(ROWS))
        if u.path == "/big":
            return self.send(200, json.dumps([{"id": i, "pad": "x" * 100} for i in range(20000)]))
        if u.path == "/slow":
            time.sleep(3)
            return self.send(200, json.dumps(ROWS))
        self.send(404, "{}")

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_port))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
threading.Timer(600, srv.shutdown).start()  # never outlive the test
srv.serve_forever()
