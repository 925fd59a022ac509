#!/usr/bin/env python3
"""Optuna's samplers on the functions of hpsearch's `samplers` benchmark (bench/samplers.js).

For each function and sampler: the best value found after --trials trials, for seeds 1..--seeds,
summarized as min / median / max (with the runs themselves).

Functions (minimized; the same definitions as bench/samplers.js):
  branin     x1 in [-5, 10], x2 in [0, 15]; optimum 0.397887
  hartmann6  x1..x6 in [0, 1]; optimum -3.32237
  lr-schedule  a made-up "final validation loss" of a training run over learning_rate
             (log-uniform [1e-5, 1]), batch_size, optimizer and a conditional schedule whose
             children exist only under their option; optimum 0.1 (adam, batch 64, cosine with
             floor 0.05, learning rate 3e-3). See lr_schedule_loss below.
Samplers:
  random   RandomSampler(seed)
  tpe      TPESampler(seed) with Optuna's defaults (univariate, 10 startup trials, 24 candidates,
           constant_liar=False: running trials are ignored)
  tpe-cl   TPESampler(seed, constant_liar=True): running trials count as the worst observations
           (the closest to hpsearch's TPE, which treats running trials as running; no hpsearch
           counterpart row)
  tpe-mv   TPESampler(seed, multivariate=True, group=True)

Every run is reproducible: the same seeds give the same numbers.
--workers 1 runs study.optimize(n_trials) sequentially.
--workers W > 1 runs the strict pipeline of hpsearch's W-worker simulation through Optuna's
ask-and-tell interface, with W - 1 trials pending: when trial n is asked and sampled, trials
0 ... n - W are complete (told) and trials n - W + 1 ... n - 1 are still RUNNING. For W = 2: ask
t0; then for n = 1 .. N - 1: ask t_n (and evaluate it), then tell t_(n-1) its value; finally tell
t_(N-1). The objectives are deterministic and take microseconds, so a trial is evaluated as soon as
it is asked and its value held back until its tell. Every run checks that the trials RUNNING right
after each ask are exactly n - W + 1 ... n (it exits with an error otherwise). Not
study.optimize(n_jobs=W): Optuna 3.1 reseeds the sampler from OS entropy at every trial under
n_jobs > 1 (study/_optimize.py, so the seed is ignored), and with objectives this fast the threads
mostly run one after the other, which is sequential TPE rather than W workers.

    /usr/bin/python3 bench/peers/optuna_tpe.py --workers 2 --trials 100 --seeds 30

Prints one JSON line (the last line of stdout):
  {"workers", "trials", "seeds", "mode", "reproducible", "results": {function: {sampler: {"best": {min,
   median, max, runs}, "seconds"}}}, "versions"}
or {"error": ...} when Optuna cannot be imported.
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time
import warnings

try:
    import optuna
except Exception as e:  # reported as the result, so the benchmark can say why the peer is missing
    print(json.dumps({"error": "cannot import optuna: %r" % (e,)}))
    sys.exit(1)

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


# --- the functions ---------------------------------------------------------------------------

def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(trial):
    x = [trial.suggest_float("x%d" % (i + 1), 0, 1) for i in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += H_ALPHA[i] * math.exp(-inner)
    return -total


# Learning rate that is best with a constant schedule at batch 64, per optimizer.
LR_BEST = {"sgd": 0.1, "momentum": 0.01, "adam": 0.001}
# What each optimizer costs at its best (adam is the best optimizer here).
OPTIMIZER_PENALTY = {"sgd": 0.1, "momentum": 0.04, "adam": 0.0}
# A decaying schedule tolerates, and wants, a larger initial learning rate.
SCHEDULE_LR_FACTOR = {"constant": 1.0, "exponential": 2.0, "step": 2.0, "cosine": 3.0}
STEP_GAMMAS = [0.1, 0.3, 0.5]
STEP_GAMMA_PENALTY = [0.06, 0.0, 0.02]
CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over 10 classes: a diverged run


def lr_schedule_loss(p):
    """The deterministic "final validation loss" of bench/samplers.js, from a params dict."""
    lr, bs, opt, sched = p["learning_rate"], p["batch_size"], p["optimizer"], p["schedule"]
    best_lr = LR_BEST[opt] * math.sqrt(bs / 64) * SCHEDULE_LR_FACTOR[sched]
    decades = math.log10(lr / best_lr)
    if decades > 1.5:
        return CHANCE_LOSS
    loss = 0.1 + OPTIMIZER_PENALTY[opt] + 0.02 * math.log2(bs / 64) ** 2 + 0.25 * decades ** 2
    if sched == "constant":
        loss += 0.15
    elif sched == "exponential":
        loss += 0.06 + 0.06 * ((p["schedule.decay_rate"] - 0.95) / 0.03) ** 2
    elif sched == "step":
        loss += 0.04 + 0.004 * (p["schedule.step_size"] - 8) ** 2 + STEP_GAMMA_PENALTY[STEP_GAMMAS.index(p["schedule.gamma"])]
    else:  # cosine
        loss += 0.08 * ((p["schedule.floor"] - 0.05) / 0.05) ** 2
    return min(loss, CHANCE_LOSS)


def lr_schedule(trial):
    """The same space as the benchmark's, written with define-by-run suggest calls."""
    p = {
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64, 128, 256]),
        "optimizer": trial.suggest_categorical("optimizer", ["sgd", "momentum", "adam"]),
        "schedule": trial.suggest_categorical("schedule", ["constant", "exponential", "step", "cosine"]),
    }
    if p["schedule"] == "exponential":
        p["schedule.decay_rate"] = trial.suggest_float("schedule.decay_rate", 0.8, 0.999)
    elif p["schedule"] == "step":
        p["schedule.step_size"] = trial.suggest_int("schedule.step_size", 1, 20)
        p["schedule.gamma"] = trial.suggest_categorical("schedule.gamma", STEP_GAMMAS)
    elif p["schedule"] == "cosine":
        p["schedule.floor"] = trial.suggest_float("schedule.floor", 0, 0.2)
    return lr_schedule_loss(p)


FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "lr-schedule": lr_schedule}
SAMPLERS = ["random", "tpe", "tpe-cl", "tpe-mv"]


def make_sampler(name, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-cl":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    raise SystemExit("unknown sampler %s" % name)


# --- running ---------------------------------------------------------------------------------

def run_pipelined(study, objective, n_trials, workers):
    """Runs n_trials trials with workers - 1 of them pending: ask t_n, evaluate it, and only then
    tell t_(n - workers + 1) its value; the last pending trials are told at the end. Checks, right
    after each ask, that the RUNNING trials are exactly n - workers + 1 ... n, so that the sampler
    saw trials n - workers + 1 ... n - 1 running when it sampled trial n."""
    running_state = (optuna.trial.TrialState.RUNNING,)
    pending = []  # (trial, value), oldest first
    for n in range(n_trials):
        trial = study.ask()
        running = [t.number for t in study.get_trials(deepcopy=False, states=running_state)]
        expected = list(range(max(0, n - workers + 1), n + 1))
        if trial.number != n or sorted(running) != expected:
            raise SystemExit("pipeline broken at trial %d: asked #%d, running %r, expected %r" % (n, trial.number, running, expected))
        pending.append((trial, objective(trial)))
        if len(pending) == workers:
            done, value = pending.pop(0)
            study.tell(done, value)
    for done, value in pending:
        study.tell(done, value)
    if len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))) != n_trials:
        raise SystemExit("pipeline left trials unfinished")


# --- reporting -------------------------------------------------------------------------------

def summary(values):
    """Smallest, median and largest of a non-empty list, and the list itself."""
    runs = [float(v) for v in values]
    return {"min": min(runs), "median": statistics.median(runs), "max": max(runs), "runs": runs}


def versions():
    out = {"python": platform.python_version(), "python_executable": sys.executable, "optuna": optuna.__version__}
    try:
        import numpy

        out["numpy"] = numpy.__version__
    except Exception:
        pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=1, help="1: study.optimize; W > 1: ask and tell with W - 1 trials pending")
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=30, help="seeds 1..N")
    ap.add_argument("--functions", nargs="+", choices=sorted(FUNCTIONS), default=list(FUNCTIONS))
    ap.add_argument("--samplers", nargs="+", choices=SAMPLERS, default=SAMPLERS)
    ap.add_argument("--check", action="store_true", help="print lr-schedule values of fixed points (JSON) and exit")
    a = ap.parse_args()
    if a.workers < 1:
        ap.error("--workers must be at least 1")
    if a.check:
        print(json.dumps(check_points()))
        return
    results = {}
    for fn_name in a.functions:
        results[fn_name] = {}
        for sampler in a.samplers:
            started = time.perf_counter()
            best = []
            for seed in range(1, a.seeds + 1):
                study = optuna.create_study(sampler=make_sampler(sampler, seed))
                if a.workers == 1:
                    study.optimize(FUNCTIONS[fn_name], n_trials=a.trials)
                else:
                    run_pipelined(study, FUNCTIONS[fn_name], a.trials, a.workers)
                best.append(study.best_value)
            results[fn_name][sampler] = {"best": summary(best), "seconds": time.perf_counter() - started}
    mode = "study.optimize" if a.workers == 1 else "ask and tell, %d pending" % (a.workers - 1)
    print(json.dumps({"workers": a.workers, "trials": a.trials, "seeds": a.seeds, "mode": mode, "reproducible": True,
                      "results": results, "versions": versions()}))


def check_points():
    """A few fixed configurations, to check that bench/samplers.js computes the same values."""
    points = [
        {"learning_rate": 3e-3, "batch_size": 64, "optimizer": "adam", "schedule": "cosine", "schedule.floor": 0.05},
        {"learning_rate": 0.05, "batch_size": 256, "optimizer": "sgd", "schedule": "constant"},
        {"learning_rate": 1e-5, "batch_size": 16, "optimizer": "momentum", "schedule": "exponential", "schedule.decay_rate": 0.81},
        {"learning_rate": 0.02, "batch_size": 32, "optimizer": "momentum", "schedule": "step", "schedule.step_size": 3, "schedule.gamma": 0.5},
        {"learning_rate": 0.9, "batch_size": 128, "optimizer": "adam", "schedule": "step", "schedule.step_size": 20, "schedule.gamma": 0.1},
    ]
    return [lr_schedule_loss(p) for p in points]


if __name__ == "__main__":
    main()
