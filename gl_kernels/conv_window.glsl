// Window geometry of the convolution and pooling programs (NHWC tensors). Defines:
// BATCH; IN_H, IN_W: the input's spatial size; OUT_H, OUT_W: the output's; KH, KW: the window,
// TAPS = KH * KW taps numbered row-major; SH, SW: strides; DH, DW: dilations; PAD_T, PAD_L: the
// padding before each spatial axis. Programs that sum over taps and channels may split the sum
// into parts (see part_ranges): TAP_CHUNK, CHANNEL_CHUNK, CHANNEL_PARTS, REDUCED_C.

// The input pixel (h, w) that tap (ti, tj) of output pixel (oh, ow) reads; false in the padding.
bool tap_input(int oh, int ow, int ti, int tj, out int h, out int w) {
    h = oh * SH + ti * DH - PAD_T;
    w = ow * SW + tj * DW - PAD_L;
    return h >= 0 && h < IN_H && w >= 0 && w < IN_W;
}

// The output pixel (oh, ow) whose tap (ti, tj) reads input pixel (h, w); false when there is none.
bool tap_output(int h, int w, int ti, int tj, out int oh, out int ow) {
    int rows = h + PAD_T - ti * DH;
    int cols = w + PAD_L - tj * DW;
    if (rows < 0 || cols < 0) return false;
    oh = rows / SH;
    ow = cols / SW;
    return rows == oh * SH && cols == ow * SW && oh < OUT_H && ow < OUT_W;
}

// Flat element index `i` of a [parts, BATCH, rows, cols, channels] output, decoded.
void decode_pixel(int i, int rows, int cols, int channels, out int part, out int n, out int r, out int c,
                  out int channel) {
    channel = i % channels;
    int pixel = i / channels;
    c = pixel % cols;
    int line = pixel / cols;
    r = line % rows;
    int image = line / rows;
    n = image % BATCH;
    part = image / BATCH;
}

#ifdef TAP_CHUNK
// The taps [tap_begin, tap_end) and summed channels [channel_begin, channel_end) of part `part`:
// parts are CHANNEL_PARTS channel chunks of each tap chunk, so no part loops too long.
void part_ranges(int part, out int tap_begin, out int tap_end, out int channel_begin, out int channel_end) {
    int tap_part = part / CHANNEL_PARTS;
    tap_begin = tap_part * TAP_CHUNK;
    tap_end = min(TAPS, tap_begin + TAP_CHUNK);
    channel_begin = (part - tap_part * CHANNEL_PARTS) * CHANNEL_CHUNK;
    channel_end = min(REDUCED_C, channel_begin + CHANNEL_CHUNK);
}
#endif
