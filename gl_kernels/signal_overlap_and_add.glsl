// OverlapAndAdd as a gather: frames x viewed as [outer, NUM_FRAMES, FRAME_LENGTH, INNER] become
// [outer, LENGTH, INNER]; sample s sums frame f's sample s - f * FRAME_STEP over the frames
// covering s (f * FRAME_STEP <= s < f * FRAME_STEP + FRAME_LENGTH).

float accumulate(float a, float b) { return a + b; }
int accumulate(int a, int b) { return a + b; }
vec2 accumulate(vec2 a, vec2 b) { return a + b; }
bool accumulate(bool a, bool b) { return a || b; }

OUT_T compute(int i) {
    int inner = i % INNER;
    int rest = i / INNER;
    int s = rest % LENGTH;
    int base = (rest / LENGTH) * NUM_FRAMES;
    int first = s < FRAME_LENGTH ? 0 : (s - FRAME_LENGTH) / FRAME_STEP + 1;
    int last = min(NUM_FRAMES - 1, s / FRAME_STEP);
    OUT_T sum = OUT_T(0);
    for (int f = first; f <= last; ++f) {
        sum = accumulate(sum, x_get(((base + f) * FRAME_LENGTH + s - f * FRAME_STEP) * INNER + inner));
    }
    return sum;
}
