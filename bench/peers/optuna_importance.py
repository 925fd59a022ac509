"""Optuna 3.1's fANOVA parameter importance on studies given to it, for bench/importance.js.

The benchmark samples the trials (the same points it gives hpsearch) and writes them to a JSON
file; this script rebuilds each study with optuna.create_study + add_trials of
optuna.trial.create_trial(params, distributions, value), and asks
optuna.importance.get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
for the importances, timing each call.

    /usr/bin/python3 bench/peers/optuna_importance.py --input studies.json

Input: {"studies": [{"key": str, "seed": int, "params": [param], "trials": [{"params": {...}, "value": float}]}]}
  param: {"name", "kind": "float" | "int" | "categorical", "low", "high", "log", "choices"}; a
  conditional parent comes as a categorical of its option names, and a child is in the trials
  that have it (Optuna's fANOVA keeps only the parameters every trial has, so it leaves children out).
Prints one JSON line (the last line of stdout):
  {"results": {key: {"importances": {name: float}, "seconds": float}}, "versions": {...}}
or {"error": ...} when Optuna or scikit-learn (which its fANOVA needs) cannot be imported.
"""
import argparse
import json
import platform
import sys
import time
import warnings

try:
    import optuna
    import sklearn  # noqa: F401  (FanovaImportanceEvaluator fits scikit-learn's RandomForestRegressor)
except Exception as e:  # reported as the result, so the benchmark can say why the peer is missing
    print(json.dumps({"error": "cannot import optuna and sklearn: %r" % (e,)}))
    sys.exit(1)

from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def distribution(param):
    kind = param["kind"]
    if kind == "float":
        return FloatDistribution(param["low"], param["high"], log=param["log"])
    if kind == "int":
        return IntDistribution(param["low"], param["high"], log=param["log"])
    if kind == "categorical":
        return CategoricalDistribution(param["choices"])
    raise SystemExit("unknown parameter kind %r" % (kind,))


def build_study(entry):
    """A study holding the entry's trials as completed trials, each with the distributions of the parameters it has."""
    dists = {p["name"]: distribution(p) for p in entry["params"]}
    study = optuna.create_study(direction="maximize")
    study.add_trials(
        [
            optuna.trial.create_trial(
                params=t["params"], distributions={name: dists[name] for name in t["params"]}, value=t["value"]
            )
            for t in entry["trials"]
        ]
    )
    return study


def versions():
    out = {"python": platform.python_version(), "python_executable": sys.executable, "optuna": optuna.__version__}
    for module in ("sklearn", "numpy"):
        try:
            out[module] = __import__(module).__version__
        except Exception:
            pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True, help="the JSON file of studies the benchmark wrote")
    a = ap.parse_args()
    with open(a.input) as f:
        entries = json.load(f)["studies"]
    results = {}
    for entry in entries:
        study = build_study(entry)
        started = time.perf_counter()
        importances = optuna.importance.get_param_importances(
            study, evaluator=FanovaImportanceEvaluator(seed=entry["seed"])
        )
        seconds = time.perf_counter() - started
        results[entry["key"]] = {"importances": {k: float(v) for k, v in importances.items()}, "seconds": seconds}
    print(json.dumps({"results": results, "versions": versions()}))


if __name__ == "__main__":
    main()
