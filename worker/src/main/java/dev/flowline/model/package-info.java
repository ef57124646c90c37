/**
 * The model runtime: velocity fields of flow-matching models behind {@link dev.flowline.model.VelocityModel},
 * knowing nothing of Kafka or scheduling.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.flowline.model.ModelRegistry}: models by name (jobs never name a path), from configured
 *       directories and the built-in models on the classpath; lazy load, one {@link dev.flowline.model.ModelLoadException}
 *       type for every load failure, naming the model and the file.</li>
 *   <li>{@link dev.flowline.model.ManifestReader} / {@link dev.flowline.model.ManifestWriter}: {@code flowline-model.json}
 *       beside the weights (format in {@code ManifestReader}'s Javadoc), strict about unknown keys.</li>
 *   <li>{@link dev.flowline.model.DjlVelocityModel}: ONNX (ONNX Runtime) or TorchScript (PyTorch) through DJL, one
 *       Predictor per model, one sub-NDManager per call, the model's time convention mapped to Flowline's.</li>
 *   <li>{@link dev.flowline.model.AnalyticGaussianModel}: a closed-form model with a known answer for tests and
 *       benchmarks.</li>
 * </ul>
 *
 * <h2>Engines and devices</h2>
 * PyTorch stays DJL's default engine (ONNX Runtime cannot do general NDArray maths); each model picks its engine via
 * its manifest or the registry's override. DJL runs offline: the registry and the DJL model set
 * {@code ai.djl.offline=true} unless the operator set it. Devices: {@link dev.flowline.model.DeviceMode} auto picks
 * GPU 0 when the model's engine reports a GPU, which needs a CUDA build of that engine: ONNX Runtime's is
 * {@code com.microsoft.onnxruntime:onnxruntime_gpu} (Maven profile {@code gpu}); PyTorch CUDA natives for 2.7.1 are
 * not on Maven Central and must be pre-placed in {@code DJL_CACHE_DIR}. With the default CPU artifacts a GPU host
 * still runs on the CPU under auto, and fails clearly under gpu.
 *
 * <h2>Threads</h2>
 * ONNX Runtime threads are per model ({@link dev.flowline.model.ModelRuntimeOptions}); PyTorch's are process-wide
 * system properties read at engine start: {@code -Dai.djl.pytorch.num_threads=N -Dai.djl.pytorch.num_interop_threads=1}.
 */
package dev.flowline.model;
