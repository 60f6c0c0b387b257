import CSupport
import FixedPoint
#if canImport(Glibc)
import Glibc
#endif
/// A plan bound to one arena. Created with two allocations: this object (header, slot table and
/// report counters: `Session.overheadBytes(slots:stats:)`) and the arena (64-byte aligned,
/// `Plan.arenaBytes(maxBatch:)`, zeroed), so that an arena that does not fit in memory is
/// `TRIGRT_E_OUT_OF_MEMORY`, not a crash. `run` allocates nothing, locks nothing and cannot trap:
/// it checks its arguments, binds the caller's buffers to the input and output slots and executes
/// the steps. Corresponds to `trigrt_session`. One thread at a time; debug builds (and builds
/// with `-D TRIGRT_CHECKS`) detect a second thread entering `run` and refuse it.

public struct SessionHeader {
  /// `Session.liveMagic` until the session is released. First field: the C ABI reads it at a
  /// fixed offset before it treats a pointer as a session.
  var magic: UInt64
  /// 1 while a run is in progress (debug builds and TRIGRT_CHECKS only).
  var busy: Int32
  /// Fixed mode, while reporting: NaN values among the inputs converted since the last reset.
  var nanInputs: UInt64
  let model: Model
  /// The model's plan (the session owns `model`). Not for the run path: loading a class
  /// reference into a local retains and releases it (an atomic pair each time), so `run` reads
  /// `tables` instead.
  unowned(unsafe) let plan: Plan
  /// The plan's tables that `run` reads, as raw pointers into memory the plan owns.
  let tables: RunTables
  let maxBatch: Int
  let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
  let arena: UnsafeMutableRawPointer
  /// Fixed mode: one LayerStats per fixed layer (the overflow report), in the same allocation.
  let stats: UnsafeMutablePointer<LayerStats>
  let statsCount: Int
  /// When set, runs use the observed (general) kernels and update `stats`.
  var reporting: Bool
}

/// What the run path reads of a plan, with the plan's member names.
struct RunTables {
  let steps: UnsafeMutableBufferPointer<Step>
  let fast: UnsafePointer<FastStep>?
  let inputPorts: UnsafeMutableBufferPointer<Plan.Port>
  let outputPorts: UnsafeMutableBufferPointer<Plan.Port>
  let quantizers: UnsafePointer<InputQuantizer>?
  let converters: UnsafePointer<OutputConverter>?

  init(_ p: Plan) {
    steps = p.steps
    fast = UnsafePointer(p.fast.baseAddress)
    inputPorts = p.inputPorts
    outputPorts = p.outputPorts
    quantizers = p.quantizers
    converters = p.converters
  }
}

/// Why `run` refused its arguments; formatted by the caller without allocating.
public enum RunFailure: Sendable, Equatable {
  case nullSession
  case nullInputs
  case nullInput(Int)
  case nullOutputs
  case nullOutput(Int)
  case batch(Int, max: Int)

  /// Input `input`'s buffer overlaps output `output`'s (both sized for the batch).
  case aliasing(input: Int, output: Int)
  /// Two outputs' buffers overlap.
  case outputsOverlap(Int, Int)
  /// Another thread is running this session (detected in debug builds).
  case busy
  /// The handle is not a live session (destroyed, or another kind of pointer).
  case notASession

  public var status: Status {
    switch self {
    case .batch: return .batch
    case .busy, .notASession: return .misuse
    default: return .invalidArgument
    }
  }
}

public final class Session: ManagedBuffer<SessionHeader, UInt8> {
  /// The header, by pointer: reading its fields this way copies (and retains) nothing.
  /// The header sits right after Swift's 16-byte object header (`handleMagicOffset`, as the C ABI's
  /// handle check assumes; a test compares it with `withUnsafeMutablePointerToHeader`). Computed by address,
  /// because the closure-based accessor retains and releases the session (an atomic pair per
  /// access, several per run).
  @inline(__always) var h: UnsafeMutablePointer<SessionHeader> {
    (UnsafeMutableRawPointer(Unmanaged.passUnretained(self).toOpaque()) + Session.handleMagicOffset).assumingMemoryBound(to: SessionHeader.self)
  }

