import ArgumentParser
import TrigRT
import TrigRTTools
#if canImport(Glibc)
import Glibc
#endif

/// `trigrt bench`: the latency distribution of `run` per call, and PASS/FAIL against a budget at a
/// percentile (exit status 1 on FAIL), so that a user's CI can gate on it. With `--threads T`,
/// T threads share the model, each with its own session, as a multi-threaded framework runs it.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time run() per call: p50, p90, p99, p99.9, max and throughput; PASS/FAIL against a latency budget.",
    discussion: """
      Each thread makes its warm-up calls, then --iterations timed calls of --batch samples, each
      timed with the monotonic clock (the clock's own cost, tens of nanoseconds, is included).
      Inputs are the rows of --input (cycled), or uniform random values in [-1, 1). Fixed mode
      runs the exact float64 path (trigrt_session_run_f64). With --budget, the exit status is 1
      when the --percentile of all calls (every thread's) is over the budget.
      """)
  @OptionGroup var options: ModelOptions

  @Option(name: .long, help: "Samples per call.")
  var batch: Int = 1

  @Option(name: .long, help: "Timed calls per thread.")
  var iterations: Int = 100_000

  @Option(name: .long, help: "Untimed warm-up calls per thread (default: min(1000, iterations)).")
  var warmup: Int?

  @Option(name: .long, help: "Latency budget per call, e.g. 2us, 800ns, 1.5ms.")
  var budget: String?

  @Option(name: .long, help: "The percentile checked against --budget (0 < P ≤ 100; 100 is the maximum).")
  var percentile: Double = 99

  @Option(name: .long, help: "Threads sharing the model, one session each.")
  var threads: Int = 1

  @Option(name: .long, help: "A .npy file of input rows (one input); the default is random values.")
  var input: String?

  @Flag(name: .long, help: "Machine-readable output.")
  var json = false

  func run() throws {
    guard batch >= 1, iterations >= 1 else { throw ValidationError("--batch and --iterations must be at least 1") }
    guard threads >= 1, threads <= 256 else { throw ValidationError("--threads must be between 1 and 256") }
    guard percentile > 0, percentile <= 100 else { throw ValidationError("--percentile must be in (0, 100]") }
    let budgetNs = try budget.map(parseDuration)
    let m = try options.load()
    let fixed = m.mode == .fixed
    let data = try benchInputs(m)
    let warm = warmup ?? min(1000, iterations)

    // One job per thread; thread 0 is the calling thread when T = 1.
    let jobs = (0..<threads).map { t in BenchJob(model: m, data: data, batch: batch, iterations: iterations, warmup: warm, fixed: fixed, seed: UInt64(t)) }
    for j in jobs { try j.prepare() }
    if threads == 1 {
      jobs[0].go()
    } else {
      var barrier = pthread_barrier_t()
      pthread_barrier_init(&barrier, nil, UInt32(threads))
      defer { pthread_barrier_destroy(&barrier) }
      try withUnsafeMutablePointer(to: &barrier) { bp in
        var tids: [pthread_t] = []
        for j in jobs {
          j.barrier = bp
          var tid = pthread_t()
          let ctx = Unmanaged.passRetained(j).toOpaque()
          let rc = pthread_create(&tid, nil, { raw in
            let job = Unmanaged<BenchJob>.fromOpaque(raw!).takeRetainedValue()
            job.go()
            return nil
          }, ctx)
          if rc != 0 {
            Unmanaged<BenchJob>.fromOpaque(ctx).release()
            throw CLIError("cannot start thread: \(String(cString: strerror(rc)))")
          }
          tids.append(tid)
        }
        for t in tids { pthread_join(t, nil) }
      }
    }
    if let f = jobs.compactMap(\.failure).first { throw CLIError("run failed: \(f)") }

    // Per-thread and pooled distributions; aggregate throughput over the common wall time.
    let per = jobs.map { Distribution($0.samples) }
    let all = threads == 1 ? per[0] : Distribution(jobs.flatMap(\.samples))
    let start = jobs.map(\.start).min()!, end = jobs.map(\.end).max()!
    let aggregate = Double(threads * iterations * batch) / Double(max(1, end - start)) * 1e9
    let checked = all.quantile(percentile / 100)
    let pass = budgetNs.map { checked <= $0 }
    let pText = percentileText(percentile)

    if json {
      var fields: [(String, JSON)] = [
        ("model", .string(m.source)), ("mode", .string(fixed ? "fixed" : "float")),
        ("batch", .int(batch)), ("threads", .int(threads)), ("iterations", .int(iterations)), ("warmup", .int(warm)),
        ("latency_ns", all.json), ("throughput_samples_per_s", .double(aggregate)),
        ("per_thread", .array(zip(per, jobs).map { d, j in
          .object([("latency_ns", d.json), ("throughput_samples_per_s", .double(Double(iterations * batch) / Double(max(1, j.end - j.start)) * 1e9))])
        })),
      ]
      if let b = budgetNs {
        fields += [("budget_ns", .double(b)), ("percentile", .double(percentile)), ("value_ns", .double(checked)), ("pass", .bool(pass!))]
      }
      print(JSON.object(fields).text)
    } else {
      print("\(m.source) [\(fixed ? "fixed" : "float")]: batch \(batch), \(threads) thread\(threads == 1 ? "" : "s") × \(iterations) timed calls (after \(warm) warm-up calls each)")
      print(pad("", 12) + Distribution.header)
      for (t, d) in per.enumerated() where threads > 1 { print(pad("thread \(t)", 12) + d.row) }
      print(pad(threads > 1 ? "all" : "latency", 12) + all.row)
      print("throughput: \(format3(aggregate / 1e6)) M samples/s\(threads > 1 ? " (aggregate of \(threads) threads)" : "")")
      if let b = budgetNs {
        print("\(pass! ? "PASS" : "FAIL"): \(pText) \(formatNanoseconds(checked)) \(pass! ? "≤" : ">") budget \(formatNanoseconds(b))")
      }
    }
    if pass == false { throw ExitCode(1) }
  }

  /// Input rows as float and double, or random values.
  func benchInputs(_ m: Model) throws -> BenchInputs {
    guard m.inputs.count >= 1 else { throw CLIError("the model has no inputs") }
    var rows = 64
    var values: [[Double]] = []
    if let path = input {
      let (arrays, n) = try readInputs(m, [path])
      rows = n
      values = arrays.map(\.values)
    } else {
      var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
      for t in m.inputs {
        values.append((0..<(t.count * rows)).map { _ in
          seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          return Double(Int64(bitPattern: seed >> 11) % 2_000_000) / 1_000_000 - 1
        })
      }
    }
    return BenchInputs(counts: m.inputs.map(\.count), rows: rows, values: values)
  }
}

