"""A loopback Stripe API for tests: the real ``stripe`` library talks HTTP to it.

Speaks the form-encoded requests and JSON objects of the endpoints the adapter uses:
``POST /v1/payment_intents`` (honours ``Idempotency-Key``: same key, same object),
``GET /v1/payment_intents/{id}``, ``POST /v1/payment_intents/{id}/cancel`` (refused once
the intent succeeded), ``POST /v1/refunds``, ``POST /v1/accounts``,
``GET /v1/accounts/{id}``, ``POST /v1/account_links``, ``GET /v1/balance`` (per
``Stripe-Account``). Refuses a wrong API key (401). ``mode = "error"`` answers 400 with a
Stripe error body; ``accounts_active`` decides whether new accounts can take charges.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

API_KEY = "sk_test_loopback_fake"


class StripeFake:
    def __init__(self) -> None:
        self.mode: str | None = None
        self.accounts_active = False
        self.requests: list[dict] = []
        self.intents: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.balances: dict[str, dict] = {}
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_prefix)
        ]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    # -- the endpoints --

    def create_intent(self, form: dict) -> dict:
        intent_id = self.new_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "client_secret": f"{intent_id}_secret_fake",
            "status": "requires_payment_method",
            "description": form.get("description"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "application_fee_amount": int(form["application_fee_amount"])
            if "application_fee_amount" in form
            else None,
            "transfer_data": {"destination": form["transfer_data[destination]"]}
            if "transfer_data[destination]" in form
            else None,
        }
        self.intents[intent_id] = intent
        return intent

    def cancel_intent(self, intent_id: str, form: dict) -> tuple[int, dict]:
        intent = self.intents.get(intent_id)
        if intent is None:
            return 404, _error("No such payment_intent", "resource_missing")
        if intent["status"] in ("succeeded", "canceled"):
            message = f"This PaymentIntent's status is {intent['status']}."
            return 400, _error(message, "payment_intent_unexpected_state")
        intent.update(status="canceled", cancellation_reason=form.get("cancellation_reason"))
        return 200, intent

    def create_refund(self, form: dict) -> tuple[int, dict]:
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None:
            return 404, _error("No such payment_intent", "resource_missing")
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": intent["amount"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "reverse_transfer": form.get("reverse_transfer") == "true",
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def create_account(self, form: dict) -> dict:
        account_id = self.new_id("acct")
        active = self.accounts_active
        account = {
            "id": account_id,
            "object": "account",
            "type": form.get("type"),
            "email": form.get("email"),
            "country": form.get("country"),
            "charges_enabled": active,
            "payouts_enabled": active,
            "details_submitted": active,
            "requirements": {"currently_due": [] if active else ["external_account"]},
        }
        self.accounts[account_id] = account
        return account

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: dict) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(raw)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                url = urlparse(self.path)
                form = dict(parse_qsl(raw or url.query, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key")
                with fake._lock:
                    fake.requests.append(
                        {
                            "method": method,
                            "path": url.path,
                            "form": form,
                            "idempotency_key": key,
                            "stripe_account": self.headers.get("Stripe-Account"),
                        }
                    )
                    if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                        return self._send(
                            401, _error("Invalid API Key provided", None, "invalid_request_error")
                        )
                    if fake.mode == "error":
                        return self._send(400, _error("Something went wrong", "processing_error"))
                    if method == "POST" and key and (method, url.path, key) in fake._idempotent:
                        return self._send(*fake._idempotent[(method, url.path, key)])
                    status, body = self._route(method, url.path.rstrip("/").split("/")[1:], form)
                    if method == "POST" and key:
                        fake._idempotent[(method, url.path, key)] = (status, body)
                    return self._send(status, body)

            def _route(self, method, parts, form):
                if parts[:2] == ["v1", "payment_intents"]:
                    if method == "POST" and len(parts) == 2:
                        return 200, fake.create_intent(form)
                    if method == "GET" and len(parts) == 3 and parts[2] in fake.intents:
                        return 200, fake.intents[parts[2]]
                    if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
                        return fake.cancel_intent(parts[2], form)
                    return 404, _error("No such payment_intent", "resource_missing")
                if parts == ["v1", "refunds"] and method == "POST":
                    return fake.create_refund(form)
                if parts[:2] == ["v1", "accounts"]:
                    if method == "POST" and len(parts) == 2:
                        return 200, fake.create_account(form)
                    if method == "GET" and len(parts) == 3 and parts[2] in fake.accounts:
                        return 200, fake.accounts[parts[2]]
                    return 404, _error("No such account", "resource_missing")
                if parts == ["v1", "account_links"] and method == "POST":
                    return 200, {
                        "object": "account_link",
                        "url": f"https://connect.stripe.com/setup/e/{form['account']}/fake",
                        "expires_at": 1,
                    }
                if parts == ["v1", "balance"] and method == "GET":
                    account = self.headers.get("Stripe-Account")
                    return 200, fake.balances.get(
                        account, {"object": "balance", "available": [], "pending": []}
                    )
                return 404, _error("Unrecognized request URL", "resource_missing")

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        return Handler


def _error(message: str, code: str | None, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "code": code}}


@contextlib.contextmanager
def running_fake(settings):
    """Start the fake and point the Stripe adapter at it for the duration."""
    fake = StripeFake()
    fake.thread.start()
    settings.COMMERCE_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_API_BASE = fake.base
    settings.STRIPE_TIMEOUT_SECONDS = 2
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
