// Every element is the uniform float `value` (ZerosLike, OnesLike, Fill); the runtime declares it.
OUT_T compute(int i) { return OUT_T(value); }
