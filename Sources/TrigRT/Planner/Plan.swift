import FixedPoint
/// LoweredGraph → Plan: the immutable, shareable execution plan. Every tensor that a step reads
/// or writes is a *slot*: a graph input or output (the caller's buffers, bound per run), a
/// packed constant, or a region of the session's arena. Arena regions are planned once per
/// sample (`GreedyArenaPlanner` over step lifetimes) and scaled by the session's max_batch, so
/// a plan serves sessions of any size.

/// How a session binds a slot.
enum SlotBinding {
  /// Arena offset of the region for one sample; the session multiplies it by max_batch.
  case arena(offsetPerSample: Int)
  case input(Int)
  case output(Int)
  case constant(UnsafeMutableRawPointer)
  /// The shared per-step scratch region, after the arena and staging (not per sample).
  case scratch
}

/// One step of the plan. Payloads hold only integers and raw pointers (trivial types), so
/// running a step copies, retains and allocates nothing.
enum Step {
  case dense(DenseFloatStep)
  case conv(ConvFloatStep)
  case pool(PoolFloatStep)
  case transpose(TransposeFloatStep)
  case pad(PadFloatStep)
  case gather(GatherFloatStep)
  case embedding(EmbeddingFloatStep)
  case reduce(ReduceFloatStep)
  case minMax(MinMaxFloatStep)
  case cast(CastFloatStep)
  case binary(BinaryFloatStep)
  case activation(ActivationFloatStep)
  case channelAffine(ChannelAffineFloatStep)
  case softmax(SoftmaxFloatStep)
  case concat(ConcatFloatStep)
  case quant(QuantFloatStep)
  case copy(CopyStep)
  case denseFixed(DenseFixedStep)
  case normalizeFixed(NormalizeFixedStep)
  case activationFixed(ActivationFixedStep)
  case softmaxFixed(SoftmaxFixedStep)
  case mergeFixed(MergeFixedStep)
  case concatFixed(ConcatFixedStep)
  case windowFixed(WindowFixedStep)
  case quantizeFixed(QuantizeFixedStep)
  case toFloat(ToFloatStep)
}

/// What `inspect` prints for one step.
public struct LayerInfo: Sendable {
  public var name: String
  public var opTypes: [String]
  public var kind: String
  public var outputShape: [Int]
  public var macs: Int          // multiply-accumulates per sample
  public var parameterBytes: Int
  /// Fixed mode: every resolved type of the layer (input, weight, bias, accum, result, tables…).
  public var formats: [String: String] = [:]
  /// Fixed mode: what the frontend did (fusions, ignored config entries).
  public var notes: [String] = []
  /// Fixed mode: the hls4ml config constants that shape the arithmetic (table sizes, softmax
  /// implementation).
  public var constants: [String: String] = [:]
  /// Fixed mode: fractional bits of the exact values the overflow report's ranges are in.
  public var exactFractionalBits: Int = 0
}

/// A graph input or output as the caller sees it.
public struct TensorInfo: Sendable {
  public var name: String
  public var shape: [Int]       // per sample
  public var count: Int { shape.reduce(1, *) }
}

/// Per step, what an unobserved run dispatches on before the step itself: the kernels whose
/// whole state is one boxed pointer, so the executor does not copy the (up to 256-byte) step
/// out of its enum first. Built with the plan; observed runs ignore it.
struct FastStep {
  enum Kind: UInt8 { case step, chain, softmax }
  var kind: Kind
  /// Steps after this one that the fast form has also computed (a chain's folded layers).
  var skip: Int
  var p: UnsafeRawPointer?

  static func make(_ s: Step, _ store: ConstantStore) -> FastStep {
    switch s {
    case .denseFixed(let d):
      if let c = d.chain { return FastStep(kind: .chain, skip: c.pointee.skip, p: UnsafeRawPointer(c)) }
    case .softmaxFixed(let sm):
      if SoftmaxFixedKernel.takesSmall(sm) { return FastStep(kind: .softmax, skip: 0, p: UnsafeRawPointer(store.box(sm))) }
    default:
      break
    }
    return FastStep(kind: .step, skip: 0, p: nil)
  }
}

