import CSupport
import FixedPoint
#if canImport(Glibc)
import Glibc
#endif

/// Numeric mode of a model (`TRIGRT_MODE_*`).
public enum Mode: Int32, Sendable {
  case float = 0
  case fixed = 1
}

/// Load options (`trigrt_options`).
public struct LoadOptions: Sendable {
  public var mode: Mode
  public var precisionConfig: String?
  /// The weight and arena caps (`trigrt_options.max_weight_bytes` / `max_arena_bytes`).
  public var limits: Limits
  public init(mode: Mode = .float, precisionConfig: String? = nil, limits: Limits = Limits()) {
    self.mode = mode
    self.precisionConfig = precisionConfig
    self.limits = limits
  }
}

/// A loaded, validated and planned model. Immutable after `load`; share it across threads.
/// Corresponds to `trigrt_model`.
public final class Model: @unchecked Sendable {
  /// `Model.liveMagic` while the C handle is valid, `deadMagic` once trigrt_model_destroy ran.
  /// It must stay the first stored property: the C ABI reads it at a fixed offset
  /// (`handleMagicOffset`) before it treats a pointer as a model (a test checks the layout).
  var handleMagic: UInt64 = Model.liveMagic
  /// Sessions alive that were created from this model (they keep it alive).
  let liveSessions: UnsafeMutablePointer<Int64>
  /// The caps the model was loaded with; session creation applies the arena cap.
  public let limits: Limits
  public let source: String
  public let mode: Mode
  public let inputs: [TensorInfo]
  public let outputs: [TensorInfo]
  let plan: Plan
  /// NUL-terminated copies of the input and output names, owned by the model (for the C ABI).
  let inputCNames: [UnsafeMutablePointer<CChar>]
  let outputCNames: [UnsafeMutablePointer<CChar>]

  init(source: String, mode: Mode, inputs: [TensorInfo], outputs: [TensorInfo], plan: Plan, limits: Limits = Limits()) {
    liveSessions = .allocate(capacity: 1)
    liveSessions.initialize(to: 0)
    self.limits = limits
    self.source = source
    self.mode = mode
    self.inputs = inputs
    self.outputs = outputs
    self.plan = plan
    inputCNames = inputs.map { strdup($0.name)! }
    outputCNames = outputs.map { strdup($0.name)! }
    reportCNames = plan.reportLayers.map { strdup(plan.layers[$0.step].name)! }
    reportCFormats = plan.reportLayers.map { strdup($0.result.description)! }
  }

  let reportCNames: [UnsafeMutablePointer<CChar>]
  let reportCFormats: [UnsafeMutablePointer<CChar>]

  /// NUL-terminated name and result format of report layer i, valid while the model lives.
  public func reportCName(_ i: Int) -> UnsafePointer<CChar> { UnsafePointer(reportCNames[i]) }
  public func reportCFormat(_ i: Int) -> UnsafePointer<CChar> { UnsafePointer(reportCFormats[i]) }

  deinit {
    handleMagic = Model.deadMagic
    liveSessions.deallocate()
    for p in inputCNames { free(p) }
    for p in outputCNames { free(p) }
    for p in reportCNames { free(p) }
    for p in reportCFormats { free(p) }
  }

  // MARK: The C handle

  static let liveMagic: UInt64 = 0x6C65_646F_6D74_7274   // "trtmodel"
  static let deadMagic: UInt64 = 0x6C65_646F_6D64_6165   // "eadmodel"
  /// Byte offset of `handleMagic` in the object (after Swift's 16-byte object header).
  public static let handleMagicOffset = 16

