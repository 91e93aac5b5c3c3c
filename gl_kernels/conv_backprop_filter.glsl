// Conv2DBackpropFilter (and, with DEPTHWISE, DepthwiseConv2dNativeBackpropFilter) as partial sums:
// element (p, ti, tj, c, k) of the [parts, KH, KW, IN_C, FILTER_K] output sums, over the output
// positions q = (n, oh, ow) in [p * POSITION_CHUNK, (p + 1) * POSITION_CHUNK), x at the pixel tap
// (ti, tj) of q reads times dy[q, k] (dy[q, c * FILTER_K + k] for a depthwise filter, whose k is
// the channel multiplier). Defines: conv_window.glsl's, IN_C, DY_C (dy's channels), FILTER_K,
// POSITIONS (= BATCH * OUT_H * OUT_W), POSITION_CHUNK.

OUT_T compute(int i) {
    int k = i % FILTER_K;
    int rest = i / FILTER_K;
    int c = rest % IN_C;
    rest /= IN_C;
    int t = rest % TAPS;
    int part = rest / TAPS;
    int ti = t / KW, tj = t - (t / KW) * KW;
#ifdef DEPTHWISE
    int dy_channel = c * FILTER_K + k;
#else
    int dy_channel = k;
#endif
    int q = part * POSITION_CHUNK;
    int q_end = min(POSITIONS, q + POSITION_CHUNK);
    // The position's coordinates advance with q, so the loop needs no divisions.
    int ow = q % OUT_W;
    int oh = (q / OUT_W) % OUT_H;
    int n = q / (OUT_W * OUT_H);
    float acc = 0.0;
    for (; q < q_end; ++q) {
        int h, w;
        if (tap_input(oh, ow, ti, tj, h, w)) {
            acc += x_get(((n * IN_H + h) * IN_W + w) * IN_C + c) * dy_get(q * DY_C + dy_channel);
        }
        if (++ow == OUT_W) {
            ow = 0;
            if (++oh == OUT_H) {
                oh = 0;
                ++n;
            }
        }
    }
    return OUT_T(acc);
}
