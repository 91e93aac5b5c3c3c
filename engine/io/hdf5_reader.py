"""A small, strict reader for the HDF5 files Keras writes (h5py's default "earliest" layout).

Why not h5py for reading: the HDF5 C library can hang or crash on a damaged file (seen with
single flipped bytes), and a model file is untrusted input. This reader parses the subset that
Keras, tf_keras and h5py's defaults produce: superblock v0/v1, version 1 object headers with
continuation blocks, groups as symbol tables (v1 B-tree + local heap), contiguous and compact
datasets, and attributes of numbers, fixed-length strings and variable-length strings (global
heap). Every offset and length is bounds-checked, every walk is depth- and count-limited, and
anything outside the subset raises ModelFormatError naming the file; writing stays with h5py.
"""
import math

import numpy as np

from ..errors import ModelFormatError

__all__ = ["H5File", "H5Group", "H5Dataset", "HDF5_SIGNATURE", "is_hdf5"]

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_DEPTH = 64            # nested groups and B-tree levels
_MAX_MESSAGES = 100_000    # header messages of one object, continuation blocks included
_MAX_ELEMENTS = 1 << 31    # elements of one dataset or attribute
_UNDEFINED = 0xFFFFFFFFFFFFFFFF

# Message types of the subset.
_DATASPACE, _DATATYPE, _LAYOUT, _ATTRIBUTE, _CONTINUATION, _SYMBOL_TABLE = 0x1, 0x3, 0x8, 0xC, 0x10, 0x11
_LINK_INFO, _LINK, _ATTRIBUTE_INFO = 0x2, 0x6, 0x15


def is_hdf5(data):
    return data[:8] == HDF5_SIGNATURE


class _Reader:
    """Bounds-checked little-endian reads from the file's bytes."""

    def __init__(self, data, source):
        self.data = data
        self.source = source

    def fail(self, message):
        raise ModelFormatError(f"{self.source}: damaged or unsupported HDF5 file: {message}")

    def bytes(self, offset, size):
        if offset < 0 or size < 0 or offset + size > len(self.data):
            self.fail(f"a structure at byte {offset} (+{size}) lies past the end of the file ({len(self.data)} bytes)")
        return self.data[offset:offset + size]

    def uint(self, offset, size):
        return int.from_bytes(self.bytes(offset, size), "little")

    def signature(self, offset, expected):
        if self.bytes(offset, len(expected)) != expected:
            self.fail(f"expected {expected!r} at byte {offset}")


class H5File:
    """An HDF5 file held in memory; `root` is its root group."""

    def __init__(self, data, source):
        data = bytes(data)
        reader = _Reader(data, source)
        if not is_hdf5(data):
            reader.fail("no HDF5 signature at the start")
        version = reader.uint(8, 1)
        if version not in (0, 1):
            reader.fail(f"superblock version {version} (only 0 and 1, h5py's default, are read)")
        offset_size, length_size = reader.uint(13, 1), reader.uint(14, 1)
        if offset_size != 8 or length_size != 8:
            reader.fail(f"offset/length sizes {offset_size}/{length_size} (expected 8/8)")
        position = 24 + (4 if version == 1 else 0)
        base_address = reader.uint(position, 8)
        if base_address != 0:
            reader.fail("a user block before the superblock")
        root_entry = position + 4 * 8
        root_header = reader.uint(root_entry + 8, 8)
        self._reader = reader
        self.source = source
        self.root = H5Group(_ObjectHeader(reader, root_header), reader, "/", depth=0)

    def __getitem__(self, path):
        return self.root[path]

    def __contains__(self, path):
        return path in self.root

    @property
    def attrs(self):
        return self.root.attrs


