"""sample: load a realistic data set to try every command on."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
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
            output.message(f"sample data is already loaded (on {done:%Y-%m-%d}); nothing added")
            return
        summary = service.load(conn, today=today, seed=seed, n_customers=customers, n_leads=leads,
                               actor=a.handle(conn))
    output.message(
        f"sample loaded into {a.store.display_url}: {summary.reps} reps, {summary.customers} customers, "
        f"{summary.contacts} contacts, {summary.leads} leads, {summary.activities} activities, "
        f"{summary.deals} deals, {summary.products} products, {summary.needs} confirmed needs, "
        f"{summary.demos} demos, {summary.quotes} quotes")


app = command_group(single=True)
app.command("sample")(sample)