final class Plan: @unchecked Sendable {
  let steps: UnsafeMutableBufferPointer<Step>
  /// One per step (see FastStep).
  let fast: UnsafeMutableBufferPointer<FastStep>
  let bindings: [SlotBinding]
  let inputSlots: [Int32]
  let outputSlots: [Int32]
  /// Planned activation bytes per sample (multiply by max_batch).
  let arenaBytesPerSample: Int
  /// Per-sample offsets of the staging regions that `run_f64` converts inputs and outputs in.
  let stagingInputOffsets: [Int]
  let stagingOutputOffsets: [Int]
  let stagingBytesPerSample: Int
  /// Bytes of the scratch region (independent of the batch).
  let scratchBytes: Int
  let store: ConstantStore
  let layers: [LayerInfo]
  let elementSize: Int
  /// Fixed mode: the formats inputs are converted into and outputs read from; nil in float mode.
  let fixed: FixedIO?
  /// Elements per sample of each input / output (read on the run path).
  let inputCounts: [Int]
  let outputCounts: [Int]
  /// Per step: the slot it writes, and its format (nil for float steps), for traces.
  let stepOutputs: [Int32?]
  let stepFormats: [FixedFormat?]
  /// Per fixed step (index = LayerStats index): the step index and what the report needs.
  let reportLayers: [ReportLayer]

  public struct ReportLayer: Sendable {
    public var step: Int
    public var result: FixedFormat
    /// Fractional bits of the values the observer records as "exact" (the source of the result
    /// conversion).
    public var exactFractionalBits: Int
  }

  /// A graph input or output as `run` binds it: its slot, the per-sample offset of its staging
  /// region and its element count per sample. In memory the plan owns, so the run path reads the
  /// tables without reference counting (Swift arrays would be retained and released per call).
  struct Port {
    var slot: Int32
    var staging: Int
    var count: Int
  }
  let inputPorts: UnsafeMutableBufferPointer<Port>
  let outputPorts: UnsafeMutableBufferPointer<Port>
  /// Fixed mode: the run path's converters (`fixed.quantizers`, `fixed.converters`); nil in float mode.
  let quantizers: UnsafePointer<InputQuantizer>?
  let converters: UnsafePointer<OutputConverter>?

  struct FixedIO {
    var inputs: [FixedFormat]
    var outputs: [FixedFormat]
    /// Number of fixed layers (LayerStats entries of an overflow report).
    var statsCount: Int
    /// The run path's converters, one per input / output.
    var quantizers: UnsafePointer<InputQuantizer>
    var converters: UnsafePointer<OutputConverter>
  }

  init(steps: [Step], bindings: [SlotBinding], inputSlots: [Int32], outputSlots: [Int32], arenaBytesPerSample: Int,
       stagingInputOffsets: [Int], stagingOutputOffsets: [Int], stagingBytesPerSample: Int, scratchBytes: Int, store: ConstantStore,
       layers: [LayerInfo], elementSize: Int, fixed: FixedIO?, inputCounts: [Int], outputCounts: [Int],
       stepOutputs: [Int32?], stepFormats: [FixedFormat?], reportLayers: [ReportLayer]) {
    let buf = UnsafeMutableBufferPointer<Step>.allocate(capacity: max(steps.count, 1))
    _ = buf.initialize(from: steps)
    self.steps = UnsafeMutableBufferPointer(rebasing: buf[0..<steps.count])
    let fb = UnsafeMutableBufferPointer<FastStep>.allocate(capacity: max(steps.count, 1))
    for (i, st) in steps.enumerated() { (fb.baseAddress! + i).initialize(to: FastStep.make(st, store)) }
    self.fast = UnsafeMutableBufferPointer(rebasing: fb[0..<steps.count])
    self.bindings = bindings
    self.inputSlots = inputSlots
    self.outputSlots = outputSlots
    self.arenaBytesPerSample = arenaBytesPerSample
    self.stagingInputOffsets = stagingInputOffsets
    self.stagingOutputOffsets = stagingOutputOffsets
    self.stagingBytesPerSample = stagingBytesPerSample
    self.scratchBytes = scratchBytes
    self.store = store
    self.layers = layers
    self.elementSize = elementSize
    self.fixed = fixed
    self.inputCounts = inputCounts
    self.outputCounts = outputCounts
    self.stepOutputs = stepOutputs
    self.stepFormats = stepFormats
    self.reportLayers = reportLayers
    func ports(_ slots: [Int32], _ staging: [Int], _ counts: [Int]) -> UnsafeMutableBufferPointer<Port> {
      let b = UnsafeMutableBufferPointer<Port>.allocate(capacity: max(slots.count, 1))
      for i in 0..<slots.count { (b.baseAddress! + i).initialize(to: Port(slot: slots[i], staging: staging[i], count: counts[i])) }
      return UnsafeMutableBufferPointer(rebasing: b[0..<slots.count])
    }
    inputPorts = ports(inputSlots, stagingInputOffsets, inputCounts)
    outputPorts = ports(outputSlots, stagingOutputOffsets, outputCounts)
    quantizers = fixed?.quantizers
    converters = fixed?.converters
  }

