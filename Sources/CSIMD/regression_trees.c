// The tree ensembles of dlib's shape predictor (one cascade level): plain C for the prefetch.
#include "CSIMD.h"

void csimd_regression_trees(const float *features, const int32_t *split_features, const float *thresholds,
                            const float *leaves, long trees, long splits, long values, int32_t *reached,
                            float *shape) {
    // Every walk first: the leaf table (megabytes) misses the caches, so each reached leaf is
    // prefetched while the other trees are walked.
    for (long t = 0; t < trees; t++) {
        const int32_t *pairs = split_features + 2 * t * splits;
        const float *limit = thresholds + t * splits;
        long node = 0;
        while (node < splits) {
            int right = features[pairs[2 * node]] - features[pairs[2 * node + 1]] > limit[node];
            node = 2 * node + 2 - right;
        }
        reached[t] = (int32_t)(node - splits);
        const float *leaf = leaves + (t * (splits + 1) + reached[t]) * values;
        __builtin_prefetch(leaf);
        __builtin_prefetch(leaf + values - 1);
    }
    // Then the sums, in tree order as dlib adds them.
    for (long t = 0; t < trees; t++) {
        const float *leaf = leaves + (t * (splits + 1) + reached[t]) * values;
        for (long j = 0; j < values; j++) shape[j] += leaf[j];
    }
}
