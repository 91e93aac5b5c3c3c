"""The TF.js files we write load in the real @tensorflow/tfjs (Node.js) and predict what we predict.

Needs `node` and tests/node/node_modules (`make test` runs `npm ci` there); without them the
test fails with that instruction rather than skipping.
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from engine.keras.models import load_model, save_model

from .conftest import (NODE_DIR, fixture_io, fixture_path, graph_inputs, graph_model, predict, rnn_inputs, rnn_model,
                       submodels_inputs, submodels_model)

pytestmark = pytest.mark.usefixtures("cpu")

VARIANTS = {"plain": {}, "uint8": {"quantize": "uint8"}, "uint16": {"quantize": "uint16"},
            "float16_sharded": {"quantize": "float16", "shard_size_bytes": 256}}


def _run_tfjs(jobs, scratch):
    node = shutil.which("node")
    installed = os.path.isdir(os.path.join(NODE_DIR, "node_modules", "@tensorflow", "tfjs"))
    assert node and installed, ("the TF.js check needs Node.js and `npm ci` in tests/node; `make test` installs "
                                "both")
    jobs_path, results_path = os.path.join(scratch, "jobs.json"), os.path.join(scratch, "results.json")
    with open(jobs_path, "w") as handle:
        json.dump({"jobs": [{"model": folder, "inputs": [{"shape": list(x.shape), "data": x.ravel().tolist()}
                                                         for x in inputs]} for folder, inputs in jobs]}, handle)
    completed = subprocess.run([node, os.path.join(NODE_DIR, "tfjs_check.mjs"), "predict", jobs_path, results_path],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    with open(results_path) as handle:
        results = json.load(handle)["results"]
    return [[np.array(output["data"], np.float32).reshape(output["shape"]) for output in result["outputs"]]
            for result in results]


def test_tfjs_predicts_what_we_predict_for_every_model_and_quantization(tmp_path):
    models = {name: (load_model(fixture_path(f"{name}.keras")), [fixture_io(name)[0]]) for name in ("mlp", "cnn",
                                                                                                   "nested")}
    models["graph"] = (graph_model(), graph_inputs())
    models["submodels"] = (submodels_model(), [submodels_inputs()])
    models["rnn"] = (rnn_model(), [rnn_inputs()])
    jobs, ours = [], []
    for name, (model, inputs) in models.items():
        for variant, options in VARIANTS.items():
            folder = str(tmp_path / f"{name}_{variant}")
            save_model(model, folder, **options)
            jobs.append((folder, inputs))
            # Quantized files hold other weights than the model: compare with our model loaded from them. The
            # plain files must give the model's own outputs (not only what our loader reads from them).
            reference = load_model(folder) if options else model
            predicted = predict(reference, inputs if len(inputs) > 1 else inputs[0])
            ours.append(predicted if isinstance(predicted, list) else [predicted])
    differences = {}
    for (folder, _), theirs, mine in zip(jobs, _run_tfjs(jobs, str(tmp_path)), ours):
        assert [t.shape for t in theirs] == [m.shape for m in mine], folder
        differences[os.path.basename(folder)] = max(float(np.abs(t - m).max()) for t, m in zip(theirs, mine))
    print("max |TF.js - ours| per saved model:", json.dumps(differences))
    assert max(differences.values()) < 1e-6, differences


def test_tfjs_reproduces_keras_outputs_from_our_files(tmp_path):
    jobs = []
    for name in ("mlp", "cnn", "nested", "submodels"):
        folder = str(tmp_path / name)
        save_model(load_model(fixture_path(f"{name}.h5")), folder)
        jobs.append((folder, [fixture_io(name)[0]]))
    for (folder, _), outputs in zip(jobs, _run_tfjs(jobs, str(tmp_path))):
        expected = fixture_io(os.path.basename(folder))[1]
        # The fixture stacks a model's several outputs (see make_fixtures.py).
        got = np.stack(outputs) if len(outputs) > 1 else outputs[0]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6, err_msg=folder)
