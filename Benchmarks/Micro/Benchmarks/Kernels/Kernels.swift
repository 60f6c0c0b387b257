// One benchmark per kernel: a single-kernel model (Models/, made by make_models.py) planned and run
// by trigrt exactly as in a full model, through the public Session API (no @testable access, so
// what is measured is what ships). Each measured iteration is 1,000 calls (.kilo scaling): the
// reported wall clock is per call, the malloc count per call (must be 0).
import Benchmark
import TrigRT

#if canImport(Glibc)
import Glibc
#endif

let models: String = {
  if let d = getenv("TRIGRT_MICRO_MODELS") { return String(cString: d) }
  // the package directory is the working directory of `swift package benchmark`
  return "Models"
}()

/// A loaded kernel with its session and input/output buffers (float and double).
final class Kernel: @unchecked Sendable {
  let session: Session
  let fixed: Bool
  let batch: Int
  let inF: UnsafeMutablePointer<UnsafePointer<Float>?>, outF: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>
  let inD: UnsafeMutablePointer<UnsafePointer<Double>?>, outD: UnsafeMutablePointer<UnsafeMutablePointer<Double>?>

  init(_ file: String, config: String? = nil, fixed: Bool = false, batch: Int = 1) {
    let path = "\(models)/\(file).onnx"
    let m: Model
    do {
      m = try Model.load(path: path, options: LoadOptions(mode: fixed ? .fixed : .float,
                                                            precisionConfig: config.map { "\(models)/\($0).yml" }))
      session = try Session.make(model: m, maxBatch: batch)
    } catch {
      fatalError("\(path): \(error.message)")
    }
    self.fixed = fixed
    self.batch = batch
    let n = m.inputs[0].count * batch, k = m.outputs[0].count * batch
    let xf = UnsafeMutablePointer<Float>.allocate(capacity: n), xd = UnsafeMutablePointer<Double>.allocate(capacity: n)
    var seed: UInt64 = 12345
    for i in 0..<n {
      seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      xd[i] = Double(Int64(bitPattern: seed >> 11) % 4_000_000) / 1_000_000 - 2   // [-2, 2)
      xf[i] = Float(xd[i])
    }
    inF = .allocate(capacity: 1); inF[0] = UnsafePointer(xf)
    inD = .allocate(capacity: 1); inD[0] = UnsafePointer(xd)
    outF = .allocate(capacity: 1); outF[0] = .allocate(capacity: k)
    outD = .allocate(capacity: 1); outD[0] = .allocate(capacity: k)
  }

  @inline(__always) func run() {
    if fixed {
      _ = session.runF64(inputs: UnsafePointer(inD), outputs: UnsafePointer(outD), batch: batch)
    } else {
      _ = session.run(inputs: UnsafePointer(inF), outputs: UnsafePointer(outF), batch: batch)
    }
  }
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
    warmupIterations: 3,
    scalingFactor: .kilo,
    maxDuration: .seconds(2),
    maxIterations: 200
  )

  let cases: [(String, Kernel)] = [
    ("float dense 16→64 +bias", Kernel("dense_16x64")),
    ("float dense 64→32 +bias +relu", Kernel("dense_64x32_relu")),
    ("float dense 68→100 +bias +relu", Kernel("dense_68x100_relu")),
    ("float dense 100→100 +bias +relu", Kernel("dense_100x100_relu")),
    ("float dense 100→100 +bias +relu, batch 64", Kernel("dense_100x100_relu", batch: 64)),
    ("float dense 32→5 +bias +softmax", Kernel("dense_32x5_softmax")),
    ("float normalize 68 (Sub, Div)", Kernel("normalize_68")),
    ("float relu 1024", Kernel("relu_1024")),
    ("float sigmoid 100", Kernel("sigmoid_100")),
    ("float tanh 100", Kernel("tanh_100")),
    ("float softmax 5", Kernel("softmax_5")),
    ("float softmax 100", Kernel("softmax_100")),
    ("fixed dense 64→32, 16-bit high-half path (ap_fixed<16,6>, AP_TRN/AP_WRAP, vpmulhw)", Kernel("dense_64x32_nobias", config: "default", fixed: true)),
    ("fixed dense 64→32, 8-bit in/weights (32-bit path: the 16-bit vpmaddwd one takes rows of 128+ inputs)", Kernel("dense_64x32_nobias", config: "int8", fixed: true)),
    ("fixed dense 64→32, 32-bit path, saturating accumulator", Kernel("dense_64x32_nobias", config: "sat", fixed: true)),
    ("fixed dense 64→32, general path (48-bit AP_RND/AP_SAT accumulator)", Kernel("dense_64x32_nobias", config: "wide", fixed: true)),
    ("fixed dense 64→32, 16-bit high-half path, batch 64", Kernel("dense_64x32_nobias", config: "default", fixed: true, batch: 64)),
    ("fixed dense 64→32 + bias (bn_Add) + relu, folded into the Dense epilogue", Kernel("dense_64x32_relu", config: "default", fixed: true)),
    ("fixed normalize 68 (bn_Sub, bn_Div)", Kernel("normalize_68", config: "default", fixed: true)),
    ("fixed relu 1024", Kernel("relu_1024", config: "default", fixed: true)),
    ("fixed sigmoid 100 (table)", Kernel("sigmoid_100", config: "default", fixed: true)),
    ("fixed tanh 100 (table)", Kernel("tanh_100", config: "default", fixed: true)),
    ("fixed softmax 5 (stable)", Kernel("softmax_5", config: "default", fixed: true)),
    ("fixed softmax 5 (latency)", Kernel("softmax_5", config: "softmax_latency", fixed: true)),
  ]
  for (name, k) in cases {
    Benchmark(name) { benchmark in
      for _ in benchmark.scaledIterations {
        k.run()
      }
    }
  }
}
