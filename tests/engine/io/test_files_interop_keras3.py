"""The `.keras`, `.h5` and `.weights.h5` files we write load in the real Keras 3 and predict what we predict.

Keras 3 runs in a child process on its jax backend (the test extra installs keras, jax and scipy;
no TensorFlow). Not checked: a legacy `.h5` of a graph that calls a nested functional model,
which Keras 3 cannot load even when tf_keras wrote it (its legacy loader ignores Keras 2's node
numbering of nested models); tf_keras and we load ours.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from engine.keras.models import load_model, save_weights

from .conftest import fixture_io, fixture_path, graph_inputs, graph_model, predict, rnn_inputs, rnn_model

pytestmark = pytest.mark.usefixtures("cpu")


def test_keras3_loads_our_files_and_predicts_what_we_predict(tmp_path):
    models = {name: (load_model(fixture_path(f"{name}.keras")), [fixture_io(name)[0]]) for name in ("mlp", "cnn",
                                                                                                   "nested")}
    models["graph"] = (graph_model(), graph_inputs())
    models["rnn"] = (rnn_model(), [rnn_inputs()])
    jobs, expected, labels = [], [], []
    for name, (model, inputs) in models.items():
        input_paths = []
        for position, array in enumerate(inputs):
            input_paths.append(str(tmp_path / f"{name}_input{position}.npy"))
            np.save(input_paths[-1], array)
        ours = predict(model, inputs if len(inputs) > 1 else inputs[0])
        ours = ours if isinstance(ours, list) else [ours]
        files = [f"{name}.keras"] + ([f"{name}.h5"] if name != "graph" else [])
        for filename in files:
            model.save(tmp_path / filename)
            jobs.append({"model": str(tmp_path / filename), "inputs": input_paths})
            expected.append(ours)
            labels.append(filename)
        if name == "cnn":
            save_weights(model, tmp_path / "cnn.weights.h5")
            jobs.append({"model": str(tmp_path / "cnn.keras"), "inputs": input_paths,
                         "weights": str(tmp_path / "cnn.weights.h5")})
            expected.append(ours)
            labels.append("cnn.keras + cnn.weights.h5")
    with open(tmp_path / "jobs.json", "w") as handle:
        json.dump({"jobs": jobs}, handle)
    environment = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    completed = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "keras3_check.py"),
                                str(tmp_path / "jobs.json"), str(tmp_path / "results.npz")],
                               capture_output=True, text=True, timeout=600, env=environment)
    assert completed.returncode == 0, completed.stderr[-4000:]
    results = np.load(tmp_path / "results.npz")
    differences = {}
    for index, (label, ours) in enumerate(zip(labels, expected)):
        theirs = [results[f"{index}_{position}"] for position in range(len(ours))]
        assert [t.shape for t in theirs] == [o.shape for o in ours], label
        differences[label] = max(float(np.abs(t - o).max()) for t, o in zip(theirs, ours))
    print(f"Keras {results['keras_version']} ({results['backend']}): max |Keras - ours|:", json.dumps(differences))
    assert max(differences.values()) < 1e-5, differences
