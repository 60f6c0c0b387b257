import ArgumentParser
import TrigRT
import TrigRTTools
#if canImport(Glibc)
import Glibc
#endif

@main
struct TrigRTCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trigrt",
    abstract: "Inspect, run and time ONNX / QONNX models with trigrt.",
    subcommands: [Inspect.self, Run.self, Bench.self])
}

struct ModelOptions: ParsableArguments {
  @Argument(help: "The .onnx model file.")
  var model: String

  @Flag(name: .long, help: "Bit-accurate fixed-point mode (ap_fixed, as hls4ml firmware computes).")
  var fixed = false

  @Option(name: .long, help: "An hls4ml-style precision config (YAML or JSON).")
  var precision: String?

  func load() throws -> Model {
    do {
      return try Model.load(path: model, options: LoadOptions(mode: fixed ? .fixed : .float, precisionConfig: precision))
    } catch {
      throw CLIError("\(error.message) [\(error.code.text)]")
    }
  }
}

/// A failure reported as "Error: <message>" without the usage text.
struct CLIError: Error, CustomStringConvertible {
  var description: String
  init(_ d: String) { description = d }
}

func shapeText(_ s: [Int]) -> String { "[N" + s.map { ", \($0)" }.joined() + "]" }

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print a model's inputs, outputs and planned layers.")
  @OptionGroup var options: ModelOptions

  func run() throws {
    let m = try options.load()
    print("model   \(m.source)")
    print("mode    \(m.mode == .fixed ? "fixed" : "float")")
    for t in m.inputs { print("input   \(t.name) \(shapeText(t.shape)) float32") }
    for t in m.outputs { print("output  \(t.name) \(shapeText(t.shape)) float32") }
    print("")
    print(pad("#", 4) + pad("layer", 37) + pad("ops", 26) + pad("kind", 30) + pad("output", 18) + pad("MACs", 10) + "params")
    var macs = 0, params = 0
    for (i, l) in m.layers.enumerated() {
      print(pad("\(i)", 4) + pad(l.name, 36) + " " + pad(l.opTypes.joined(separator: "+"), 26) + pad(l.kind, 30)
            + pad(shapeText(l.outputShape), 18) + pad("\(l.macs)", 10) + "\(l.parameterBytes) B")
      macs += l.macs
      params += l.parameterBytes
    }
    print("")
    print("total   \(m.layers.count) layers, \(macs) MACs per sample, \(params) parameter bytes (\(m.constantBytes) packed)")
    print("arena   \(m.arenaBytes(maxBatch: 1) ?? 0) bytes at batch 1, \(m.arenaBytes(maxBatch: 256) ?? 0) bytes at max_batch 256")
  }
}

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Run a model on .npy inputs and write .npy outputs.")
  @OptionGroup var options: ModelOptions

  @Option(name: .long, help: "Input .npy (float32 or float64), shape [rows, …] matching the model's input. Repeat for several inputs.")
  var input: [String]

  @Option(name: .long, help: "Output .npy to write (float32; float64 in fixed mode). Repeat for several outputs.")
  var output: [String]

  @Option(name: .long, help: "Rows per call (the session's max_batch).")
  var batch: Int = 64

  func run() throws {
    let m = try options.load()
    guard input.count == m.inputs.count else {
      throw ValidationError("the model has \(m.inputs.count) input(s) (\(m.inputs.map(\.name).joined(separator: ", "))); got \(input.count) --input")
    }
    guard output.count == m.outputs.count else {
      throw ValidationError("the model has \(m.outputs.count) output(s) (\(m.outputs.map(\.name).joined(separator: ", "))); got \(output.count) --output")
    }
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    var arrays: [NPYArray] = []
    var rows = -1
    for (i, path) in input.enumerated() {
      let a = try NPYArray.read(path)
      let t = m.inputs[i]
      let sample = Array(a.shape.dropFirst())
      let ok = a.shape.count >= 1 && (sample == t.shape || (sample.reduce(1, *) == t.count && sample.count <= 1))
      guard ok else {
        throw CLIError("'\(path)' has shape \(a.shape); input '\(t.name)' takes \(shapeText(t.shape)): rows first, then one sample of \(t.count) values")
      }
      guard rows < 0 || rows == a.shape[0] else { throw ValidationError("inputs have different row counts (\(rows) and \(a.shape[0]))") }
      rows = a.shape[0]
      arrays.append(a)
    }
    guard rows > 0 else { throw ValidationError("the input has 0 rows") }
    let session = try Session.make(model: m, maxBatch: min(batch, rows))
    var results = m.outputs.map { [Double](repeating: 0, count: rows * $0.count) }
    var inBufs = m.inputs.map { [Double](repeating: 0, count: session.maxBatch * $0.count) }
    var outBufs = m.outputs.map { [Double](repeating: 0, count: session.maxBatch * $0.count) }
    var r = 0
    while r < rows {
      let n = min(session.maxBatch, rows - r)
      for i in 0..<arrays.count {
        let c = m.inputs[i].count
        for e in 0..<(n * c) { inBufs[i][e] = arrays[i].values[r * c + e] }
      }
      let failure = withPointers(&inBufs, &outBufs) { ins, outs in session.runF64(inputs: ins, outputs: outs, batch: n) }
      if let f = failure { throw ValidationError("run failed: \(f)") }
      for j in 0..<results.count {
        let c = m.outputs[j].count
        for e in 0..<(n * c) { results[j][r * c + e] = outBufs[j][e] }
      }
      r += n
    }
    for (j, path) in output.enumerated() {
      let a = NPYArray(shape: [rows] + m.outputs[j].shape, values: results[j], descr: m.mode == .fixed ? "<f8" : "<f4")
      try a.write(path)
      print("wrote \(path): \(rows) rows of '\(m.outputs[j].name)' \(shapeText(m.outputs[j].shape))")
    }
  }
}

