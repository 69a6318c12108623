"""Real receivers on loopback for the notification tests: an HTTP server standing in for a
group robot's webhook, and an SMTP server (aiosmtpd). Each runs in a thread of the test
process and records what it received."""

import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    json: object


class HttpReceiver:
    """POSTs are recorded and answered with the queued answers in turn, then with `default`
    (HTTP 200, errcode 0). `received` is set on each request."""

    def __init__(self):
        self.requests: list[Received] = []
        self.answers: deque = deque()
        self.default = (200, OK, {})
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                receiver.requests.append(
                    Received(
                        parts.path, parse_qs(parts.query), dict(self.headers), json.loads(raw or b"null")
                    )
                )
                status, body, headers = receiver.answers.popleft() if receiver.answers else receiver.default
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                receiver.received.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def answer(self, status: int, body=OK, headers: dict | None = None) -> None:
        self.answers.append((status, body, headers or {}))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclass
class SmtpHandler:
    """Accepts every message except to `refused` addresses (550), and records them."""

    messages: list = field(default_factory=list)
    refused: set = field(default_factory=set)
    received: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        self.received.set()
        return "250 Message accepted"


def free_port() -> int:
    # aiosmtpd's controller checks its server by connecting to the port it was given, so it
    # needs a real port number rather than 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = SmtpHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.handler.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/hook"
