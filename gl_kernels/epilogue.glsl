// What a program does to each result before storing it, where a tf.function replay fused the dispatches
// that read the result into this one (engine/backends/gl/fusion.py). Without defines it returns the value:
//   EPILOGUE_AFFINE  a batch normalization over the last axis (EPILOGUE_CHANNELS long), as nn_batch_norm.glsl
//                    computes it, from the inputs ep_mean, ep_variance, ep_offset, ep_scale and the uniform epsilon;
//   EPILOGUE_BIAS    or the addition of a vector over the last axis (EPILOGUE_CHANNELS long), the input ep_bias
//                    (a layer's bias);
//   EPILOGUE         an activation function (unary_activation.glsl, unary.glsl) applied after that.
// Generated programs (program.py) call epilogue(value, flat output index). Hand-written compute shaders store
// 4 consecutive channels at a time: they load the normalization of those channels once with
// epilogue_quad(first channel) and apply it to each vec4 of their block, so the store loop stays small
// enough for the compiler to unroll it and keep the accumulators in registers.
#ifdef EPILOGUE_AFFINE
float epilogue_factor(int channel) {
    return uintBitsToFloat(ep_scale_word(channel)) * inversesqrt(uintBitsToFloat(ep_variance_word(channel)) + epsilon);
}
#endif

float epilogue(float v, int index) {
#ifdef EPILOGUE_AFFINE
    int channel = index % EPILOGUE_CHANNELS;
    float factor = epilogue_factor(channel);
    v = v * factor + (uintBitsToFloat(ep_offset_word(channel)) - uintBitsToFloat(ep_mean_word(channel)) * factor);
#endif
#ifdef EPILOGUE_BIAS
    v = v + uintBitsToFloat(ep_bias_word(index % EPILOGUE_CHANNELS));
#endif
#ifdef EPILOGUE
    v = EPILOGUE(v);
#endif
    return v;
}

struct EpilogueQuad { vec4 factor; vec4 shift; };   // the normalization's, or the bias in shift

EpilogueQuad epilogue_quad(int channel) {
    EpilogueQuad quad;
#ifdef EPILOGUE_AFFINE
    for (int k = 0; k < 4; ++k) {
        quad.factor[k] = epilogue_factor(channel + k);
        quad.shift[k] = uintBitsToFloat(ep_offset_word(channel + k))
            - uintBitsToFloat(ep_mean_word(channel + k)) * quad.factor[k];
    }
#endif
#ifdef EPILOGUE_BIAS
    for (int k = 0; k < 4; ++k) quad.shift[k] = uintBitsToFloat(ep_bias_word(channel + k));
#endif
    return quad;
}

vec4 epilogue(vec4 v, EpilogueQuad quad) {
#ifdef EPILOGUE_AFFINE
    v = v * quad.factor + quad.shift;
#endif
#ifdef EPILOGUE_BIAS
    v = v + quad.shift;
#endif
#ifdef EPILOGUE
    v = vec4(EPILOGUE(v.x), EPILOGUE(v.y), EPILOGUE(v.z), EPILOGUE(v.w));
#endif
    return v;
}
