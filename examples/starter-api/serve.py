"""A small web JSON API serving data/*.json, for this starter (and its test).

    python3 serve.py [PORT]        # default 8765; 0 = any free port

binds 127.0.0.1 and prints the port it listens on.  Two paginations, as
real APIs do:
  GET /api/customers?page=N   a JSON array, 5 customers a page; an empty
                              array after the last
  GET /api/orders[?after=ID]  {"data": [10 orders], "next": "/api/orders?after=ID"},
                              "next" is null on the last page
A request without "Authorization: Bearer <token>" (token: the STARTER_TOKEN
variable, default "demo") gets 401 on /api/orders.
"""
import json, os, sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
CUSTOMERS = json.load(open(os.path.join(HERE, "data", "customers.json")))
ORDERS = json.load(open(os.path.join(HERE, "data", "orders.json")))
TOKEN = os.environ.get("STARTER_TOKEN", "demo")


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, value):
        body = json.dumps(value).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        if url.path == "/api/customers":
            page = int(q.get("page", ["1"])[0])
            return self.reply(200, CUSTOMERS[(page - 1) * 5:page * 5])
        if url.path == "/api/orders":
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self.reply(401, {"error": "a bearer token is required"})
            after = int(q.get("after", ["0"])[0])
            rows = [o for o in ORDERS if o["order_id"] > after][:10]
            last = not rows or rows[-1]["order_id"] == ORDERS[-1]["order_id"]
            nxt = None if last else f"/api/orders?after={rows[-1]['order_id']}"
            return self.reply(200, {"data": rows, "next": nxt})
        self.reply(404, {"error": "not found"})


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8765), Api)
    print(srv.server_port, flush=True)
    srv.serve_forever()
