"""`travelops router …`: train, score, evaluate and calibrate a learned router (see core.routing.learned)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from core._clikit import boundary, settings

__all__ = ["register"]

T = TypeVar("T")

router_app = typer.Typer(help="Learned router: train, score, evaluate, calibrate.", no_args_is_help=True)

OutcomesOpt = Annotated[
    list[Path] | None,
    typer.Option("--outcomes", help="Outcome CSV files or folders of them (prompt + True/False per model)."),
]
ModelOpt = Annotated[Path, typer.Option("--model", help="A router file from `travelops router train`.")]


def register(app: typer.Typer) -> None:
    app.add_typer(router_app, name="router")


def _need(value: T | None, flag: str, why: str) -> T:
    from core.errors import ValidationError

    if value is None or value == []:
        raise ValidationError(f"{flag} is required {why}.")
    return value


@router_app.command("train")
@boundary
def train(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Where to write the router file.")],
    outcomes: OutcomesOpt = None,
    weak: Annotated[
        str | None, typer.Option("--weak", help="Weak model: CSV column or warehouse model.")
    ] = None,
    strong: Annotated[
        str | None, typer.Option("--strong", help="Strong model: CSV column or warehouse model.")
    ] = None,
    from_warehouse: Annotated[
        bool, typer.Option("--from-warehouse", help="Train on benchmark_results of the warehouse.")
    ] = False,
    task: Annotated[str | None, typer.Option("--task", help="Task type (with --from-warehouse).")] = None,
    cases: Annotated[
        list[Path] | None,
        typer.Option("--cases", help="CSV files with case_id,prompt: the benchmark cases' prompt text."),
    ] = None,
) -> None:
    """Train a router from outcome CSVs, or from the warehouse's benchmark results (with --cases for prompts)."""
    from core.routing._outcomes import read_outcomes
    from core.routing.learned import train_router

    weak = _need(weak, "--weak", "(the weak model's column or name)")
    strong = _need(strong, "--strong", "(the strong model's column or name)")
    if from_warehouse:
        from core.routing._warehouse_outcomes import warehouse_outcomes
        from core.warehouse import Warehouse

        s = settings(ctx)
        task = _need(task, "--task", "with --from-warehouse")
        table = warehouse_outcomes(
            Warehouse.from_settings(s),
            task=task,
            weak=weak,
            strong=strong,
            quality_threshold=s.cost_optimization.quality_threshold,
            cases=cases or [],
        )
        meta: dict[str, Any] = {"source": "warehouse", "task": task}
    else:
        table = read_outcomes(_need(outcomes, "--outcomes", "(or use --from-warehouse)"), weak, strong)
        meta = {"source": "outcomes", "files": table.sources}
    router = train_router(
        table.prompts,
        table.weak,
        table.strong,
        # one group per source file (an MMLU domain): the blend is chosen on folds that hold whole files out
        groups=table.groups or None,
        metadata={**meta, "weak": weak, "strong": strong},
    )
    path = router.save(out)
    t = router.training
    held_out = f"; held-out APGR {t['cv_apgr']:.3f}" if "cv_apgr" in t else ""
    typer.echo(
        f"Trained on {t['n']} prompts (strong needed on {t['positives']}; weak {t['weak_accuracy']:.1%}, "
        f"strong {t['strong_accuracy']:.1%} correct{held_out}) → {path}"
    )


@router_app.command("score")
@boundary
def score(
    model: ModelOpt,
    input: Annotated[
        list[Path], typer.Option("--input", help="CSV file(s) or folder(s) with a prompt column.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Scores CSV to write (prompt, score).")],
) -> None:
    """Score prompts: one row per input prompt, in input order (folders: files in sorted name order)."""
    import csv

    from core.routing._outcomes import read_prompts
    from core.routing.learned import load_router

    router = load_router(model)
    prompts = read_prompts(input)
    scores = router.strong_probabilities(prompts)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["prompt", "score"])
        for p, s in zip(prompts, scores, strict=True):
            w.writerow([p, f"{float(s):.6f}"])
    typer.echo(f"Scored {len(prompts)} prompts → {out}")


@router_app.command("eval")
@boundary
def evaluate(
    model: ModelOpt,
    outcomes: OutcomesOpt = None,
    weak: Annotated[str, typer.Option("--weak", help="The weak model's column.")] = "",
    strong: Annotated[str, typer.Option("--strong", help="The strong model's column.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """RouteLLM's metrics on outcome CSVs: APGR, CPT(50%), CPT(80%), random APGR, decision time."""
    from core.routing._outcomes import read_outcomes
    from core.routing._router_eval import decision_p50_us
    from core.routing._router_metrics import random_apgr, router_curve
    from core.routing.learned import load_router

    router = load_router(model)
    table = read_outcomes(
        _need(outcomes, "--outcomes", ""),
        _need(weak or None, "--weak", ""),
        _need(strong or None, "--strong", ""),
    )
    curve = router_curve(router.strong_probabilities(table.prompts), table.weak, table.strong)
    result = {
        "apgr": curve.apgr,
        "cpt50": curve.cpt(0.5),
        "cpt80": curve.cpt(0.8),
        "n": curve.n,
        "weak_acc": curve.weak_acc,
        "strong_acc": curve.strong_acc,
        "random_apgr": random_apgr(table.weak, table.strong),
        "decision_p50_us": decision_p50_us(router, table.prompts),
    }
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for k, v in result.items():
        typer.echo(f"{k:16} {v:.4f}" if isinstance(v, float) else f"{k:16} {v}")


@router_app.command("calibrate")
@boundary
def calibrate(
    model: ModelOpt,
    strong_share: Annotated[
        float, typer.Option("--strong-share", min=0.0, max=1.0, help="Target share of strong calls.")
    ],
    outcomes: OutcomesOpt = None,
) -> None:
    """Print the threshold that sends --strong-share of these prompts to the strong model."""
    from core.routing._outcomes import read_prompts
    from core.routing._router_metrics import threshold_for_share
    from core.routing.learned import load_router

    router = load_router(model)
    scores = router.strong_probabilities(read_prompts(_need(outcomes, "--outcomes", "")))
    typer.echo(f"{threshold_for_share(scores, strong_share):.6f}")
