/* Every trial's model planned against its data before a sweep starts, as
 * its run would plan it: a trial that its run would refuse (the memory
 * limit, layers that do not fit the data) is a config error up front,
 * not a failure of every trial. */
#include "exp_sweep_check.h"

#include <stdlib.h>
#include <string.h>

#include "exp_data.h"
#include "exp_model.h"


int exp_sweep_check_models(const struct exp_sweep *s, struct nn_err *err)
{
	struct exp_data data;
	char *open_key = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->ntrials && rc == 0; i++) {
		struct exp_config tc;
		struct exp_model_plan plan;
		size_t nsets;
		char **sets = exp_sweep_trial_sets(s, i, &nsets), *key;

		if (!sets)
			return nn_errorf(err, NN_ENOMEM, "out of memory");
		/* The config's places name its --set texts: sets outlive it. */
		rc = exp_config_load(&tc, s->cfg->path, (const char *const *)sets, nsets, err);
		if (rc < 0) {
			exp_sweep_free_sets(sets);
			break;
		}
		tc.data.plugin_file = s->cfg->data.plugin_file;
		/* Trials that read the same data share one opening of it. */
		if (!(key = exp_config_section_text(&tc, "data"))) {
			rc = nn_errorf(err, NN_ENOMEM, "out of memory");
		} else if (!open_key || strcmp(key, open_key)) {
			if (open_key)
				exp_data_close(&data);
			free(open_key);
			open_key = NULL;
			if ((rc = exp_data_open(&data, &tc, err)) == 0) {
				open_key = key;
				key = NULL;
			}
		}
		free(key);
		if (rc == 0 && (rc = exp_model_plan(&plan, &tc, &data, exp_model_batch(&tc), err)) == 0)
			exp_model_plan_fini(&plan);
		exp_config_fini(&tc);
		exp_sweep_free_sets(sets);
		if (rc < 0) {
			char msg[NN_ERR_MAX];

			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			nn_errorf(err, rc, "%s: trial %s: %s", s->cfg->path, s->trials[i].id, msg);
		}
	}
	if (open_key)
		exp_data_close(&data);
	free(open_key);
	return rc;
}
