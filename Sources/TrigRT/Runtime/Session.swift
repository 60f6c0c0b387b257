import FixedPoint
/// A plan bound to one arena. Created with one allocation (this object: header, slot table and
/// arena in one block); `run` allocates nothing, locks nothing and cannot trap: it checks its
/// arguments, binds the caller's buffers to the input and output slots and executes the steps.
/// Corresponds to `trigrt_session`. One thread at a time.

public struct SessionHeader {
  let model: Model
  /// The model's plan, read on the run path without retaining it (the session owns `model`).
  unowned(unsafe) let plan: Plan
  let maxBatch: Int
  let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
  let arena: UnsafeMutableRawPointer
  /// Fixed mode: one LayerStats per fixed layer (the overflow report), in the same allocation.
  let stats: UnsafeMutablePointer<LayerStats>
  let statsCount: Int
  /// When set, runs use the observed (general) kernels and update `stats`.
  var reporting: Bool
}

/// Why `run` refused its arguments; formatted by the caller without allocating.
public enum RunFailure: Sendable, Equatable {
  case nullSession
  case nullInputs
  case nullInput(Int)
  case nullOutputs
  case nullOutput(Int)
  case batch(Int, max: Int)

  public var status: Status {
    switch self {
    case .batch: return .batch
    default: return .invalidArgument
    }
  }
}

public final class Session: ManagedBuffer<SessionHeader, UInt8> {
  /// The header, by pointer: reading its fields this way copies (and retains) nothing.
  @inline(__always) var h: UnsafeMutablePointer<SessionHeader> { withUnsafeMutablePointerToHeader { $0 } }

