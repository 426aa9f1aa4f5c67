#!/usr/bin/env python3
"""httpd-mini.py: a throwaway HTTP server for t-http.c on 127.0.0.1.

Usage: httpd-mini.py PORTFILE.  Binds port 0, writes the port to PORTFILE
and serves until its parent process dies.  The path picks the behaviour;
state (a call counter) is kept per full path, so tests use distinct query
strings ("/500-then-ok?k=3") to get a fresh "first call".
"""
import email.parser
import gzip
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

calls = {}
lock = threading.Lock()

OPENAI_400 = {"error": {
    "message": "Unsupported parameter: 'max_tokens' is not supported with "
               "this model. Use 'max_completion_tokens' instead.",
    "type": "invalid_request_error", "param": "max_tokens",
    "code": "unsupported_parameter"}}


def count(path):
    with lock:
        calls[path] = calls.get(path, 0) + 1
        return calls[path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=(), ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", "req_%s_%d" % (
            self.path.split("?")[0].strip("/"), calls.get(self.path, 0)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        body = self.read_body()
        name = self.path.split("?")[0].lstrip("/").replace("-", "_")
        fn = getattr(self, "p_" + name, None)
        n = count(self.path)
        if fn is None:
            return self.reply(404, {"error": {"message": "no route " +
                                              self.path, "type": "x",
                                              "param": None, "code": None}})
        try:
            fn(n, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def p_ok(self, n, body):
        self.reply(200, {"ok": True, "n": n})

    def p_echo(self, n, body):
        self.reply(200, {"method": self.command,
                         "headers": {k.lower(): v for k, v in
                                     self.headers.items()},
                         "body": body.decode("utf-8", "replace")})

    def p_gzip(self, n, body):
        data = gzip.compress(json.dumps({"zipped": "x" * 1000}).encode())
        self.reply(200, data, [("Content-Encoding", "gzip")])

    def p_429_then_ok(self, n, body):
        if n == 1:
            return self.reply(429, {"error": {"message": "Rate limit "
                                              "reached", "type": "requests",
                                              "param": None,
                                              "code": "rate_limit_exceeded"}},
                              [("retry-after", "1")])
        self.reply(200, {"ok": True, "n": n})

    def p_429_ms_then_ok(self, n, body):
        if n == 1:
            return self.reply(429, {"error": {"message": "slow down"}},
                              [("retry-after-ms", "300"),
                               ("retry-after", "100")])
        self.reply(200, {"ok": True, "n": n})

    def p_429_twice_then_ok(self, n, body):
        if n <= 2:
            return self.reply(429, {"error": {"message": "slow down"}},
                              [("retry-after-ms", "100")])
        self.reply(200, {"ok": True, "n": n})

    def p_429_reset_then_ok(self, n, body):
        if n == 1:
            return self.reply(429, {"error": {"message": "slow down"}},
                              [("x-ratelimit-remaining-requests", "0"),
                               ("x-ratelimit-reset-requests", "400ms")])
        self.reply(200, {"ok": True, "n": n})

    # Refused under an announced limit of 600 a minute, none left [issue 19].
    LIMITED = [("x-ratelimit-limit-requests", "600"),
               ("x-ratelimit-remaining-requests", "0"),
               ("x-ratelimit-reset-requests", "1m0s"),
               ("retry-after-ms", "20")]

    def p_429_limited(self, n, body):
        self.reply(429, {"error": {"message": "Rate limit reached",
                                   "type": "requests", "param": None,
                                   "code": "rate_limit_exceeded"}},
                   self.LIMITED)

    def p_429_limited_then_ok(self, n, body):
        if n <= 4:
            return self.p_429_limited(n, body)
        self.reply(200, {"ok": True, "n": n})

    def p_429_always(self, n, body):
        self.reply(429, {"error": {"message": "Rate limit reached",
                                   "type": "requests", "param": None,
                                   "code": "rate_limit_exceeded"}},
                   [("retry-after", "500")])

    def p_429_quota(self, n, body):
        self.reply(429, {"error": {"message": "You exceeded your current "
                                   "quota", "type": "insufficient_quota",
                                   "param": None,
                                   "code": "insufficient_quota"}})

    def p_429_plain(self, n, body):
        self.reply(429, {"error": {"message": "busy"}})

    def p_500_then_ok(self, n, body):
        if n == 1:
            return self.reply(500, {"error": {"message": "boom"}})
        self.reply(200, {"ok": True, "n": n})

    def p_500_always(self, n, body):
        self.reply(503, "<html>\n<b>Service\tUnavailable</b>\x01\n</html>" +
                   "x" * 400, ctype="text/html")

    def p_no_retry(self, n, body):
        self.reply(500, {"error": {"message": "do not retry"}},
                   [("x-should-retry", "false")])

    def p_retry_400(self, n, body):
        if n == 1:
            return self.reply(400, {"error": {"message": "try again"}},
                              [("x-should-retry", "true")])
        self.reply(200, {"ok": True, "n": n})

    def p_drop_then_ok(self, n, body):
        if n == 1:
            self.close_connection = True
            return
        self.reply(200, {"ok": True, "n": n})

    def p_400(self, n, body):
        self.reply(400, OPENAI_400)

    def p_400_echo(self, n, body):
        auth = self.headers.get("Authorization", "")
        key = auth[len("Bearer "):]
        self.reply(400, {"error": {"message": "Incorrect API key provided: "
                                   + key + ". Check it.",
                                   "type": "invalid_request_error",
                                   "param": None, "code": "invalid_api_key"}})

    def p_400_echo_raw(self, n, body):
        auth = self.headers.get("Authorization", "")
        self.reply(400, "bad request from " + "y" * 166 + auth,
                   ctype="text/plain")

    def p_400_echo_long(self, n, body):
        key = self.headers.get("Authorization", "")[len("Bearer "):]
        self.reply(400, {"error": {"message": "z" * 390 + key}})

    def p_402(self, n, body):
        self.reply(402, {"errors": [{"code": "insufficientCredits",
                                     "message": "Insufficient balance"}]})

    def p_400_llama(self, n, body):
        self.reply(400, {"error": {"code": 400, "message": "the request "
                                   "exceeds the available context size",
                                   "type": "exceed_context_size_error"}})

    def p_400_runware(self, n, body):
        self.reply(400, {"errors": [
            {"code": "invalidPositivePrompt", "message": "Invalid value "
             "for positivePrompt parameter.", "parameter": "positivePrompt",
             "taskType": "imageInference",
             "taskUUID": "a770f077-f413-47de-9dac-be0b26a35da6"},
            {"code": "invalidWidth", "message": "bad width",
             "parameter": "width"}]})

    def p_401(self, n, body):
        self.reply(401, {"error": {"message": "Incorrect API key provided.",
                                   "type": "invalid_request_error",
                                   "param": None, "code": "invalid_api_key"}})

    def p_404(self, n, body):
        self.reply(404, "", ctype="text/plain")

    def p_slow(self, n, body):
        time.sleep(2)
        self.reply(200, {"ok": True})

    def p_huge(self, n, body):
        self.reply(200, b"[" + b"1," * 100000 + b"1]")

    def p_partial_then_ok(self, n, body):
        data = b"".join(b"line %05d\n" % i for i in range(6000))
        if n > 1:
            return self.reply(200, data, ctype="application/octet-stream")
        # Half the promised body, then hang up: curl sees a partial file.
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[:len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def p_redirect(self, n, body):
        self.reply(302, "", [("Location", "/ok?from=redirect")])

    def p_redirect_metadata(self, n, body):
        self.reply(302, "", [("Location", "http://169.254.169.254/latest/")])

    def p_redirect_private(self, n, body):
        self.reply(301, "", [("Location", "http://10.20.30.40:8080/")])

    def p_ratelimit_headers(self, n, body):
        self.reply(200, {"ok": True}, [
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-remaining-requests", "59"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-limit-tokens", "150000"),
            ("x-ratelimit-remaining-tokens", "149984"),
            ("x-ratelimit-reset-tokens", "6m0s")])

    def p_multipart(self, n, body):
        ctype = self.headers.get("Content-Type", "")
        msg = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        out = {"ctype": ctype.split(";")[0], "fields": {}, "files": {}}
        for part in msg.get_payload() if msg.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fname = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if fname:
                out["files"][name] = {"filename": fname, "len": len(data),
                                      "type": part.get_content_type()}
            else:
                out["fields"][name] = data.decode()
        self.reply(200, out)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass    # clients that time out or hang up are the point of tests


def watch_parent(ppid):
    while os.getppid() == ppid:
        time.sleep(0.2)
    os._exit(0)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[1])
    threading.Thread(target=watch_parent, args=(os.getppid(),),
                     daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