  static let liveMagic: UInt64 = 0x6E6F_6973_7365_7374   // "tsession"
  static let deadMagic: UInt64 = 0x6E6F_6973_7365_6164   // "dassion"
  /// Byte offset of `SessionHeader.magic` in the object (after Swift's 16-byte object header).
  public static let handleMagicOffset = 16

  /// The session behind a C handle, or nil when `p` is not a live session. Reads one word at `p`
  /// (a session handle used after trigrt_session_destroy is undefined behaviour, as any use
  /// after free; while the memory is not reused this check catches it).
  @inline(__always)
  public static func fromHandle(_ p: UnsafeRawPointer) -> Session? {
    let magic = trigrtsupport_load_u64(UnsafeMutableRawPointer(mutating: p + handleMagicOffset).assumingMemoryBound(to: UInt64.self))
    guard magic == liveMagic else { return nil }
    return Unmanaged<Session>.fromOpaque(p).takeUnretainedValue()
  }

  /// Bytes of this object beyond the arena: Swift's object header and the session header, the
  /// slot table and the report counters, with the 64-byte alignment padding. The RSS a session
  /// adds is its arena plus this (plus malloc's own few bytes per block).
  public static func overheadBytes(slots: Int, stats: Int) -> Int {
    let header = align(16 + MemoryLayout<SessionHeader>.stride, 16)
    return header + 64 + align(max(slots, 1) * MemoryLayout<UnsafeMutableRawPointer>.stride, 64)
      + align(max(stats, 1) * MemoryLayout<LayerStats>.stride, 64)
  }

  /// What one session of `model` with `maxBatch` allocates in all: arena + overhead; nil on overflow.
  public static func memoryBytes(model: Model, maxBatch: Int) -> Int? {
    let plan = model.plan
    guard let arena = plan.arenaBytes(maxBatch: maxBatch) else { return nil }
    let (t, o) = arena.addingReportingOverflow(overheadBytes(slots: plan.bindings.count, stats: plan.fixed?.statsCount ?? 0))
    return o ? nil : t
  }

  /// Creates a session for batches up to `maxBatch`: the object and the arena.
  public static func make(model: Model, maxBatch: Int) throws(TrigRTError) -> Session {
    guard maxBatch >= 1 else { throw TrigRTError(.invalidArgument, "max_batch must be at least 1") }
    let plan = model.plan
    let slotCount = plan.bindings.count
    let slotBytes = align(max(slotCount, 1) * MemoryLayout<UnsafeMutableRawPointer>.stride, 64)
    let statsCount = plan.fixed?.statsCount ?? 0
    let statsBytes = align(max(statsCount, 1) * MemoryLayout<LayerStats>.stride, 64)
    let cap = model.limits.maxArenaBytes
    guard let arenaBytes = plan.arenaBytes(maxBatch: maxBatch), arenaBytes <= cap else {
      let need = plan.arenaBytes(maxBatch: maxBatch).map { Limits.describe(bytes: $0) } ?? "more than 2^63 bytes"
      throw TrigRTError(.limit, "max_batch \(maxBatch) needs \(need) of arena; the arena cap is \(Limits.describe(bytes: cap)) (trigrt_options.max_arena_bytes when loading)")
    }
    var arenaRaw: UnsafeMutableRawPointer? = nil
    guard posix_memalign(&arenaRaw, 64, max(arenaBytes, 64)) == 0, let arena = arenaRaw else {
      throw TrigRTError(.outOfMemory, "max_batch \(maxBatch): cannot allocate \(Limits.describe(bytes: arenaBytes)) of arena")
    }
    let total = 64 + slotBytes + statsBytes
    let buffer = Session.create(minimumCapacity: total) { buf in
      buf.withUnsafeMutablePointerToElements { base in
        let raw = UnsafeMutableRawPointer(base)
        let aligned = raw + Int((64 - UInt(bitPattern: raw) % 64) % 64)
        let slots = aligned.bindMemory(to: UnsafeMutableRawPointer.self, capacity: max(slotCount, 1))
        let stats = (aligned + slotBytes).bindMemory(to: LayerStats.self, capacity: max(statsCount, 1))
        return SessionHeader(magic: Session.liveMagic, busy: 0, nanInputs: 0, model: model, plan: plan, tables: RunTables(plan), maxBatch: maxBatch,
                             slots: slots, arena: arena, stats: stats, statsCount: statsCount, reporting: false)
      }
    }
    let s = unsafeDowncast(buffer, to: Session.self)
    let h = s.h
    _ = trigrtsupport_add(model.liveSessions, 1)
    h.pointee.arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(arenaBytes, 64))
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

