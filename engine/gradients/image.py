"""Gradients of the image kernels: each resize and crop is linear in the image, so its gradient is its adjoint."""
from ..ops.image import crop_and_resize_boxes, crop_and_resize_grad_image, resize_grad, resize_kernel
from .registry import register_gradient


def _resize_image_grad(adjoint):
    def gradient(op, dy):
        image = op.inputs[0]
        if not image.dtype.is_floating:
            return None
        return resize_grad(adjoint, dy, image)
    return gradient


def _resize_adjoint_grad(forward):
    def gradient(op, ddx):
        return resize_kernel(forward, ddx, op.inputs[0].shape[1:3])
    return gradient


for _forward, _adjoint in (("ResizeBilinear", "ResizeBilinearGrad"),
                           ("ResizeNearestNeighbor", "ResizeNearestNeighborGrad"),
                           ("ScaleAndTranslate", "ScaleAndTranslateGrad")):
    register_gradient(_forward)(_resize_image_grad(_adjoint))
    register_gradient(_adjoint)(_resize_adjoint_grad(_forward))


@register_gradient("CropAndResize")
def _crop_and_resize_grad(op, dy):
    image, boxes, box_indices = op.inputs
    if not image.dtype.is_floating:
        return None, None, None
    return crop_and_resize_grad_image(dy, boxes, box_indices, image, op.attrs["method"]), None, None


@register_gradient("CropAndResizeGradImage")
def _crop_and_resize_grad_image_grad(op, ddx):
    grads, boxes, box_indices = op.inputs
    return crop_and_resize_boxes(ddx, boxes, box_indices, grads.shape[1:3], op.attrs["method"]), None, None
