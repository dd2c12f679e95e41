#include "exp_policy.h"

void exp_policy_init(struct exp_policy *p, const struct exp_config *cfg)
{
	*p = (struct exp_policy){ .ties = cfg->monitor.ties, .eta = cfg->train.eta };
}

int exp_policy_score(struct exp_policy *p, size_t correct)
{
	if (!p->scored++ || correct > p->best_select) {
		p->best_select = correct;
		p->since_best = p->since_change = 0;
		return 1;
	}
	p->since_best++;
	p->since_change++;
	return exp_metrics_replaces(p->ties, (double)correct, (double)p->best_select);
}

int exp_policy_end_epoch(struct exp_policy *p, const struct exp_config *cfg, size_t epoch,
			 int scored, FILE *log)
{
	if (scored && cfg->train.early_stop && p->since_best >= cfg->train.early_stop)
		return p->ended = EXP_POLICY_EARLY_STOP;
	if (cfg->train.schedule == EXP_SCHEDULE_STEP && (epoch + 1) % cfg->train.step_every == 0)
		p->eta *= cfg->train.step_factor;
	if (scored && cfg->train.schedule == EXP_SCHEDULE_PLATEAU && p->since_change >= cfg->train.patience) {
		p->eta /= 2;
		p->since_change = 0;
		if (p->eta < cfg->train.eta / cfg->train.stop_factor)
			return p->ended = EXP_POLICY_ETA_FLOOR;
		if (log)
			fprintf(log, "eta halved to %g\n", p->eta);
	}
	return p->ended;
}

int exp_policy_chance(struct exp_policy *p, const struct exp_config *cfg, int one_class)
{
	p->at_chance = one_class ? p->at_chance + 1 : 0;
	if (cfg->train.stop_at_chance && p->at_chance >= cfg->train.stop_at_chance && !p->ended)
		p->ended = EXP_POLICY_CHANCE;
	return p->ended;
}

const char *exp_policy_reason(int ended)
{
	switch (ended) {
	case EXP_POLICY_EARLY_STOP:
		return "no improvement for train.early_stop epochs";
	case EXP_POLICY_ETA_FLOOR:
		return "eta fell below eta / train.schedule.stop_factor";
	case EXP_POLICY_CHANCE:
		return "the net predicted one class for every example for train.stop_at_chance scored epochs in a row: it has not left chance";
	default:
		return NULL;
	}
}
