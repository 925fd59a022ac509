#!/usr/bin/env python3
"""Optuna's pruners on given learning curves, for hpsearch's `pruning` benchmark (bench/pruning.js).

Reads a JSON file {"curves": [[v_0, ..., v_(S-1)], ...], "configs": {name: {...}}} of curves to
minimize, one per trial, and runs each pruner config over them one trial after another (one
worker): trial t is asked, reports its values as steps 0, 1, ... (Optuna counts steps from 0;
hpsearch's epoch e is step e - 1) and asks should_prune() after each step but the last (hpsearch
never prunes a trial at its last epoch: it has nothing left to save); a pruned trial is told
PRUNED, the others their last value. Prints one JSON line: {config: [[state, steps], ...]} with
state "pruned" or "completed" and steps the values it reported, and {"versions"}.

Configs: {"kind": "median" | "percentile" | "patient", "percentile", "n_startup_trials",
"n_warmup_steps", "interval_steps", "patience", "min_delta", "wrapped": config or null}.

    /usr/bin/python3 bench/peers/optuna_pruners.py curves.json
"""
import json
import sys

import optuna
from optuna.trial import TrialState


def make_pruner(config):
    if config is None:
        return None
    kind = config["kind"]
    if kind == "patient":
        return optuna.pruners.PatientPruner(
            make_pruner(config["wrapped"]), patience=config["patience"], min_delta=config["min_delta"]
        )
    common = dict(
        n_startup_trials=config["n_startup_trials"],
        n_warmup_steps=config["n_warmup_steps"],
        interval_steps=config["interval_steps"],
    )
    if kind == "median":
        return optuna.pruners.MedianPruner(**common)
    if kind == "percentile":
        return optuna.pruners.PercentilePruner(config["percentile"], **common)
    raise ValueError(f"unknown pruner kind {kind}")


def run(curves, config):
    study = optuna.create_study(direction="minimize", pruner=make_pruner(config))
    outcomes = []
    for curve in curves:
        trial = study.ask()
        pruned = False
        for step, value in enumerate(curve):
            trial.report(value, step)
            if step < len(curve) - 1 and trial.should_prune():
                study.tell(trial, state=TrialState.PRUNED)
                outcomes.append(["pruned", step + 1])
                pruned = True
                break
        if not pruned:
            study.tell(trial, curve[-1])
            outcomes.append(["completed", len(curve)])
    return outcomes


def main():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with open(sys.argv[1]) as f:
        data = json.load(f)
    results = {name: run(data["curves"], config) for name, config in data["configs"].items()}
    print(json.dumps({"results": results, "versions": {"optuna": optuna.__version__}}))


if __name__ == "__main__":
    main()