  /// Creates a session for batches up to `maxBatch`. The only allocation the session makes.
  public static func make(model: Model, maxBatch: Int) throws(TrigRTError) -> Session {
    guard maxBatch >= 1 else { throw TrigRTError(.invalidArgument, "max_batch must be at least 1") }
    let plan = model.plan
    let slotCount = plan.bindings.count
    let slotBytes = align(max(slotCount, 1) * MemoryLayout<UnsafeMutableRawPointer>.stride, 64)
    let statsCount = plan.fixed?.statsCount ?? 0
    let statsBytes = align(max(statsCount, 1) * MemoryLayout<LayerStats>.stride, 64)
    guard maxBatch <= 1 << 24, let arenaBytes = plan.arenaBytes(maxBatch: maxBatch), arenaBytes <= 1 << 40 else {
      throw TrigRTError(.batch, "max_batch \(maxBatch) needs more arena memory than trigrt allocates")
    }
    let total = 64 + slotBytes + statsBytes + arenaBytes
    let buffer = Session.create(minimumCapacity: total) { buf in
      buf.withUnsafeMutablePointerToElements { base in
        let raw = UnsafeMutableRawPointer(base)
        let aligned = UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: raw) + 63) & ~UInt(63))!
        let slots = aligned.bindMemory(to: UnsafeMutableRawPointer.self, capacity: max(slotCount, 1))
        let stats = (aligned + slotBytes).bindMemory(to: LayerStats.self, capacity: max(statsCount, 1))
        let arena = aligned + slotBytes + statsBytes
        return SessionHeader(model: model, plan: plan, maxBatch: maxBatch, slots: slots, arena: arena, stats: stats,
                             statsCount: statsCount, reporting: false)
      }
    }
    let s = unsafeDowncast(buffer, to: Session.self)
    let h = s.h
    h.pointee.arena.initializeMemory(as: UInt8.self, repeating: 0, count: arenaBytes)
    h.pointee.stats.initialize(repeating: LayerStats(), count: max(statsCount, 1))
    for (i, b) in plan.bindings.enumerated() {
      let a = h.pointee.arena
      switch b {
      case .arena(let off): h.pointee.slots[i] = a + off * maxBatch
      case .constant(let p): h.pointee.slots[i] = p
      case .input, .output: h.pointee.slots[i] = a   // bound on every run
      case .scratch: h.pointee.slots[i] = a + (plan.arenaBytesPerSample + plan.stagingBytesPerSample) * maxBatch
      }
    }
    return s
  }

  public var model: Model { header.model }
  public var maxBatch: Int { h.pointee.maxBatch }

  // MARK: Overflow report (fixed mode)

  /// Turns the per-layer overflow counters and value ranges on or off. While on, runs use the
  /// general fixed-point kernels (every conversion observed); off, they cost nothing.
  public var reporting: Bool {
    get { h.pointee.reporting }
    set { h.pointee.reporting = newValue && h.pointee.statsCount > 0 }
  }

  /// The counters of fixed layer `i` (in plan order of the fixed layers).
  public func stats(_ i: Int) -> LayerStats { h.pointee.stats[i] }
  public var statsCount: Int { h.pointee.statsCount }

  public func resetStats() {
    h.pointee.stats.update(repeating: LayerStats(), count: max(h.pointee.statsCount, 1))
  }

  @inline(__always)
  func check(_ inputs: UnsafeRawPointer?, _ outputs: UnsafeRawPointer?, _ batch: Int) -> RunFailure? {
    let plan = h.pointee.plan
    guard let inputs else { return .nullInputs }
    guard let outputs else { return .nullOutputs }
    let ins = inputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for i in 0..<plan.inputPorts.count where ins[i] == nil { return .nullInput(i) }
    let outs = outputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for j in 0..<plan.outputPorts.count where outs[j] == nil { return .nullOutput(j) }
    let maxBatch = h.pointee.maxBatch
    guard batch >= 1, batch <= maxBatch else { return .batch(batch, max: maxBatch) }
    return nil
  }

  @inline(__always)
  func execute(_ batch: Int) {
    let hp = h
    let plan = hp.pointee.plan
    if hp.pointee.reporting {
      Executor.executeObserved(plan.steps, UnsafePointer(hp.pointee.slots), batch: batch, stats: hp.pointee.stats)
    } else {
      Executor.execute(plan.steps, UnsafePointer(hp.pointee.slots), batch: batch)
    }
  }

  /// Points the output slots at their staging regions (fixed mode and run_f64).
  @inline(__always)
  func bindStagedOutputs() {
    let hp = h
    let plan = hp.pointee.plan
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for p in plan.outputPorts { slots[Int(p.slot)] = arena + p.staging * maxBatch }
  }

  /// Fixed mode: inputs converted into their formats in the staging regions (`load` gives input
  /// i's element e), for run_f64 and traces.
  @inline(__always)
  func bindFixedInputs(_ qz: UnsafePointer<InputQuantizer>, batch: Int, load: (UnsafePointer<InputQuantizer>, Int, Int) -> Int64) {
    let hp = h
    let plan = hp.pointee.plan
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for i in 0..<plan.inputPorts.count {
      let p = plan.inputPorts[i]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      let n = batch &* p.count
      // The quantizer by pointer: `qz[i]` would copy the struct for every element.
      let q = qz + i
      if q.pointee.float32 {
        let f = UnsafeMutableRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { f[e] = Float(bitPattern: UInt32(truncatingIfNeeded: load(q, i, e))) }
      } else {
        for e in 0..<n { stage[e] = load(q, i, e) }
      }
      slots[Int(p.slot)] = UnsafeMutableRawPointer(stage)
    }
  }

  /// Float inputs (run), eight at a time where the quantizer's vector plan applies (the same
  /// values as `quantize`, which handles the rest).
  @inline(__always)
  func bindFixedInputs(_ qz: UnsafePointer<InputQuantizer>, batch: Int, _ inputs: UnsafePointer<UnsafePointer<Float>?>) {
    let hp = h
    let plan = hp.pointee.plan
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for i in 0..<plan.inputPorts.count {
      let p = plan.inputPorts[i]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      let q = qz + i
      let src = inputs[i]!
      let n = batch &* p.count
      if q.pointee.float32 {
        let f = UnsafeMutableRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { f[e] = src[e] }
      } else if let v = q.pointee.vector {
        var e = 0
        while e &+ 8 <= n {
          q.pointee.quantize8(UnsafeRawPointer(src + e).loadUnaligned(as: SIMD8<Float>.self), v, stage + e)
          e &+= 8
        }
        while e < n { stage[e] = q.pointee.quantize(src[e]); e &+= 1 }
      } else {
        for e in 0..<n { stage[e] = q.pointee.quantize(src[e]) }
      }
      slots[Int(p.slot)] = UnsafeMutableRawPointer(stage)
    }
  }

  @inline(__always)
  func readFixedOutputs(_ cv: UnsafePointer<OutputConverter>, batch: Int, store: (UnsafePointer<OutputConverter>, Int, Int, Int64) -> Void) {
    let hp = h
    let plan = hp.pointee.plan
    let arena = hp.pointee.arena, maxBatch = hp.pointee.maxBatch
    for j in 0..<plan.outputPorts.count {
      let p = plan.outputPorts[j]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      let n = batch &* p.count
      let c = cv + j
      if c.pointee.float32 {
        let f = UnsafeRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { store(c, j, e, Int64(f[e].bitPattern)) }
      } else {
        for e in 0..<n { store(c, j, e, stage[e]) }
      }
    }
  }

  /// Runs `batch` samples on float buffers. Corresponds to `trigrt_session_run`.
  public func run(inputs: UnsafePointer<UnsafePointer<Float>?>?, outputs: UnsafePointer<UnsafeMutablePointer<Float>?>?,
                  batch: Int) -> RunFailure? {
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch) { return f }
    let hp = h
    let plan = hp.pointee.plan
    if let qz = plan.quantizers, let cv = plan.converters {
      bindFixedInputs(qz, batch: batch, inputs!)
      bindStagedOutputs()
      execute(batch)
      readFixedOutputs(cv, batch: batch, store: { c, j, e, raw in outputs![j]![e] = c.pointee.float(raw) })
      return nil
    }
    let slots = hp.pointee.slots
    for i in 0..<plan.inputPorts.count { slots[Int(plan.inputPorts[i].slot)] = UnsafeMutableRawPointer(mutating: inputs![i]!) }
    for j in 0..<plan.outputPorts.count { slots[Int(plan.outputPorts[j].slot)] = UnsafeMutableRawPointer(outputs![j]!) }
    Executor.execute(plan.steps, UnsafePointer(slots), batch: batch)
    return nil
  }

  /// Runs `batch` samples on double buffers. Corresponds to `trigrt_session_run_f64`. In float
  /// mode the inputs are rounded to float in staging regions and the outputs widened.
  public func runF64(inputs: UnsafePointer<UnsafePointer<Double>?>?, outputs: UnsafePointer<UnsafeMutablePointer<Double>?>?,
                     batch: Int) -> RunFailure? {
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch) { return f }
    let hp = h
    let plan = hp.pointee.plan
    if let qz = plan.quantizers, let cv = plan.converters {
      bindFixedInputs(qz, batch: batch, load: { q, i, e in q.pointee.quantize(inputs![i]![e]) })
      bindStagedOutputs()
      execute(batch)
      readFixedOutputs(cv, batch: batch, store: { c, j, e, raw in outputs![j]![e] = c.pointee.double(raw) })
      return nil
    }
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for i in 0..<plan.inputPorts.count {
      let p = plan.inputPorts[i]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Float.self)
      let src = inputs![i]!
      for e in 0..<(batch &* p.count) { stage[e] = Float(src[e]) }
      slots[Int(p.slot)] = UnsafeMutableRawPointer(stage)
    }
    bindStagedOutputs()
    Executor.execute(plan.steps, UnsafePointer(slots), batch: batch)
    for j in 0..<plan.outputPorts.count {
      let p = plan.outputPorts[j]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Float.self)
      let dst = outputs![j]!
      for e in 0..<(batch &* p.count) { dst[e] = Double(stage[e]) }
    }
    return nil
  }

  // MARK: Trace (fixed mode; not the hot path)

  /// One layer's output in a traced run.
  public struct TraceRecord {
    public var layer: Int
    /// Exact values (raw · 2^−F), or float32 values of float layers.
    public var values: [Double]
    /// Raw integers of fixed layers (nil for float layers).
    public var raws: [Int64]?
  }

  /// Runs `batch` double inputs step by step and hands every layer's output to `record`
  /// (observed: the overflow report accumulates). Allocates; for tools, not for the hot path.
  public func trace(inputs: [[Double]], batch: Int, record: (TraceRecord) -> Void) -> RunFailure? {
    let hp = h
    let plan = hp.pointee.plan
    guard let qz = plan.quantizers else { return .nullSession }
    guard batch >= 1, batch <= hp.pointee.maxBatch else { return .batch(batch, max: hp.pointee.maxBatch) }
    let slots = hp.pointee.slots
    bindFixedInputs(qz, batch: batch, load: { q, i, e in q.pointee.quantize(inputs[i][e]) })
    bindStagedOutputs()
    for i in 0..<plan.steps.count {
      Executor.runStep(plan.steps, i, UnsafePointer(slots), batch: batch, stats: hp.pointee.stats)
      let info = plan.layers[i]
      guard let slot = plan.stepOutputs[i] else { continue }
      let n = batch * info.outputShape.reduce(1, *)
      let p = slots[Int(slot)]
      if let f = plan.stepFormats[i] {
        let r = p.assumingMemoryBound(to: Int64.self)
        let raws = (0..<n).map { r[$0] }
        let c = OutputConverter(f)
        record(TraceRecord(layer: i, values: raws.map { c.double($0) }, raws: raws))
      } else {
        let v = p.assumingMemoryBound(to: Float.self)
        record(TraceRecord(layer: i, values: (0..<n).map { Double(v[$0]) }, raws: nil))
      }
    }
    return nil
  }
}

