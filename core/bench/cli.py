"""``travelops bench``: run the task benchmarks. Only typer is imported at the top."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core._clikit import boundary, settings

__all__ = ["register"]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def register(app: typer.Typer) -> None:
    bench_app = typer.Typer(
        help="Benchmarks per task: run suites, store scores, feed routing.", no_args_is_help=True
    )
    app.add_typer(bench_app, name="bench")

    @bench_app.command("run")
    @boundary
    def bench_run(
        ctx: typer.Context,
        tasks: Annotated[str, typer.Option("--tasks", help="Comma-separated tasks, or 'all'.")] = "all",
        models: Annotated[
            str, typer.Option("--models", help="Comma-separated model ids (provider/name).")
        ] = "",
        samples: Annotated[int | None, typer.Option("--samples", help="Cases per task (first N).")] = None,
        concurrency: Annotated[int, typer.Option("--concurrency", help="Calls in flight at once.")] = 4,
        budget_usd: Annotated[
            float | None, typer.Option("--budget-usd", help="Stop cleanly once this much is spent.")
        ] = None,
        run_id: Annotated[
            str | None, typer.Option("--run-id", help="Resume this run (skips the cells already done).")
        ] = None,
        judge: Annotated[
            str | None, typer.Option("--judge", help="Judge model for the rubric checks (optional).")
        ] = None,
        cases_dir: Annotated[
            Path | None, typer.Option("--cases-dir", help="Folder of <task>.jsonl (default data/bench).")
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers",
                help="Worker processes sharing the cells (default: one per core for a large run; 1 = in-process).",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    ) -> None:
        """Run models × tasks × cases, store the scores and refresh model quality for routing."""
        from core.bench import TASKS, run_benchmark

        summary = run_benchmark(
            settings(ctx),
            list(TASKS) if tasks.strip() == "all" else _split(tasks),
            _split(models),
            samples=samples,
            concurrency=concurrency,
            budget_usd=budget_usd,
            run_id=run_id,
            judge_model=judge,
            workers=workers,
            cases_dir=cases_dir,
            progress=not as_json,
        )
        typer.echo(summary.model_dump_json(indent=2) if as_json else summary.render())

    @bench_app.command("tasks")
    @boundary
    def bench_tasks() -> None:
        """List the benchmark tasks and the routing task type each one measures."""
        from core.bench import TASKS

        for t in TASKS.values():
            typer.echo(f"{t.name:<30} -> {t.routing_task:<22} {t.description}")
