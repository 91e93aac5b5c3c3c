"""The `.keras`, `.h5` and `.weights.h5` files we write load in the real Keras 3 and predict what we predict.

Keras 3 runs in a child process on its jax backend (the test extra installs keras, jax and scipy;
no TensorFlow). A legacy `.h5` whose graph feeds a nested model's output to another layer is the
exception: it follows Keras 2's numbering of nested models' nodes (tf_keras and TF.js need it),
which Keras 3's legacy loader does not apply, so Keras 3 refuses tf_keras's own such files, and
ours in the same words (the last test); such models reach Keras 3 as `.keras`.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from engine.keras.models import load_model, save_weights

from .conftest import (fixture_io, fixture_path, graph_inputs, graph_model, predict, rnn_inputs, rnn_model,
                       submodels_inputs, submodels_model)

pytestmark = pytest.mark.usefixtures("cpu")


def _run_keras3(jobs, scratch):
    """keras3_check.py's results for `jobs` (see there), run by Keras 3 on jax in a child process."""
    with open(scratch / "jobs.json", "w") as handle:
        json.dump({"jobs": jobs}, handle)
    environment = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    completed = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "keras3_check.py"),
                                str(scratch / "jobs.json"), str(scratch / "results.npz")],
                               capture_output=True, text=True, timeout=600, env=environment)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return np.load(scratch / "results.npz")


def _save_inputs(inputs, scratch, name):
    paths = []
    for position, array in enumerate(inputs):
        paths.append(str(scratch / f"{name}_input{position}.npy"))
        np.save(paths[-1], array)
    return paths


def test_keras3_loads_our_files_and_predicts_what_we_predict(tmp_path):
    models = {name: (load_model(fixture_path(f"{name}.keras")), [fixture_io(name)[0]]) for name in ("mlp", "cnn",
                                                                                                   "nested")}
    models["graph"] = (graph_model(), graph_inputs())
    models["submodels"] = (submodels_model(), [submodels_inputs()])
    models["rnn"] = (rnn_model(), [rnn_inputs()])
    jobs, expected, labels = [], [], []
    for name, (model, inputs) in models.items():
        input_paths = _save_inputs(inputs, tmp_path, name)
        ours = predict(model, inputs if len(inputs) > 1 else inputs[0])
        ours = ours if isinstance(ours, list) else [ours]
        # graph and submodels feed nested models' outputs to other layers: see the module's docstring.
        files = [f"{name}.keras"] + ([f"{name}.h5"] if name not in ("graph", "submodels") else [])
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
    results = _run_keras3(jobs, tmp_path)
    differences = {}
    for index, (label, ours) in enumerate(zip(labels, expected)):
        theirs = [results[f"{index}_{position}"] for position in range(len(ours))]
        assert f"{index}_{len(ours)}" not in results, f"{label}: Keras gives more outputs than we do"
        assert [t.shape for t in theirs] == [o.shape for o in ours], label
        differences[label] = max(float(np.abs(t - o).max()) for t, o in zip(theirs, ours))
    print(f"Keras {results['keras_version']} ({results['backend']}): max |Keras - ours|:", json.dumps(differences))
    assert max(differences.values()) < 1e-6, differences


def test_keras3_refuses_our_nested_model_h5_exactly_as_it_refuses_tf_keras_own(tmp_path):
    """Keras 3's legacy loader looks a Keras 2 node index up in its own node list, where a nested model's
    construction is no node: it cannot resolve the calls tf_keras numbers from 1. This pins that the
    refusal is Keras's (tf_keras's file of the same model fails the same way), not something in our file;
    if a Keras release loads tf_keras's file, this fails, and our `.h5` joins the test above."""
    model = submodels_model()
    model.save(tmp_path / "submodels.h5")
    inputs = _save_inputs([submodels_inputs()], tmp_path, "submodels")
    jobs = [{"model": path, "inputs": inputs, "refusal_expected": True}
            for path in (fixture_path("submodels.h5"), str(tmp_path / "submodels.h5"))]
    results = _run_keras3(jobs, tmp_path)
    refusals = [str(results[f"{index}_refusal"]) if f"{index}_refusal" in results else None
                for index in range(len(jobs))]
    assert refusals[0] is not None, f"Keras {results['keras_version']} now loads tf_keras's nested-model .h5"
    assert "disconnected nodes" in refusals[0], refusals[0]
    assert refusals[1] == refusals[0]
