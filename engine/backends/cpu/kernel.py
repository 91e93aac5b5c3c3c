"""`@cpu_kernel("Name")`: register a numpy function as the cpu backend's kernel.

A kernel takes the inputs' numpy arrays positionally and the attrs as keyword
arguments, and returns one array or a tuple of arrays, each of an engine
storage dtype (float32, float16, int32, bool, complex64).
"""
KERNELS = {}


def cpu_kernel(name):
    def decorator(fn):
        if name in KERNELS:
            raise RuntimeError(f"cpu kernel {name!r} is registered twice")
        KERNELS[name] = fn
        return fn
    return decorator
