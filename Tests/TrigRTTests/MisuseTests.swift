import CTrigRTHeader
import Testing
@testable import TrigRT
import TrigRTCABI

/// The C ABI used against its rules, called exactly as C calls it: every misuse gives a status
/// (or the documented -1 / 0 / NULL), never a trap.
@Suite struct MisuseTests {
  typealias Handle = OpaquePointer

  func load(_ path: String, _ opts: UnsafePointer<trigrt_options>? = nil) -> Handle? {
    var m: OpaquePointer? = nil
    var err = trigrt_error()
    let st = path.withCString { trigrt_model_load_file($0, opts, &m, &err) }
    #expect(st == trigrt_status(TRIGRT_OK), "\(path): \(message(err))")
    return m
  }

  func load(bytes: [UInt8]) -> Handle? {
    var m: OpaquePointer? = nil
    var err = trigrt_error()
    let st = bytes.withUnsafeBytes { trigrt_model_load_memory($0.baseAddress, $0.count, nil, &m, &err) }
    #expect(st == trigrt_status(TRIGRT_OK), "\(message(err))")
    return m
  }

  func session(_ m: Handle?, _ maxBatch: UInt32 = 4) -> Handle? {
    var s: OpaquePointer? = nil
    var err = trigrt_error()
    let st = trigrt_session_create(m, maxBatch, &s, &err)
    #expect(st == trigrt_status(TRIGRT_OK), "\(message(err))")
    return s
  }

