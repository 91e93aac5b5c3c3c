// RandomUniformInt: (int_low + word % int_range) mod 2**32 of random word i (needs philox.glsl);
// int_range 0 stands for 2**32, where the word itself is the offset.
int compute(int i) {
    uint word = random_word(i);
    return int((int_range == 0u ? word : word % int_range) + int_low);
}
