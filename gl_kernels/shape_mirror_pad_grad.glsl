// One axis of MirrorPadGrad: dy x is viewed as [outer, BEFORE + LENGTH + AFTER, INNER] and the output as
// [outer, LENGTH, INNER]. Interior element c gets its own gradient plus those of its mirror images in the
// before and after borders (MIRROR_EDGE 1 for REFLECT, 0 for SYMMETRIC), added in the cpu kernel's order.
OUT_T compute(int i) {
    int outer = i / (LENGTH * INNER);
    int rest = i - outer * (LENGTH * INNER);
    int c = rest / INNER;
    int base = outer * ((BEFORE + LENGTH + AFTER) * INNER) + (rest - c * INNER);
    OUT_T sum = x_get(base + (BEFORE + c) * INNER);
    int before_image = BEFORE - 1 + MIRROR_EDGE - c;
    if (before_image >= 0 && before_image < BEFORE) sum += x_get(base + before_image * INNER);
    int after_image = LENGTH - 1 - MIRROR_EDGE - c;
    if (after_image >= 0 && after_image < AFTER) sum += x_get(base + (BEFORE + LENGTH + after_image) * INNER);
    return sum;
}
