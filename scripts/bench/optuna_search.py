"""Optuna's TPESampler driving nnlab trials: the search problem of
scripts/bench-search.sh, each trial an `nnlab run` of the base config with
the proposed values, its objective the best eval_accuracy in its
metrics.csv. Prints one line per trial: "trial N epochs E best B".

Usage: python3 optuna_search.py NNLAB CONFIG SEED TRIALS OUT_DIR
"""
import csv
import math
import os
import subprocess
import sys

import optuna


def best_of(metrics):
    """The best eval_accuracy and the epochs of a run's metrics.csv."""
    best, epochs = float("nan"), 0
    try:
        with open(metrics) as f:
            for row in csv.DictReader(f):
                epochs += 1
                v = row.get("eval_accuracy", "")
                if v:
                    best = float(v) if math.isnan(best) else max(best, float(v))
    except OSError:
        pass
    return best, epochs


def main():
    nnlab, config, seed, trials, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    os.makedirs(out, exist_ok=True)

    def objective(trial):
        values = {
            "model.layers.1": trial.suggest_int("hidden", 10, 200),
            "train.eta": trial.suggest_float("eta", 0.01, 10, log=True),
            "train.l2": trial.suggest_float("l2", 1e-3, 10, log=True),
            "train.batch_size": trial.suggest_categorical("batch_size", [10, 20, 50, 100]),
            "model.init": trial.suggest_categorical("init", ["large", "scaled"]),
            "train.cost": trial.suggest_categorical("cost", ["quadratic", "cross_entropy"]),
        }
        run = os.path.join(out, "t%d" % trial.number)
        argv = [nnlab, "run", config, "--quiet", "--out", run, "--set", "sweep=null"]
        for k, v in values.items():
            argv += ["--set", "%s=%s" % (k, v)]
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best, epochs = best_of(os.path.join(run, "metrics.csv"))
        print("trial %d epochs %d best %s" % (trial.number, epochs, "nan" if math.isnan(best) else "%.4f" % best),
              flush=True)
        # A run that diverged before scoring counts as the worst.
        return 0.0 if math.isnan(best) else best

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)


if __name__ == "__main__":
    main()
