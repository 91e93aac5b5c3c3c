"""TensorShape: a tuple of ints with TF's helper methods."""
import math


class TensorShape(tuple):
    __slots__ = ()

    @property
    def rank(self):
        return len(self)

    @property
    def ndims(self):
        return len(self)

    def as_list(self):
        return list(self)

    def num_elements(self):
        return math.prod(self)

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return TensorShape(result) if isinstance(item, slice) else result
