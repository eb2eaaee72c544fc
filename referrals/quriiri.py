"""The Quriiri SMS gateway (the Finnish gateway Helsinki uses), behind the `SmsSender` interface.

Written from Quriiri's public "HTTP MT API v1" description and their published Python client
(quriiri.fi/tekniset-resurssit):

- one HTTPS POST to the account's sending URL (shown in the Quriiri web UI, hence a setting, not a constant),
  `Content-Type: application/json`, authenticated by the header `Authorization: apikey <key>`;
- body `{"sender": ..., "destination": ["+358..."], "text": ...}`; optional fields (`sendertype`, `batchid`,
  `billingref`, `drurl`, `validity`, `flash`) are not used, so the account's defaults apply;
- the answer is JSON: `errors` and `warnings` (lists of `{"message": ...}`) and `messages`, keyed by each
  destination as sent, `{"converted": "+358...", "status": "OK" | "SCHEDULED" | "FAILED" | ...}`.

Assumptions, since only that description is public: an HTTP status of 400 or more, a non-empty `errors`, or a
destination whose status is `FAILED` means the message did not go; a body that is not JSON on a 2xx answer is
taken as accepted (their own client treats it as a warning, not a failure). The outbox retries a failure.

Nothing about a message reaches a log or an exception: not the number, not the text, not the gateway's own
error messages (which may quote the number). Exceptions carry the HTTP status or a fixed word only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx


class QuriiriError(Exception):
    """The gateway did not take the message. The text is a fixed reason, never content or a number."""


@dataclass(slots=True)
class QuriiriSmsSender:
    url: str
    api_key: str = field(repr=False)
    sender: str
    timeout: float = 30.0
    # Tests hand in an httpx.MockTransport; production uses the default network transport.
    transport: httpx.BaseTransport | None = field(default=None, repr=False)

    def request_body(self, to: str, text: str) -> dict[str, object]:
        return {"sender": self.sender, "destination": [to], "text": text}

    def send_sms(self, to: str, text: str) -> None:
        with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
            try:
                response = client.post(
                    self.url,
                    json=self.request_body(to, text),
                    headers={"Authorization": f"apikey {self.api_key}", "Accept": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise QuriiriError(f"no answer from the gateway ({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise QuriiriError(f"the gateway answered HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            return
        if not isinstance(answer, dict):
            return
        if answer.get("errors"):
            raise QuriiriError(f"the gateway refused the message ({len(answer['errors'])} errors)")
        messages = answer.get("messages")
        if isinstance(messages, dict):
            statuses = [m.get("status") for m in messages.values() if isinstance(m, dict)]
            if any(str(status).upper() == "FAILED" for status in statuses):
                raise QuriiriError("the gateway could not send to the number")