enum Executor {
  @inline(never)
  static func execute(_ steps: UnsafeMutableBufferPointer<Step>, _ slots: Slots, batch: Int) {
    run(steps, slots, batch: batch, stats: nil, NoObserver.self)
  }

  /// One step, observed (for traces).
  @inline(never)
  static func runStep(_ steps: UnsafeMutableBufferPointer<Step>, _ i: Int, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>) {
    run(UnsafeMutableBufferPointer(rebasing: steps[i..<(i + 1)]), slots, batch: batch, stats: stats, StatsObserver.self)
  }

  /// With per-layer overflow counters and ranges (the general fixed kernels, observed).
  @inline(never)
  static func executeObserved(_ steps: UnsafeMutableBufferPointer<Step>, _ slots: Slots, batch: Int, stats: UnsafeMutablePointer<LayerStats>) {
    run(steps, slots, batch: batch, stats: stats, StatsObserver.self)
  }

  @inline(__always)
  static func run<O: FixedObserver>(_ steps: UnsafeMutableBufferPointer<Step>, _ slots: Slots, batch: Int,
                                    stats: UnsafeMutablePointer<LayerStats>?, _ o: O.Type) {
    guard let base = steps.baseAddress else { return }
    for i in 0..<steps.count {
      switch base[i] {
      case .denseFixed(let s): DenseFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .normalizeFixed(let s): NormalizeFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .activationFixed(let s): ActivationFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .softmaxFixed(let s): SoftmaxFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .mergeFixed(let s): MergeFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .concatFixed(let s): ConcatFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .quantizeFixed(let s): QuantFixedKernel.quantize(s, slots, batch: batch)
      case .toFloat(let s): QuantFixedKernel.toFloat(s, slots, batch: batch)
      case .dense(let s): DenseKernel.run(s, slots, batch: batch)
      case .conv(let s): ConvKernel.run(s, slots, batch: batch)
      case .pool(let s): PoolKernel.run(s, slots, batch: batch)
      case .transpose(let s): TransposeKernel.run(s, slots, batch: batch)
      case .pad(let s): PadKernel.run(s, slots, batch: batch)
      case .gather(let s): GatherKernel.run(s, slots, batch: batch)
      case .embedding(let s): EmbeddingKernel.run(s, slots, batch: batch)
      case .reduce(let s): ReduceKernel.run(s, slots, batch: batch)
      case .minMax(let s): MinMaxKernel.run(s, slots, batch: batch)
      case .cast(let s): CastKernel.run(s, slots, batch: batch)
      case .binary(let s): BinaryKernel.run(s, slots, batch: batch)
      case .activation(let s): ActivationKernel.run(s, slots, batch: batch)
      case .channelAffine(let s): ChannelAffineKernel.run(s, slots, batch: batch)
      case .softmax(let s): SoftmaxKernel.run(s, slots, batch: batch)
      case .concat(let s): ConcatKernel.run(s, slots, batch: batch, elementSize: 4)
      case .quant(let s): QuantFloatKernel.run(s, slots, batch: batch)
      case .copy(let s): CopyKernel.run(s, slots, batch: batch)
      }
    }
  }
}
