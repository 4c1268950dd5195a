"""`travelops payments …` (a trip's client payments) and `travelops tiers …` (its proposal tiers).

Only typer and the standard library are imported at module level; the travel domain loads when a command runs.
Input errors exit 2 naming the field and the option to fix ("Fix --deposit-due and run the command again").
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core._clikit import boundary, settings
from core.travel._cli_kit import echo_json, read_cents, read_date

if TYPE_CHECKING:
    from core.security import Principal
    from core.travel import ItineraryOption, PaymentSchedule, TravelService

__all__ = ["register_money"]

payments_app = typer.Typer(
    help="A trip's client payments: deposit, final payment, received.", no_args_is_help=True
)
tiers_app = typer.Typer(
    help="A trip's proposal tiers (Essential, Signature, Ultimate, …).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
# a service field -> the option that sets it, for "Fix --option" messages
_OPTIONS = {
    "amount_cents": "--amount",
    "due_date": "--due",
    "kind": "--kind",
    "description": "--description",
    "paid_on": "--paid-on",
    "paid": "--paid-on",
    "deposit_cents": "--deposit",
    "deposit_due": "--deposit-due",
    "final_due": "--final-due",
    "replace": "--replace",
    "option_id": "--option",
    "label": "--label",
    "n": "--count",
    "tier": "OPTION_ID",
    "status": "OPTION_ID",
    "day_id": "ITEM_ID",
}


def register_money(app: typer.Typer) -> None:
    """Add the ``payments`` and ``tiers`` groups to the root app."""
    app.add_typer(payments_app, name="payments")
    app.add_typer(tiers_app, name="tiers")


# -------------------------------------------------------------------------------------------------- plumbing
@contextmanager
def _service(ctx: typer.Context) -> Generator[tuple[TravelService, Principal]]:
    from core.errors import ValidationError
    from core.security import Principal
    from core.travel import RecordInvalid, TravelService

    with TravelService.open(settings(ctx)) as service:
        try:
            yield service, Principal.default_admin()
        except RecordInvalid as e:
            raise ValidationError(_fix(e.message, e.problems, e.hint)) from e


def _fix(message: str, problems: dict[str, str], hint: str = "") -> str:
    options = ", ".join(dict.fromkeys(_OPTIONS.get(f.split(".")[0], f"--{f}") for f in problems))
    hint = hint.removeprefix("Fix: ")
    return f"{message} Fix {options} and run the command again" + (f" ({hint})" if hint else ".")


def _invalid(option: str, value: str, why: str) -> Exception:
    from core.errors import ValidationError

    return ValidationError(f"{option} {value!r} {why}. Fix {option} and run the command again.")


def _date(option: str, value: str | None) -> date | None:
    return read_date(value, option)


def _cents(option: str, value: str) -> int:
    cents = read_cents(value, option, positive=True)
    assert cents is not None
    return cents


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _payment_json(p: PaymentSchedule) -> dict[str, Any]:
    return p.model_dump(mode="json", exclude={"created_at", "updated_at"})


def _show_payments(svc: TravelService, me: Principal, trip_id: int, as_json: bool) -> None:
    from core.travel import format_money

    trip = svc.get_trip(me, trip_id)
    payments = svc.list_payments(me, trip_id)
    totals = svc.trip_totals(me, trip_id)
    if as_json:
        echo_json(
            {
                "trip_id": trip_id,
                "currency": trip.currency,
                "payments": [_payment_json(p) for p in payments],
                "client_total_cents": totals.client_total_cents,
                "scheduled_cents": totals.scheduled_cents,
                "paid_cents": totals.paid_cents,
                "balance_due_cents": totals.balance_due_cents,
                "commission_expected_cents": totals.commission_expected_cents,
                "commission_received_cents": totals.commission_received_cents,
            }
        )
        return
    typer.echo(f"Payments of trip {trip_id} '{trip.name}' ({trip.currency})")
    if payments:
        rows = [
            [
                str(p.id),
                p.kind,
                str(p.due_date),
                format_money(p.amount_cents, trip.currency),
                f"received {p.paid_on}" if p.paid else "due",
                p.description,
            ]
            for p in payments
        ]
        _table(["id", "kind", "due", "amount", "status", "description"], rows)
    else:
        typer.echo(
            f"  none yet: travelops payments schedule {trip_id} --deposit X --deposit-due D --final-due D"
        )
    cur = trip.currency
    typer.echo(
        f"Client total {format_money(totals.client_total_cents, cur)}, scheduled "
        f"{format_money(totals.scheduled_cents, cur)}, received {format_money(totals.paid_cents, cur)}, "
        f"balance due {format_money(totals.balance_due_cents, cur)}."
    )
    typer.echo(
        f"Commission expected {format_money(totals.commission_expected_cents, cur)}, received "
        f"{format_money(totals.commission_received_cents, cur)}."
    )


# -------------------------------------------------------------------------------------------------- payments
@payments_app.command("list")
@boundary
def payments_list(
    ctx: typer.Context, trip_id: Annotated[int, typer.Argument(help="The trip.")], as_json: JsonOpt = False
) -> None:
    """A trip's payments (due, received), its client total and balance, and its commission."""
    with _service(ctx) as (svc, me):
        _show_payments(svc, me, trip_id, as_json)