/// "5us" → 5000 (nanoseconds).
func parseDuration(_ s: String) throws -> Double {
  let units: [(String, Double)] = [("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000)]
  for (u, f) in units where s.hasSuffix(u) {
    if let v = Double(s.dropLast(u.count)), v >= 0, v.isFinite { return v * f }
  }
  throw ValidationError("--budget '\(s)': expected a number with ns, us, ms or s (e.g. 2us)")
}

func percentileText(_ p: Double) -> String {
  if p == 100 { return "max" }
  if p == 50 { return "p50" }
  let r = (p * 1000).rounded() / 1000
  return "p" + (r == r.rounded() ? String(Int(r)) : "\(r)")
}

struct BenchInputs: @unchecked Sendable {
  var counts: [Int]
  var rows: Int
  var values: [[Double]]   // per input: rows × count
}

/// Sorted per-call latencies (nanoseconds).
struct Distribution {
  let sorted: [UInt64]
  init(_ samples: [UInt64]) { sorted = samples.sorted() }

  func quantile(_ p: Double) -> Double {
    if sorted.isEmpty { return 0 }
    if p >= 1 { return Double(sorted[sorted.count - 1]) }
    return Double(sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))])
  }
  var mean: Double { sorted.isEmpty ? 0 : Double(sorted.reduce(0, &+)) / Double(sorted.count) }

  static let points: [(String, Double)] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999), ("max", 1)]
  static var header: String { points.map { pad($0.0, 11) }.joined() + "mean" }
  var row: String { Distribution.points.map { pad(formatNanoseconds(quantile($0.1)), 11) }.joined() + formatNanoseconds(mean) }
  var json: JSON {
    .object([("count", .int(sorted.count)), ("p50", .double(quantile(0.5))), ("p90", .double(quantile(0.9))), ("p99", .double(quantile(0.99))),
             ("p999", .double(quantile(0.999))), ("max", .double(quantile(1))), ("mean", .double(mean)), ("min", .double(Double(sorted.first ?? 0)))])
  }
}

