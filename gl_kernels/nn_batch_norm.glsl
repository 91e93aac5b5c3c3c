// Batch normalization with given statistics, every parameter broadcast against x: x * factor + shift with
// factor = scale / sqrt(variance + epsilon) and shift = offset - mean * factor (the cpu kernel's association),
// in one pass (`epsilon`: a uniform).
OUT_T compute(int i) {
    float factor = float(scale_get(scale_bcast(i))) * inversesqrt(float(variance_get(variance_bcast(i))) + epsilon);
    float shift = float(offset_get(offset_bcast(i))) - float(mean_get(mean_bcast(i))) * factor;
    return OUT_T(float(x_get(x_bcast(i))) * factor + shift);
}