class _ObjectHeader:
    """The messages of one version 1 object header, continuation blocks included."""

    def __init__(self, reader, address):
        self.reader = reader
        self.address = address
        if reader.uint(address, 1) != 1:
            reader.fail(f"object header at byte {address} has version {reader.uint(address, 1)} (only 1 is read)")
        count = reader.uint(address + 2, 2)
        size = reader.uint(address + 8, 4)
        self.messages = []
        blocks = [(address + 16, size)]
        visited = set()
        while blocks:
            start, length = blocks.pop(0)
            if start in visited:
                reader.fail(f"object header at byte {address} continues into itself")
            visited.add(start)
            reader.bytes(start, length)
            position, end = start, start + length
            while position + 8 <= end:
                kind, data_size = reader.uint(position, 2), reader.uint(position + 2, 2)
                flags = reader.uint(position + 4, 1)
                body = position + 8
                if body + data_size > end:
                    reader.fail(f"a header message at byte {position} overruns its block")
                if flags & 0x2:
                    reader.fail(f"shared header message (type {kind}) at byte {position}")
                if kind == _CONTINUATION:
                    blocks.append((reader.uint(body, 8), reader.uint(body + 8, 8)))
                elif kind != 0:
                    self.messages.append((kind, body, data_size))
                if len(self.messages) > _MAX_MESSAGES:
                    reader.fail(f"object header at byte {address} has too many messages")
                position = body + data_size
        if len(self.messages) > count:
            reader.fail(f"object header at byte {address} holds more messages than it declares")

    def find(self, kind):
        return [(body, size) for k, body, size in self.messages if k == kind]

    def first(self, kind):
        found = self.find(kind)
        return found[0] if found else None


def _dataspace(reader, body):
    """The shape a dataspace message describes (None for a null dataspace)."""
    version, rank = reader.uint(body, 1), reader.uint(body + 1, 1)
    if version == 1:
        dims_at = body + 8
    elif version == 2:
        if reader.uint(body + 3, 1) == 2:
            return None
        dims_at = body + 4
    else:
        reader.fail(f"dataspace version {version}")
    if rank > 32:
        reader.fail(f"dataspace of rank {rank}")
    shape = tuple(reader.uint(dims_at + 8 * i, 8) for i in range(rank))
    if any(d > _MAX_ELEMENTS for d in shape) or math.prod(shape) > _MAX_ELEMENTS:
        reader.fail(f"dataspace of shape {shape} is implausibly large")
    return shape


class _Datatype:
    """A datatype message: numbers become a numpy dtype; strings are fixed-length or variable-length."""

    def __init__(self, reader, body):
        class_version = reader.uint(body, 1)
        self.type_class, version = class_version & 0x0F, class_version >> 4
        if version not in (1, 2, 3):
            reader.fail(f"datatype version {version}")
        bits = reader.uint(body + 1, 3)
        self.size = reader.uint(body + 4, 4)
        self.kind = None
        if self.type_class in (0, 1):
            if bits & 0x1 or (self.type_class == 1 and bits & 0x40):
                reader.fail("big-endian or VAX-ordered numbers")
            if self.type_class == 0 and self.size in (1, 2, 4, 8):
                self.kind = "number"
                self.numpy = np.dtype(f"<{'i' if bits & 0x8 else 'u'}{self.size}")
            elif self.type_class == 1 and self.size in (2, 4, 8):
                self.kind = "number"
                self.numpy = np.dtype(f"<f{self.size}")
        elif self.type_class == 3:
            self.kind = "fixed_string"
        elif self.type_class == 9 and bits & 0xF == 1:
            self.kind = "vlen_string"
        if self.kind is None:
            reader.fail(f"datatype class {self.type_class} of size {self.size}")


class _Node:
    def __init__(self, header, reader, name, depth):
        self._header = header
        self._reader = reader
        self.name = name
        self._depth = depth
        self._attrs = None

    @property
    def attrs(self):
        """{name: value}: numbers as numpy arrays or scalars, strings as str, string arrays as lists of str."""
        if self._attrs is None:
            if self._header.first(_ATTRIBUTE_INFO) is not None:
                self._reader.fail(f"{self.name}: attributes in dense storage")
            self._attrs = dict(_attribute(self._reader, body) for body, _ in self._header.find(_ATTRIBUTE))
        return self._attrs