/// One thread's share: its own session and buffers; timed calls into a preallocated buffer.
final class BenchJob: @unchecked Sendable {
  let model: Model
  let data: BenchInputs
  let batch, iterations, warmup: Int
  let fixed: Bool
  let seed: UInt64
  var session: Session?
  var barrier: UnsafeMutablePointer<pthread_barrier_t>?
  var samples: [UInt64] = []
  var start: UInt64 = 0, end: UInt64 = 0
  var failure: String?
  // batch-sized input windows, one per starting row (cycled), per input; outputs per output
  var inF: [[UnsafeMutablePointer<Float>]] = [], inD: [[UnsafeMutablePointer<Double>]] = []
  var outF: [UnsafeMutablePointer<Float>] = [], outD: [UnsafeMutablePointer<Double>] = []

  init(model: Model, data: BenchInputs, batch: Int, iterations: Int, warmup: Int, fixed: Bool, seed: UInt64) {
    self.model = model; self.data = data; self.batch = batch; self.iterations = iterations
    self.warmup = warmup; self.fixed = fixed; self.seed = seed
  }

  deinit {
    for w in inF { for p in w { p.deallocate() } }
    for w in inD { for p in w { p.deallocate() } }
    for p in outF { p.deallocate() }
    for p in outD { p.deallocate() }
  }

  /// Session and buffers (not timed; on the calling thread).
  func prepare() throws {
    session = try Session.make(model: model, maxBatch: batch)
    let windows = min(data.rows, 64)
    for (i, c) in data.counts.enumerated() {
      var wf: [UnsafeMutablePointer<Float>] = [], wd: [UnsafeMutablePointer<Double>] = []
      for w in 0..<windows {
        let pf = UnsafeMutablePointer<Float>.allocate(capacity: c * batch)
        let pd = UnsafeMutablePointer<Double>.allocate(capacity: c * batch)
        for r in 0..<batch {
          let row = (w + r + Int(seed)) % data.rows
          for e in 0..<c { pd[r * c + e] = data.values[i][row * c + e]; pf[r * c + e] = Float(pd[r * c + e]) }
        }
        wf.append(pf); wd.append(pd)
      }
      inF.append(wf); inD.append(wd)
    }
    for t in model.outputs {
      outF.append(.allocate(capacity: t.count * batch))
      outD.append(.allocate(capacity: t.count * batch))
    }
    samples = [UInt64](repeating: 0, count: iterations)
  }

  func go() {
    guard let s = session else { return }
    let windows = inF.first?.count ?? 1
    let nIn = inF.count, nOut = outF.count
    let ipf = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: max(1, nIn * windows))
    let ipd = UnsafeMutablePointer<UnsafePointer<Double>?>.allocate(capacity: max(1, nIn * windows))
    let opf = UnsafeMutablePointer<UnsafeMutablePointer<Float>?>.allocate(capacity: max(1, nOut))
    let opd = UnsafeMutablePointer<UnsafeMutablePointer<Double>?>.allocate(capacity: max(1, nOut))
    defer { ipf.deallocate(); ipd.deallocate(); opf.deallocate(); opd.deallocate() }
    for w in 0..<windows {
      for i in 0..<nIn { ipf[w * nIn + i] = UnsafePointer(inF[i][w]); ipd[w * nIn + i] = UnsafePointer(inD[i][w]) }
    }
    for j in 0..<nOut { opf[j] = outF[j]; opd[j] = outD[j] }
    let fixed = self.fixed, batch = self.batch
    @inline(__always) func call(_ w: Int) -> RunFailure? {
      fixed ? s.runF64(inputs: ipd + w * nIn, outputs: opd, batch: batch) : s.run(inputs: ipf + w * nIn, outputs: opf, batch: batch)
    }
    if let b = barrier { pthread_barrier_wait(b) }
    for i in 0..<warmup {
      if let f = call(i % windows) { failure = "\(f)"; return }
    }
    samples.withUnsafeMutableBufferPointer { out in
      start = nowNanoseconds()
      for i in 0..<iterations {
        let a = nowNanoseconds()
        _ = call(i % windows)
        out[i] = nowNanoseconds() &- a
      }
      end = nowNanoseconds()
    }
  }
}
