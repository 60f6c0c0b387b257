import FixedPoint
/// A plan bound to one arena. Created with one allocation (this object: header, slot table and
/// arena in one block); `run` allocates nothing, locks nothing and cannot trap: it checks its
/// arguments, binds the caller's buffers to the input and output slots and executes the steps.
/// Corresponds to `trigrt_session`. One thread at a time.

public struct SessionHeader {
  let model: Model
  let maxBatch: Int
  let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
  let arena: UnsafeMutableRawPointer
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
  /// Fixed mode: inputs converted into their formats in the staging regions, steps run on raw
  /// integers, outputs converted back.
  @inline(__always)
  func runFixed(_ fx: Plan.FixedIO, batch: Int, load: (borrowing InputQuantizer, Int, Int) -> Int64,
                store: (borrowing OutputConverter, Int, Int, Int64) -> Void) {
    let h = header
    let plan = h.model.plan
    for (i, s) in plan.inputSlots.enumerated() {
      let stage = (h.arena + plan.stagingInputOffsets[i] * h.maxBatch).assumingMemoryBound(to: Int64.self)
      let q = fx.quantizers[i]
      if q.float32 {
        let f = UnsafeMutableRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<(batch &* h.model.inputs[i].count) { f[e] = Float(bitPattern: UInt32(truncatingIfNeeded: load(q, i, e))) }
      } else {
        for e in 0..<(batch &* h.model.inputs[i].count) { stage[e] = load(q, i, e) }
      }
      h.slots[Int(s)] = UnsafeMutableRawPointer(stage)
    }
    for (j, s) in plan.outputSlots.enumerated() {
      h.slots[Int(s)] = h.arena + plan.stagingOutputOffsets[j] * h.maxBatch
    }
    Executor.execute(plan.steps, UnsafePointer(h.slots), batch: batch)
    for (j, _) in plan.outputSlots.enumerated() {
      let stage = (h.arena + plan.stagingOutputOffsets[j] * h.maxBatch).assumingMemoryBound(to: Int64.self)
      let c = fx.converters[j]
      if c.float32 {
        let f = UnsafeRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<(batch &* h.model.outputs[j].count) { store(c, j, e, Int64(f[e].bitPattern)) }
      } else {
        for e in 0..<(batch &* h.model.outputs[j].count) { store(c, j, e, stage[e]) }
      }
    }
  }

  /// Creates a session for batches up to `maxBatch`. The only allocation the session makes.
  public static func make(model: Model, maxBatch: Int) throws(TrigRTError) -> Session {
    guard maxBatch >= 1 else { throw TrigRTError(.invalidArgument, "max_batch must be at least 1") }
    let slotCount = model.plan.bindings.count
    let slotBytes = align(max(slotCount, 1) * MemoryLayout<UnsafeMutableRawPointer>.stride, 64)
    guard maxBatch <= 1 << 24, let arenaBytes = model.plan.arenaBytes(maxBatch: maxBatch),
          arenaBytes <= 1 << 40 else {
      throw TrigRTError(.batch, "max_batch \(maxBatch) needs more arena memory than trigrt allocates")
    }
    let total = 64 + slotBytes + arenaBytes
    let buffer = Session.create(minimumCapacity: total) { buf in
      buf.withUnsafeMutablePointerToElements { base in
        let raw = UnsafeMutableRawPointer(base)
        let aligned = UnsafeMutableRawPointer(bitPattern: (UInt(bitPattern: raw) + 63) & ~UInt(63))!
        let slots = aligned.bindMemory(to: UnsafeMutableRawPointer.self, capacity: max(slotCount, 1))
        let arena = aligned + slotBytes
        return SessionHeader(model: model, maxBatch: maxBatch, slots: slots, arena: arena)
      }
    }
    let s = unsafeDowncast(buffer, to: Session.self)
    let h = s.header
    h.arena.initializeMemory(as: UInt8.self, repeating: 0, count: arenaBytes)
    for (i, b) in model.plan.bindings.enumerated() {
      switch b {
      case .arena(let off): h.slots[i] = h.arena + off * maxBatch
      case .constant(let p): h.slots[i] = p
      case .input, .output: h.slots[i] = h.arena   // bound on every run
      case .scratch: h.slots[i] = h.arena + (model.plan.arenaBytesPerSample + model.plan.stagingBytesPerSample) * maxBatch
      }
    }
    return s
  }

