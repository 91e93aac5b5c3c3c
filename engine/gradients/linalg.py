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
    a, b = op.inputs
    flip_a, flip_b = op.attrs["transpose_a"], op.attrs["transpose_b"]
    a_conj, b_conj = conj(a), conj(b)
    if flip_a:
        grad_a = matmul(b_conj, dy, transpose_a=flip_b, transpose_b=True)
    else:
        grad_a = matmul(dy, b_conj, transpose_b=not flip_b)
    if flip_b:
        grad_b = matmul(dy, a_conj, transpose_a=True, transpose_b=flip_a)
    else:
        grad_b = matmul(a_conj, dy, transpose_a=not flip_a)
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)


@register_gradient("SpectralNorm")
def _spectral_norm_grad(op, dnorm, dleft, dright):
    # d sigma_max / dA = u v^T. The singular vectors are not outputs of any public op, so dleft and
    # dright are always zero; they are treated as constants (exact first derivatives only).
    _, left, right = op.outputs
    outer = multiply(reshape(left, left.shape + (1,)), reshape(right, right.shape[:-1] + (1, right.shape[-1])))
    return multiply(outer, reshape(dnorm, dnorm.shape + (1, 1)))
