/* What a run decides after each epoch, as a small state machine: which
 * epoch is the best so far (best.json), early stopping, and the learning
 * rate's schedule (train.early_stop, train.schedule). The run feeds it
 * each epoch's selection count and writes its state into the checkpoint,
 * so a resumed run decides as one never stopped. */
#ifndef EXP_POLICY_H
#define EXP_POLICY_H

#include <stddef.h>
#include <stdio.h>

#include "exp_config.h"
#include "exp_metrics.h"

enum {
	EXP_POLICY_GOING = 0,
	EXP_POLICY_EARLY_STOP = 1,  /* train.early_stop epochs without a better score */
	EXP_POLICY_ETA_FLOOR = 2,   /* the plateau schedule's eta fell below its floor */
	EXP_POLICY_CHANCE = 3       /* train.stop_at_chance scored epochs in a row predicting one class */
};

struct exp_policy {
	enum exp_ties ties;    /* monitor.ties */
	double eta;            /* the learning rate of the next epoch */
	size_t best_select;    /* the best selection count so far */
	size_t since_best;     /* scored epochs since the best */
	size_t since_change;   /* scored epochs since the best or eta's last halving */
	size_t scored;         /* epochs scored so far */
	size_t at_chance;      /* scored epochs in a row that predicted one class */
	int ended;             /* EXP_POLICY_GOING, _EARLY_STOP or _ETA_FLOOR */
};

/* A run's start: eta is train.eta, nothing scored. */
void exp_policy_init(struct exp_policy *p, const struct exp_config *cfg);

/* A scored epoch whose selection split (validation, else the evaluated
 * one) counted correct: returns 1 when the epoch is the best so far, the
 * one best.json keeps. The first scored epoch is; later, as
 * exp_metrics_replaces says under monitor.ties: a higher count, or an
 * equal one under 'last'. Early stopping and the plateau schedule count
 * epochs since a strictly higher count either way. */
int exp_policy_score(struct exp_policy *p, size_t correct);

/* After epoch (0-based) has been trained and, when scored, scored: early
 * stopping (scored epochs only), else the schedule: step multiplies eta
 * by train.schedule.factor after every 'every' epochs, scored or not;
 * plateau halves it after 'patience' scored epochs without a better
 * score and ends the run once it is below eta / stop_factor. Says "eta
 * halved to X" on log (may be NULL). Returns p->ended. */
int exp_policy_end_epoch(struct exp_policy *p, const struct exp_config *cfg, size_t epoch,
			 int scored, FILE *log);

/* A scored epoch's verdict on chance: one_class is whether the net
 * predicted one class for every scored example. After
 * train.stop_at_chance such epochs in a row the run ends
 * (EXP_POLICY_CHANCE, returned). */
int exp_policy_chance(struct exp_policy *p, const struct exp_config *cfg, int one_class);

/* Why a run ended as it did ("no improvement for train.early_stop
 * epochs"), or NULL while it is going. */
const char *exp_policy_reason(int ended);

#endif
