/// The limits a model file must stay within. A file is never trusted: every size it declares is
/// checked against the file itself and against these caps before anything is allocated, so a
/// hostile or broken file costs at most a bounded amount of memory and time and fails with
/// `TRIGRT_E_LIMIT` and a message naming the limit (and, for the adjustable ones, the option).
///
/// | limit | default | adjustable | checked where |
/// | --- | --- | --- | --- |
/// | constant bytes of a model (weights, folded constants, packed plan constants) | 256 MiB | `trigrt_options.max_weight_bytes` | reader, folding, planner |
/// | arena bytes of one session | 1 GiB | `trigrt_options.max_arena_bytes` | load (batch 1), session creation |
/// | elements of one tensor | 2^31 | no | reader, lowering |
/// | message nesting depth of the file | 64 | no | before protobuf-c parses (it recurses) |
/// | elements of one attribute list | 2^20 | no | reader |
/// | nodes, initialisers, graph inputs/outputs | 2^20 each | no | reader |
/// | inputs or outputs of one node | 2^16 | no | reader |
/// | bytes of one name or string attribute | 2^16 | no | reader |
/// | file size | 2 GiB | no | reader |
public struct Limits: Sendable, Equatable {
  /// Cap on the memory of a model's constants, in bytes: no constant tensor read from the file or
  /// computed at load holds more than `maxWeightBytes / 4` elements, neither do all of them
  /// together, and the packed constants of the plan take at most `maxWeightBytes`. What load
  /// computes is checked before it is built: folded results, fixed mode's per-element scales and
  /// biases (hls4ml's ApplyAlpha), the plan's index tables (gathers, reductions, im2col, pooling).
  public var maxWeightBytes: Int
  /// Cap on the arena (activation memory, staging and scratch) of one session, in bytes.
  public var maxArenaBytes: Int

  public static let defaultMaxWeightBytes = 256 << 20
  public static let defaultMaxArenaBytes = 1 << 30

  /// Elements of one tensor (and of one sample of a batched value).
  public static let maxElements = 1 << 31
  /// Nesting depth of length-delimited messages in the file.
  public static let maxNesting = 64
  public static let maxAttributeElements = 1 << 20
  public static let maxGraphEntries = 1 << 20
  public static let maxNodeArity = 1 << 16
  public static let maxStringBytes = 1 << 16

  public init(maxWeightBytes: Int = Limits.defaultMaxWeightBytes, maxArenaBytes: Int = Limits.defaultMaxArenaBytes) {
    self.maxWeightBytes = maxWeightBytes
    self.maxArenaBytes = maxArenaBytes
  }

  /// Largest element count of one constant (and of all of them together).
  var maxConstantElements: Int { min(Limits.maxElements, maxWeightBytes / 4) }

  /// The error for a constant of `elements` elements over the cap.
  func weightError(_ source: String, _ what: String, elements: Int) -> TrigRTError {
    TrigRTError(.limit, "\(source): \(what) holds \(elements) elements (\(Limits.describe(bytes: elements.multipliedReportingOverflow(by: 4).overflow ? Int.max : elements * 4)) as float32); the weight cap is \(Limits.describe(bytes: maxWeightBytes)) (trigrt_options.max_weight_bytes)")
  }

  /// "1.5 MiB (1572864 bytes)".
  static func describe(bytes: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var v = Double(bytes), u = 0
    while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
    if u == 0 { return "\(bytes) bytes" }
    let r = (v * 10).rounded() / 10
    return "\(r == r.rounded() ? String(Int(r)) : String(r)) \(units[u]) (\(bytes) bytes)"
  }
}

extension Shapes {
  /// The element count of `shape`, or nil if a dimension is negative or the product exceeds
  /// `limit` (or Int).
  static func checkedCount(_ shape: [Int], limit: Int = Limits.maxElements) -> Int? {
    var n = 1
    for d in shape {
      guard d >= 0 else { return nil }
      let (p, o) = n.multipliedReportingOverflow(by: d)
      guard !o, p <= limit else { return nil }
      n = p
    }
    return n
  }
}