  /// The model behind a C handle, or nil when `p` is not a live model handle (a destroyed model
  /// that sessions still keep alive, a session handle passed as a model, …). Reads one word at
  /// `p`; `p` must point to readable memory (a handle freed by trigrt_model_destroy and not kept
  /// alive is undefined behaviour, as any use after free).
  @inline(__always)
  public static func fromHandle(_ p: UnsafeRawPointer) -> Model? {
    let magic = trigrtsupport_load_u64(UnsafeMutableRawPointer(mutating: p + handleMagicOffset).assumingMemoryBound(to: UInt64.self))
    guard magic == liveMagic else { return nil }
    return Unmanaged<Model>.fromOpaque(p).takeUnretainedValue()
  }

  /// What a pointer that is not a live model is, for messages.
  public static func describeHandle(_ p: UnsafeRawPointer) -> String {
    let magic = UnsafeRawPointer(p + handleMagicOffset).loadUnaligned(as: UInt64.self)
    if magic == deadMagic { return "the model was already destroyed (trigrt_model_destroy)" }
    if magic == Session.liveMagic || magic == Session.deadMagic { return "the pointer is a trigrt_session, not a trigrt_model" }
    return "the pointer is not a trigrt_model (or the model was destroyed)"
  }

  /// Marks the C handle destroyed (trigrt_model_destroy): later calls with it are refused; the
  /// object itself lives on while sessions hold it. Returns false if it already was.
  public func invalidateHandle() -> Bool {
    withUnsafeMutablePointer(to: &handleMagic) { p in
      guard trigrtsupport_load_u64(p) == Model.liveMagic else { return false }
      trigrtsupport_store_u64(p, Model.deadMagic)
      return true
    }
  }

  /// Number of sessions alive that were created from this model.
  public var sessionCount: Int { Int(trigrtsupport_load(liveSessions)) }

  /// NUL-terminated names for the C ABI, valid while the model lives.
  public func inputCName(_ i: Int) -> UnsafePointer<CChar> { UnsafePointer(inputCNames[i]) }
  public func outputCName(_ i: Int) -> UnsafePointer<CChar> { UnsafePointer(outputCNames[i]) }

  /// Fixed mode: the raw integer input `i`'s format gives the value `v` (what run_f64 feeds the
  /// first layer); 0 in float mode.
  public func quantizeInput(_ i: Int, _ v: Double) -> Int64 {
    plan.fixed?.quantizers[i].quantize(v) ?? 0
  }

  /// Fixed mode: each graph input's `input_t` (nil for an input QONNX reads as float32); empty in
  /// float mode.
  public var inputFormats: [FixedFormat?] {
    guard let f = plan.fixed else { return [] }
    return (0..<inputs.count).map { f.quantizers[$0].float32 ? nil : f.quantizers[$0].format }
  }

  /// For each graph output, the index of the layer that writes it.
  public var outputLayerIndices: [Int] {
    plan.outputSlots.map { s in plan.stepOutputs.lastIndex(where: { $0 == s }) ?? 0 }
  }

  /// Layers as planned (after fusion), for `inspect`.
  public var layers: [LayerInfo] { plan.layers }
  /// Bytes of packed constants held by the model.
  public var constantBytes: Int { plan.store.bytes }

  /// Session memory for `maxBatch`, or nil if it would overflow.
  public func arenaBytes(maxBatch: Int) -> Int? { plan.arenaBytes(maxBatch: maxBatch) }

  /// Fails with `.unsupportedCPU` on a CPU without x86-64-v3 (the check itself is baseline C).
  public static func checkCPU() throws(TrigRTError) {
    if trigrtsupport_cpu_supports_v3() == 0 {
      let missing = String(cString: trigrtsupport_cpu_missing_feature())
      throw TrigRTError(.unsupportedCPU, "this CPU lacks \(missing); trigrt is built for x86-64-v3 (AVX2 and FMA)")
    }
  }

  /// Loads a model file. Corresponds to `trigrt_model_load_file`.
  public static func load(path: String, options: LoadOptions = LoadOptions()) throws(TrigRTError) -> Model {
    try checkCPU()
    let bytes = try ONNXReader.readFile(path)
    let result: Result<Model, TrigRTError> = bytes.withUnsafeBytes { b in
      Result { () throws(TrigRTError) -> Model in try load(bytes: b, source: path, options: options) }
    }
    return try result.get()
  }