  deinit {
    steps.baseAddress?.deinitialize(count: steps.count)
    steps.baseAddress?.deallocate()
    fast.baseAddress?.deallocate()
    inputPorts.baseAddress?.deallocate()
    outputPorts.baseAddress?.deallocate()
  }

  /// Total session memory for max_batch (arena + staging), or nil on overflow.
  func arenaBytes(maxBatch: Int) -> Int? {
    let per = arenaBytesPerSample + stagingBytesPerSample
    let (t, o) = per.multipliedReportingOverflow(by: maxBatch)
    return o ? nil : t + scratchBytes
  }
}

enum Planner {
  static let alignment = 64

  /// Fixed mode's extra inputs to planning: every value's format (by storage root).
  struct FixedContext {
    var formats: [Int: FixedFormat]
    var inputFormats: [FixedFormat]
  }

  static func build(_ graph: LoweredGraph, source: String, fixed: FixedContext? = nil) throws(TrigRTError) -> Plan {
    var g = graph
    let store = ConstantStore()
    let elementSize = fixed == nil ? 4 : 8
    var statsCount: Int32 = 0
    // Graph outputs must own their storage: an output that is an input, a second name for
    // another output, or an alias of either gets a copy layer.
    var outputRoot = [Int: Int]()   // storage root → output index
    var outputValues: [Int] = []
    for (j, o) in g.outputs.enumerated() {
      let r = g.root(o)
      if g.inputs.contains(r) || outputRoot[r] != nil {
        let v = Value(name: g.outputNames[j], shape: g.values[o].shape, isBatched: true, constant: nil, aliasOf: nil)
        g.values.append(v)
        let id = g.values.count - 1
        g.layers.append(Layer(name: "copy to output '\(g.outputNames[j])'", opTypes: ["Copy"], op: .copy, inputs: [o], output: id))
        outputRoot[id] = j
        outputValues.append(id)
      } else {
        outputRoot[r] = j
        outputValues.append(r)
      }
    }
    // Slots, one per storage root that a step touches.
    var slotOf = [Int: Int32]()
    var bindings: [SlotBinding] = []
    func slot(_ v: Int) -> Int32 {
      let r = g.root(v)
      if let s = slotOf[r] { return s }
      let s = Int32(bindings.count)
      slotOf[r] = s
      if let i = g.inputs.firstIndex(of: r) { bindings.append(.input(i)) }
      else if let j = outputRoot[r] { bindings.append(.output(j)) }
      else if let c = g.values[r].constant {
        let p = store.store(c.values.map { Float($0) })
        bindings.append(.constant(UnsafeMutableRawPointer(p)))
      } else { bindings.append(.arena(offsetPerSample: -1)) }
      return s
    }
    let inputSlots = g.inputs.map { slot($0) }
    let outputSlots = outputValues.map { slot($0) }
    // Lifetimes of arena slots, in step indices.
    var first = [Int32: Int](), last = [Int32: Int]()
    var steps: [Step] = []
    var stepOutputs: [Int32?] = []
    var stepFormats: [FixedFormat?] = []
    var reportLayers: [Plan.ReportLayer] = []
    var scratchBytes = 0
    var scratchSlot: Int32 = -1
    if fixed != nil {
      scratchSlot = Int32(bindings.count)
      bindings.append(.scratch)
    }
    if fixed == nil {   // float mode: Conv's im2col chunks
      scratchSlot = Int32(bindings.count)
      bindings.append(.scratch)
    }
    var infos: [LayerInfo] = []
    var readers = [Int32: Int]()
    for (li, l) in g.layers.enumerated() {
      let ins = l.inputs.map { slot($0) }
      let out = slot(l.output)
      for s in ins { last[s] = li; readers[s, default: 0] += 1 }
      if first[out] == nil { first[out] = li }
      last[out] = max(last[out] ?? li, li)
      if case .hls(let h) = l.op, let fx = fixed {
        let inFormats = l.inputs.map { fx.formats[g.root($0)] ?? PrecisionConfig.hls4mlDefault }
        let (step, info) = try FixedPlanner.step(h, ins: ins, out: out, inputFormats: inFormats, valueShape: { g.values[$0].shape },
                                                 store: store, statsIndex: statsCount, scratch: scratchSlot, scratchBytes: &scratchBytes,
                                                 source: source)
        statsCount += 1
        reportLayers.append(Plan.ReportLayer(step: steps.count, result: h.resolved["result"] ?? PrecisionConfig.hls4mlDefault,
                                             exactFractionalBits: info.exactFractionalBits))
        stepOutputs.append(out)
        stepFormats.append(fx.formats[g.root(l.output)])
        steps.append(step)
        infos.append(info)
        continue
      }
      let (step, info) = try lowerStep(l, ins: ins, out: out, g: g, store: store, source: source, elementSize: elementSize,
                                       scratch: scratchSlot, scratchBytes: &scratchBytes)
      stepOutputs.append(out)
      stepFormats.append(fixed?.formats[g.root(l.output)])
      steps.append(step)
      infos.append(info)
    }
    if fixed != nil {
      // Element-wise layers folded into fast Dense epilogues write their output while the
      // Dense runs: that output is live from the Dense's step on.
      let isArena: (Int32) -> Bool = { s in
        if case .arena = bindings[Int(s)] { return true } else { return false }
      }
      let folds = FixedPlanner.foldEpilogues(&steps, readers: readers, isArena: isArena, store: store, scratchBytes: &scratchBytes)
      FixedPlanner.chain16(&steps, readers: readers, isArena: isArena, store: store)
      for (at, s) in folds {
        first[s] = min(first[s] ?? at, at)
        if case .denseFixed(let d) = steps[at], let e = d.epilogue, e.skip > 0, infos[at].kind.hasSuffix(")") {
          infos[at].kind.removeLast()
          infos[at].kind += "; folds " + infos[(at + 1)...(at + e.skip)].map(\.name).joined(separator: ", ") + ")"
        }
      }
      for at in steps.indices {
        guard case .denseFixed(let d) = steps[at], let e = d.chain?.pointee else { continue }
        let io = [e.inputInt16 ? "Int16 input" : nil, e.outputInt16 ? "Int16 output" : nil].compactMap { $0 }
        infos[at].kind = infos[at].kind.replacing("16-bit mulhi fast path", with: (["16-bit mulhi fast path, 16-bit epilogue"] + io).joined(separator: ", "))
      }
    }
    // Arena placement.
    var arenaSlots: [Int32] = []
    var requests: [BufferRequest] = []
    for (s, b) in bindings.enumerated() {
      guard case .arena = b else { continue }
      let root = slotOf.first { $0.value == Int32(s) }!.key
      let bytes = g.values[root].count * elementSize
      arenaSlots.append(Int32(s))
      requests.append(BufferRequest(size: bytes, firstUse: first[Int32(s)] ?? 0, lastUse: last[Int32(s)] ?? 0))
    }
    let layout = GreedyArenaPlanner().plan(requests, alignment: alignment)
    for (i, s) in arenaSlots.enumerated() { bindings[Int(s)] = .arena(offsetPerSample: layout.offsets[i]) }
    // Staging for run_f64: each input and output converted into its own region.
    var staging = 0
    var stagingIn: [Int] = [], stagingOut: [Int] = []
    for i in g.inputs { stagingIn.append(layout.size + staging); staging += align(g.values[i].count * elementSize, alignment) }
    for o in outputValues { stagingOut.append(layout.size + staging); staging += align(g.values[o].count * elementSize, alignment) }
    var io: Plan.FixedIO? = nil
    if let fx = fixed {
      // Values without a format are float32 (QONNX fixed mode outside the quantised region).
      let outFormats = outputValues.map { fx.formats[g.root($0)] }
      let outs = outFormats.map { $0 ?? PrecisionConfig.hls4mlDefault }
      let q = store.allocate(max(fx.inputFormats.count, 1), of: InputQuantizer.self)
      for (i, f) in fx.inputFormats.enumerated() {
        (q + i).initialize(to: InputQuantizer(f, float32: fx.formats[g.root(g.inputs[i])] == nil))
      }
      let c = store.allocate(max(outs.count, 1), of: OutputConverter.self)
      for (j, f) in outs.enumerated() { (c + j).initialize(to: OutputConverter(f, float32: outFormats[j] == nil)) }
      io = Plan.FixedIO(inputs: fx.inputFormats, outputs: outs, statsCount: Int(statsCount),
                        quantizers: UnsafePointer(q), converters: UnsafePointer(c))
    }
    return Plan(steps: steps, bindings: bindings, inputSlots: inputSlots, outputSlots: outputSlots,
                arenaBytesPerSample: layout.size, stagingInputOffsets: stagingIn, stagingOutputOffsets: stagingOut,
                stagingBytesPerSample: staging, scratchBytes: align(scratchBytes, alignment), store: store, layers: infos,
                elementSize: elementSize, fixed: io, inputCounts: g.inputs.map { g.values[$0].count },
                outputCounts: outputValues.map { g.values[$0].count }, stepOutputs: stepOutputs, stepFormats: stepFormats,
                reportLayers: reportLayers)
  }

