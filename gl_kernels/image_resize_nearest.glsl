// ResizeNearestNeighbor: a gather of x [N, H, W, C] into [N, OUT_H, OUT_W, C], keeping the dtype.
// Needs image_spans.glsl (nearest_index). Uniforms: row_scale = float32(H) / float32(OUT_H),
// col_scale = float32(W) / float32(OUT_W).

OUT_T compute(int i) {
    int row = nearest_index(out_coord(i, 1), row_scale, x_shape[1]);
    int col = nearest_index(out_coord(i, 2), col_scale, x_shape[2]);
    return x_get(out_coord(i, 0) * x_strides[0] + row * x_strides[1] + col * x_strides[2] + out_coord(i, 3));
}
