import ArgumentParser
import FixedPoint
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
    subcommands: [Inspect.self, Run.self, Bench.self, Trace.self, Testbench.self, ConvertConfig.self])
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
  static let configuration = CommandConfiguration(abstract: "Print a model's inputs, outputs and planned layers (fixed mode: every type and the known traps).")
  @OptionGroup var options: ModelOptions

  @Flag(name: .long, help: "Machine-readable output.")
  var json = false

  func run() throws {
    let m = try options.load()
    if json {
      print(describeModel(m).text)
      return
    }
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
    if m.mode == .fixed {
      print("")
      printTypeTable(m)
    }
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

  @Flag(name: .long, help: "Machine-readable output: what was written.")
  var json = false

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
    var written: [JSONValue] = []
    for (j, path) in output.enumerated() {
      let a = NPYArray(shape: [rows] + m.outputs[j].shape, values: results[j], descr: m.mode == .fixed ? "<f8" : "<f4")
      try a.write(path)
      if json {
        written.append(.object([("name", .string(m.outputs[j].name)), ("path", .string(path)),
                                ("shape", .array(([rows] + m.outputs[j].shape).map { .int($0) })),
                                ("dtype", .string(m.mode == .fixed ? "float64" : "float32"))]))
      } else {
        print("wrote \(path): \(rows) rows of '\(m.outputs[j].name)' \(shapeText(m.outputs[j].shape))")
      }
    }
    if json {
      print(JSONValue.object([("model", .string(m.source)), ("mode", .string(m.mode == .fixed ? "fixed" : "float")),
                              ("rows", .int(rows)), ("batch", .int(session.maxBatch)),
                              ("inputs", .array(input.map { .string($0) })), ("outputs", .array(written))]).text)
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

// MARK: - JSON (tiny writer, no Foundation)

indirect enum JSON {
  case string(String), int(Int), double(Double), bool(Bool), null
  case array([JSON])
  case object([(String, JSON)])

  var text: String {
    switch self {
    case .string(let s): return JSON.quote(s)
    case .int(let i): return String(i)
    case .double(let d): return d.isFinite ? "\(d)" : "null"
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
    case .object(let o): return "{" + o.map { JSON.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if c.value < 0x20 { out += "\\u" + String(c.value, radix: 16).leftPadded(4) } else { out.unicodeScalars.append(c) }
      }
    }
    return out + "\""
  }
}

extension String {
  func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Reads the rows of each model input from .npy files (checked against the model's shapes).
func readInputs(_ m: Model, _ paths: [String]) throws -> (arrays: [NPYArray], rows: Int) {
  guard paths.count == m.inputs.count else {
    throw ValidationError("the model has \(m.inputs.count) input(s) (\(m.inputs.map(\.name).joined(separator: ", "))); got \(paths.count) --input")
  }
  var arrays: [NPYArray] = []
  var rows = -1
  for (i, path) in paths.enumerated() {
    let a = try NPYArray.read(path)
    let t = m.inputs[i]
    let sample = Array(a.shape.dropFirst())
    guard a.shape.count >= 1, sample == t.shape || (sample.reduce(1, *) == t.count && sample.count <= 1) else {
      throw CLIError("'\(path)' has shape \(a.shape); input '\(t.name)' takes \(shapeText(t.shape)): rows first, then one sample of \(t.count) values")
    }
    guard rows < 0 || rows == a.shape[0] else { throw CLIError("inputs have different row counts (\(rows) and \(a.shape[0]))") }
    rows = a.shape[0]
    arrays.append(a)
  }
  guard rows > 0 else { throw CLIError("the input has 0 rows") }
  return (arrays, rows)
}

/// File-name-safe layer names.
func fileName(_ s: String) -> String {
  String(s.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
}

func makeDirectory(_ path: String) throws {
  var p = ""
  for part in path.split(separator: "/", omittingEmptySubsequences: false) {
    p += (p.isEmpty && path.hasPrefix("/") ? "/" : (p.isEmpty ? "" : "/")) + part
    if p.isEmpty || p == "/" { continue }
    var st = stat()
    if stat(p, &st) != 0 && mkdir(p, 0o755) != 0 && errno != EEXIST {
      throw CLIError("cannot create directory '\(p)': \(String(cString: strerror(errno)))")
    }
  }
}

/// Runs every row through a traced fixed-mode session: per layer the outputs of all rows.
func traceAll(_ m: Model, _ arrays: [NPYArray], rows: Int, batch: Int) throws -> (session: Session, values: [[Double]], raws: [[Int64]?]) {
  let session = try Session.make(model: m, maxBatch: min(batch, rows))
  session.reporting = true
  var values = [[Double]](repeating: [], count: m.layers.count)
  var raws = [[Int64]?](repeating: nil, count: m.layers.count)
  var r = 0
  while r < rows {
    let n = min(session.maxBatch, rows - r)
    let ins = arrays.enumerated().map { (i, a) in Array(a.values[(r * m.inputs[i].count)..<((r + n) * m.inputs[i].count)]) }
    if let f = session.trace(inputs: ins, batch: n, record: { rec in
      values[rec.layer] += rec.values
      if let rw = rec.raws { raws[rec.layer] = (raws[rec.layer] ?? []) + rw }
    }) {
      throw CLIError("trace failed: \(f)")
    }
    r += n
  }
  return (session, values, raws)
}

struct Trace: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fixed mode: every layer's output as .npy, and per layer the overflow counts and the range seen against the format.")
  @OptionGroup var options: ModelOptions

  @Option(name: .long, help: "Input .npy (float32 or float64), rows first. Repeat for several inputs.")
  var input: [String]

  @Option(name: .long, help: "Directory for the per-layer .npy files.")
  var out: String

  @Flag(name: .long, help: "Also write the raw integers of every fixed layer (<layer>.raw.npy, int64).")
  var raw = false

  @Flag(name: .long, help: "Print the report as JSON.")
  var json = false

  @Option(name: .long, help: "Rows per traced call.")
  var batch: Int = 256

  func run() throws {
    var opts = options
    opts.fixed = true
    let m = try opts.load()
    let (arrays, rows) = try readInputs(m, input)
    try makeDirectory(out)
    let (session, values, raws) = try traceAll(m, arrays, rows: rows, batch: batch)
    for (i, l) in m.layers.enumerated() {
      let base = out + "/" + String(i).leftPadded(2) + "_" + fileName(l.name)
      try NPYArray(shape: [rows] + l.outputShape, values: values[i], descr: "<f8").write(base + ".npy")
      if raw, let rw = raws[i] {
        try NPYArray(shape: [rows] + l.outputShape, values: rw.map { Double($0) }, descr: "<i8").write(base + ".raw.npy")
      }
    }
    let reports = (0..<session.statsCount).map { session.report($0) }
    let inputRows = inputConversions(m, arrays)
    var traps: [String] = []
    for r in inputRows where r.wrapped + r.saturated > 0 {
      traps.append("input \(r.name): \(r.wrapped + r.saturated) of \(r.values) input values \(r.wrapped > 0 ? "wrapped" : "saturated") converting into input_t \(r.format)" +
                   (r.needed.map { " (the inputs need \($0) integer bits, it has \(r.format.integerBits))" } ?? ""))
    }
    for r in reports {
      if r.resultWrapped + r.resultSaturated > 0 {
        traps.append("\(r.name): \(r.resultWrapped + r.resultSaturated) of \(r.values) results \(r.resultWrapped > 0 ? "wrapped" : "saturated") in \(r.result)" +
                     (r.neededIntegerBits.map { " (the values seen need \($0) integer bits, it has \(r.result.integerBits))" } ?? ""))
      }
      if r.accumWrapped + r.accumSaturated > 0 {
        traps.append("\(r.name): \(r.accumWrapped) accumulator conversions wrapped, \(r.accumSaturated) saturated")
      }
    }
    // Lookup tables narrower than the values they see.
    for (i, l) in m.layers.enumerated() where i > 0 {
      let lim: Double? = l.kind.hasPrefix("sigmoid") ? 8 : (l.kind.hasPrefix("tanh") ? 4 : nil)
      guard let lim, let inVals = values.indices.contains(i - 1) ? values[i - 1] : nil else { continue }
      let beyond = inVals.filter { $0 >= lim || $0 < -lim }.count
      if beyond > 0 { traps.append("\(l.name): \(beyond) inputs outside the table's [−\(Int(lim)), \(Int(lim))) read its end entries") }
    }
    for (i, l) in m.layers.enumerated() where l.kind.hasPrefix("softmax") {
      let v = values[i]
      let n = l.outputShape.reduce(1, *)
      if rows > 1 && n > 0 {
        let distinct = Set(stride(from: 0, to: v.count, by: n).map { Array(v[$0..<($0 + n)]) }).count
        if distinct == 1 { traps.append("\(l.name): every row gives the same softmax output (its input is too wide for the exp-table index, hls4ml-tutorial PR #111)") }
      }
    }
    if json {
      print(JSON.object([
        ("model", .string(m.source)), ("rows", .int(rows)),
        ("inputs", .array(inputRows.map { r in
          .object([("name", .string(r.name)), ("input_format", .string(r.format.description)), ("values", .int(r.values)),
                   ("wrapped", .int(r.wrapped)), ("saturated", .int(r.saturated)), ("nan", .int(r.nan)),
                   ("seen_min", r.seen.map { .double($0.lowerBound) } ?? .null), ("seen_max", r.seen.map { .double($0.upperBound) } ?? .null),
                   ("format_min", .double(r.range.lowerBound)), ("format_max", .double(r.range.upperBound)),
                   ("integer_bits", .int(r.format.integerBits)), ("needed_integer_bits", r.needed.map { .int($0) } ?? .null)])
        })),
        ("layers", .array(reports.map { r in
          .object([("index", .int(r.layer)), ("name", .string(r.name)), ("result_format", .string(r.result.description)),
                   ("values", .int(Int(r.values))), ("accum_wrapped", .int(Int(r.accumWrapped))), ("accum_saturated", .int(Int(r.accumSaturated))),
                   ("result_wrapped", .int(Int(r.resultWrapped))), ("result_saturated", .int(Int(r.resultSaturated))),
                   ("seen_min", r.seen.map { .double($0.lowerBound) } ?? .null), ("seen_max", r.seen.map { .double($0.upperBound) } ?? .null),
                   ("format_min", .double(r.formatRange.lowerBound)), ("format_max", .double(r.formatRange.upperBound)),
                   ("integer_bits", .int(r.result.integerBits)), ("needed_integer_bits", r.neededIntegerBits.map { .int($0) } ?? .null)])
        })),
        ("traps", .array(traps.map { .string($0) })),
        ("static_notes", .array(m.layers.flatMap { l in l.notes.map { .string("\(l.name): \($0)") } })),
      ]).text)
      return
    }
    print("trace of \(m.source): \(rows) rows, per-layer outputs in \(out)/")
    // Columns as wide as their longest entry (formats with modes reach 40 characters).
    let nameW = max(24, (reports.map(\.name.count) + inputRows.map(\.name.count)).max() ?? 0) + 2
    let fmtW = max(34, (reports.map { $0.result.description.count } + inputRows.map { $0.format.description.count }).max() ?? 0) + 2
    func range(_ r: ClosedRange<Double>?) -> String { r.map { "[\(format3g($0.lowerBound)), \(format3g($0.upperBound))]" } ?? "-" }
    func need(_ n: Int?, _ has: Int) -> String { n.map { "\($0)/\(has)" + ($0 > has ? " !" : "") } ?? "-" }
    print(pad("#", 4) + pad("layer", nameW) + pad("result", fmtW) + pad("seen", 26) + pad("format", 24) + pad("I need/has", 12) + pad("accum w/s", 14) + "result w/s")
    for r in inputRows {
      print(pad("in", 4) + pad(r.name, nameW) + pad(r.format.description, fmtW) + pad(range(r.seen), 26) + pad(range(r.range), 24)
            + pad(need(r.needed, r.format.integerBits), 12) + pad("-", 14) + "\(r.wrapped)/\(r.saturated)")
    }
    for r in reports {
      print(pad("\(r.layer)", 4) + pad(r.name, nameW) + pad(r.result.description, fmtW) + pad(range(r.seen), 26) + pad(range(r.formatRange), 24)
            + pad(need(r.neededIntegerBits, r.result.integerBits), 12)
            + pad("\(r.accumWrapped)/\(r.accumSaturated)", 14) + "\(r.resultWrapped)/\(r.resultSaturated)")
    }
    let notes = m.layers.flatMap { l in l.notes.map { "\(l.name): \($0)" } }
    if !traps.isEmpty || !notes.isEmpty { print("") }
    for t in traps { print("trap: " + t) }
    for n in notes { print(n) }
  }
}

/// The conversion of one graph input into its `input_t`, counted over the traced rows (the
/// session report covers the layers only).
struct InputConversion {
  var name: String, format: FixedFormat, range: ClosedRange<Double>
  var values = 0, wrapped = 0, saturated = 0, nan = 0
  var seen: ClosedRange<Double>?
  var needed: Int? { seen.flatMap { LayerReport.neededIntegerBits($0, like: format) } }
}

func inputConversions(_ m: Model, _ arrays: [NPYArray]) -> [InputConversion] {
  m.inputFormats.enumerated().compactMap { (i, f) -> InputConversion? in
    guard let f else { return nil }
    var r = InputConversion(name: m.inputs[i].name, format: f, range: LayerReport.range(of: f))
    var lo = Double.infinity, hi = -Double.infinity
    for v in arrays[i].values {
      let st = f.quantize(v).status
      r.values += 1
      if st.contains(.wrapped) { r.wrapped += 1 }
      if st.contains(.saturated) { r.saturated += 1 }
      if st.contains(.nan) { r.nan += 1 } else { lo = min(lo, v); hi = max(hi, v) }
    }
    if lo <= hi { r.seen = lo...hi }
    return r
  }
}

/// %g-style text with 4 significant digits, for tables.
func format3g(_ v: Double) -> String {
  var buf = [CChar](repeating: 0, count: 64)
  _ = withVaList([v]) { vsnprintf(&buf, 64, "%.4g", $0) }
  return String(cString: buf)
}

/// C++ `std::ostream << float` (default precision 6): what hls4ml's testbench logs contain.
func ostreamFloat(_ v: Float) -> String {
  var buf = [CChar](repeating: 0, count: 64)
  _ = withVaList([Double(v)]) { vsnprintf(&buf, 64, "%g", $0) }
  return String(cString: buf)
}

struct Testbench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tb",
    abstract: "Fixed mode: hls4ml testbench files (tb_data/) from trigrt's results, plus bit-exact raw-integer variants.")
  @OptionGroup var options: ModelOptions

  @Option(name: .long, help: "Input .npy (float32 or float64, computed on as float32 like hls4ml's testbench), rows first.")
  var input: [String]

  @Option(name: .long, help: "Directory to write (tb_data/ is created inside it).")
  var out: String

  @Option(name: .long, help: "Write tb_data/<layer>_output.log for this layer (hls4ml names); repeat, or 'all'.")
  var trace: [String] = []

  @Flag(name: .long, help: "Machine-readable output: the files written.")
  var json = false

  func run() throws {
    var opts = options
    opts.fixed = true
    let m = try opts.load()
    let (given, rows) = try readInputs(m, input)
    // hls4ml's testbench parses tb_input_features.dat with atof into std::vector<float>: the
    // design sees float(x). Predictions, input codes and layer logs are computed from exactly
    // that, so the files agree with what the testbench computes; the input text stays as
    // hls4ml's writer prints the given array.
    let arrays = given.map { a in
      a.descr == "<f4" ? a : NPYArray(shape: a.shape, values: a.values.map { Double(Float($0)) }, descr: a.descr)
    }
    let rounded = zip(given, arrays).reduce(0) { n, p in n + zip(p.0.values, p.1.values).filter { $0 != $1 }.count }
    let dir = out + "/tb_data"
    try makeDirectory(dir)
    let (_, values, raws) = try traceAll(m, arrays, rows: rows, batch: 256)
    func write(_ path: String, _ lines: [String]) throws {
      guard let f = fopen(path, "w") else { throw CLIError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
      defer { fclose(f) }
      for l in lines { fputs(l + "\n", f) }
    }
    // Inputs: each sample on one line, every value followed by one space (Python str() of the
    // array's own dtype, as hls4ml writes them); raw: the integers of input_t.
    var inLines: [String] = [], inRaw: [String] = []
    let session = try Session.make(model: m, maxBatch: 1)
    _ = session
    for r in 0..<rows {
      var line = "", rawLine = ""
      for (i, a) in arrays.enumerated() {
        let c = m.inputs[i].count
        for e in 0..<c {
          let v = given[i].values[r * c + e]
          line += (a.descr == "<f4" ? Float(v).description : v.description) + " "
          rawLine += String(m.quantizeInput(i, a.values[r * c + e])) + " "
        }
      }
      inLines.append(line)
      inRaw.append(rawLine)
    }
    try write(dir + "/tb_input_features.dat", inLines)
    try write(dir + "/tb_input_features.raw.dat", inRaw)
    // Predictions: the model outputs (exact values) and their raw integers.
    let outLayers = m.outputLayerIndices
    var pred: [String] = [], predRaw: [String] = []
    for r in 0..<rows {
      var line = "", rawLine = ""
      for li in outLayers {
        let n = m.layers[li].outputShape.reduce(1, *)
        for e in 0..<n {
          line += values[li][r * n + e].description + " "
          if let rw = raws[li] { rawLine += String(rw[r * n + e]) + " " }
        }
      }
      pred.append(line)
      predRaw.append(rawLine)
    }
    try write(dir + "/tb_output_predictions.dat", pred)
    try write(dir + "/tb_output_predictions.raw.dat", predRaw)
    let wanted = trace.contains("all") ? Set(m.layers.map(\.name)) : Set(trace)
    for name in wanted where !m.layers.contains(where: { $0.name == name }) {
      throw ValidationError("--trace \(name): no such layer (layers: \(m.layers.map(\.name).joined(separator: ", ")))")
    }
    var files = ["tb_input_features.dat", "tb_input_features.raw.dat", "tb_output_predictions.dat", "tb_output_predictions.raw.dat"]
    for (i, l) in m.layers.enumerated() where wanted.contains(l.name) {
      files.append("\(l.name)_output.log")
      if raws[i] != nil { files.append("\(l.name)_output.raw.log") }
      let n = l.outputShape.reduce(1, *)
      var lines: [String] = [], rawLines: [String] = []
      for r in 0..<rows {
        lines.append((0..<n).map { ostreamFloat(Float(values[i][r * n + $0])) + " " }.joined())
        if let rw = raws[i] { rawLines.append((0..<n).map { String(rw[r * n + $0]) + " " }.joined()) }
      }
      try write(dir + "/\(l.name)_output.log", lines)
      if raws[i] != nil { try write(dir + "/\(l.name)_output.raw.log", rawLines) }
    }
    if json {
      print(JSONValue.object([("model", .string(m.source)), ("rows", .int(rows)), ("dir", .string(dir)),
                              ("files", .array(files.map { .string(dir + "/" + $0) }))]).text)
      return
    }
    print("wrote \(dir): tb_input_features.dat, tb_output_predictions.dat (\(rows) rows) and their .raw.dat variants" +
          (wanted.isEmpty ? "" : ", \(wanted.count) layer log(s)"))
    if rounded > 0 {
      print("note: \(rounded) float64 input value(s) are not float32 values; hls4ml's testbench reads the inputs as float, " +
            "so every prediction, code and log here is computed from the inputs rounded to float32")
    }
  }
}
