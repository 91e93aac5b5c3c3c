"""Labels inside a .tflite file, where TFLite tools look for them.

Three places, from simplest to most widely read:
- a model metadata entry "labels": UTF-8 text, one label per line (any flatbuffer reader);
- the TFLite Metadata schema's ModelMetadata (tflite-support's metadata_schema.fbs, file
  identifier "M001") in the metadata entry "TFLITE_METADATA", naming "labels.txt" as the
  TENSOR_AXIS_LABELS file of each output that has one score per label (Android's Task library
  and model-binding code generators read this);
- that labels.txt itself, in a zip archive appended to the model (flatbuffer readers ignore the
  trailing bytes, zip readers find the archive from the end). Stored uncompressed, as the
  metadata extractor requires.
"""
import zipfile

import flatbuffers

__all__ = ["LABELS_ENTRY", "METADATA_ENTRY", "LABELS_FILE", "labels_entries", "append_labels_file"]

LABELS_ENTRY = "labels"
METADATA_ENTRY = "TFLITE_METADATA"
LABELS_FILE = "labels.txt"
_METADATA_IDENTIFIER = b"M001"
# The metadata schema version that introduced every field written here.
_MIN_PARSER_VERSION = "1.0.0"
_FEATURE_PROPERTIES = 1          # ContentProperties union: FeatureProperties
_TENSOR_AXIS_LABELS = 2          # AssociatedFileType
# Field counts and slots of the metadata schema's tables, in the order the .fbs declares the fields.
_ASSOCIATED_FILE = (4, {"name": 0, "description": 1, "type": 2})
_CONTENT = (3, {"content_properties_type": 0, "content_properties": 1})
_TENSOR_METADATA = (7, {"name": 0, "content": 3, "associated_files": 6})
_SUBGRAPH_METADATA = (7, {"name": 0, "input_tensor_metadata": 2, "output_tensor_metadata": 3})
_MODEL_METADATA = (8, {"name": 0, "description": 1, "subgraph_metadata": 3, "min_parser_version": 7})


def _labels_text(labels):
    return "".join(f"{label}\n" for label in labels)


def _table(builder, layout, offsets=None, bytes_=None):
    field_count, slots = layout
    builder.StartObject(field_count)
    for field, value in (offsets or {}).items():
        builder.PrependUOffsetTRelativeSlot(slots[field], value, 0)
    for field, value in (bytes_ or {}).items():
        builder.PrependUint8Slot(slots[field], value, 0)
    return builder.EndObject()


def _vector(builder, offsets):
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def _tensor_metadata(builder, name, labelled):
    text = builder.CreateString(name)
    builder.StartObject(0)       # FeatureProperties: a plain feature tensor, no fields
    properties = builder.EndObject()
    content = _table(builder, _CONTENT, {"content_properties": properties},
                     {"content_properties_type": _FEATURE_PROPERTIES})
    offsets = {"name": text, "content": content}
    if labelled:
        file_name = builder.CreateString(LABELS_FILE)
        description = builder.CreateString("One label per line, in the order of the scores")
        associated = _table(builder, _ASSOCIATED_FILE, {"name": file_name, "description": description},
                            {"type": _TENSOR_AXIS_LABELS})
        offsets["associated_files"] = _vector(builder, [associated])
    return _table(builder, _TENSOR_METADATA, offsets)


def _model_metadata(model_name, description, input_names, output_names, labelled_outputs):
    builder = flatbuffers.Builder(1024)
    inputs = _vector(builder, [_tensor_metadata(builder, name, False) for name in input_names])
    outputs = _vector(builder, [_tensor_metadata(builder, name, name in labelled_outputs) for name in output_names])
    subgraph = _table(builder, _SUBGRAPH_METADATA, {"name": builder.CreateString(model_name),
                                                     "input_tensor_metadata": inputs,
                                                     "output_tensor_metadata": outputs})
    offsets = {"name": builder.CreateString(model_name), "description": builder.CreateString(description),
               "subgraph_metadata": _vector(builder, [subgraph]),
               "min_parser_version": builder.CreateString(_MIN_PARSER_VERSION)}
    builder.Finish(_table(builder, _MODEL_METADATA, offsets), file_identifier=_METADATA_IDENTIFIER)
    return bytes(builder.Output())


def labels_entries(labels, program, description):
    """{metadata entry name: bytes} carrying `labels` for the outputs of `program` with one score per label."""
    labels = [str(label) for label in labels]
    if any("\n" in label or "\r" in label for label in labels):
        raise ValueError("labels must not contain line breaks: labels.txt holds one label per line")
    labelled = [name for name in program.outputs if program.tensors[name].shape[-1:] == (len(labels),)]
    if not labelled:
        shapes = [program.tensors[name].shape for name in program.outputs]
        raise ValueError(f"{len(labels)} labels fit no output of the model (output shapes {shapes}): "
                         "labels name the scores along an output's last axis")
    metadata = _model_metadata(program.name, description, program.inputs, program.outputs, labelled)
    return {LABELS_ENTRY: _labels_text(labels).encode("utf-8"), METADATA_ENTRY: metadata}


def append_labels_file(path, labels):
    """Append labels.txt to the model file at `path` as a zip archive."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(LABELS_FILE, _labels_text(str(label) for label in labels))
