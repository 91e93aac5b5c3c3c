// Softmax or log-softmax over the last axis in one pass. ROW_THREADS invocations own a row and a
// workgroup holds ROWS_PER_GROUP rows, so short rows do not leave most of a workgroup idle. A row is
// held in registers (PER_THREAD items an invocation, strided so neighbours load neighbouring items;
// an item is a vec4 when VEC4, i.e. rows of a multiple of 4 floats). Each invocation writes its part of
// the row's max, then of its sum of exp(x - max), to shared memory, and after one barrier reads all
// its row's parts itself: two barriers a row instead of a tree of them. Rows longer than 32 parts
// first halve their parts down to 32 in shared memory.
// A NaN makes the row's max NaN, as numpy's max does.
// Defines: ROWS, ROW_SIZE, ROW_THREADS (a power of two), ROWS_PER_GROUP, WG_SIZE (their product, a
// literal for the layout qualifier), PER_THREAD (items a thread), VEC4 (0/1), LOG_SOFTMAX (0/1).
layout(local_size_x = WG_SIZE) in;

#if VEC4
layout(std430, binding = 0) readonly restrict buffer x_vectors { uvec4 x_data4[]; };
layout(std430, binding = 1) writeonly restrict buffer out_vectors { uvec4 out_data4[]; };
#define ITEMS_PER_ROW (ROW_SIZE / 4)
#define Item vec4
Item load_item(int at) { return uintBitsToFloat(x_data4[at]); }
void store_item(int at, Item value) { out_data4[at] = floatBitsToUint(value); }
#else
#define ITEMS_PER_ROW ROW_SIZE
#define Item float
Item load_item(int at) { return uintBitsToFloat(x_data[at]); }
void store_item(int at, Item value) { out_data[at] = floatBitsToUint(value); }
#endif

const int MAX_PARTS = 0;
const int SUM_PARTS = WG_SIZE;
shared float parts[2 * WG_SIZE];   // the max parts, then the sum parts: no barrier between the two reductions

float max_or_nan(float a, float b) { return (a > b || isnan(a)) ? a : b; }

float combine(float a, float b, int reduction) { return reduction == MAX_PARTS ? max_or_nan(a, b) : a + b; }

float item_max(float value) { return value; }
float item_max(vec4 value) { return max_or_nan(max_or_nan(value.x, value.y), max_or_nan(value.z, value.w)); }
float item_sum(float value) { return value; }
float item_sum(vec4 value) { return (value.x + value.y) + (value.z + value.w); }

// Every invocation of the row gets the same result: they all combine the same parts in the same order.
float row_reduce(float value, int reduction, int t, int lane) {
    parts[reduction + t] = value;
    barrier();
#if ROW_THREADS > 32
    for (int stride = ROW_THREADS / 2; stride >= 32; stride >>= 1) {
        if (lane < stride) {
            parts[reduction + t] = combine(parts[reduction + t], parts[reduction + t + stride], reduction);
        }
        barrier();
    }
#endif
    int first = reduction + t - lane;
    float result = parts[first];
    for (int k = 1; k < min(ROW_THREADS, 32); ++k) result = combine(result, parts[first + k], reduction);
    return result;
}

void main() {
    int t = int(gl_LocalInvocationID.x);
    int lane = t % ROW_THREADS;
    int row = int(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS_PER_GROUP + t / ROW_THREADS;
    // Rows past the end still take part in the barriers; they load and store nothing.
    bool live = row < ROWS;
    int base = row * ITEMS_PER_ROW;
    const float negative_infinity = uintBitsToFloat(0xFF800000u);
    Item values[PER_THREAD];
    float top = negative_infinity;
    for (int j = 0; j < PER_THREAD; ++j) {
        int column = lane + j * ROW_THREADS;
        values[j] = live && column < ITEMS_PER_ROW ? load_item(base + column) : Item(negative_infinity);
        top = max_or_nan(top, item_max(values[j]));
    }
    top = row_reduce(top, MAX_PARTS, t, lane);
    float total = 0.0;
    for (int j = 0; j < PER_THREAD; ++j) {
        if (lane + j * ROW_THREADS < ITEMS_PER_ROW) total += item_sum(exp(values[j] - top));
    }
    total = row_reduce(total, SUM_PARTS, t, lane);
    if (!live) return;
    for (int j = 0; j < PER_THREAD; ++j) {
        int column = lane + j * ROW_THREADS;
        if (column >= ITEMS_PER_ROW) break;
#if LOG_SOFTMAX
        store_item(base + column, values[j] - top - log(total));
#else
        store_item(base + column, exp(values[j] - top) / total);
#endif
    }
}
