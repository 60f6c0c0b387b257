/// The C ABI of include/trigrt.h. Each export unboxes its handles, calls the Swift runtime and
/// maps the outcome to a status and a message — no logic of its own. This module is built for
/// the baseline ISA; the CPU check itself runs in C before any Swift code (Sources/CEntry).
import CTrigRTHeader
import TrigRT

// MARK: - Error reporting

/// Fills `err` with `code` and `message` (cut at 511 bytes on a UTF-8 boundary).
func report(_ err: UnsafeMutablePointer<trigrt_error>?, _ code: Status, _ message: String) -> trigrt_status {
  guard let err else { return code.rawValue }
  err.pointee.code = code.rawValue
  withUnsafeMutableBytes(of: &err.pointee.message) { buf in
    var utf8 = Array(message.utf8.prefix(buf.count - 1))
    while let last = utf8.last, last & 0xC0 == 0x80 { utf8.removeLast() }   // drop a cut sequence
    if let last = utf8.last, last >= 0xC0 { utf8.removeLast() }
    buf.copyBytes(from: utf8)
    buf[utf8.count] = 0
  }
  return code.rawValue
}

func ok(_ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  if let err {
    err.pointee.code = trigrt_status(TRIGRT_OK)
    withUnsafeMutableBytes(of: &err.pointee.message) { $0[0] = 0 }
  }
  return trigrt_status(TRIGRT_OK)
}

/// Writes a run failure into `err` without allocating (this is the error path of run).
func reportRun(_ err: UnsafeMutablePointer<trigrt_error>?, _ f: RunFailure, _ fn: StaticString) -> trigrt_status {
  guard let err else { return f.status.rawValue }
  err.pointee.code = f.status.rawValue
  withUnsafeMutableBytes(of: &err.pointee.message) { buf in
    var w = MessageWriter(buf)
    w.write(fn)
    w.write(": ")
    switch f {
    case .nullSession: w.write("session is NULL")
    case .nullInputs: w.write("inputs is NULL")
    case .nullOutputs: w.write("outputs is NULL")
    case .nullInput(let i): w.write("inputs["); w.write(i); w.write("] is NULL")
    case .nullOutput(let j): w.write("outputs["); w.write(j); w.write("] is NULL")
    case .batch(let b, let m): w.write("batch "); w.write(b); w.write(" is outside 1...max_batch ("); w.write(m); w.write(")")
    }
    w.finish()
  }
  return f.status.rawValue
}

/// Appends static text and integers to a fixed buffer; never allocates.
struct MessageWriter {
  let buf: UnsafeMutableRawBufferPointer
  var n = 0
  init(_ buf: UnsafeMutableRawBufferPointer) { self.buf = buf }
  mutating func byte(_ b: UInt8) {
    if n < buf.count - 1 { buf[n] = b; n += 1 }
  }
  mutating func write(_ s: StaticString) {
    s.withUTF8Buffer { for b in $0 { byte(b) } }
  }
  mutating func write(_ v: Int) {
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0)
    var m = v.magnitude
    var k = 0
    withUnsafeMutableBytes(of: &digits) { d in
      repeat { d[k] = UInt8(truncatingIfNeeded: m % 10) + 48; m /= 10; k += 1 } while m > 0 && k < 20
      if v < 0 { byte(45) }
      while k > 0 { k -= 1; byte(d[k]) }
    }
  }
  mutating func finish() { buf[n] = 0 }
}

// MARK: - Options

/// Bytes of the version-1 fields (struct_size, mode, precision_config).
let optionsV1Size = MemoryLayout<trigrt_options>.offset(of: \.precision_config)! + MemoryLayout<UnsafePointer<CChar>?>.size

@_cdecl("trigrt_options_init")
public func trigrt_options_init(_ opts: UnsafeMutablePointer<trigrt_options>?) {
  trigrt_options_init_sized(opts, optionsV1Size)
}

@_cdecl("trigrt_options_init_sized")
public func trigrt_options_init_sized(_ opts: UnsafeMutablePointer<trigrt_options>?, _ size: Int) {
  guard let opts, size >= optionsV1Size else { return }
  // Write field by field: nothing past `size` (and nothing past the fields this library knows).
  let raw = UnsafeMutableRawPointer(opts)
  raw.initializeMemory(as: UInt8.self, repeating: 0, count: min(size, MemoryLayout<trigrt_options>.size))
  opts.pointee.struct_size = UInt32(min(size, Int(UInt32.max)))
  opts.pointee.mode = Int32(TRIGRT_MODE_FLOAT)
  opts.pointee.precision_config = nil
}