  deinit {
    let hp = h
    trigrtsupport_store_u64(&hp.pointee.magic, Session.deadMagic)
    free(hp.pointee.arena)
    _ = trigrtsupport_add(hp.pointee.model.liveSessions, -1)
  }

  /// Marks the handle dead before the release that frees the session (trigrt_session_destroy),
  /// so a second destroy of a session that is still referenced elsewhere is refused.
  public func invalidateHandle() -> Bool {
    let hp = h
    guard trigrtsupport_load_u64(&hp.pointee.magic) == Session.liveMagic else { return false }
    trigrtsupport_store_u64(&hp.pointee.magic, Session.deadMagic)
    return true
  }

  public var model: Model { header.model }
  public var maxBatch: Int { h.pointee.maxBatch }

  /// Fixed mode, while reporting: NaN input values converted since the last reset.
  public var nanInputs: UInt64 { h.pointee.nanInputs }

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
    h.pointee.nanInputs = 0
  }

  /// Checks the arguments of a run: pointers, batch, and that no output buffer overlaps an
  /// input or another output (`elementSize` bytes per value). Allocation-free; O(inputs ×
  /// outputs + outputs²) comparisons.
  @inline(__always)
  func check(_ inputs: UnsafeRawPointer?, _ outputs: UnsafeRawPointer?, _ batch: Int, elementSize: Int) -> RunFailure? {
    let plan = h.pointee.tables
    guard let inputs else { return .nullInputs }
    guard let outputs else { return .nullOutputs }
    let ins = inputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for i in 0..<plan.inputPorts.count where ins[i] == nil { return .nullInput(i) }
    let outs = outputs.assumingMemoryBound(to: UnsafeRawPointer?.self)
    for j in 0..<plan.outputPorts.count where outs[j] == nil { return .nullOutput(j) }
    let maxBatch = h.pointee.maxBatch
    guard batch >= 1, batch <= maxBatch else { return .batch(batch, max: maxBatch) }
    // Byte ranges [start, start + batch·count·size): batch ≤ max_batch and the counts are
    // bounded at load, so the products cannot overflow; wrapping arithmetic all the same.
    @inline(__always) func range(_ p: UnsafeRawPointer?, _ count: Int) -> (UInt, UInt) {
      let s = UInt(bitPattern: p)
      return (s, s &+ UInt(bitPattern: batch &* count &* elementSize))
    }
    let inPorts = plan.inputPorts, outPorts = plan.outputPorts
    for j in 0..<outPorts.count {
      let (os, oe) = range(outs[j], outPorts[j].count)
      for i in 0..<inPorts.count {
        let (s, e) = range(ins[i], inPorts[i].count)
        if os < e && s < oe { return .aliasing(input: i, output: j) }
      }
      for k in 0..<j {
        let (s, e) = range(outs[k], outPorts[k].count)
        if os < e && s < oe { return .outputsOverlap(k, j) }
      }
    }
    return nil
  }

  /// Counts NaN values among the inputs (fixed mode, while reporting; not on the fast path).
  @inline(__always)
  func countNaNs<T: BinaryFloatingPoint>(_ inputs: UnsafePointer<UnsafePointer<T>?>, batch: Int, _: T.Type) {
    let hp = h
    guard hp.pointee.reporting else { return }
    let plan = hp.pointee.tables
    var n: UInt64 = 0
    for i in 0..<plan.inputPorts.count {
      guard let x = inputs[i] else { continue }
      for e in 0..<(batch &* plan.inputPorts[i].count) where x[e].isNaN { n &+= 1 }
    }
    hp.pointee.nanInputs &+= n
  }

  @inline(__always)
  func execute(_ batch: Int) {
    let hp = h
    let plan = hp.pointee.tables
    if hp.pointee.reporting {
      Executor.executeObserved(plan.steps, UnsafePointer(hp.pointee.slots), batch: batch, stats: hp.pointee.stats)
    } else {
      Executor.execute(plan.steps, UnsafePointer(hp.pointee.slots), batch: batch, fast: plan.fast)
    }
  }

  /// Points the output slots at their staging regions (fixed mode and run_f64).
  @inline(__always)
  func bindStagedOutputs() {
    let hp = h
    let plan = hp.pointee.tables
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for p in plan.outputPorts { slots[Int(p.slot)] = arena + p.staging * maxBatch }
  }

  /// Fixed mode: double inputs (run_f64, traces) converted into their formats in the staging
  /// regions, a straight loop per input like the float path's scalar one.
  @inline(__always)
  func bindFixedInputs(_ qz: UnsafePointer<InputQuantizer>, batch: Int, doubles inputs: UnsafePointer<UnsafePointer<Double>?>) {
    let hp = h
    let plan = hp.pointee.tables
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for i in 0..<plan.inputPorts.count {
      let p = plan.inputPorts[i]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      // One copy of the quantizer per input (calls on `qz[i]` itself copy it every time: the
      // callee could write through the pointer).
      let q = qz[i]
      let src = inputs[i]!
      let n = batch &* p.count
      if q.float32 {
        let f = UnsafeMutableRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { f[e] = Float(src[e]) }
      } else if let v = q.vector {
        var e = 0
        while e &+ 8 <= n {
          q.quantize8(UnsafeRawPointer(src + e).loadUnaligned(as: SIMD4<Double>.self),
                              UnsafeRawPointer(src + (e &+ 4)).loadUnaligned(as: SIMD4<Double>.self), v, stage + e)
          e &+= 8
        }
        while e < n { stage[e] = q.quantize(src[e]); e &+= 1 }
      } else {
        for e in 0..<n { stage[e] = q.quantize(src[e]) }
      }
      slots[Int(p.slot)] = UnsafeMutableRawPointer(stage)
    }
  }

  /// Float inputs (run), eight at a time where the quantizer's vector plan applies (the same
  /// values as `quantize`, which handles the rest).
  @inline(__always)
  func bindFixedInputs(_ qz: UnsafePointer<InputQuantizer>, batch: Int, _ inputs: UnsafePointer<UnsafePointer<Float>?>) {
    let hp = h
    let plan = hp.pointee.tables
    let arena = hp.pointee.arena, slots = hp.pointee.slots, maxBatch = hp.pointee.maxBatch
    for i in 0..<plan.inputPorts.count {
      let p = plan.inputPorts[i]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      // The quantizer by pointer, its vector plan copied (see InputQuantizer.quantize8).
      let q = qz + i
      let src = inputs[i]!
      let n = batch &* p.count
      if q.pointee.float32 {
        let f = UnsafeMutableRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { f[e] = src[e] }
      } else if let v = q.pointee.vector {
        var e = 0
        while e &+ 8 <= n {
          InputQuantizer.quantize8(UnsafeRawPointer(src + e).loadUnaligned(as: SIMD8<Float>.self), v, stage + e, q)
          e &+= 8
        }
        if e < n {
          let qc = qz[i]
          while e < n { stage[e] = qc.quantize(src[e]); e &+= 1 }
        }
      } else {
        let qc = qz[i]
        for e in 0..<n { stage[e] = qc.quantize(src[e]) }
      }
      slots[Int(p.slot)] = UnsafeMutableRawPointer(stage)
    }
  }

  /// Fixed mode: the staged output raws converted into the caller's buffers (`convert`: one
  /// converter, copied once per output, and one raw).
  @inline(__always)
  func readFixedOutputs<T>(_ cv: UnsafePointer<OutputConverter>, batch: Int, _ outputs: UnsafePointer<UnsafeMutablePointer<T>?>,
                           convert: (OutputConverter, Int64) -> T) {
    let hp = h
    let plan = hp.pointee.tables
    let arena = hp.pointee.arena, maxBatch = hp.pointee.maxBatch
    for j in 0..<plan.outputPorts.count {
      let p = plan.outputPorts[j]
      let stage = (arena + p.staging * maxBatch).assumingMemoryBound(to: Int64.self)
      let n = batch &* p.count
      let c = cv[j]
      let dst = outputs[j].unsafelyUnwrapped
      if c.float32 {
        let f = UnsafeRawPointer(stage).assumingMemoryBound(to: Float.self)
        for e in 0..<n { dst[e] = convert(c, Int64(f[e].bitPattern)) }
      } else {
        for e in 0..<n { dst[e] = convert(c, stage[e]) }
      }
    }
  }

  /// Runs `batch` samples on float buffers. Corresponds to `trigrt_session_run`.
  public func run(inputs: UnsafePointer<UnsafePointer<Float>?>?, outputs: UnsafePointer<UnsafeMutablePointer<Float>?>?,
                  batch: Int) -> RunFailure? {
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch, elementSize: 4) { return f }
    let hp = h
    #if DEBUG || TRIGRT_CHECKS
    guard trigrtsupport_try_enter(&hp.pointee.busy) != 0 else { return .busy }
    defer { trigrtsupport_leave(&hp.pointee.busy) }
    #endif
    let plan = hp.pointee.tables
    if let qz = plan.quantizers, let cv = plan.converters {
      countNaNs(inputs!, batch: batch, Float.self)
      bindFixedInputs(qz, batch: batch, inputs!)
      bindStagedOutputs()
      execute(batch)
      readFixedOutputs(cv, batch: batch, outputs!) { c, raw in c.float(raw) }
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
    if let f = check(UnsafeRawPointer(inputs), UnsafeRawPointer(outputs), batch, elementSize: 8) { return f }
    let hp = h
    #if DEBUG || TRIGRT_CHECKS
    guard trigrtsupport_try_enter(&hp.pointee.busy) != 0 else { return .busy }
    defer { trigrtsupport_leave(&hp.pointee.busy) }
    #endif
    let plan = hp.pointee.tables
    if let qz = plan.quantizers, let cv = plan.converters {
      countNaNs(inputs!, batch: batch, Double.self)
      bindFixedInputs(qz, batch: batch, doubles: inputs!)
      bindStagedOutputs()
      execute(batch)
      readFixedOutputs(cv, batch: batch, outputs!) { c, raw in c.double(raw) }
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
    // As indexing the arrays did: the callers pass batch · count values per input.
    precondition(inputs.count == plan.inputPorts.count && zip(inputs, plan.inputPorts).allSatisfy { $0.count >= batch * $1.count })
    let copies = inputs.map { a in
      let p = UnsafeMutablePointer<Double>.allocate(capacity: max(a.count, 1))
      p.initialize(from: a, count: a.count)
      return UnsafePointer(p) as UnsafePointer<Double>?
    }
    defer { for p in copies { UnsafeMutablePointer(mutating: p!).deallocate() } }
    copies.withUnsafeBufferPointer { bindFixedInputs(qz, batch: batch, doubles: $0.baseAddress!) }
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
  /// Unobserved. `fast` (the plan's FastStep per step), when given, is dispatched on first.
  @inline(never)
  static func execute(_ steps: UnsafeMutableBufferPointer<Step>, _ slots: Slots, batch: Int, fast: UnsafePointer<FastStep>? = nil) {
    run(steps, slots, batch: batch, stats: nil, NoObserver.self, fast: fast)
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
                                    stats: UnsafeMutablePointer<LayerStats>?, _ o: O.Type, fast: UnsafePointer<FastStep>? = nil) {
    guard let base = steps.baseAddress else { return }
    var i = 0
    while i < steps.count {
      defer { i &+= 1 }
      if !O.enabled, let fs = fast {
        let f = fs + i
        switch f.pointee.kind {
        case .chain:
          DenseFixedKernel.runChain(f.pointee.p.unsafelyUnwrapped.assumingMemoryBound(to: Dense16Step.self), slots, batch: batch)
          i &+= f.pointee.skip
          continue
        case .softmax:
          SoftmaxFixedKernel.runSmall(f.pointee.p.unsafelyUnwrapped.assumingMemoryBound(to: SoftmaxFixedStep.self), slots, batch: batch)
          continue
        case .step:
          break
        }
      }
      switch base[i] {
      case .denseFixed(let s):
        DenseFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
        // Unobserved, a fast Dense with a folded epilogue (chained or not) has also computed the next layers.
        if !O.enabled, s.fast != nil, let e = s.epilogue { i &+= e.skip }
      case .normalizeFixed(let s): NormalizeFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .activationFixed(let s): ActivationFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .softmaxFixed(let s): SoftmaxFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .mergeFixed(let s): MergeFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .concatFixed(let s): ConcatFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
      case .windowFixed(let s): WindowFixedKernel.run(s, slots, batch: batch, stats: stats, O.self)
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
