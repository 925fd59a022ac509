#!/usr/bin/env python3
"""Optuna's RDB storage on PostgreSQL with many worker processes, for hpsearch's `scale`
benchmark (bench/scale.js), which starts the processes itself and reads the result back.

Three modes, each printing one JSON line as the last line of its stdout:

- ``--create``: creates study NAME (minimize) in the storage, so that the workers do not race
  to create Optuna's tables; prints {"created": NAME, "versions": ...}.
- worker (the default): loads the study with a RandomSampler seeded by --seed, asks its first
  trial, prints the line ``ready``, waits until the file --gate exists (when given), then runs
  --trials-per-process trials (that first one included) whose objective suggests one float and sleeps --sleep seconds
  (0: a no-op); prints {"done": K}.
- ``--report``: reads the study's trials back and prints {"complete", "states", "first_start",
  "last_complete", "trials_per_s"}: COMPLETE trials per second from the first trial's
  datetime_start to the last trial's datetime_complete (Optuna's stored times).

    /usr/bin/python3 bench/peers/optuna_scale.py --storage postgresql+psycopg2://u:p@127.0.0.1:5432/db \\
        --study s --trials-per-process 20 --sleep 0.2 --seed 3 --gate /tmp/go
"""
import argparse
import json
import os
import sys
import time

import optuna


def emit(result):
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=True))
    sys.stdout.flush()


def versions():
    import sqlalchemy

    out = {"optuna": optuna.__version__, "sqlalchemy": sqlalchemy.__version__, "python": sys.version.split()[0]}
    try:
        import psycopg2

        out["psycopg2"] = psycopg2.__version__.split()[0]
    except ImportError:
        pass
    return out


def create(args):
    optuna.create_study(study_name=args.study, storage=args.storage, direction="minimize", load_if_exists=True)
    emit({"created": args.study, "versions": versions()})


def work(args):
    study = optuna.create_study(
        study_name=args.study,
        storage=args.storage,
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=args.seed),
        load_if_exists=True,
    )
    sleep = args.sleep

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        if sleep > 0:
            time.sleep(sleep)
        return x

    # The first trial is asked before the gate, as an hpsearch slot claims its first trial before
    # the gate; it runs once the gate opens.
    first = study.ask() if args.trials_per_process > 0 else None
    print("ready", flush=True)
    if args.gate:
        while not os.path.exists(args.gate):
            time.sleep(0.005)
    if first is not None:
        study.tell(first, objective(first))
        study.optimize(objective, n_trials=args.trials_per_process - 1)
    emit({"done": args.trials_per_process})


def report(args):
    study = optuna.load_study(study_name=args.study, storage=args.storage)
    trials = study.get_trials(deepcopy=False)
    states = {}
    for t in trials:
        states[t.state.name] = states.get(t.state.name, 0) + 1
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        emit({"complete": 0, "states": states, "trials_per_s": None})
        return
    # Naive local datetimes on both sides, so their difference is exact.
    first = min(t.datetime_start for t in complete)
    last = max(t.datetime_complete for t in complete)
    seconds = (last - first).total_seconds()
    emit(
        {
            "complete": len(complete),
            "states": states,
            "first_start": first.timestamp(),
            "last_complete": last.timestamp(),
            "trials_per_s": len(complete) / seconds if seconds > 0 else None,
        }
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--storage", required=True)
    ap.add_argument("--study", required=True)
    ap.add_argument("--create", action="store_true")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--trials-per-process", type=int, default=10)
    ap.add_argument("--sleep", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gate", default="")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if args.create:
        create(args)
    elif args.report:
        report(args)
    else:
        work(args)


if __name__ == "__main__":
    main()
