// Identity matrices over the last two axes (EYE_ROWS x EYE_COLUMNS), repeated over the leading axes.
OUT_T compute(int i) {
    int column = i % EYE_COLUMNS;
    bool diagonal = (i / EYE_COLUMNS) % EYE_ROWS == column;
#ifdef OUT_COMPLEX
    return vec2(diagonal ? 1.0 : 0.0, 0.0);
#else
    return OUT_T(diagonal);
#endif
}
