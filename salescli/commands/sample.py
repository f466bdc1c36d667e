"""sample: load a realistic data set to try every command on."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import command_group


def sample(
    ctx: typer.Context,
    customers: Annotated[int, typer.Option("--customers", min=1, max=100_000, help="How many customers.")] = 200,
    leads: Annotated[int, typer.Option("--leads", min=1, max=1_000_000, help="How many leads.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")]
    = 20261129,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Pretend today is this day.")]
    = None,
) -> None:
    """Load sample reps, customers (Chinese and English), contacts, leads with activity, deals, a product
    catalog, confirmed needs and demos.

    Runs once per database: if the sample is already there, nothing is added.
    """
    from salescli.services import sample as service

    a = App.of(ctx)
    today = a.day(date)
    with a.store.write() as conn:
        done = service.loaded_at(conn)
        if done is not None:
            output.message(_("sample data is already loaded (on {day}); nothing added").format(day=f"{done:%Y-%m-%d}"))
            return
        summary = service.load(conn, today=today, seed=seed, n_customers=customers, n_leads=leads,
                               actor=a.actor(conn))
    output.message(_(
        "sample loaded into {database}: {reps} reps, {customers} customers, {contacts} contacts, {leads} leads, "
        "{activities} activities, {deals} deals, {products} products, {needs} confirmed needs, {demos} demos, "
        "{quotes} quotes").format(
        database=a.store.display_url, reps=summary.reps, customers=summary.customers, contacts=summary.contacts,
        leads=summary.leads, activities=summary.activities, deals=summary.deals, products=summary.products,
        needs=summary.needs, demos=summary.demos, quotes=summary.quotes))


app = command_group(single=True)
app.command("sample")(sample)