/// Reads the fields of `opts` that its struct_size says the caller knows.
func options(_ opts: UnsafePointer<trigrt_options>?) -> Result<LoadOptions, TrigRTError> {
  guard let opts else { return .success(LoadOptions()) }
  let size = Int(opts.pointee.struct_size)
  guard size >= MemoryLayout<UInt32>.size + MemoryLayout<Int32>.size else {
    return .failure(TrigRTError(.invalidArgument, "trigrt_options.struct_size is \(size); initialise options with trigrt_options_init()"))
  }
  guard size <= 4096 else {
    return .failure(TrigRTError(.invalidArgument, "trigrt_options.struct_size is \(size); initialise options with trigrt_options_init()"))
  }
  guard let mode = Mode(rawValue: opts.pointee.mode) else {
    return .failure(TrigRTError(.invalidArgument, "trigrt_options.mode is \(opts.pointee.mode); expected TRIGRT_MODE_FLOAT (0) or TRIGRT_MODE_FIXED (1)"))
  }
  var o = LoadOptions(mode: mode)
  if size >= optionsV1Size, let p = opts.pointee.precision_config {
    o.precisionConfig = String(cString: p)
  }
  return .success(o)
}

// MARK: - Model

func loaded(_ r: Result<Model, TrigRTError>, _ out: UnsafeMutablePointer<OpaquePointer?>,
            _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  switch r {
  case .success(let m):
    out.pointee = OpaquePointer(Unmanaged.passRetained(m).toOpaque())
    return ok(err)
  case .failure(let e):
    return report(err, e.code, e.message)
  }
}

/// Behind `trigrt_model_load_file` (Sources/CEntry/entry.c checks the CPU first).
@_cdecl("trigrtimpl_model_load_file")
public func trigrtimpl_model_load_file(_ path: UnsafePointer<CChar>?, _ opts: UnsafePointer<trigrt_options>?,
                                   _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let out else { return report(err, .invalidArgument, "trigrt_model_load_file: out is NULL") }
  out.pointee = nil
  guard let path else { return report(err, .invalidArgument, "trigrt_model_load_file: path is NULL") }
  let p = String(cString: path)
  return loaded(options(opts).flatMap { o in Result { () throws(TrigRTError) in try Model.load(path: p, options: o) } }, out, err)
}

/// Behind `trigrt_model_load_memory` (Sources/CEntry/entry.c checks the CPU first).
@_cdecl("trigrtimpl_model_load_memory")
public func trigrtimpl_model_load_memory(_ data: UnsafeRawPointer?, _ size: Int, _ opts: UnsafePointer<trigrt_options>?,
                                     _ out: UnsafeMutablePointer<OpaquePointer?>?, _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let out else { return report(err, .invalidArgument, "trigrt_model_load_memory: out is NULL") }
  out.pointee = nil
  guard let data else { return report(err, .invalidArgument, "trigrt_model_load_memory: data is NULL") }
  let bytes = UnsafeRawBufferPointer(start: data, count: size)
  return loaded(options(opts).flatMap { o in Result { () throws(TrigRTError) in try Model.load(bytes: bytes, options: o) } }, out, err)
}

