"""Ready-to-run code for the TFLite and ONNX exports: Python with LiteRT or onnxruntime, and Android (Kotlin).

TFLite files have a fixed batch of one, so the Python snippets feed one image or one window at a
time; the ONNX file takes any batch. The int8 TFLite file takes and gives float32 like the others
(it quantizes inside), so the same code runs it.
"""
__all__ = ["runtime_snippets", "IMAGE_PREPARE"]

# Shared with the Keras snippet (snippets.py).
IMAGE_PREPARE = '''

def prepare(path):
    """Centre square, 224x224 bilinear, RGB 0..255 float32, as Glimmer prepared its training images."""
    image = Image.open(path).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((224, 224), Image.BILINEAR)
    return np.asarray(image, dtype="float32")[None]

'''

_AUDIO_PREPARE = '''metadata = json.load(open("metadata.json", encoding="utf-8"))
labels, rate = metadata["labels"], metadata["sampleRate"]
window = metadata["input"]["shape"][1]


def windows(path):
    """Mono float32 windows at the model's rate, overlapping by half as Glimmer's live preview listens."""
    sound, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    sound = soxr.resample(sound.mean(axis=1), file_rate, rate).astype("float32")
    for start in range(0, max(1, len(sound) - window + 1), window // 2):
        yield start / rate, np.pad(sound[start:start + window], (0, max(0, start + window - len(sound))))[None]

'''

_LITERT_LOAD = '''interpreter = Interpreter(model_path="{model_file}")
interpreter.allocate_tensors()
input_index = interpreter.get_input_details()[0]["index"]
output_index = interpreter.get_output_details()[0]["index"]


def predict(batch):
    interpreter.set_tensor(input_index, batch)
    interpreter.invoke()
    return interpreter.get_tensor(output_index)[0]
'''

_ONNX_LOAD = '''session = onnxruntime.InferenceSession("model.onnx")
input_name = session.get_inputs()[0].name


def predict(batch):
    return session.run(None, {{input_name: batch}})[0][0]
'''

_IMAGE_MAIN = '''
scores = predict(prepare("photo.jpg"))
best = int(np.argmax(scores))
print(labels[best], float(scores[best]))
'''

_AUDIO_MAIN = '''
for start, clip in windows("sound.wav"):
    scores = predict(clip)
    best = int(np.argmax(scores))
    print(f"{start:7.2f} s  {labels[best]}  {scores[best]:.2f}")
'''

_IMPORTS = {
    ("image", "litert"): "# pip install ai-edge-litert pillow\nimport numpy as np\nfrom PIL import Image\n"
                         "from ai_edge_litert.interpreter import Interpreter\n\n",
    ("image", "onnx"): "# pip install onnxruntime pillow\nimport numpy as np\nfrom PIL import Image\n"
                       "import onnxruntime\n\n",
    ("audio", "litert"): "# pip install ai-edge-litert soundfile soxr\nimport json\n\nimport numpy as np\n"
                         "import soundfile\nimport soxr\nfrom ai_edge_litert.interpreter import Interpreter\n\n",
    ("audio", "onnx"): "# pip install onnxruntime soundfile soxr\nimport json\n\nimport numpy as np\nimport soundfile\n"
                       "import soxr\nimport onnxruntime\n\n",
}

_KOTLIN_LOAD = '''// app/build.gradle.kts:  implementation("com.google.ai.edge.litert:litert:1.4.0")
// Put {model_file} and labels.txt in app/src/main/assets/.
import android.content.Context
import org.tensorflow.lite.Interpreter
import java.io.FileInputStream
import java.nio.channels.FileChannel

fun loadClassifier(context: Context): Pair<Interpreter, List<String>> {{
    val model = context.assets.openFd("{model_file}").use {{ file ->
        FileInputStream(file.fileDescriptor).channel.use {{ channel ->
            channel.map(FileChannel.MapMode.READ_ONLY, file.startOffset, file.declaredLength)
        }}
    }}
    val labels = context.assets.open("labels.txt").bufferedReader().readLines().filter {{ it.isNotEmpty() }}
    return Interpreter(model) to labels
}}
'''

_KOTLIN_IMAGE = '''
import android.graphics.Bitmap
import java.nio.ByteBuffer
import java.nio.ByteOrder

// `square`: the photo centre-cropped to a square and scaled with
// Bitmap.createScaledBitmap(crop, 224, 224, true), as Glimmer prepared its training images.
fun classify(interpreter: Interpreter, labels: List<String>, square: Bitmap): Pair<String, Float> {{
    val pixels = IntArray(224 * 224)
    square.getPixels(pixels, 0, 224, 0, 0, 224, 224)
    val input = ByteBuffer.allocateDirect(224 * 224 * 3 * 4).order(ByteOrder.nativeOrder())
    for (pixel in pixels) {{        // RGB values 0..255 as float32: the model normalises them itself
        input.putFloat(((pixel shr 16) and 0xFF).toFloat())
        input.putFloat(((pixel shr 8) and 0xFF).toFloat())
        input.putFloat((pixel and 0xFF).toFloat())
    }}
    input.rewind()
    val scores = Array(1) {{ FloatArray(labels.size) }}
    interpreter.run(input, scores)
    val best = scores[0].indices.maxByOrNull {{ scores[0][it] }}!!
    return labels[best] to scores[0][best]
}}
'''

_KOTLIN_AUDIO = '''
// `window`: {window_samples} mono samples at {sample_rate} Hz in [-1, 1] (AudioRecord with
// ENCODING_PCM_FLOAT and CHANNEL_IN_MONO gives them); the model computes its spectrogram itself.
fun classify(interpreter: Interpreter, labels: List<String>, window: FloatArray): Pair<String, Float> {{
    require(window.size == {window_samples}) {{ "the model takes {window_samples} samples at a time" }}
    val scores = Array(1) {{ FloatArray(labels.size) }}
    interpreter.run(arrayOf(window), scores)
    val best = scores[0].indices.maxByOrNull {{ scores[0][it] }}!!
    return labels[best] to scores[0][best]
}}
'''


def _python(kind, runtime, model_file):
    prepare = _AUDIO_PREPARE if kind == "audio" else IMAGE_PREPARE
    load = (_LITERT_LOAD if runtime == "litert" else _ONNX_LOAD).format(model_file=model_file)
    labels = "" if kind == "audio" else 'labels = open("labels.txt", encoding="utf-8").read().splitlines()\n'
    main = _AUDIO_MAIN if kind == "audio" else _IMAGE_MAIN
    return _IMPORTS[kind, runtime] + load + "\n" + labels + prepare + main


def runtime_snippets(formats, kind="image", window_samples=None, sample_rate=None):
    """{"litert": ..., "onnxruntime": ..., "kotlin": ...} for the TFLite and ONNX formats among `formats`."""
    snippets = {}
    tflite = "model.tflite" if "tflite" in formats else "model_int8.tflite" if "tflite-int8" in formats else None
    if tflite:
        snippets["litert"] = _python(kind, "litert", tflite)
        body = _KOTLIN_AUDIO.format(window_samples=window_samples, sample_rate=sample_rate) if kind == "audio" \
            else _KOTLIN_IMAGE.format()
        snippets["kotlin"] = _KOTLIN_LOAD.format(model_file=tflite) + body
    if "onnx" in formats:
        snippets["onnxruntime"] = _python(kind, "onnx", "model.onnx")
    return snippets
