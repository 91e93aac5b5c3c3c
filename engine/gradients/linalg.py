"""Gradients of the linear algebra kernels."""
from ..ops.binary import multiply
from ..ops.linalg import matmul
from ..ops.shape import reshape
from ..ops.unary import conj
from .core import unbroadcast
from .registry import register_gradient


@register_gradient("BatchMatMul")
def _batch_matmul_grad(op, dy):
    # The kernel computes op_a(a) @ op_b(b) with op_x a plain transpose or nothing; conj() makes the
    # same formulas right for complex operands (it is the identity on real ones).
    # An input connected to nothing the tape watches (a first Dense layer's data) gets no product at all.
    a, b = op.inputs
    wants_a, wants_b = op.needs_gradient
    flip_a, flip_b = op.attrs["transpose_a"], op.attrs["transpose_b"]
    grad_a = grad_b = None
    if wants_a:
        b_conj = conj(b)
        if flip_a:
            grad_a = unbroadcast(matmul(b_conj, dy, transpose_a=flip_b, transpose_b=True), a.shape)
        else:
            grad_a = unbroadcast(matmul(dy, b_conj, transpose_b=not flip_b), a.shape)
    if wants_b:
        a_conj = conj(a)
        if flip_b:
            grad_b = unbroadcast(matmul(dy, a_conj, transpose_a=True, transpose_b=flip_a), b.shape)
        else:
            grad_b = unbroadcast(matmul(a_conj, dy, transpose_a=not flip_a), b.shape)
    return grad_a, grad_b


@register_gradient("SpectralNorm")
def _spectral_norm_grad(op, dnorm, dleft, dright):
    # d sigma_max / dA = u v^T. The singular vectors are not outputs of any public op, so dleft and
    # dright are always zero; they are treated as constants (exact first derivatives only).
    _, left, right = op.outputs
    outer = multiply(reshape(left, left.shape + (1,)), reshape(right, right.shape[:-1] + (1, right.shape[-1])))
    return multiply(outer, reshape(dnorm, dnorm.shape + (1, 1)))