  public var model: Model { header.model }
  public var maxBatch: Int { header.maxBatch }

  @inline(__always)
  func check(_ inputs: UnsafeRawPointer?, _ outputs: UnsafeRawPointer?, _ batch: Int) -> RunFailure? {
    let h = header
    guard let inputs else { return .nullInputs }
    guard let outputs else { return .nullOutputs }
    let ins = inputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for i in 0..<h.model.plan.inputSlots.count where ins[i] == nil { return .nullInput(i) }
    let outs = outputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for j in 0..<h.model.plan.outputSlots.count where outs[j] == nil { return .nullOutput(j) }
    guard batch >= 1, batch <= h.maxBatch else { return .batch(batch, max: h.maxBatch) }
    return nil
  }

  /// Runs `batch` samples on float buffers. Corresponds to `trigrt_session_run`.
  public func run(inputs: UnsafePointer<UnsafePointer<Float>?>?, outputs: UnsafePointer<UnsafeMutablePointer<Float>?>?,
                  batch: Int) -> RunFailure? {
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch) { return f }
    let h = header
    let plan = h.model.plan
    if let fx = plan.fixed {
      runFixed(fx, batch: batch, load: { q, i, e in q.quantize(inputs![i]![e]) },
               store: { c, j, e, raw in outputs![j]![e] = c.float(raw) })
      return nil
    }
    for (i, s) in plan.inputSlots.enumerated() { h.slots[Int(s)] = UnsafeMutableRawPointer(mutating: inputs![i]!) }
    for (j, s) in plan.outputSlots.enumerated() { h.slots[Int(s)] = UnsafeMutableRawPointer(outputs![j]!) }
    Executor.execute(plan.steps, UnsafePointer(h.slots), batch: batch)
    return nil
  }

  /// Runs `batch` samples on double buffers. Corresponds to `trigrt_session_run_f64`. In float
  /// mode the inputs are rounded to float in staging regions and the outputs widened.
  public func runF64(inputs: UnsafePointer<UnsafePointer<Double>?>?, outputs: UnsafePointer<UnsafeMutablePointer<Double>?>?,
                     batch: Int) -> RunFailure? {
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch) { return f }
    let h = header
    let plan = h.model.plan
    let m = h.model
    if let fx = plan.fixed {
      runFixed(fx, batch: batch, load: { q, i, e in q.quantize(inputs![i]![e]) },
               store: { c, j, e, raw in outputs![j]![e] = c.double(raw) })
      return nil
    }
    for (i, s) in plan.inputSlots.enumerated() {
      let stage = (h.arena + plan.stagingInputOffsets[i] * h.maxBatch).assumingMemoryBound(to: Float.self)
      let src = inputs![i]!
      for e in 0..<(batch &* m.inputs[i].count) { stage[e] = Float(src[e]) }
      h.slots[Int(s)] = UnsafeMutableRawPointer(stage)
    }
    for (j, s) in plan.outputSlots.enumerated() {
      h.slots[Int(s)] = h.arena + plan.stagingOutputOffsets[j] * h.maxBatch
    }
    Executor.execute(plan.steps, UnsafePointer(h.slots), batch: batch)
    for (j, _) in plan.outputSlots.enumerated() {
      let stage = (h.arena + plan.stagingOutputOffsets[j] * h.maxBatch).assumingMemoryBound(to: Float.self)
      let dst = outputs![j]!
      for e in 0..<(batch &* m.outputs[j].count) { dst[e] = Double(stage[e]) }
    }
    return nil
  }
}

enum Executor {
  @inline(never)
  static func execute(_ steps: UnsafeMutableBufferPointer<Step>, _ slots: Slots, batch: Int) {
    run(steps, slots, batch: batch, stats: nil, NoObserver.self)
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
