"""The GL calls made for every op, bound so that they keep holding the GIL.

PyOpenGL (like any ctypes call) releases the GIL around each GL function. An op
costs the GL thread a dozen such calls, and each release lets the thread that
issues ops grab the GIL, so every call became a hand-off between two threads
(about 60 us an op on an H100 host, where the calls themselves take a few). The
calls below return at once (they queue work, bind state or poll a fence), so
holding the GIL through them costs nothing; calls that can block (glFinish,
readbacks, large uploads) stay on PyOpenGL and release it. Small uploads (a training batch, a
camera frame) copy in microseconds and come once or twice a step, where PyOpenGL's wrapper cost
tens: they are hot too.
"""
import ctypes
from ctypes import POINTER, c_float, c_int, c_uint, c_uint64, c_void_p, c_ssize_t

from ...errors import BackendError

_SIGNATURES = {
    "glUseProgram": (None, c_uint),
    "glBindBufferBase": (None, c_uint, c_uint, c_uint),
    "glBindBufferRange": (None, c_uint, c_uint, c_uint, c_ssize_t, c_ssize_t),
    "glBindBuffersBase": (None, c_uint, c_uint, c_int, POINTER(c_uint)),
    "glBindBuffer": (None, c_uint, c_uint),
    "glBufferSubData": (None, c_uint, c_ssize_t, c_ssize_t, c_void_p),
    "glUniform1f": (None, c_int, c_float),
    "glUniform1i": (None, c_int, c_int),
    "glUniform1ui": (None, c_int, c_uint),
    "glDispatchCompute": (None, c_uint, c_uint, c_uint),
    "glMemoryBarrier": (None, c_uint),
    "glFenceSync": (c_void_p, c_uint, c_uint),
    "glDeleteSync": (None, c_void_p),
    "glClientWaitSync": (c_uint, c_void_p, c_uint, c_uint64),
    "glFlush": (None,),
    "glBindFramebuffer": (None, c_uint, c_uint),
    "glFramebufferTexture2D": (None, c_uint, c_uint, c_uint, c_uint, c_int),
    "glViewport": (None, c_int, c_int, c_int, c_int),
    "glActiveTexture": (None, c_uint),
    "glBindTexture": (None, c_uint, c_uint),
    "glBindVertexArray": (None, c_uint),
    "glDrawArrays": (None, c_uint, c_int, c_int),
}
# Functions that only newer contexts have (a 3.3 context, the fragment path, lacks the compute ones); on an
# older context the attribute is None.
_SINCE = {"glDispatchCompute": (4, 3), "glMemoryBarrier": (4, 3), "glBindBuffersBase": (4, 4)}


class HotCalls:
    """Attributes named like the GL functions, resolved through eglGetProcAddress on the GL thread."""

    def __init__(self, get_proc_address, version):
        for name, (result, *arguments) in _SIGNATURES.items():
            if version < _SINCE.get(name, (0, 0)):
                setattr(self, name, None)
                continue
            address = get_proc_address(name.encode())
            if not address:
                raise BackendError(f"the GL driver does not provide {name}")
            setattr(self, name, ctypes.PYFUNCTYPE(result, *arguments)(address))
