// CropAndResize: x is the image [B, H, W, C], y the sampling positions [boxes, CROP_H + CROP_W]
// in input pixels (each box's rows, then its columns, as the cpu kernel computes them), z the
// box indices [boxes]. Output [boxes, CROP_H, CROP_W, C]; samples outside the image take the
// uniform `extrapolation`.

float compute(int i) {
    int box = out_coord(i, 0);
    float ys = y_get(box * y_shape[1] + out_coord(i, 1));
    float xs = y_get(box * y_shape[1] + out_shape[1] + out_coord(i, 2));
    if (!(ys >= 0.0 && ys <= float(x_shape[1] - 1) && xs >= 0.0 && xs <= float(x_shape[2] - 1))) {
        return extrapolation;
    }
    int base = z_get(box) * x_strides[0] + out_coord(i, 3);
#ifdef METHOD_NEAREST
    // roundf: half away from zero (positions inside the image are non-negative).
    return float(x_get(base + int(floor(ys + 0.5)) * x_strides[1] + int(floor(xs + 0.5)) * x_strides[2]));
#else
    float top = floor(ys), left = floor(xs);
    float y_lerp = ys - top, x_lerp = xs - left;
    int row0 = int(top) * x_strides[1], row1 = int(ceil(ys)) * x_strides[1];
    int col0 = int(left) * x_strides[2], col1 = int(ceil(xs)) * x_strides[2];
    float acc = float(x_get(base + row0 + col0)) * ((1.0 - y_lerp) * (1.0 - x_lerp));
    acc += float(x_get(base + row0 + col1)) * ((1.0 - y_lerp) * x_lerp);
    acc += float(x_get(base + row1 + col0)) * (y_lerp * (1.0 - x_lerp));
    acc += float(x_get(base + row1 + col1)) * (y_lerp * x_lerp);
    return acc;
#endif
}