/// Calls `body` with C-style arrays of pointers to the buffers.
func withPointers<R>(_ ins: inout [[Double]], _ outs: inout [[Double]],
                     _ body: (UnsafePointer<UnsafePointer<Double>?>, UnsafePointer<UnsafeMutablePointer<Double>?>) -> R) -> R {
  let ip = UnsafeMutablePointer<UnsafePointer<Double>?>.allocate(capacity: max(ins.count, 1))
  let op = UnsafeMutablePointer<UnsafeMutablePointer<Double>?>.allocate(capacity: max(outs.count, 1))
  defer { ip.deallocate(); op.deallocate() }
  var holders: [UnsafeMutablePointer<Double>] = []
  for i in 0..<ins.count {
    let p = UnsafeMutablePointer<Double>.allocate(capacity: ins[i].count)
    p.initialize(from: ins[i], count: ins[i].count)
    holders.append(p)
    ip[i] = UnsafePointer(p)
  }
  var outHolders: [UnsafeMutablePointer<Double>] = []
  for j in 0..<outs.count {
    let p = UnsafeMutablePointer<Double>.allocate(capacity: outs[j].count)
    p.initialize(repeating: 0, count: outs[j].count)
    outHolders.append(p)
    op[j] = p
  }
  let r = body(UnsafePointer(ip), UnsafePointer(op))
  for j in 0..<outs.count { for e in 0..<outs[j].count { outs[j][e] = outHolders[j][e] } }
  for p in holders { p.deallocate() }
  for p in outHolders { p.deallocate() }
  return r
}

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Time run() per call: median, p99, p99.9, max and throughput.")
  @OptionGroup var options: ModelOptions

  @Option(name: .long, help: "Samples per call.")
  var batch: Int = 1

  @Option(name: .long, help: "Timed calls.")
  var iterations: Int = 100_000

  @Option(name: .long, help: "Latency budget per call, e.g. 5us, 800ns, 1ms; the exit status is 1 if the median exceeds it.")
  var budget: String?

  func parseBudget(_ s: String) throws -> Double {
    let units: [(String, Double)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
    for (u, f) in units where s.hasSuffix(u) {
      if let v = Double(s.dropLast(u.count)) { return v * f }
    }
    throw ValidationError("--budget '\(s)': expected a number with ns, us, ms or s")
  }

  func run() throws {
    let m = try options.load()
    guard batch >= 1, iterations >= 1 else { throw ValidationError("--batch and --iterations must be at least 1") }
    let budgetNs = try budget.map(parseBudget)
    let session = try Session.make(model: m, maxBatch: batch)
    var seed: UInt64 = 0x9E3779B97F4A7C15
    func next() -> Float {
      seed = seed &* 6364136223846793005 &+ 1442695040888963407
      return Float(Int64(bitPattern: seed >> 11) % 2_000_000) / 1_000_000 - 1
    }
    let ins = m.inputs.map { t -> UnsafeMutablePointer<Float> in
      let p = UnsafeMutablePointer<Float>.allocate(capacity: t.count * batch)
      for i in 0..<(t.count * batch) { p[i] = next() }
      return p
    }
    let outs = m.outputs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count * batch) }
    let ip = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: ins.count)
    let op = UnsafeMutablePointer<UnsafeMutablePointer<Float>?>.allocate(capacity: outs.count)
    for (i, p) in ins.enumerated() { ip[i] = UnsafePointer(p) }
    for (j, p) in outs.enumerated() { op[j] = p }
    for _ in 0..<min(1000, iterations) { _ = session.run(inputs: ip, outputs: op, batch: batch) }
    var samples = [UInt64](repeating: 0, count: iterations)
    let t0 = nowNanoseconds()
    for i in 0..<iterations {
      let a = nowNanoseconds()
      _ = session.run(inputs: ip, outputs: op, batch: batch)
      samples[i] = nowNanoseconds() - a
    }
    let total = Double(nowNanoseconds() - t0)
    let s = LatencySummary(samples)
    print("\(m.source): batch \(batch), \(iterations) calls: median \(formatNanoseconds(s.median)), p99 \(formatNanoseconds(s.p99)), p99.9 \(formatNanoseconds(s.p999)), max \(formatNanoseconds(s.max)); \(format3(Double(iterations * batch) / total * 1e3)) M samples/s")
    if let b = budgetNs {
      if s.median > b {
        print("over budget: median \(formatNanoseconds(s.median)) > \(formatNanoseconds(b))")
        throw ExitCode(1)
      }
      print("within budget \(formatNanoseconds(b)) (p99 \(s.p99 <= b ? "within" : "over"))")
    }
  }
}
