// Convolutions computed 4 channels per invocation with 128-bit loads (float32, compute path), for
// the cases the implicit matrix product of conv_gemm.comp does not suit. One mode:
//   DEPTHWISE_FORWARD          out[n, oh, ow, c..c+3] = sum over taps of x quad * filters[tap, c..c+3]
//   DEPTHWISE_BACKPROP_INPUT   dx[n, h, w, c..c+3]    = sum over the taps reaching (h, w) of dy quad * filters quad
//   DEPTHWISE_BACKPROP_FILTER  partial dw[part, tap, c..c+3] = sum over positions [part * POSITION_CHUNK, ...)
//                                                             of x quad at the position's tap * dy quad
//   FORWARD                    out[n, oh, ow, oc..oc+3] = sum over taps and input channels c of
//                              x[n, h, w, c] * filters[tap, c, oc..oc+3]  (any input depth)
// (depthwise filters have multiplier 1.) x is binding 0, y binding 1 (filters, or dy for the filter
// gradient); x_data, x's words, is declared by the runtime. Defines: the geometry of conv_window.glsl
// (without its functions), IN_C, OUT_C, QUADS (output quads), and for DEPTHWISE_BACKPROP_FILTER
// POSITIONS and POSITION_CHUNK.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) readonly restrict buffer y_vectors { uvec4 y_data4[]; };
layout(std430, binding = 2) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };

vec4 x_quad(int quad) { return uintBitsToFloat(x_data4[quad]); }
vec4 y_quad(int quad) { return uintBitsToFloat(y_data4[quad]); }

void main() {
    int q = int(gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * 256u) + gl_GlobalInvocationID.x);
    if (q >= QUADS) return;
    vec4 acc = vec4(0.0);
#if defined(DEPTHWISE_FORWARD) || defined(FORWARD)
    int quads = OUT_C / 4;
    int quad = q % quads, pixel = q / quads;
    int ow = pixel % OUT_W, oh = (pixel / OUT_W) % OUT_H, n = pixel / (OUT_W * OUT_H);
    for (int ti = 0; ti < KH; ++ti) {
        int h = oh * SH + ti * DH - PAD_T;
        if (h < 0 || h >= IN_H) continue;
        for (int tj = 0; tj < KW; ++tj) {
            int w = ow * SW + tj * DW - PAD_L;
            if (w < 0 || w >= IN_W) continue;
            int tap = ti * KW + tj;
#ifdef DEPTHWISE_FORWARD
            acc += x_quad(((n * IN_H + h) * IN_W + w) * quads + quad) * y_quad(tap * quads + quad);
#else
            int xi = ((n * IN_H + h) * IN_W + w) * IN_C;
            for (int c = 0; c < IN_C; ++c) {
                acc += uintBitsToFloat(x_data[xi + c]) * y_quad((tap * IN_C + c) * quads + quad);
            }
#endif
        }
    }
#elif defined(DEPTHWISE_BACKPROP_INPUT)
    int quads = IN_C / 4;
    int quad = q % quads, pixel = q / quads;
    int w = pixel % IN_W, h = (pixel / IN_W) % IN_H, n = pixel / (IN_W * IN_H);
    for (int ti = 0; ti < KH; ++ti) {
        int rows = h + PAD_T - ti * DH;
        if (rows < 0) continue;
        int oh = rows / SH;
        if (oh * SH != rows || oh >= OUT_H) continue;
        for (int tj = 0; tj < KW; ++tj) {
            int cols = w + PAD_L - tj * DW;
            if (cols < 0) continue;
            int ow = cols / SW;
            if (ow * SW != cols || ow >= OUT_W) continue;
            acc += x_quad(((n * OUT_H + oh) * OUT_W + ow) * quads + quad) * y_quad((ti * KW + tj) * quads + quad);
        }
    }
#else
    int quads = IN_C / 4;
    int quad = q % quads, tap = (q / quads) % (KH * KW), part = q / (quads * KH * KW);
    int ti = tap / KW, tj = tap - (tap / KW) * KW;
    int p = part * POSITION_CHUNK, p_end = min(POSITIONS, p + POSITION_CHUNK);
    // The position's coordinates advance with p, so the loop needs no divisions.
    int ow = p % OUT_W, oh = (p / OUT_W) % OUT_H, n = p / (OUT_W * OUT_H);
    for (; p < p_end; ++p) {
        int h = oh * SH + ti * DH - PAD_T, w = ow * SW + tj * DW - PAD_L;
        if (h >= 0 && h < IN_H && w >= 0 && w < IN_W) {
            acc += x_quad(((n * IN_H + h) * IN_W + w) * quads + quad) * y_quad(p * quads + quad);
        }
        if (++ow == OUT_W) {
            ow = 0;
            if (++oh == OUT_H) {
                oh = 0;
                ++n;
            }
        }
    }
#endif
    out_data4[q] = floatBitsToUint(epilogue(acc, epilogue_quad((q % (OUT_C / 4)) * 4)));
}
