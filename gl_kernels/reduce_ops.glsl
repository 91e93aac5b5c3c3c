// The accumulators of reduce.glsl, chosen by an OP_* define.
#ifdef OP_SUM
#define ACC_T OUT_T
#define REDUCE_INIT OUT_T(0)
#define REDUCE_OP(acc, v) ((acc) + (v))
#define REDUCE_FINISH(acc, n) (acc)
#endif
