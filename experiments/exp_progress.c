#include "exp_progress.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exp_clock.h"

/* The threads a run trains on, for the bar: "" on one (or while no
 * mini-batch had work to share: the book's first nets never do), ", 2
 * threads", or, when the pace runs the work on one (other processes hold
 * the cores), ", 1 of 2 threads (cores busy)". */
static const char *threads_now(const struct nn_model *m, char *buf, size_t len)
{
	unsigned long long batches, spread;
	size_t n = nn_model_threads(m);
	int spreading = nn_model_pace(m, &batches, &spread);

	if (n == 1 || batches == 0)
		return "";
	if (spreading)
		snprintf(buf, len, ", %zu threads", n);
	else
		snprintf(buf, len, ", 1 of %zu threads (cores busy)", n);
	return buf;
}

/* The scorings still to come from epoch on, this one's included. */
static size_t scorings_left(const struct exp_progress *p)
{
	size_t n = 0;

	for (size_t e = p->epoch; e < p->epochs; e++)
		n += (e + 1) % p->every == 0 || e + 1 == p->epochs;
	return n;
}

void exp_progress_beat(struct exp_progress *p, double t)
{
	int fd;

	if (!p->heartbeat || t - p->last_beat < 5.0)
		return;
	p->last_beat = t;
	fd = open(p->heartbeat, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "%.0f\n", (double)time(NULL));

		if (write(fd, buf, (size_t)n) < 0)
			p->heartbeat = NULL;
		close(fd);
	}
}

int exp_progress_batch(void *ctx, size_t done, size_t total)
{
	struct exp_progress *p = ctx;
	double t;
	char bar[31];
	size_t fill = total ? done * 30 / total : 30;

	if (p->stop && *p->stop)
		return 1;
	if (!p->draw && !p->heartbeat)
		return 0;
	t = exp_clock_now();
	exp_progress_beat(p, t);
	if (!p->draw)
		return 0;
	if (t - p->last < 0.1 && done < total)
		return 0;
	p->last = t;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = '\0';
	double rate = done / (t - p->epoch_start + 1e-9);
	/* Time left: the training at this epoch's pace, and the scorings to
	 * come at the last one's (before the first, said as unknown); no
	 * guess in the first half second. */
	double train_left = ((double)(total - done) + (double)(p->epochs - p->epoch - 1) * (double)total) / rate;
	char left[48] = "left ?";
	if (t - p->epoch_start >= 0.5 && done)
		snprintf(left, sizeof(left), p->score_s > 0 ? "left %.0f s" : "left %.0f s + scoring",
			 train_left + p->score_s * (double)scorings_left(p));
	/* Numbered as the epoch lines: Epoch 0 is the first. */
	char threads[64];
	fprintf(stderr, "\r  Epoch %zu (%zu of %zu) [%s] %zu/%zu  %.0fk ex/s%s  elapsed %.0f s  %s \033[K",
		p->epoch, p->epoch + 1, p->epochs, bar, done, total, rate / 1000,
		threads_now(p->model, threads, sizeof(threads)), t - p->start, left);
	fflush(stderr);
	return 0;
}