@inline(__always) func model(_ p: OpaquePointer?) -> Model? {
  guard let p else { return nil }
  return Unmanaged<Model>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

@_cdecl("trigrt_model_destroy")
public func trigrt_model_destroy(_ p: OpaquePointer?) {
  guard let p else { return }
  Unmanaged<Model>.fromOpaque(UnsafeRawPointer(p)).release()
}

@_cdecl("trigrt_model_input_count")
public func trigrt_model_input_count(_ p: OpaquePointer?) -> Int32 {
  guard let m = model(p) else { return -1 }
  return Int32(m.inputs.count)
}

@_cdecl("trigrt_model_output_count")
public func trigrt_model_output_count(_ p: OpaquePointer?) -> Int32 {
  guard let m = model(p) else { return -1 }
  return Int32(m.outputs.count)
}

@_cdecl("trigrt_model_input_size")
public func trigrt_model_input_size(_ p: OpaquePointer?, _ i: Int32) -> Int {
  guard let m = model(p), i >= 0, Int(i) < m.inputs.count else { return 0 }
  return m.inputs[Int(i)].count
}

@_cdecl("trigrt_model_output_size")
public func trigrt_model_output_size(_ p: OpaquePointer?, _ i: Int32) -> Int {
  guard let m = model(p), i >= 0, Int(i) < m.outputs.count else { return 0 }
  return m.outputs[Int(i)].count
}

@_cdecl("trigrt_model_input_name")
public func trigrt_model_input_name(_ p: OpaquePointer?, _ i: Int32) -> UnsafePointer<CChar>? {
  guard let m = model(p), i >= 0, Int(i) < m.inputs.count else { return nil }
  return m.inputCName(Int(i))
}

@_cdecl("trigrt_model_output_name")
public func trigrt_model_output_name(_ p: OpaquePointer?, _ i: Int32) -> UnsafePointer<CChar>? {
  guard let m = model(p), i >= 0, Int(i) < m.outputs.count else { return nil }
  return m.outputCName(Int(i))
}

func shape(_ s: [Int], _ dims: UnsafeMutablePointer<Int64>?, _ maxDims: Int32) -> Int32 {
  if let dims {
    for (k, d) in s.enumerated() where k < Int(maxDims) { dims[k] = Int64(d) }
  }
  return Int32(s.count)
}

@_cdecl("trigrt_model_input_shape")
public func trigrt_model_input_shape(_ p: OpaquePointer?, _ i: Int32, _ dims: UnsafeMutablePointer<Int64>?, _ maxDims: Int32) -> Int32 {
  guard let m = model(p), i >= 0, Int(i) < m.inputs.count else { return -1 }
  return shape(m.inputs[Int(i)].shape, dims, maxDims)
}

@_cdecl("trigrt_model_output_shape")
public func trigrt_model_output_shape(_ p: OpaquePointer?, _ i: Int32, _ dims: UnsafeMutablePointer<Int64>?, _ maxDims: Int32) -> Int32 {
  guard let m = model(p), i >= 0, Int(i) < m.outputs.count else { return -1 }
  return shape(m.outputs[Int(i)].shape, dims, maxDims)
}

@_cdecl("trigrt_model_mode")
public func trigrt_model_mode(_ p: OpaquePointer?) -> Int32 {
  guard let m = model(p) else { return -1 }
  return m.mode.rawValue
}

@_cdecl("trigrt_model_arena_size")
public func trigrt_model_arena_size(_ p: OpaquePointer?, _ maxBatch: UInt32) -> Int {
  guard let m = model(p), maxBatch > 0 else { return 0 }
  return m.arenaBytes(maxBatch: Int(maxBatch)) ?? 0
}

// MARK: - Session

@inline(__always) func session(_ p: OpaquePointer?) -> Session? {
  guard let p else { return nil }
  return Unmanaged<Session>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

@_cdecl("trigrt_session_create")
public func trigrt_session_create(_ p: OpaquePointer?, _ maxBatch: UInt32, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                  _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let out else { return report(err, .invalidArgument, "trigrt_session_create: out is NULL") }
  out.pointee = nil
  guard let m = model(p) else { return report(err, .invalidArgument, "trigrt_session_create: model is NULL") }
  guard maxBatch > 0 else { return report(err, .invalidArgument, "trigrt_session_create: max_batch is 0; it must be at least 1") }
  do {
    let s = try Session.make(model: m, maxBatch: Int(maxBatch))
    out.pointee = OpaquePointer(Unmanaged.passRetained(s).toOpaque())
    return ok(err)
  } catch {
    return report(err, error.code, "trigrt_session_create: " + error.message)
  }
}

@_cdecl("trigrt_session_destroy")
public func trigrt_session_destroy(_ p: OpaquePointer?) {
  guard let p else { return }
  Unmanaged<Session>.fromOpaque(UnsafeRawPointer(p)).release()
}

@_cdecl("trigrt_session_max_batch")
public func trigrt_session_max_batch(_ p: OpaquePointer?) -> UInt32 {
  guard let s = session(p) else { return 0 }
  return UInt32(s.maxBatch)
}

@_cdecl("trigrt_session_run")
public func trigrt_session_run(_ p: OpaquePointer?, _ inputs: UnsafePointer<UnsafePointer<Float>?>?,
                               _ outputs: UnsafePointer<UnsafeMutablePointer<Float>?>?, _ batch: UInt32,
                               _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let s = session(p) else { return reportRun(err, .nullSession, "trigrt_session_run") }
  if let f = s.run(inputs: inputs, outputs: outputs, batch: Int(batch)) { return reportRun(err, f, "trigrt_session_run") }
  return ok(err)
}

@_cdecl("trigrt_session_run_f64")
public func trigrt_session_run_f64(_ p: OpaquePointer?, _ inputs: UnsafePointer<UnsafePointer<Double>?>?,
                                   _ outputs: UnsafePointer<UnsafeMutablePointer<Double>?>?, _ batch: UInt32,
                                   _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let s = session(p) else { return reportRun(err, .nullSession, "trigrt_session_run_f64") }
  if let f = s.runF64(inputs: inputs, outputs: outputs, batch: Int(batch)) { return reportRun(err, f, "trigrt_session_run_f64") }
  return ok(err)
}

// MARK: - Overflow report

@_cdecl("trigrt_session_set_report")
public func trigrt_session_set_report(_ p: OpaquePointer?, _ enable: Int32, _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let s = session(p) else { return report(err, .invalidArgument, "trigrt_session_set_report: session is NULL") }
  guard s.statsCount > 0 else {
    return report(err, .invalidArgument, "trigrt_session_set_report: the model is in float mode; the overflow report is a fixed-mode feature")
  }
  s.reporting = enable != 0
  return ok(err)
}

@_cdecl("trigrt_session_report_count")
public func trigrt_session_report_count(_ p: OpaquePointer?) -> Int32 {
  guard let s = session(p) else { return 0 }
  return Int32(s.statsCount)
}

let layerReportV1Size = MemoryLayout<trigrt_layer_report>.size

@_cdecl("trigrt_session_report")
public func trigrt_session_report(_ p: OpaquePointer?, _ index: Int32, _ out: UnsafeMutablePointer<trigrt_layer_report>?,
                                  _ err: UnsafeMutablePointer<trigrt_error>?) -> trigrt_status {
  guard let s = session(p) else { return report(err, .invalidArgument, "trigrt_session_report: session is NULL") }
  guard let out else { return report(err, .invalidArgument, "trigrt_session_report: out is NULL") }
  guard index >= 0, Int(index) < s.statsCount else {
    return report(err, .invalidArgument, "trigrt_session_report: index \(index) is outside 0..<\(s.statsCount)")
  }
  guard Int(out.pointee.struct_size) >= layerReportV1Size else {
    return report(err, .invalidArgument, "trigrt_session_report: out->struct_size is \(out.pointee.struct_size); set it to sizeof(trigrt_layer_report)")
  }
  let r = s.report(Int(index))
  let m = s.model
  out.pointee = trigrt_layer_report(
    struct_size: UInt32(layerReportV1Size), layer: Int32(r.layer), name: m.reportCName(Int(index)), result_format: m.reportCFormat(Int(index)),
    values: r.values, accum_wrapped: r.accumWrapped, accum_saturated: r.accumSaturated,
    result_wrapped: r.resultWrapped, result_saturated: r.resultSaturated,
    seen_min: r.seen?.lowerBound ?? .nan, seen_max: r.seen?.upperBound ?? .nan,
    format_min: r.formatRange.lowerBound, format_max: r.formatRange.upperBound,
    integer_bits: Int32(r.result.integerBits), needed_integer_bits: r.neededIntegerBits.map { Int32(clamping: $0) } ?? Int32.min)
  return ok(err)
}

@_cdecl("trigrt_session_reset_report")
public func trigrt_session_reset_report(_ p: OpaquePointer?) {
  session(p)?.resetStats()
}

// MARK: - Status and version

@_cdecl("trigrt_status_string")
public func trigrt_status_string(_ s: trigrt_status) -> UnsafePointer<CChar> {
  let text: StaticString = Status(rawValue: s)?.text ?? "unknown status"
  return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("trigrt_abi_version")
public func trigrt_abi_version() -> UInt32 { UInt32(TRIGRT_ABI_VERSION) }

@_cdecl("trigrt_version_number")
public func trigrt_version_number() -> UInt32 { UInt32(TRIGRT_VERSION_MAJOR * 1_000_000 + TRIGRT_VERSION_MINOR * 1_000 + TRIGRT_VERSION_PATCH) }
