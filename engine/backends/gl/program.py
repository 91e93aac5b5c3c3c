"""Programs: a kernel's GLSL `compute(i)` body wrapped into a compute or a fragment shader.

A kernel is written once, as a function that returns output element `i`:

    float compute(int i) { return exp(x_get(i)); }

against accessors the runtime generates for every input `x`:
`x_get(i)` (typed by dtype: float, int, bool, or vec2 for complex64),
`x_bcast(i)` (the flat index of x that broadcasts to output element i),
constants `x_SIZE`, `x_shape[k]`, `x_strides[k]`, and for the output
`OUT_SIZE`, `out_shape[k]`, `out_strides[k]`, `out_coord(i, axis)`.
Every tensor lives in GPU memory as 32-bit words (float32 bits, int32, bool as
0/1, complex64 as two words, float16 widened to float32), so both paths read
and write identical layouts.
"""
import math
import os

from ...dtypes import bool_, complex64, float16, int32

KERNEL_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                          "gl_kernels")
LOCAL_SIZE = 256
TEXTURE_WIDTH = 2048        # texels per row of a fragment-path tensor texture

_LIBRARIES = {}


def library(name):
    """The text of gl_kernels/<name> (cached)."""
    text = _LIBRARIES.get(name)
    if text is None:
        with open(os.path.join(KERNEL_DIR, name), encoding="utf-8") as handle:
            text = handle.read()
        _LIBRARIES[name] = text
    return text


def glsl_type(dtype):
    if dtype is complex64:
        return "vec2"
    if dtype is int32:
        return "int"
    if dtype is bool_:
        return "bool"
    return "float"


def words_per_element(dtype):
    return 2 if dtype is complex64 else 1


def strides_of(shape):
    strides, running = [], 1
    for d in reversed(shape):
        strides.append(running)
        running *= d
    return tuple(reversed(strides))


MAX_TEXTURE_SIZE = 16384   # set by the runtime from GL_MAX_TEXTURE_SIZE