  /// Loads a model from memory. Corresponds to `trigrt_model_load_memory`.
  public static func load(bytes: UnsafeRawBufferPointer, source: String = "<memory>",
                          options: LoadOptions = LoadOptions()) throws(TrigRTError) -> Model {
    try checkCPU()
    let limits = options.limits
    guard limits.maxWeightBytes > 0, limits.maxArenaBytes > 0 else {
      throw TrigRTError(.invalidArgument, "\(source): the weight and arena caps must be positive")
    }
    let graph = try ONNXReader.parse(bytes, source: source, limits: limits)
    if options.mode == .float, let cfg = options.precisionConfig {
      throw TrigRTError(.invalidArgument, "\(source): a precision config ('\(cfg)') applies to fixed mode; load with TRIGRT_MODE_FIXED (CLI: --fixed)")
    }
    var lowered = try Lowering.lower(graph, source: source, limits: limits)
    let plan: Plan
    if options.mode == .fixed {
      let isQONNX = lowered.layers.contains { if case .quant = $0.op { return true } else { return false } }
      var fixedGraph = lowered
      if options.precisionConfig == nil && isQONNX {
        // QONNX semantics: Quant outputs exact in fixed point, the rest as qonnx computes it.
        let q = try QONNXExact.build(lowered, source: source, limits: limits)
        fixedGraph.values = q.values
        fixedGraph.layers = q.layers
        let inputFormats = lowered.inputs.map { q.formats[$0] ?? PrecisionConfig.hls4mlDefault }
        plan = try Planner.build(fixedGraph, source: source, fixed: Planner.FixedContext(formats: q.formats, inputFormats: inputFormats))
      } else {
        let config = try options.precisionConfig.map { (p: String) throws(TrigRTError) in try PrecisionConfig.load(path: p) }
          ?? PrecisionConfig.modelDefault(source: "hls4ml's default (ap_fixed<16,6>)")
        let hls = try HLSGraphBuilder.build(lowered, graph: graph, config: config, source: source, limits: limits)
        fixedGraph.values = hls.values
        fixedGraph.layers = hls.layers.map { Layer(name: $0.name, opTypes: [$0.className], op: .hls($0), inputs: $0.inputs, output: $0.output) }
        plan = try Planner.build(fixedGraph, source: source, fixed: Planner.FixedContext(formats: hls.formats, inputFormats: hls.inputFormats))
      }
    } else {
      Fusion.fuseFloat(&lowered)
      plan = try Planner.build(lowered, source: source)
    }
    guard plan.store.bytes <= limits.maxWeightBytes else {
      throw TrigRTError(.limit, "\(source): the planned constants take \(Limits.describe(bytes: plan.store.bytes)); the weight cap is \(Limits.describe(bytes: limits.maxWeightBytes)) (trigrt_options.max_weight_bytes)")
    }
    guard let arena1 = plan.arenaBytes(maxBatch: 1), arena1 <= limits.maxArenaBytes else {
      throw TrigRTError(.limit, "\(source): one sample needs \(plan.arenaBytes(maxBatch: 1).map { Limits.describe(bytes: $0) } ?? "more than 2^63 bytes") of arena; the arena cap is \(Limits.describe(bytes: limits.maxArenaBytes)) (trigrt_options.max_arena_bytes)")
    }
    let ins = lowered.inputs.map { TensorInfo(name: lowered.values[$0].name, shape: lowered.values[$0].shape) }
    let outs = lowered.outputs.enumerated().map { TensorInfo(name: lowered.outputNames[$0.offset], shape: lowered.values[$0.element].shape) }
    return Model(source: source, mode: options.mode, inputs: ins, outputs: outs, plan: plan, limits: limits)
  }
}