  static func lowerStep(_ l: Layer, ins: [Int32], out: Int32, g: LoweredGraph, store: ConstantStore,
                        source: String, elementSize: Int, scratch: Int32, scratchBytes: inout Int) throws(TrigRTError) -> (Step, LayerInfo) {
    let outShape = g.values[l.output].shape
    var info = LayerInfo(name: l.name, opTypes: l.opTypes, kind: "", outputShape: outShape, macs: 0, parameterBytes: 0)
    let count = Shapes.count(outShape)
    switch l.op {
    case .dense(let d):
      info.kind = "dense \(d.inFeatures)→\(d.outFeatures)" + (d.activation == .identity ? "" : " + \(d.activation.name)")
      info.macs = d.rowsPerSample * d.inFeatures * d.outFeatures
      info.parameterBytes = (d.weights.count + (d.bias?.count ?? 0)) * 4
      return (.dense(DenseFloatStep(d, x: ins[0], y: out, store: store)), info)
    case .conv(let c):
      let dims = c.spatialRank == 1 ? "\(c.kernelW)" : "\(c.kernelH)x\(c.kernelW)"
      let strides = c.spatialRank == 1 ? "\(c.strideW)" : "\(c.strideH)x\(c.strideW)"
      info.kind = "conv\(c.spatialRank)d \(dims)" + (c.strideH * c.strideW > 1 ? "/\(strides)" : "") + " \(c.inChannels)→\(c.outChannels)"
        + (c.group > 1 ? " (\(c.group) groups)" : "") + (c.activation == .identity ? "" : " + \(c.activation.name)")
      info.macs = count * c.kernelSize
      info.parameterBytes = (c.weights.count + (c.bias?.count ?? 0)) * 4
      guard scratch >= 0 else { throw TrigRTError(.internal, "\(source): \(l.name): no scratch region for the convolution") }
      let step = ConvFloatStep(c, x: ins[0], y: out, scratch: scratch, store: store)
      scratchBytes = max(scratchBytes, step.scratchBytes)
      return (.conv(step), info)
    case .pool(let p):
      let name = p.kind == .max ? "maxpool" : "averagepool"
      info.kind = p.global ? "global \(name)" : "\(name) " + (p.spatialRank == 1 ? "\(p.kernelW)" : "\(p.kernelH)x\(p.kernelW)")
        + (p.strideH * p.strideW > 1 ? "/" + (p.spatialRank == 1 ? "\(p.strideW)" : "\(p.strideH)x\(p.strideW)") : "")
      info.macs = count * p.kernelH * p.kernelW
      return (.pool(PoolFloatStep(p, x: ins[0], y: out, store: store)), info)
    case .transpose(let t):
      info.kind = "transpose \(t.perm)"
      return (.transpose(TransposeFloatStep(t, x: ins[0], y: out, store: store)), info)
    case .pad(let p):
      info.kind = "pad"
      return (.pad(PadFloatStep(p, x: ins[0], y: out, store: store)), info)
    case .gather(let s):
      info.kind = l.opTypes == ["Gather"] ? "gather" : "resize (nearest)"
      let src = store.allocate(s.source.count, of: Int32.self)
      for (i, v) in s.source.enumerated() { src[i] = v }
      info.parameterBytes = s.source.count * 4
      return (.gather(GatherFloatStep(x: ins[0], y: out, inCount: s.inCount, outCount: s.source.count, source: UnsafePointer(src))), info)
    case .embedding(let e):
      info.kind = "embedding \(e.rows)×\(e.rowSize)"
      info.parameterBytes = e.table.count * 4
      return (.embedding(EmbeddingFloatStep(x: ins[0], y: out, indices: e.indices, rows: e.rows, rowSize: e.rowSize,
                                            table: UnsafePointer(store.store(e.table)))), info)
    case .reduce(let r):
      info.kind = r.kind.rawValue.lowercased()
      info.macs = r.target.count
      let t = store.allocate(r.target.count, of: Int32.self)
      for (i, v) in r.target.enumerated() { t[i] = v }
      let code: UInt8 = r.kind == .sum ? 0 : (r.kind == .mean ? 1 : 2)
      return (.reduce(ReduceFloatStep(x: ins[0], y: out, kind: code, inCount: r.target.count, outCount: r.outCount,
                                      target: UnsafePointer(t), divisor: r.divisor)), info)
    case .minMax(let m):
      info.kind = m.isMax ? "max" : "min"
      info.macs = count
      let va = g.values[l.inputs[0]], vb = g.values[l.inputs[1]]
      for v in [va, vb] where v.isConstant { info.parameterBytes += v.count * 4 }
      let b = binaryStep(BinarySpec(op: .add, shape: m.shape), a: ins[0], b: ins[1], y: out, va: va, vb: vb, store: store)
      return (.minMax(MinMaxFloatStep(b: b, isMax: m.isMax)), info)
    case .cast(let c):
      var bits = 0, signed = false
      if case .integer(let b, let s) = c.mode { bits = b; signed = s }
      info.kind = bits == 0 ? "cast to bool" : "cast to \(signed ? "" : "u")int\(bits)"
      return (.cast(CastFloatStep(x: ins[0], y: out, count: count, bits: bits, signed: signed)), info)
    case .binary(let b):
      info.kind = b.op.rawValue.lowercased()
      info.macs = count
      let va = g.values[l.inputs[0]], vb = g.values[l.inputs[1]]
      for v in [va, vb] where v.isConstant { info.parameterBytes += v.count * 4 }
      return (.binary(binaryStep(b, a: ins[0], b: ins[1], y: out, va: va, vb: vb, store: store)), info)
    case .activation(let a):
      info.kind = a.name
      return (.activation(ActivationFloatStep(x: ins[0], y: out, count: count, epilogue: Epilogue(a))), info)
    case .channelAffine(let a):
      info.kind = "batchnorm (\(a.channels) channels)"
      info.macs = count
      info.parameterBytes = a.channels * 8
      return (.channelAffine(ChannelAffineFloatStep(x: ins[0], y: out, channels: a.channels, inner: a.inner,
                                                   scale: UnsafePointer(store.store(a.scale)), bias: UnsafePointer(store.store(a.bias)))), info)
    case .softmax(let s):
      info.kind = "softmax"
      return (.softmax(SoftmaxFloatStep(x: ins[0], y: out, outer: s.outer, axis: s.axisSize, inner: s.inner)), info)
    case .concat(let c):
      info.kind = "concat"
      let inputs = store.allocate(ins.count, of: Int32.self)
      for (i, s) in ins.enumerated() { inputs[i] = s }
      return (.concat(ConcatFloatStep(inputs: UnsafePointer(inputs), blocks: UnsafePointer(store.store(c.blocks)), count: ins.count,
                                      outer: c.outer, y: out, outBlock: c.blocks.reduce(0, +))), info)
    case .quant(let q):
      info.kind = q.kind == .bipolar ? "bipolar quant" : "quant \(q.bitWidth)-bit" + ((try? q.format.get()).map { " (\($0))" } ?? "")
      let pod = store.allocate(1, of: QuantSpecPOD.self)
      pod[0] = QuantSpecPOD(bipolar: q.kind == .bipolar || (q.bitWidth == 1 && q.signed), minInt: q.minInt, maxInt: q.maxInt,
                            rounding: QuantFloatKernel.roundingCode(q.rounding),
                            scale: UnsafePointer(store.store(q.scale)), zeroPoint: UnsafePointer(store.store(q.zeroPoint)),
                            scaleCount: q.scale.count, zeroPointCount: q.zeroPoint.count)
      return (.quant(QuantFloatStep(x: ins[0], y: out, count: count, spec: UnsafePointer(pod))), info)
    case .copy:
      info.kind = "copy"
      return (.copy(CopyStep(x: ins[0], y: out, bytesPerSample: count * elementSize)), info)
    case .hls:
      throw TrigRTError(.internal, "\(source): an hls4ml layer reached the float planner")
    }
  }