def texture_extent(words):
    """(width, height) in RGBA texels of a fragment-path texture holding `words` 32-bit words.

    Rows are TEXTURE_WIDTH texels wide; tensors too big for that many rows get wider rows.
    """
    texels = max(1, -(-words // 4))
    width = min(texels, TEXTURE_WIDTH)
    if -(-texels // width) > MAX_TEXTURE_SIZE:
        width = min(-(-texels // MAX_TEXTURE_SIZE), MAX_TEXTURE_SIZE)
    return width, -(-texels // width)


_DEFAULT_INPUT_NAMES = tuple(tuple("xyzwuvpq"[:count]) for count in range(9))
# GL guarantees at least this many workgroups along each axis of a dispatch.
MAX_GROUPS_PER_AXIS = 65535


def dispatch_grid(groups):
    """(x, y, 1) workgroups, at least `groups` of them, for a shader that numbers its workgroups
    gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x."""
    width = min(groups, MAX_GROUPS_PER_AXIS)
    return width, -(-groups // width), 1


class ProgramSpec:
    """What a kernel asks the runtime to run: one output, computed element by element.

    `libraries` are gl_kernels files (one of them defines `compute(int i)`);
    `defines` are compile-time macros (part of the cache key), e.g. which
    function of a family file to apply; `uniforms` maps a name to
    (glsl type, value) and may change on every call without recompiling.
    `elementwise=True` promises that compute(i) reads each input only at
    `<name>_bcast(i)`; the compute path then moves 4 elements per thread with
    128-bit loads and stores.
    """

    __slots__ = ("inputs", "input_names", "out_shape", "out_dtype", "libraries", "defines", "uniforms",
                 "elementwise", "key")
    extra_outputs = ()   # one output each (see ComputeSpec)

    def __init__(self, inputs, out_shape, out_dtype, libraries=(), defines=None, uniforms=None,
                 input_names=None, elementwise=False):
        self.inputs = inputs = list(inputs)
        self.input_names = tuple(input_names) if input_names else _DEFAULT_INPUT_NAMES[len(inputs)]
        self.out_shape = tuple(out_shape)
        self.out_dtype = out_dtype
        self.libraries = tuple(libraries)
        self.defines = tuple(sorted(defines.items())) if defines else ()
        self.uniforms = uniforms = uniforms or {}
        self.elementwise = elementwise
        # Built on every eager op: dtypes enter by name (a DType hashes and compares in Python, a str in C).
        self.key = (self.libraries, self.defines, self.input_names, self.out_shape, out_dtype.name, elementwise,
                    tuple([(t.shape, t.dtype.name) for t in inputs]),
                    tuple([(name, u[0]) for name, u in sorted(uniforms.items())]) if uniforms else ())


class ComputeSpec:
    """A hand-written compute shader for the compute path (tuned matmul, convolution...).

    `source` is a gl_kernels file with its own `main()` and local size; inputs
    are bound as readonly `uint` SSBOs at bindings 0..n-1 named `<name>_data`,
    the output at binding n as `out_data`; `groups` is the dispatch size.
    `extra_outputs` ((shape, dtype) each) are written to `out1_data`, `out2_data`...
    in the same dispatch (several results computed from the same reads).
    The runtime prepends `#version 430`, the defines and the uniform declarations.
    """

    __slots__ = ("source", "inputs", "input_names", "out_shape", "out_dtype", "defines", "uniforms", "groups",
                 "libraries", "epilogue_inputs", "extra_outputs", "key")

    def __init__(self, source, inputs, out_shape, out_dtype, groups, defines=None, uniforms=None, input_names=None,
                 libraries=(), epilogue_inputs=0, extra_outputs=()):
        self.source = source
        self.inputs = list(inputs)
        self.input_names = tuple(input_names) if input_names else _DEFAULT_INPUT_NAMES[len(self.inputs)]
        self.out_shape = tuple(out_shape)
        self.out_dtype = out_dtype
        self.groups = tuple(groups)
        self.defines = tuple(sorted((defines or {}).items()))
        self.uniforms = uniforms or {}
        self.libraries = tuple(libraries)         # gl_kernels files included before the source (epilogue functions)
        self.epilogue_inputs = epilogue_inputs    # the last inputs feed epilogue(), bound after the output
        self.extra_outputs = tuple((tuple(shape), dtype) for shape, dtype in extra_outputs)
        self.key = (source, self.defines, self.input_names, tuple(name for name in sorted(self.uniforms)),
                    self.libraries, epilogue_inputs, len(self.extra_outputs))

    def main_input_count(self):
        return len(self.inputs) - self.epilogue_inputs


def compute_spec_layout(spec):
    """(binding, parts) of each input, then of the output and of any extra outputs: epilogue inputs come
    after the output, whose binding the hand-written shaders fix at the number of their own inputs, and
    extra outputs after those."""
    main = spec.main_input_count()
    extras = main + 1 + spec.epilogue_inputs
    return ([(index, 1) for index in range(main)] + [(main + 1 + k, 1) for k in range(spec.epilogue_inputs)]
            + [(main, 1)] + [(extras + k, 1) for k in range(len(spec.extra_outputs))])


def raw_compute_source(spec):
    layout = compute_spec_layout(spec)
    bindings = "".join(f"layout(std430, binding = {binding}) readonly restrict buffer {name}_buffer "
                       f"{{ uint {name}_data[]; }};\n" for (binding, _), name in zip(layout, spec.input_names))
    bindings += "".join(f"uint {name}_word(int w) {{ return {name}_data[w]; }}\n"
                        for name in spec.input_names[spec.main_input_count():])
    return ("#version 430\n"
            + "".join(f"#define {name} {value}\n" for name, value in spec.defines)
            + "".join(f"uniform {kind} {name};\n" for name, (kind, _) in sorted(spec.uniforms.items()))
            + bindings
            + "".join(f"layout(std430, binding = {binding}) writeonly restrict buffer out{k or ''}_buffer "
                      f"{{ uint out{k or ''}_data[]; }};\n"
                      for k, (binding, _) in enumerate(layout[len(spec.inputs):]))
            + "".join(library(name) + "\n" for name in spec.libraries + ("epilogue.glsl",))
            + library(spec.source))


def _int_array(name, values):
    if not values:
        return ""
    return f"const int {name}[{len(values)}] = int[{len(values)}]({', '.join(str(int(v)) for v in values)});\n"


def _bcast_function(name, in_shape, out_shape):
    """GLSL mapping an output flat index to the broadcast input's flat index ("" if x does not broadcast)."""
    lead = len(out_shape) - len(in_shape)
    if lead < 0 or any(d not in (1, out_shape[lead + k]) for k, d in enumerate(in_shape)):
        return ""
    if tuple(in_shape) == tuple(out_shape):
        return f"int {name}_bcast(int i) {{ return i; }}\n"
    if math.prod(in_shape) == 1:
        return f"int {name}_bcast(int i) {{ return 0; }}\n"
    out_strides = strides_of(out_shape)
    in_strides = strides_of(in_shape)
    terms = []
    for axis, size in enumerate(in_shape):
        out_axis = axis + lead
        if size == 1:
            continue
        terms.append(f"((i / {out_strides[out_axis]}) % {out_shape[out_axis]}) * {in_strides[axis]}")
    return f"int {name}_bcast(int i) {{ return {' + '.join(terms) or '0'}; }}\n"


def _typed_getter(name, dtype):
    if dtype is complex64:
        return (f"vec2 {name}_get(int i) {{ return vec2(uintBitsToFloat({name}_word(2 * i)), "
                f"uintBitsToFloat({name}_word(2 * i + 1))); }}\n")
    if dtype is int32:
        return f"int {name}_get(int i) {{ return int({name}_word(i)); }}\n"
    if dtype is bool_:
        return f"bool {name}_get(int i) {{ return {name}_word(i) != 0u; }}\n"
    return f"float {name}_get(int i) {{ return uintBitsToFloat({name}_word(i)); }}\n"


def _common(spec):
    parts = [f"#define {name} {value}\n" for name, value in spec.defines]
    parts.append(f"#define OUT_T {glsl_type(spec.out_dtype)}\n")
    for name, (kind, _) in sorted(spec.uniforms.items()):
        parts.append(f"uniform {kind} {name};\n")
    for name, tensor in zip(spec.input_names, spec.inputs):
        shape = tuple(tensor.shape)
        parts.append(f"#define {name.upper()}_T {glsl_type(tensor.dtype)}\n")
        parts.append(f"const int {name}_SIZE = {math.prod(shape)};\n")
        parts.append(_int_array(f"{name}_shape", shape))
        parts.append(_int_array(f"{name}_strides", strides_of(shape)))
        parts.append(_typed_getter(name, tensor.dtype))
        parts.append(_bcast_function(name, shape, spec.out_shape))
    out = spec.out_shape
    parts.append(f"const int OUT_SIZE = {math.prod(out)};\n")
    parts.append(_int_array("out_shape", out))
    parts.append(_int_array("out_strides", strides_of(out)))
    if out:
        parts.append("int out_coord(int i, int axis) { return (i / out_strides[axis]) % out_shape[axis]; }\n")
    for lib in spec.libraries:
        parts.append(library(lib))
        parts.append("\n")
    return "".join(parts)


def _store_words(dtype):
    """GLSL expression(s) turning `v` (the compute() result) into 32-bit words."""
    if dtype is complex64:
        return ("floatBitsToUint(v.x)", "floatBitsToUint(v.y)")
    if dtype is int32:
        return ("uint(v)",)
    if dtype is bool_:
        return ("(v ? 1u : 0u)",)
    if dtype is float16:
        return ("floatBitsToUint(round_to_half(v))",)
    return ("floatBitsToUint(v)",)


# float16 results are rounded to half precision (round to nearest even) and stored widened.
_ROUND_TO_HALF = """
float round_to_half(float v) {
    uint bits = floatBitsToUint(v);
    uint sign = bits & 0x80000000u;
    float a = abs(v);
    if (isnan(v) || isinf(v)) return v;
    if (a >= 65520.0) return uintBitsToFloat(sign | 0x7f800000u);
    if (a < 6.103515625e-05) {                      // subnormal half: a multiple of 2^-24
        float q = a * 16777216.0;
        return uintBitsToFloat(sign | floatBitsToUint((q - floor(q) == 0.5 ? 2.0 * floor(q * 0.5 + 0.25) : floor(q + 0.5)) / 16777216.0));
    }
    uint m = floatBitsToUint(a);
    uint rest = m & 0x1fffu;
    m &= ~0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (m & 0x2000u) != 0u)) m += 0x2000u;
    return uintBitsToFloat(sign | m);
}
"""


# One SSBO binding may cover at most GL_MAX_SHADER_STORAGE_BLOCK_SIZE bytes (128 MiB on
# llvmpipe): a larger tensor is bound as several consecutive ranges ("parts") of its
# buffer, and its word accessor picks the part. Set by the runtime from the driver's limit.
PART_WORDS = 1 << 25


def parts_of(words):
    return max(1, -(-words // PART_WORDS))


def binding_layout(spec):
    """(first binding, parts) for each input and then the output, in binding order."""
    layout, binding = [], 0
    for tensor in spec.inputs:
        parts = parts_of(math.prod(tensor.shape) * words_per_element(tensor.dtype))
        layout.append((binding, parts))
        binding += parts
    layout.append((binding, parts_of(math.prod(spec.out_shape) * words_per_element(spec.out_dtype))))
    return layout


def vectorized(spec):
    """Whether the compute path runs this spec 4 elements per thread with 128-bit accesses."""
    size = math.prod(spec.out_shape)
    return (spec.elementwise and size % 4 == 0 and size > 0 and spec.out_dtype is not complex64
            and all(t.dtype is not complex64 for t in spec.inputs)
            and all(parts == 1 for _, parts in binding_layout(spec)))


def _parted_access(name, first, parts, qualifier):
    """Declarations of a tensor's SSBO parts, and `<name>_word(w)` / `<name>_set(w, v)` over them."""
    shift = PART_WORDS.bit_length() - 1
    blocks = "".join(f"layout(std430, binding = {first + p}) {qualifier} restrict buffer {name}_buffer{p} "
                     f"{{ uint {name}_data{p}[]; }};\n" for p in range(parts))
    if qualifier == "readonly":
        chain = " ".join(f"if (part == {p}) return {name}_data{p}[w & {PART_WORDS - 1}];" for p in range(parts - 1))
        return blocks + (f"uint {name}_word(int w) {{ int part = w >> {shift}; {chain} "
                         f"return {name}_data{parts - 1}[w & {PART_WORDS - 1}]; }}\n")
    chain = " else ".join(f"if (part == {p}) {name}_data{p}[w & {PART_WORDS - 1}] = v;" for p in range(parts))
    return blocks + f"void {name}_set(int w, uint v) {{ int part = w >> {shift}; {chain} }}\n"


def _result(spec):
    """The GLSL expression for output element `i`: compute(i), passed through epilogue.glsl where a replay
    fused the dispatches reading it into this program (engine/backends/gl/fusion.py)."""
    if "epilogue.glsl" in spec.libraries:
        return lambda i: f"epilogue(compute({i}), {i})"
    return lambda i: f"compute({i})"


def compute_source(spec):
    result = _result(spec)
    vector = vectorized(spec)
    size = math.prod(spec.out_shape)
    layout = binding_layout(spec)
    bindings = []
    for (first, parts), name, tensor in zip(layout, spec.input_names, spec.inputs):
        if parts > 1:
            bindings.append(_parted_access(name, first, parts, "readonly"))
            continue
        if vector and math.prod(tensor.shape) == size:
            # An elementwise compute(i) reads a full-size input only at element i: the word of the
            # element being computed, loaded with its three neighbours in one 128-bit access. Indexing
            # the loaded vector by `w` instead would be dynamic indexing, which drivers spill to memory.
            bindings.append(f"layout(std430, binding = {first}) readonly restrict buffer {name}_vectors "
                            f"{{ uvec4 {name}_data4[]; }};\n"
                            f"uint {name}_current;\n"
                            f"uint {name}_word(int w) {{ return {name}_current; }}\n")
        else:
            bindings.append(f"layout(std430, binding = {first}) readonly restrict buffer {name}_buffer "
                            f"{{ uint {name}_data[]; }};\n"
                            f"uint {name}_word(int w) {{ return {name}_data[w]; }}\n")
    out_binding, out_parts = layout[-1]
    stores = _store_words(spec.out_dtype)
    index = f"int(gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * {LOCAL_SIZE}u) + gl_GlobalInvocationID.x)"
    if vector:
        full_size = [name for name, tensor in zip(spec.input_names, spec.inputs) if math.prod(tensor.shape) == size]
        lanes = []
        for lane, component in enumerate("xyzw"):
            lanes.append("".join(f"    {name}_current = {name}_quad.{component};\n" for name in full_size)
                         + f"    v = {result(f'4 * q + {lane}')};\n"
                         + f"    words.{component} = {stores[0]};\n")
        main = ("void main() {\n"
                f"    int q = {index};\n"
                "    if (4 * q >= OUT_SIZE) return;\n"
                + "".join(f"    uvec4 {name}_quad = {name}_data4[q];\n" for name in full_size)
                + "    uvec4 words;\n"
                f"    {glsl_type(spec.out_dtype)} v;\n"
                + "".join(lanes)
                + "    out_data4[q] = words;\n"
                "}\n")
        out_block = (f"layout(std430, binding = {out_binding}) writeonly restrict buffer out_vectors "
                     "{ uvec4 out_data4[]; };\n")
    else:
        if out_parts > 1:
            out_block = _parted_access("out", out_binding, out_parts, "writeonly")
        else:
            out_block = (f"layout(std430, binding = {out_binding}) writeonly restrict buffer out_buffer "
                         "{ uint out_data[]; };\nvoid out_set(int w, uint v) { out_data[w] = v; }\n")
        store = f"out_set(i, {stores[0]});" if len(stores) == 1 else \
            f"out_set(2 * i, {stores[0]}); out_set(2 * i + 1, {stores[1]});"
        main = ("void main() {\n"
                f"    int i = {index};\n"
                "    if (i >= OUT_SIZE) return;\n"
                f"    {glsl_type(spec.out_dtype)} v = {result('i')};\n"
                f"    {store}\n"
                "}\n")
    return ("#version 430\n"
            f"layout(local_size_x = {LOCAL_SIZE}) in;\n"
            + out_block
            + "".join(bindings)
            + (_ROUND_TO_HALF if spec.out_dtype is float16 else "")
            + _common(spec)
            + main)


VERTEX_SOURCE = """#version 330 core
void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
"""


def fragment_source(spec):
    result = _result(spec)
    samplers = []
    for name, tensor in zip(spec.input_names, spec.inputs):
        width, _ = texture_extent(math.prod(tensor.shape) * words_per_element(tensor.dtype))
        samplers.append(f"uniform usampler2D {name}_tex;\n"
                        f"uvec4 {name}_texel(int t) {{ return texelFetch({name}_tex, ivec2(t % {width}, t / {width}), "
                        f"0); }}\n"
                        f"uint {name}_word(int w) {{ return {name}_texel(w >> 2)[w & 3]; }}\n")
    out_words = math.prod(spec.out_shape) * words_per_element(spec.out_dtype)
    width, _ = texture_extent(out_words)
    stores = _store_words(spec.out_dtype)
    if "COMPUTE_TEXEL" in dict(spec.defines):
        # The program computes a texel's four float32 elements together (`vec4 compute_texel(int first)`),
        # reading whole input texels with `<name>_texel(t)`: a quarter of the fetches of four compute() calls.
        body = "    words = floatBitsToUint(compute_texel(texel * 4));\n"
    elif len(stores) == 1:
        body = ("    for (int c = 0; c < 4; ++c) {\n"
                "        int i = texel * 4 + c;\n"
                "        if (i >= OUT_SIZE) break;\n"
                f"        {glsl_type(spec.out_dtype)} v = {result('i')};\n"
                f"        words[c] = {stores[0]};\n"
                "    }\n")
    else:
        body = ("    for (int c = 0; c < 2; ++c) {\n"
                "        int i = texel * 2 + c;\n"
                "        if (i >= OUT_SIZE) break;\n"
                f"        {glsl_type(spec.out_dtype)} v = {result('i')};\n"
                f"        words[2 * c] = {stores[0]}; words[2 * c + 1] = {stores[1]};\n"
                "    }\n")
    return (
        "#version 330 core\n"
        + "".join(samplers)
        + "out uvec4 glimmer_out;\n"
        + (_ROUND_TO_HALF if spec.out_dtype is float16 else "")
        + _common(spec)
        + "void main() {\n"
        f"    int texel = int(gl_FragCoord.y) * {width} + int(gl_FragCoord.x);\n"
        "    uvec4 words = uvec4(0u);\n"
        + body
        + "    glimmer_out = words;\n"
        "}\n"
    )