  func message(_ e: trigrt_error) -> String {
    var e = e
    return withUnsafeBytes(of: &e.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
  }

  /// Runs `s` with the given buffer pointers (float).
  func run(_ s: Handle?, _ ins: [UnsafePointer<Float>?], _ outs: [UnsafeMutablePointer<Float>?], _ batch: UInt32) -> (trigrt_status, String) {
    var err = trigrt_error()
    var i = ins, o = outs
    let st = i.withUnsafeMutableBufferPointer { ip in
      o.withUnsafeMutableBufferPointer { op in trigrt_session_run(s, UnsafePointer(ip.baseAddress), UnsafePointer(op.baseAddress), batch, &err) }
    }
    #expect(err.code == st)
    return (st, message(err))
  }

  let ok = trigrt_status(TRIGRT_OK), invalid = trigrt_status(TRIGRT_E_INVALID_ARGUMENT)
  let misuse = trigrt_status(TRIGRT_E_MISUSE), badBatch = trigrt_status(TRIGRT_E_BATCH)

  @Test func nullEverywhere() {
    var err = trigrt_error()
    var m: OpaquePointer? = OpaquePointer(bitPattern: 1)
    #expect(trigrt_model_load_file(nil, nil, &m, &err) == invalid && m == nil)
    #expect(trigrt_model_load_file(nil, nil, nil, &err) == invalid)
    #expect(trigrt_model_load_file(nil, nil, nil, nil) == invalid)
    #expect(trigrt_model_load_memory(nil, 10, nil, &m, &err) == invalid && m == nil)
    #expect(trigrt_model_load_memory(nil, 0, nil, nil, nil) == invalid)
    var s: OpaquePointer? = OpaquePointer(bitPattern: 1)
    #expect(trigrt_session_create(nil, 1, &s, &err) == invalid && s == nil)
    #expect(trigrt_session_create(nil, 1, nil, nil) == invalid)
    #expect(trigrt_model_input_count(nil) == -1 && trigrt_model_output_count(nil) == -1 && trigrt_model_session_count(nil) == -1)
    #expect(trigrt_model_input_size(nil, 0) == 0 && trigrt_model_output_size(nil, 0) == 0)
    #expect(trigrt_model_input_name(nil, 0) == nil && trigrt_model_output_name(nil, 0) == nil)
    #expect(trigrt_model_input_shape(nil, 0, nil, 0) == -1 && trigrt_model_output_shape(nil, 0, nil, 4) == -1)
    #expect(trigrt_model_mode(nil) == -1 && trigrt_model_arena_size(nil, 1) == 0 && trigrt_session_memory_size(nil, 1) == 0)
    #expect(trigrt_session_run(nil, nil, nil, 1, &err) == invalid && message(err).contains("session is NULL"))
    #expect(trigrt_session_run_f64(nil, nil, nil, 1, nil) == invalid)
    #expect(trigrt_session_max_batch(nil) == 0 && trigrt_session_report_count(nil) == 0 && trigrt_session_report_nan_inputs(nil) == 0)
    #expect(trigrt_session_set_report(nil, 1, &err) == invalid)
    #expect(trigrt_session_report(nil, 0, nil, &err) == invalid)
    trigrt_session_reset_report(nil)
    trigrt_model_destroy(nil)
    trigrt_session_destroy(nil)
    trigrt_options_init(nil)
    trigrt_options_init_sized(nil, 64)
    #expect(String(cString: trigrt_status_string(12345)) == "unknown status")
    #expect(String(cString: trigrt_status_string(trigrt_status(TRIGRT_E_LIMIT))) == "limit exceeded")
    #expect(String(cString: trigrt_status_string(trigrt_status(TRIGRT_E_MISUSE))) == "API misuse")
    // NULL pointers inside the arrays, NULL dims with a positive max_dims count
    guard let model = load(Paths.fixture("ops/relu.onnx")), let sess = session(model) else { return }
    defer { trigrt_session_destroy(sess); trigrt_model_destroy(model) }
    #expect(trigrt_model_input_shape(model, 0, nil, 8) == trigrt_model_input_shape(model, 0, nil, 0))   // NULL dims: the rank, nothing written
    var y = [Float](repeating: 0, count: 37 * 4)
    y.withUnsafeMutableBufferPointer { yp in
      #expect(run(sess, [nil], [yp.baseAddress], 1).0 == invalid)
      #expect(trigrt_session_run(sess, nil, nil, 1, &err) == invalid)
      var r = trigrt_layer_report()
      #expect(trigrt_session_report(sess, 0, &r, &err) == invalid)   // float mode: no report layers
      #expect(trigrt_session_set_report(sess, 1, &err) == invalid)
    }
  }

  @Test func batchOutOfRange() {
    guard let model = load(Paths.fixture("ops/relu.onnx")), let sess = session(model, 3) else { return }
    defer { trigrt_session_destroy(sess); trigrt_model_destroy(model) }
    let n = trigrt_model_input_size(model, 0)
    var x = [Float](repeating: 1, count: n * 4), y = [Float](repeating: -7, count: n * 4)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        for b: UInt32 in [0, 4, 1000, UInt32.max] {
          let (st, msg) = run(sess, [xp.baseAddress], [yp.baseAddress], b)
          #expect(st == badBatch && msg.contains("batch \(b) is outside 1...max_batch (3)"), "\(msg)")
        }
      }
    }
    #expect(y.allSatisfy { $0 == -7 }, "a refused run wrote its outputs")
    var s: OpaquePointer? = nil
    var err = trigrt_error()
    #expect(trigrt_session_create(model, 0, &s, &err) == invalid && s == nil)
    #expect(trigrt_session_create(model, UInt32.max, &s, &err) == trigrt_status(TRIGRT_E_LIMIT) && s == nil, "\(message(err))")
    #expect(message(err).contains("max_arena_bytes"))
  }

  @Test func outputsAliasingInputs() throws {
    guard let model = load(Paths.fixture("ops/relu.onnx")), let sess = session(model, 4) else { return }
    defer { trigrt_session_destroy(sess); trigrt_model_destroy(model) }
    let n = trigrt_model_input_size(model, 0)
    var buf = [Float](repeating: 1, count: n * 8)
    buf.withUnsafeMutableBufferPointer { b in
      let p = b.baseAddress!
      // the same buffer
      var (st, msg) = run(sess, [UnsafePointer(p)], [p], 1)
      #expect(st == invalid && msg.contains("outputs[0] overlaps inputs[0]"), "\(msg)")
      // the output starts inside the input (batch 2 covers 2n floats)
      (st, msg) = run(sess, [UnsafePointer(p)], [p + n], 2)
      #expect(st == invalid, "\(msg)")
      // the input starts inside the output
      (st, _) = run(sess, [UnsafePointer(p + 1)], [p], 2)
      #expect(st == invalid)
      // adjacent, not overlapping: fine
      (st, msg) = run(sess, [UnsafePointer(p)], [p + 2 * n], 2)
      #expect(st == ok, "\(msg)")
      // batch 1 only uses the first row: the output right after it does not overlap
      (st, _) = run(sess, [UnsafePointer(p)], [p + n], 1)
      #expect(st == ok)
    }
    // two outputs on one buffer
    let two = ONNX.model(ONNX.graph(nodes: [ONNX.node("Relu", ["x"], ["a"]), ONNX.node("Sigmoid", ["x"], ["b"])],
                                    inputs: [ONNX.value("x", sample: [4])], outputs: [ONNX.value("a", sample: [4]), ONNX.value("b", sample: [4])]))
    guard let m2 = load(bytes: two), let s2 = session(m2, 2) else { return }
    defer { trigrt_session_destroy(s2); trigrt_model_destroy(m2) }
    var x = [Float](repeating: 1, count: 8), y = [Float](repeating: 0, count: 16)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        let (st, msg) = run(s2, [xp.baseAddress], [yp.baseAddress, yp.baseAddress! + 2], 1)
        #expect(st == invalid && msg.contains("outputs[0] and outputs[1] overlap"), "\(msg)")
        #expect(run(s2, [xp.baseAddress], [yp.baseAddress, yp.baseAddress! + 8], 2).0 == ok)
      }
    }
    // inputs may overlap each other
    let add = ONNX.model(ONNX.graph(nodes: [ONNX.node("Add", ["p", "q"], ["y"])], inputs: [ONNX.value("p", sample: [4]), ONNX.value("q", sample: [4])],
                                    outputs: [ONNX.value("y", sample: [4])]))
    guard let m3 = load(bytes: add), let s3 = session(m3, 1) else { return }
    defer { trigrt_session_destroy(s3); trigrt_model_destroy(m3) }
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        #expect(run(s3, [xp.baseAddress, xp.baseAddress], [yp.baseAddress], 1).0 == ok)
        #expect(yp[0] == 2)
      }
    }
  }

  @Test func destroyingAModelThatHasSessions() {
    guard let model = load(Paths.fixture("ops/relu.onnx")) else { return }
    #expect(trigrt_model_session_count(model) == 0)
    guard let s1 = session(model), let s2 = session(model) else { return }
    #expect(trigrt_model_session_count(model) == 2)
    let n = trigrt_model_input_size(model, 0)
    trigrt_model_destroy(model)
    // the sessions keep working; the model handle is dead
    var x = [Float](repeating: -1, count: n), y = [Float](repeating: 5, count: n)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        #expect(run(s1, [xp.baseAddress], [yp.baseAddress], 1).0 == ok)
      }
    }
    #expect(y.allSatisfy { $0 == 0 })
    #expect(trigrt_model_input_count(model) == -1 && trigrt_model_input_name(model, 0) == nil && trigrt_model_session_count(model) == -1)
    var s: OpaquePointer? = nil
    var err = trigrt_error()
    #expect(trigrt_session_create(model, 1, &s, &err) == misuse && s == nil)
    #expect(message(err).contains("already destroyed"), "\(message(err))")
    trigrt_model_destroy(model)   // a second destroy: nothing (the sessions still hold the object)
    #expect(trigrt_session_max_batch(s1) == 4)
    trigrt_session_destroy(s1)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        #expect(run(s2, [xp.baseAddress], [yp.baseAddress], 1).0 == ok)
      }
    }
    trigrt_session_destroy(s2)    // the last reference: the model is freed now
  }

  @Test func destroyedAndConfusedHandles() {
    guard let model = load(Paths.fixture("ops/relu.onnx")), let sess = session(model) else { return }
    defer { trigrt_model_destroy(model) }
    // Keep the session object alive from Swift so that its memory stays valid after the C
    // handle is destroyed (in C that would be a use after free, outside the contract).
    let keep = Unmanaged<Session>.fromOpaque(UnsafeRawPointer(sess)).retain()
    defer { keep.release() }
    trigrt_session_destroy(sess)
    var x = [Float](repeating: 1, count: 37 * 4), y = [Float](repeating: 0, count: 37 * 4)
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        let (st, msg) = run(sess, [xp.baseAddress], [yp.baseAddress], 1)
        #expect(st == misuse && msg.contains("not a live trigrt_session"), "\(msg)")
        // a model handle passed as a session, a session handle passed as a model
        #expect(run(model, [xp.baseAddress], [yp.baseAddress], 1).0 == misuse)
      }
    }
    trigrt_session_destroy(sess)   // twice: nothing
    #expect(trigrt_session_max_batch(sess) == 0 && trigrt_session_report_count(sess) == 0)
    guard let live = session(model) else { return }
    defer { trigrt_session_destroy(live) }
    #expect(trigrt_model_input_count(live) == -1 && trigrt_model_arena_size(live, 1) == 0)
    var s: OpaquePointer? = nil
    var err = trigrt_error()
    #expect(trigrt_session_create(live, 1, &s, &err) == misuse && message(err).contains("is a trigrt_session, not a trigrt_model"))
    trigrt_model_destroy(live)     // a session handle passed to model_destroy: ignored
    #expect(trigrt_session_max_batch(live) == 4)
  }

  /// The handle tags sit where the C ABI reads them.
  @Test func handleLayout() throws {
    let m = try Model.load(path: Paths.fixture("ops/relu.onnx"))
    let p = UnsafeRawPointer(Unmanaged.passUnretained(m).toOpaque())
    #expect(p.load(fromByteOffset: Model.handleMagicOffset, as: UInt64.self) == Model.liveMagic)
    #expect(Model.fromHandle(p) === m)
    let s = try Session.make(model: m, maxBatch: 1)
    let q = UnsafeRawPointer(Unmanaged.passUnretained(s).toOpaque())
    #expect(q.load(fromByteOffset: Session.handleMagicOffset, as: UInt64.self) == Session.liveMagic)
    #expect(Session.fromHandle(q) === s && Model.fromHandle(q) == nil && Session.fromHandle(p) == nil)
    // The run path's header pointer (computed by address) is ManagedBuffer's.
    #expect(s.h == s.withUnsafeMutablePointerToHeader { $0 })
    #expect(m.sessionCount == 1)
  }

  @Test func optionsStructSizes() {
    var o = trigrt_options()
    var m: OpaquePointer? = nil
    var err = trigrt_error()
    let path = Paths.fixture("ops/relu.onnx")
    for size: UInt32 in [0, 4, 7, 4097, UInt32.max] {
      o.struct_size = size
      #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == invalid && m == nil, "struct_size \(size)")
      #expect(message(err).contains("struct_size"))
    }
    // a version-1 caller (16 bytes) gets the default caps whatever follows in memory
    trigrt_options_init(&o)
    o.max_weight_bytes = 1
    o.max_arena_bytes = 1
    #expect(o.struct_size == 16)
    #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == ok)
    trigrt_model_destroy(m)
    // a version-2 caller's caps apply; 0 means the default
    withUnsafeMutablePointer(to: &o) { trigrt_options_init_sized($0, MemoryLayout<trigrt_options>.size) }
    #expect(o.struct_size == 32 && o.max_weight_bytes == 256 << 20 && o.max_arena_bytes == 1 << 30)
    o.max_arena_bytes = 16
    #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == trigrt_status(TRIGRT_E_LIMIT))
    #expect(message(err).contains("max_arena_bytes"))
    o.max_arena_bytes = 0
    o.max_weight_bytes = 0
    #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == ok)
    trigrt_model_destroy(m)
    o.mode = 2
    #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == invalid)
    o.mode = Int32(TRIGRT_MODE_FLOAT)
    o.precision_config = UnsafePointer(strdup("cfg.yml"))
    #expect(path.withCString { trigrt_model_load_file($0, &o, &m, &err) } == invalid && message(err).contains("applies to fixed mode"))
    free(UnsafeMutableRawPointer(mutating: o.precision_config))
  }

  /// Debug builds refuse a second thread in run. Simulated deterministically (the flag set as
  /// if another run were in progress), then raced for real.
  @Test func concurrentRunOnOneSession() throws {
    let m = try Model.load(path: Paths.models("deepcsv.onnx"))
    let s = try Session.make(model: m, maxBatch: 16)
    let nin = m.inputs[0].count, nout = m.outputs[0].count
    let x = UnsafeMutablePointer<Float>.allocate(capacity: nin * 16)
    x.initialize(repeating: 0.5, count: nin * 16)
    let ys = (0..<2).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: nout * 16) }
    defer { x.deallocate(); ys.forEach { $0.deallocate() } }
    func once(_ y: UnsafeMutablePointer<Float>) -> RunFailure? {
      var ins: [UnsafePointer<Float>?] = [UnsafePointer(x)]
      var outs: [UnsafeMutablePointer<Float>?] = [y]
      return ins.withUnsafeMutableBufferPointer { i in outs.withUnsafeMutableBufferPointer { o in
        s.run(inputs: UnsafePointer(i.baseAddress), outputs: UnsafePointer(o.baseAddress), batch: 16) } }
    }
    #if DEBUG
    s.h.pointee.busy = 1
    #expect(once(ys[0]) == .busy)
    #expect(RunFailure.busy.status == .misuse)
    s.h.pointee.busy = 0
    #endif
    #expect(once(ys[0]) == nil)
    #if DEBUG
    // Two threads on one session for real (debug builds only: in a release build this is the
    // undefined behaviour the header describes): every call runs or is refused, nothing traps.
    let results = UnsafeMutablePointer<Int>.allocate(capacity: 6)
    results.initialize(repeating: 0, count: 6)
    defer { results.deallocate() }
    struct Shared: @unchecked Sendable { let run: (UnsafeMutablePointer<Float>) -> RunFailure?; let ys: [UnsafeMutablePointer<Float>]; let results: UnsafeMutablePointer<Int> }
    let shared = Shared(run: once, ys: ys, results: results)
    DispatchQueue.concurrentPerform(iterations: 2) { t in
      let results = shared.results
      for _ in 0..<300 {
        switch shared.run(shared.ys[t]) {
        case nil: results[t * 3] += 1
        case .busy?: results[t * 3 + 1] += 1
        default: results[t * 3 + 2] += 1
        }
      }
    }
    #expect(results[0] + results[1] == 300 && results[3] + results[4] == 300, "\((0..<6).map { results[$0] })")
    #expect(results[2] == 0 && results[5] == 0)
    #expect(s.h.pointee.busy == 0)
    #endif
  }
}

import Foundation
