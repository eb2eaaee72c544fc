"""One SMTP connection serves a run of notices, and a kept connection the server dropped is opened again."""

from __future__ import annotations

from aiosmtpd.controller import Controller

from referrals.notifications import SmtpEmailSender
from tests.servers import free_port


class Peers:
    """Records the client address each message came from: one connection, one address."""

    def __init__(self) -> None:
        self.peers: list[object] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.peers.append(session.peer)
        return "250 OK"


def test_a_run_of_emails_uses_one_connection_and_survives_a_dropped_one() -> None:
    port = free_port()
    first = Peers()
    server = Controller(first, hostname="127.0.0.1", port=port)
    server.start()
    sender = SmtpEmailSender(host="127.0.0.1", port=port, sender="noreply@tarjotin.example")
    try:
        for n in range(3):
            sender.send_email(
                "toimisto@vire.example", f"Viesti {n}", "https://tarjotin.example/staff/referrals/x"
            )
        assert len(first.peers) == 3 and len(set(map(str, first.peers))) == 1
    finally:
        server.stop()  # drops the kept connection

    second = Peers()
    server = Controller(second, hostname="127.0.0.1", port=port)
    server.start()
    try:
        sender.send_email("toimisto@vire.example", "Viesti 3", "https://tarjotin.example/staff/referrals/x")
        assert len(second.peers) == 1  # sent once, over a new connection
        sender.close()
        sender.close()  # closing twice is harmless
        sender.send_email("toimisto@vire.example", "Viesti 4", "https://tarjotin.example/staff/referrals/x")
        assert len(second.peers) == 2 and str(second.peers[0]) != str(second.peers[1])
    finally:
        sender.close()
        server.stop()
