// Accuracy's per-sample values (engine/ops/training.py): 1.0 where label i equals the index of the largest of
// row i's CLASSES predictions, else 0.0. The row is scanned in order, so as argmax (reduce_ops.glsl) the first
// NaN wins, else the first maximum.
float compute(int i) {
    int base = i * CLASSES;
    float best = predictions_get(base);
    int best_index = 0;
    for (int k = 1; k < CLASSES && !isnan(best); ++k) {
        float value = predictions_get(base + k);
        if (value > best || isnan(value)) {
            best = value;
            best_index = k;
        }
    }
    return labels_get(i) == best_index ? 1.0 : 0.0;
}