@payments_app.command("add")
@boundary
def payments_add(
    ctx: typer.Context,
    trip_id: Annotated[int, typer.Argument(help="The trip.")],
    amount: Annotated[str, typer.Option("--amount", help="In the trip's currency, e.g. 1200.50.")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    kind: Annotated[str, typer.Option("--kind", help="deposit, final or other.")] = "other",
    description: Annotated[str, typer.Option("--description", help="e.g. 'Second instalment'.")] = "",
    paid_on: Annotated[
        str | None, typer.Option("--paid-on", help="Already received on this date (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add one payment the client owes (or has paid, with --paid-on)."""
    if kind not in ("deposit", "final", "other"):
        raise _invalid("--kind", kind, "is not one of deposit, final, other")
    fields: dict[str, Any] = {
        "amount_cents": _cents("--amount", amount),
        "due_date": _date("--due", due),
        "kind": kind,
        "description": description or {"deposit": "Deposit", "final": "Final payment"}.get(kind, "Payment"),
    }
    received = _date("--paid-on", paid_on)
    if received is not None:
        fields |= {"paid": True, "paid_on": received}
    with _service(ctx) as (svc, me):
        payment = svc.add_payment(me, trip_id, **fields)
        if as_json:
            echo_json(_payment_json(payment))
        else:
            typer.echo(f"Added payment {payment.id} to trip {trip_id}.")
            _show_payments(svc, me, trip_id, False)


@payments_app.command("schedule")
@boundary
def payments_schedule(
    ctx: typer.Context,
    trip_id: Annotated[int, typer.Argument(help="The trip.")],
    deposit: Annotated[str, typer.Option("--deposit", help="The deposit, e.g. 1500 (trip currency).")],
    deposit_due: Annotated[str, typer.Option("--deposit-due", help="When the deposit is due, YYYY-MM-DD.")],
    final_due: Annotated[str, typer.Option("--final-due", help="When the rest is due, YYYY-MM-DD.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace the payments the trip has.")] = False,
    option: Annotated[
        int | None, typer.Option("--option", help="Price this tier (option id) when none is accepted.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A deposit and a final payment that together make the client total."""
    cents = _cents("--deposit", deposit)
    first, last = _date("--deposit-due", deposit_due), _date("--final-due", final_due)
    assert first is not None and last is not None
    with _service(ctx) as (svc, me):
        svc.schedule_payments(
            me,
            trip_id,
            deposit_cents=cents,
            deposit_due=first,
            final_due=last,
            replace=replace,
            option_id=option,
        )
        _show_payments(svc, me, trip_id, as_json)


@payments_app.command("paid")
@boundary
def payments_paid(
    ctx: typer.Context,
    payment_id: Annotated[int, typer.Argument(help="The payment (see payments list).")],
    on: Annotated[str | None, typer.Option("--on", help="Received on (YYYY-MM-DD); default today.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a payment received."""
    day = _date("--on", on)
    with _service(ctx) as (svc, me):
        payment = svc.mark_paid(me, payment_id, paid_on=day)
        if as_json:
            echo_json(_payment_json(payment))
        else:
            typer.echo(f"Payment {payment_id} received on {payment.paid_on}.")


@payments_app.command("remove")
@boundary
def payments_remove(
    ctx: typer.Context, payment_id: Annotated[int, typer.Argument(help="The payment (see payments list).")]
) -> None:
    """Delete a payment from the schedule."""
    with _service(ctx) as (svc, me):
        svc.remove_payment(me, payment_id)
        typer.echo(f"Removed payment {payment_id}.")


# ----------------------------------------------------------------------------------------------------- tiers
def _option_json(o: ItineraryOption, total: int | None) -> dict[str, Any]:
    return o.model_dump(mode="json", exclude={"created_at", "updated_at"}) | {"client_total_cents": total}


def _show_tiers(svc: TravelService, me: Principal, trip_id: int, as_json: bool) -> None:
    from core.travel import format_money

    trip = svc.get_trip(me, trip_id)
    options = svc.list_options(me, trip_id)
    totals: dict[int | None, int] = {
        o.id: svc.trip_totals(me, trip_id, option_id=o.id).client_total_cents for o in options
    }
    if as_json:
        echo_json({"trip_id": trip_id, "options": [_option_json(o, totals.get(o.id)) for o in options]})
        return
    if not options:
        typer.echo(f"Trip {trip_id} has no tiers yet: travelops tiers ensure {trip_id}")
        return
    rows = [
        [str(o.id), str(o.tier), o.label, o.status, format_money(totals.get(o.id, 0), trip.currency)]
        for o in options
    ]
    _table(["id", "tier", "label", "status", "client total"], rows)


@tiers_app.command("list")
@boundary
def tiers_list(
    ctx: typer.Context, trip_id: Annotated[int, typer.Argument(help="The trip.")], as_json: JsonOpt = False
) -> None:
    """A trip's tiers with their status and client total."""
    with _service(ctx) as (svc, me):
        _show_tiers(svc, me, trip_id, as_json)


@tiers_app.command("ensure")
@boundary
def tiers_ensure(
    ctx: typer.Context,
    trip_id: Annotated[int, typer.Argument(help="The trip.")],
    count: Annotated[int, typer.Option("--count", help="How many tiers (2 to 4).")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Add the missing default tiers (Essential, Signature, Ultimate, Bespoke)."""
    with _service(ctx) as (svc, me):
        svc.ensure_tiers(me, trip_id, n=count)
        _show_tiers(svc, me, trip_id, as_json)


@tiers_app.command("copy")
@boundary
def tiers_copy(
    ctx: typer.Context,
    option_id: Annotated[int, typer.Argument(help="The tier to copy (see tiers list).")],
    label: Annotated[str | None, typer.Option("--label", help="The new tier's name.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A new tier with a copy of this tier's own days and items (unconfirmed, proposed)."""
    with _service(ctx) as (svc, me):
        new = svc.copy_option(me, option_id, label=label)
        _show_tiers(svc, me, new.trip_id, as_json)


@tiers_app.command("rename")
@boundary
def tiers_rename(
    ctx: typer.Context,
    option_id: Annotated[int, typer.Argument(help="The tier (see tiers list).")],
    label: Annotated[str, typer.Option("--label", help="Its new name, e.g. 'Honeymoon'.")],
    as_json: JsonOpt = False,
) -> None:
    """Rename a tier."""
    if not label.strip():
        raise _invalid("--label", label, "is blank")
    with _service(ctx) as (svc, me):
        option = svc.update_option(me, option_id, label=label.strip())
        _show_tiers(svc, me, option.trip_id, as_json)


@tiers_app.command("accept")
@boundary
def tiers_accept(
    ctx: typer.Context,
    option_id: Annotated[int, typer.Argument(help="The tier the client chose.")],
    as_json: JsonOpt = False,
) -> None:
    """The client chose this tier: it is accepted and the others archived."""
    with _service(ctx) as (svc, me):
        option = svc.accept_option(me, option_id)
        _show_tiers(svc, me, option.trip_id, as_json)


@tiers_app.command("remove")
@boundary
def tiers_remove(
    ctx: typer.Context,
    option_id: Annotated[int, typer.Argument(help="The tier to delete with its own days and items.")],
) -> None:
    """Delete a tier with its own days and items (the shared plan stays)."""
    with _service(ctx) as (svc, me):
        option = svc.get_option(me, option_id)
        svc.remove_option(me, option_id)
        typer.echo(f"Removed tier {option.tier} '{option.label}' of trip {option.trip_id}.")


@tiers_app.command("fork")
@boundary
def tiers_fork(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="A shared item (in every tier).")],
    option: Annotated[int, typer.Option("--option", help="The tier (option id) it should belong to.")],
    as_json: JsonOpt = False,
) -> None:
    """Make a shared item one tier's own; the other tiers keep an identical copy."""
    with _service(ctx) as (svc, me):
        item = svc.fork_item(me, item_id, option_id=option)
        _show_tiers(svc, me, item.trip_id, as_json)
