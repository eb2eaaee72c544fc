"""Commands of the staff side: demo staff (`demo staff|users|token`) and API clients (`api-client ...`).

Registered on the main CLI by `register(cli, demo_cli)` in tarjotin/cli.py. Production refuses the demo
commands with a one-line reason (exit status 2).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict

import typer
from rich.console import Console
from rich.table import Table

from app.settings import get_settings

console = Console(stderr=True)
api_client_cli = typer.Typer(help="API clients of patient record systems.", no_args_is_help=True)


def _refuse_demo_in_production() -> None:
    from app.accounts.demo import DemoRefused, refuse_in_production

    try:
        refuse_in_production(get_settings())
    except DemoRefused as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None


def demo_staff() -> None:
    """Create the demo organisations and one demo staff member per role (idempotent)."""
    from app.accounts.demo import seed_demo_staff
    from app.db import session_scope

    _refuse_demo_in_production()
    with session_scope() as session:
        users = seed_demo_staff(session, get_settings())
    console.print(f"[green]{len(users)} demo staff ready[/green] (tarjotin demo users lists them)")


def demo_users(as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table")) -> None:
    """List the demo staff: e-mail, role, organisation id and name, unit."""
    from app.accounts.demo import list_demo_users
    from app.db import session_scope

    _refuse_demo_in_production()
    with session_scope() as session:
        rows = list_demo_users(session)
    if as_json:
        typer.echo(json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("no demo staff yet: run `tarjotin demo staff` (make run does)")
        return
    table = Table(title="Demo staff")
    for column in ("e-mail", "name", "role", "organisation id", "organisation", "unit"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.email, row.name, row.role, row.organisation_id, row.organisation_name, row.unit or ""
        )
    Console().print(table)


def demo_token(
    email: str = typer.Argument(..., help="a demo user's e-mail (see `tarjotin demo users`)"),
) -> None:
    """Print a bearer token (valid one hour) for a demo user, to try the API with curl."""
    from app.accounts.demo import get_demo_user
    from app.accounts.tokens import person_token
    from app.db import session_scope

    _refuse_demo_in_production()
    with session_scope() as session:
        user = get_demo_user(session, email)
        if user is None:
            console.print(f"[red]no demo user {email!r}: see `tarjotin demo users`[/red]")
            raise typer.Exit(1)
        token = person_token(user.id, get_settings().secret_key.get_secret_value())
    typer.echo(token)


@api_client_cli.command("create")
def api_client_create(
    organisation: uuid.UUID = typer.Option(..., "--organisation", help="organisation id"),
    role: str = typer.Option(..., "--role", help="the client's role, e.g. referrer"),
    name: str = typer.Option(..., "--name", help="what the client is, e.g. 'Lifecare, Lahti health centre'"),
    unit: uuid.UUID | None = typer.Option(None, "--unit", help="unit id within the organisation"),
) -> None:
    """Create an API client and print its bearer token (shown this once; only a hash is stored)."""
    from app.accounts.actor import Actor
    from app.accounts.models import Role
    from app.accounts.service import create_api_client
    from app.db import session_scope
    from app.errors import DomainError
    from app.timeutil import utcnow

    try:
        chosen = Role(role)
    except ValueError:
        console.print(f"[red]unknown role {role!r}; one of: {', '.join(r.value for r in Role)}[/red]")
        raise typer.Exit(2) from None
    settings = get_settings()
    try:
        with session_scope() as session:
            client, token = create_api_client(
                session,
                actor=Actor.system("cli"),
                name=name,
                organisation_id=organisation,
                role=chosen,
                unit_id=unit,
                now=utcnow(),
                valid_days=settings.api_client_valid_days,
            )
            expires = client.expires_at.date().isoformat()
            client_id = client.id
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"API client {client_id} created, valid until {expires}. Its token (shown only now):")
    typer.echo(token)


@api_client_cli.command("list")
def api_client_list() -> None:
    """List API clients: id, name, organisation, role, expiry, revoked."""
    from app.accounts.service import list_api_clients
    from app.db import session_scope

    table = Table(title="API clients")
    for column in ("id", "name", "organisation id", "role", "expires", "revoked", "last used"):
        table.add_column(column)
    with session_scope() as session:
        for client in list_api_clients(session):
            table.add_row(
                str(client.id),
                client.name,
                str(client.organisation_id),
                client.role.value,
                client.expires_at.date().isoformat(),
                client.revoked_at.isoformat(timespec="minutes") if client.revoked_at else "",
                client.last_used_at.isoformat(timespec="minutes") if client.last_used_at else "",
            )
    Console().print(table)


@api_client_cli.command("revoke")
def api_client_revoke(client_id: uuid.UUID = typer.Argument(..., help="the client's id")) -> None:
    """Revoke an API client's token at once."""
    from app.accounts.actor import Actor
    from app.accounts.service import revoke_api_client
    from app.db import session_scope
    from app.errors import DomainError
    from app.timeutil import utcnow

    try:
        with session_scope() as session:
            revoke_api_client(session, actor=Actor.system("cli"), client_id=client_id, now=utcnow())
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"API client {client_id} revoked")


def register(cli: typer.Typer, demo_cli: typer.Typer) -> None:
    demo_cli.command("staff")(demo_staff)
    demo_cli.command("users")(demo_users)
    demo_cli.command("token")(demo_token)
    cli.add_typer(api_client_cli, name="api-client")
