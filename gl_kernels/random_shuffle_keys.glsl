// RandomShuffle sort keys, two words per row: row r's 64-bit key is (word 0 << 32) | word 1 of Philox
// block r (needs philox.glsl).
int compute(int i) { return int(philox_block(uint(i >> 1), 0u)[i & 1]); }