def _attribute(reader, body):
    version = reader.uint(body, 1)
    if version not in (1, 2, 3):
        reader.fail(f"attribute message version {version}")
    name_size, type_size, space_size = reader.uint(body + 2, 2), reader.uint(body + 4, 2), reader.uint(body + 6, 2)
    position = body + 8 + (1 if version == 3 else 0)

    def advance(size):
        return (size + 7) // 8 * 8 if version == 1 else size

    name = reader.bytes(position, name_size).rstrip(b"\0").decode("utf-8", "replace")
    position += advance(name_size)
    datatype = _Datatype(reader, position)
    position += advance(type_size)
    shape = _dataspace(reader, position)
    position += advance(space_size)
    return name, _values(reader, datatype, shape, position, name)


def _values(reader, datatype, shape, position, what):
    if shape is None:
        return None
    count = math.prod(shape)
    if datatype.kind == "number":
        raw = reader.bytes(position, count * datatype.size)
        array = np.frombuffer(raw, dtype=datatype.numpy).reshape(shape)
        return array[()] if shape == () else array
    if datatype.kind == "fixed_string":
        raw = reader.bytes(position, count * datatype.size)
        items = [raw[i * datatype.size:(i + 1) * datatype.size].rstrip(b"\0 ").decode("utf-8", "replace")
                 for i in range(count)]
    else:
        items = [_vlen_string(reader, position + 16 * i, what) for i in range(count)]
    return items[0] if shape == () else items


def _vlen_string(reader, position, what):
    length, collection, index = reader.uint(position, 4), reader.uint(position + 4, 8), reader.uint(position + 12, 4)
    if length == 0:
        return ""
    reader.signature(collection, b"GCOL")
    end = collection + reader.uint(collection + 8, 8)
    cursor = collection + 16
    while cursor + 16 <= end:
        object_index, object_size = reader.uint(cursor, 2), reader.uint(cursor + 8, 8)
        if object_index == index:
            if object_size < length:
                reader.fail(f"{what}: a string of {length} bytes in a heap object of {object_size}")
            return reader.bytes(cursor + 16, length).decode("utf-8", "replace")
        if object_index == 0:
            break
        cursor += 16 + (object_size + 7) // 8 * 8
    reader.fail(f"{what}: string {index} is not in the global heap collection at byte {collection}")


class H5Dataset(_Node):
    """An array of numbers (or strings) stored contiguously or compactly."""

    @property
    def shape(self):
        body = self._header.first(_DATASPACE)
        if body is None:
            self._reader.fail(f"{self.name}: dataset without a dataspace")
        shape = _dataspace(self._reader, body[0])
        return () if shape is None else shape

    def read(self):
        reader = self._reader
        type_body, layout_body = self._header.first(_DATATYPE), self._header.first(_LAYOUT)
        if type_body is None or layout_body is None:
            reader.fail(f"{self.name}: dataset without a datatype or layout")
        datatype = _Datatype(reader, type_body[0])
        shape = self.shape
        body = layout_body[0]
        version, layout = reader.uint(body, 1), reader.uint(body + 1, 1)
        if version not in (3, 4):
            reader.fail(f"{self.name}: data layout version {version}")
        if layout == 0:
            size, position = reader.uint(body + 2, 2), body + 4
        elif layout == 1:
            position, size = reader.uint(body + 2, 8), reader.uint(body + 10, 8)
            if position == _UNDEFINED:
                if math.prod(shape) and datatype.kind == "number":
                    return np.zeros(shape, datatype.numpy)
                position, size = 0, 0
        else:
            reader.fail(f"{self.name}: chunked storage (compression or resizable datasets)")
        if size < math.prod(shape) * (16 if datatype.kind == "vlen_string" else datatype.size):
            reader.fail(f"{self.name}: {size} bytes of data for shape {shape}")
        values = _values(reader, datatype, shape, position, self.name)
        return np.array(values) if isinstance(values, (list, str)) else np.array(values, copy=True)


