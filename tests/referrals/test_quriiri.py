"""The Quriiri SMS gateway: the request it sends, how it reads the answers, and that no number or text of a
message reaches a log or an exception; chosen by SMS_GATEWAY; through the outbox to a local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pydantic import ValidationError
from sqlmodel import Session

from app.settings import Settings
from referrals.models import ContactChannel, Referral, ReferralNotice
from referrals.notifications import DevelopmentSmsSender, dispatch_pending, senders_from_settings
from referrals.quriiri import QuriiriError, QuriiriSmsSender
from tests.referrals.world import RESIDENT_PHONE, issue, make_world, savepoint_sessions
from tests.servers import free_port

TEXT = "Sinulle on suositeltu toimintaa. Avaa linkki: https://tarjotin.example/r/abc"
KEY = "qk-test-0123456789"


def _sender(handler) -> QuriiriSmsSender:  # type: ignore[no-untyped-def]
    return QuriiriSmsSender(
        url="https://api.quriiri.example/v1/sms",
        api_key=KEY,
        sender="Tarjotin",
        transport=httpx.MockTransport(handler),
    )


def test_the_request_has_the_documented_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "errors": [],
                "warnings": [],
                "messages": {RESIDENT_PHONE: {"converted": RESIDENT_PHONE, "status": "OK"}},
            },
        )

    _sender(handler).send_sms(RESIDENT_PHONE, TEXT)
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.quriiri.example/v1/sms"
    assert request.headers["authorization"] == f"apikey {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "sender": "Tarjotin",
        "destination": [RESIDENT_PHONE],
        "text": TEXT,
    }


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(401, json={"errors": [{"message": "invalid API key"}]}),
        httpx.Response(503, text="maintenance"),
        httpx.Response(200, json={"errors": [{"message": f"invalid destination {RESIDENT_PHONE}"}]}),
        httpx.Response(
            200, json={"messages": {RESIDENT_PHONE: {"converted": RESIDENT_PHONE, "status": "FAILED"}}}
        ),
    ],
    ids=["unauthorised", "unavailable", "refused", "failed-destination"],
)
def test_a_refusal_raises_without_the_number_or_the_text(response: httpx.Response) -> None:
    with pytest.raises(QuriiriError) as caught:
        _sender(lambda request: response).send_sms(RESIDENT_PHONE, TEXT)
    message = str(caught.value)
    assert RESIDENT_PHONE not in message and "1234567" not in message
    assert "linkki" not in message and caught.value.__cause__ is None


def test_accepted_and_scheduled_answers_are_sent() -> None:
    for status in ("OK", "SCHEDULED"):
        _sender(
            lambda request, s=status: httpx.Response(  # type: ignore[misc]
                200, json={"messages": {RESIDENT_PHONE: {"converted": RESIDENT_PHONE, "status": s}}}
            )
        ).send_sms(RESIDENT_PHONE, TEXT)


def test_a_network_failure_is_a_quriiri_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(QuriiriError) as caught:
        _sender(handler).send_sms(RESIDENT_PHONE, TEXT)
    assert "ConnectError" in str(caught.value)


def test_the_setting_chooses_the_gateway(tmp_path) -> None:  # type: ignore[no-untyped-def]
    development = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert isinstance(senders_from_settings(development).sms, DevelopmentSmsSender)
    quriiri = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path,
        _env_file=None,
        sms_gateway="quriiri",
        quriiri_url="https://api.quriiri.example/v1/sms",
        quriiri_api_key=KEY,
        quriiri_sender="Tarjotin",
    )
    sms = senders_from_settings(quriiri).sms
    assert isinstance(sms, QuriiriSmsSender) and sms.sender == "Tarjotin"
    assert KEY not in repr(sms)
    with pytest.raises(ValidationError, match="QURIIRI_API_KEY"):
        Settings(  # type: ignore[call-arg]
            data_dir=tmp_path,
            _env_file=None,
            sms_gateway="quriiri",
            quriiri_url="https://api.quriiri.example/v1/sms",
            quriiri_sender="Tarjotin",
        )


class _Gateway(BaseHTTPRequestHandler):
    """A local stand-in for Quriiri: records the requests, answers as the server's `status` says."""

    received: list[tuple[dict[str, str], dict[str, object]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((dict(self.headers), body))
        destination = body["destination"][0]
        answer = (
            {"errors": [], "messages": {destination: {"converted": destination, "status": "OK"}}}
            if self.status == 200
            else {"errors": [{"message": f"cannot send to {destination}"}]}
        )
        data = json.dumps(answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # the stand-in logs nothing either
        return


@pytest.fixture
def gateway() -> Iterator[tuple[type[_Gateway], int]]:
    port = free_port()
    handler = type("Gateway", (_Gateway,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, port
    finally:
        server.shutdown()
        server.server_close()


def _link_for(notice: ReferralNotice, referral: Referral | None) -> str:
    return "http://127.0.0.1:8200/r/token"


def test_the_outbox_sends_through_quriiri_and_logs_nothing_of_it(
    session: Session, gateway: tuple[type[_Gateway], int], tmp_path, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    handler, port = gateway
    caplog.set_level(logging.DEBUG)
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path,
        _env_file=None,
        sms_gateway="quriiri",
        quriiri_url=f"http://127.0.0.1:{port}/v1/sms",
        quriiri_api_key=KEY,
        quriiri_sender="Tarjotin",
    )
    world = make_world(session)
    issue(session, world, channel=ContactChannel.SMS)
    session.flush()
    senders = senders_from_settings(settings)
    # The e-mails of the same send go to the log sender (no SMTP_HOST); the SMS goes to the gateway.
    counts = dispatch_pending(savepoint_sessions(session), senders=senders, link_for=_link_for)
    assert counts.get("sent", 0) >= 2, counts
    [(headers, body)] = handler.received
    assert headers["Authorization"] == f"apikey {KEY}"
    assert body["destination"] == [RESIDENT_PHONE] and body["sender"] == "Tarjotin"
    assert "http://127.0.0.1:8200/r/token" in str(body["text"])

    # A refusal: the notice stays in the outbox for the tick to retry, and the log says only its type.
    handler.status = 400
    issue(session, world, channel=ContactChannel.SMS)
    session.flush()
    counts = dispatch_pending(savepoint_sessions(session), senders=senders, link_for=_link_for)
    assert counts.get("failed") == 1, counts
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "QuriiriError" in logs
    for secret in (RESIDENT_PHONE, "0401234567", "http://127.0.0.1:8200/r/token", KEY, "suositeltu"):
        assert secret not in logs, secret