  /// Picks the cheapest correct indexing mode for a broadcast binary op.
  static func binaryStep(_ spec: BinarySpec, a: Int32, b: Int32, y: Int32, va: Value, vb: Value,
                         store: ConstantStore) -> BinaryFloatStep {
    let out = spec.shape
    let count = Shapes.count(out)
    var s = BinaryFloatStep(a: a, b: b, y: y, op: spec.op, mode: .general, count: count, period: 1,
                            aBatchStride: va.isBatched ? va.count : 0, bBatchStride: vb.isBatched ? vb.count : 0,
                            rank: out.count, dims: UnsafePointer(store.store(out.isEmpty ? [1] : out)),
                            aStrides: UnsafePointer(store.store([0])), bStrides: UnsafePointer(store.store([0])))
    // The per-sample dims an operand contributes, right-aligned against the output.
    func sampleDims(_ v: Value) -> [Int] {
      v.isBatched ? v.shape : (v.shape.count > out.count ? Array(v.shape.dropFirst()) : v.shape)
    }
    let da = sampleDims(va), db = sampleDims(vb)
    func full(_ v: Value, _ d: [Int]) -> Bool { v.isBatched && Shapes.count(d) == count && d.drop(while: { $0 == 1 }).elementsEqual(out.drop(while: { $0 == 1 })) }
    /// A constant whose non-1 dims are exactly the output's trailing dims repeats with period p.
    func period(_ v: Value, _ d: [Int]) -> Int? {
      guard !v.isBatched else { return nil }
      let trimmed = Array(d.drop(while: { $0 == 1 }))
      guard trimmed.count <= out.count, Array(out.suffix(trimmed.count)) == trimmed else { return nil }
      return Shapes.count(trimmed)
    }
    if full(va, da) && full(vb, db) {
      s.mode = .same
    } else if full(va, da), let p = period(vb, db) {
      s.mode = .periodicB; s.period = p
    } else if full(vb, db), let p = period(va, da) {
      s.mode = .periodicA; s.period = p
    } else {
      s.aStrides = UnsafePointer(store.store(out.isEmpty ? [0] : Shapes.broadcastStrides(da, outShape: out)))
      s.bStrides = UnsafePointer(store.store(out.isEmpty ? [0] : Shapes.broadcastStrides(db, outShape: out)))
      if out.isEmpty { s.rank = 1 }
    }
    return s
  }
}
