/* An example nnlab dataset plugin, built outside the nnlab tree against
 * the installed header only (see Makefile beside this file):
 *
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags nnlab-plugin) \
 *      -o ds_rings.so ds_rings.c -lm
 *
 * "rings": points on concentric rings around the origin, one ring per
 * class, with Gaussian noise. A config uses it by name once ds_rings.so is
 * on the plugin path (NNLAB_PLUGIN_PATH):
 *
 *   data:
 *     plugin: rings
 *     options: { classes: 3, noise: 0.05 }
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ds_plugin.h>

/* What load() allocates; release() frees it. The host never looks inside. */
struct rings {
	float *x[2];        /* train, test: (count, 2) */
	int32_t *y[2];
};

/* A small seeded generator (splitmix64): the same seed, the same data. */
static double uniform(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

static double normal(uint64_t *s)
{
	double u = uniform(s), v = uniform(s);

	return sqrt(-2.0 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}


static void release(struct ds_dataset *ds)
{
	struct rings *r = ds->priv;

	if (!r)
		return;
	for (int k = 0; k < 2; k++) {
		free(r->x[k]);
		free(r->y[k]);
	}
	free(r);
	ds->priv = NULL;
}

static int load(struct ds_dataset *out, const char *const *names, const char *const *values,
		size_t count, char *err)
{
	long classes = atol(ds_option("classes", names, values, count));
	long size[2] = { atol(ds_option("train_size", names, values, count)),
			 atol(ds_option("test_size", names, values, count)) };
	double noise = atof(ds_option("noise", names, values, count));
	uint64_t seed = strtoull(ds_option("seed", names, values, count), NULL, 10);
	struct rings *r;

	/* The host passes every declared option, defaults filled in, as
	 * text. Errors go into err (DS_ERR_MAX bytes); a plugin never prints. */
	if (classes < 2 || classes > 100 || size[0] < 1 || size[1] < 0)
		return ds_errorf(err, "rings: need 2-100 classes and a positive train_size");
	r = calloc(1, sizeof(*r));
	if (!r)
		return ds_errorf(err, "rings: out of memory");
	memset(out, 0, sizeof(*out));
	out->priv = r;
	for (int k = 0; k < 2; k++) {
		r->x[k] = malloc((size_t)(size[k] + 1) * 2 * sizeof(float));
		r->y[k] = malloc((size_t)(size[k] + 1) * sizeof(int32_t));
		if (!r->x[k] || !r->y[k]) {
			release(out);
			return ds_errorf(err, "rings: out of memory");
		}
		for (long i = 0; i < size[k]; i++) {
			long c = (long)(uniform(&seed) * (double)classes);
			double radius = (double)(c + 1) / (double)classes;
			double angle = 6.283185307179586 * uniform(&seed);

			r->y[k][i] = (int32_t)c;
			r->x[k][2 * i] = (float)(radius * cos(angle) + noise * normal(&seed));
			r->x[k][2 * i + 1] = (float)(radius * sin(angle) + noise * normal(&seed));
		}
	}
	/* Tell the host what it got: shapes, feature type, the two splits. */
	out->input_size = 2;
	out->class_count = (size_t)classes;
	out->feature_type = DS_FEATURE_F32;
	out->feature_scale = 1.0f;
	out->train = (struct ds_split){ r->x[0], r->y[0], (size_t)size[0] };
	out->test = (struct ds_split){ r->x[1], r->y[1], (size_t)size[1] };
	return 0;
}

/* The options the host validates a config's data.options against. */
static const struct ds_option options[] = {
	{ "classes", DS_OPT_INT, "3", "rings, one class each" },
	{ "train_size", DS_OPT_INT, "2000", "training points" },
	{ "test_size", DS_OPT_INT, "500", "test points" },
	{ "noise", DS_OPT_FLOAT, "0.05", "standard deviation of the noise on each coordinate" },
	{ "seed", DS_OPT_INT, "1", "seed of the generator" },
	{ NULL, 0, NULL, NULL }
};

/* The one exported symbol: the descriptor, ABI version and size first. */
DS_EXPORT const struct ds_plugin ds_plugin = {
	.abi_version = DS_ABI_VERSION,
	.size = sizeof(struct ds_plugin),
	.name = "rings",
	.description = "points on concentric rings, one ring per class (example plugin)",
	.options = options,
	.load = load,
	.release = release,
};
