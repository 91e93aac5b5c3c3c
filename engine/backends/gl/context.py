"""Headless OpenGL contexts through EGL: the EGL device platform (NVIDIA, Mesa) or Mesa's surfaceless platform.

`PYOPENGL_PLATFORM=egl` must be set before the first `import OpenGL`; this module
sets it unless the process already chose a platform (e.g. Qt with xcb_egl).
"""
import ctypes
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import OpenGL  # noqa: E402
from OpenGL import EGL  # noqa: E402  (EGL needs PyOpenGL's error checking switched on while it loads)

# Per-call error checking multiplies the cost of every GL call; the runtime checks errors itself.
# PyOpenGL copies its flags at first import (EGL's above), so the copy is what GL functions consult.
from OpenGL import _configflags  # noqa: E402

_configflags.ERROR_CHECKING = OpenGL.ERROR_CHECKING = os.environ.get("GLIMMER_GL_DEBUG") == "1"
_configflags.ERROR_LOGGING = OpenGL.ERROR_LOGGING = False

EGL_PLATFORM_DEVICE_EXT = 0x313F
EGL_PLATFORM_SURFACELESS_MESA = 0x31DD
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swiftshader", "swrast", "lavapipe")

# Newest first: compute shaders need 4.3, the fragment path 3.3.
_VERSIONS = ((4, 6), (4, 5), (4, 3), (4, 1), (3, 3))


class GLContextError(RuntimeError):
    pass


class HeadlessContext:
    """An EGL display + OpenGL core context, current on the thread that calls `make_current`."""

    def __init__(self, display, context, version):
        self.display = display
        self.context = context
        self.version = version

    def make_current(self):
        if not EGL.eglMakeCurrent(self.display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, self.context):
            raise GLContextError(f"eglMakeCurrent failed (error 0x{EGL.eglGetError():x})")

    def release(self):
        EGL.eglMakeCurrent(self.display, EGL.EGL_NO_SURFACE, EGL.EGL_NO_SURFACE, EGL.EGL_NO_CONTEXT)
        EGL.eglDestroyContext(self.display, self.context)


def _displays():
    """Candidate EGL displays: every EGL device, then Mesa's surfaceless platform."""
    from OpenGL.EGL.EXT.platform_base import eglGetPlatformDisplayEXT
    candidates = []
    try:
        from OpenGL.EGL.EXT.device_enumeration import eglQueryDevicesEXT
        count = EGL.EGLint()
        if eglQueryDevicesEXT(0, None, ctypes.pointer(count)) and count.value:
            devices = (EGL.EGLDeviceEXT * count.value)()
            eglQueryDevicesEXT(count.value, devices, ctypes.pointer(count))
            for index in range(count.value):
                candidates.append((f"EGL device {index}", EGL_PLATFORM_DEVICE_EXT, devices[index]))
    except Exception:  # no device enumeration: fall through to surfaceless
        pass
    candidates.append(("Mesa surfaceless", EGL_PLATFORM_SURFACELESS_MESA, EGL.EGL_DEFAULT_DISPLAY))
    for label, platform, native in candidates:
        try:
            display = eglGetPlatformDisplayEXT(platform, native, None)
        except Exception:
            continue
        if display:
            yield label, display


def _create_on(display, min_version):
    major, minor = EGL.EGLint(), EGL.EGLint()
    if not EGL.eglInitialize(display, ctypes.pointer(major), ctypes.pointer(minor)):
        raise GLContextError("eglInitialize failed")
    attribs = (EGL.EGLint * 5)(EGL.EGL_SURFACE_TYPE, EGL.EGL_PBUFFER_BIT, EGL.EGL_RENDERABLE_TYPE, EGL.EGL_OPENGL_BIT,
                               EGL.EGL_NONE)
    config, found = EGL.EGLConfig(), EGL.EGLint()
    if not EGL.eglChooseConfig(display, attribs, ctypes.pointer(config), 1, ctypes.pointer(found)) or not found.value:
        raise GLContextError("no EGL config with desktop OpenGL")
    if not EGL.eglBindAPI(EGL.EGL_OPENGL_API):
        raise GLContextError("eglBindAPI(EGL_OPENGL_API) failed")
    for version in _VERSIONS:
        if version < min_version:
            break
        context_attribs = (EGL.EGLint * 7)(EGL.EGL_CONTEXT_MAJOR_VERSION, version[0], EGL.EGL_CONTEXT_MINOR_VERSION,
                                           version[1], EGL.EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                           EGL.EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL.EGL_NONE)
        try:
            context = EGL.eglCreateContext(display, config, EGL.EGL_NO_CONTEXT, context_attribs)
        except EGL.EGLError:  # this version is not offered; try the next older one
            continue
        if context:
            return HeadlessContext(display, context, version)
    raise GLContextError(f"no OpenGL core context of version >= {min_version[0]}.{min_version[1]}")


def create_headless_context(min_version=(3, 3), prefer_hardware=True):
    """The best headless context: a hardware GPU if one answers, else a software renderer.

    Returns (context, info) where info has vendor, renderer, version, software, display.
    """
    from OpenGL import GL
    failures, software = [], None
    for label, display in _displays():
        try:
            context = _create_on(display, min_version)
            context.make_current()
        except Exception as exc:
            failures.append(f"{label}: {exc}")
            continue
        info = {
            "vendor": GL.glGetString(GL.GL_VENDOR).decode(),
            "renderer": GL.glGetString(GL.GL_RENDERER).decode(),
            "version": GL.glGetString(GL.GL_VERSION).decode(),
            "display": label,
        }
        info["software"] = any(name in info["renderer"].lower() for name in SOFTWARE_RENDERERS)
        if not info["software"] or not prefer_hardware:
            return context, info
        if software is None:
            software = (context, info)
        else:
            context.release()
    if software is not None:
        software[0].make_current()
        return software
    raise GLContextError("no OpenGL context could be created: " + ("; ".join(failures) or "no EGL display"))