class H5Group(_Node):
    """A group: named members (groups or datasets) and attributes."""

    def __init__(self, header, reader, name, depth):
        super().__init__(header, reader, name, depth)
        if depth > _MAX_DEPTH:
            reader.fail(f"{name}: groups nested deeper than {_MAX_DEPTH}")
        if header.first(_LINK) is not None or header.first(_LINK_INFO) is not None:
            reader.fail(f"{name}: a new-style (link message) group")
        self._members = None

    def _links(self):
        if self._members is None:
            table = self._header.first(_SYMBOL_TABLE)
            self._members = {} if table is None else _symbol_table(self._reader, table[0], self.name)
        return self._members

    def keys(self):
        return list(self._links())

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, path):
        try:
            self[path]
        except KeyError:
            return False
        return True

    def __getitem__(self, path):
        node = self
        for part in [p for p in path.split("/") if p]:
            if not isinstance(node, H5Group) or part not in node._links():
                raise KeyError(f"{self.name.rstrip('/')}/{path}")
            address = node._links()[part]
            child_name = f"{node.name.rstrip('/')}/{part}"
            header = _ObjectHeader(node._reader, address)
            if header.first(_SYMBOL_TABLE) is not None or header.first(_LAYOUT) is None:
                node = H5Group(header, node._reader, child_name, node._depth + 1)
            else:
                node = H5Dataset(header, node._reader, child_name, node._depth + 1)
        return node

    def get(self, path, default=None):
        try:
            return self[path]
        except KeyError:
            return default


def _symbol_table(reader, body, group_name):
    """{member name: object header address} from a group's v1 B-tree and local heap."""
    tree, heap = reader.uint(body, 8), reader.uint(body + 8, 8)
    reader.signature(heap, b"HEAP")
    heap_size, heap_data = reader.uint(heap + 8, 8), reader.uint(heap + 24, 8)
    reader.bytes(heap_data, heap_size)
    members = {}
    visited = set()

    def name_at(offset):
        if offset >= heap_size:
            reader.fail(f"{group_name}: a member name lies outside the local heap")
        end = reader.data.find(b"\0", heap_data + offset, heap_data + heap_size)
        if end < 0:
            reader.fail(f"{group_name}: an unterminated member name")
        return reader.data[heap_data + offset:end].decode("utf-8", "replace")

    def walk(node, depth):
        if node in visited or depth > _MAX_DEPTH:
            reader.fail(f"{group_name}: the group's B-tree loops or is too deep")
        visited.add(node)
        reader.signature(node, b"TREE")
        if reader.uint(node + 4, 1) != 0:
            reader.fail(f"{group_name}: a B-tree node of the wrong type")
        level, used = reader.uint(node + 5, 1), reader.uint(node + 6, 2)
        children = [reader.uint(node + 24 + 8 + 16 * i, 8) for i in range(used)]
        for child in children:
            if level > 0:
                walk(child, depth + 1)
            else:
                read_symbol_node(child)

    def read_symbol_node(address):
        if address in visited:
            reader.fail(f"{group_name}: a symbol table node is listed twice")
        visited.add(address)
        reader.signature(address, b"SNOD")
        for index in range(reader.uint(address + 6, 2)):
            entry = address + 8 + 40 * index
            name = name_at(reader.uint(entry, 8))
            if not name or "/" in name or name == ".":
                reader.fail(f"{group_name}: invalid member name {name!r}")
            if name in members:
                reader.fail(f"{group_name}: member {name!r} appears twice")
            members[name] = reader.uint(entry + 8, 8)

    walk(tree, 0)
    return members
