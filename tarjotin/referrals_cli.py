"""`tarjotin referrals tick|anonymise`: the referral loop's scheduled jobs (run from cron)."""

from __future__ import annotations

import typer
from dateutil.relativedelta import relativedelta
from rich.console import Console
from sqlmodel import Session

from app.db import get_engine
from app.settings import get_settings
from app.timeutil import utcnow

referrals_cli = typer.Typer(help="The referral loop's scheduled jobs.", no_args_is_help=True)
console = Console(stderr=True)


@referrals_cli.command("tick")
def tick_command() -> None:
    """Expire unanswered referrals past their deadline, remind receivers and follow-ups, ask providers' admins to
    confirm listings not confirmed for LISTING_REMINDER_MONTHS (once per period), send the outbox.

    Idempotent and safe while other app processes (or another tick) run; run it every few minutes.
    """
    from app.catalogue.selfservice import months
    from app.retention.values import effective
    from referrals.jobs import tick
    from referrals.links import notice_link_for
    from referrals.notifications import senders_from_settings

    settings = get_settings()
    engine = get_engine()
    with Session(engine) as session:
        retention = effective(session, settings)
    report = tick(
        lambda: Session(engine, expire_on_commit=False),
        now=utcnow(),
        reminder_days=retention.referral_reminder_days,
        senders=senders_from_settings(settings),
        link_for=notice_link_for(str(settings.base_url), settings.secret_key.get_secret_value()),
        listing_reminder_after=months(settings.listing_reminder_months),
    )
    sent = ", ".join(f"{key} {value}" for key, value in sorted(report.notices.items())) or "none"
    console.print(
        f"expired {report.expired}, reminded {report.reminded}, follow-ups {report.follow_ups}, "
        f"follow-up questions {report.outcome_questions}, "
        f"organisations asked to confirm listings {report.listing_reminders}, "
        f"failed {report.failed}; notices: {sent}"
    )
    if report.failed:
        raise typer.Exit(1)


@referrals_cli.command("anonymise")
def anonymise_command(
    months: int = typer.Option(
        None,
        help="closed longer ago than this many months (default: the retention page, else REFERRAL_RETENTION_MONTHS)",
    ),
) -> None:
    """Strip personal data from referrals closed longer ago than the retention time; statistics stay."""
    from app.retention.values import effective
    from referrals.retention import anonymise_closed_in_batches

    settings = get_settings()
    now = utcnow()
    engine = get_engine()
    if months is None:  # what an administrator set on the retention page, else REFERRAL_RETENTION_MONTHS
        with Session(engine) as session:
            months = effective(session, settings).referral_retention_months
    cutoff = now - relativedelta(months=months)
    count = anonymise_closed_in_batches(lambda: Session(engine), closed_before=cutoff, now=now)
    console.print(f"anonymised {count} referrals closed before {cutoff.date().isoformat()}")


@referrals_cli.command("demo")
def demo_command(
    count: int = typer.Option(300, help="how many demo referrals"),
    replace: bool = typer.Option(False, "--replace", help="remove the demo referrals first"),
) -> None:
    """Load demo referrals over the last six months (after `tarjotin demo staff`); development only."""
    from app.accounts.demo import refuse_in_production
    from app.db import session_scope
    from referrals.demo import load_demo_referrals

    settings = get_settings()
    refuse_in_production(settings)
    with session_scope() as session:
        report = load_demo_referrals(
            session, secret=settings.secret_key.get_secret_value(), now=utcnow(), count=count, replace=replace
        )
    if report.skipped:
        console.print("demo referrals already loaded (or no demo staff and services): nothing to do")
    else:
        console.print(f"[green]{report.created} demo referrals loaded[/green]")
