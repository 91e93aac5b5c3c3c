// Frame: x viewed as [outer, LENGTH, INNER] becomes [outer, NUM_FRAMES, FRAME_LENGTH, INNER]
// with out[.., f, j, ..] = x[.., f * FRAME_STEP + j, ..], or the pad value past the end.
// The pad value arrives as the 32-bit words of its dtype (uniforms pad_word, pad_word_imag).

void from_words(uint word, uint imag_word, out float v) { v = uintBitsToFloat(word); }
void from_words(uint word, uint imag_word, out int v) { v = int(word); }
void from_words(uint word, uint imag_word, out bool v) { v = word != 0u; }
void from_words(uint word, uint imag_word, out vec2 v) { v = vec2(uintBitsToFloat(word), uintBitsToFloat(imag_word)); }

OUT_T compute(int i) {
    int inner = i % INNER;
    int rest = i / INNER;
    int j = rest % FRAME_LENGTH;
    rest /= FRAME_LENGTH;
    int f = rest % NUM_FRAMES;
    int position = f * FRAME_STEP + j;
    if (position >= LENGTH) {
        OUT_T pad;
        from_words(pad_word, pad_word_imag, pad);
        return pad;
    }
    return x_get(((rest / NUM_FRAMES) * LENGTH + position) * INNER + inner);
}
