/// Status codes of the C interface (`trigrt_status` in include/trigrt.h). Append-only.
public enum Status: Int32, Sendable, CaseIterable {
  case ok = 0
  case invalidArgument = 1
  case io = 2
  case malformed = 3
  case unsupported = 4
  case shape = 5
  case batch = 6
  case unsupportedCPU = 7
  case outOfMemory = 8
  case precisionConfig = 9
  case `internal` = 10
  case limit = 11
  case misuse = 12

  /// The static text `trigrt_status_string` returns.
  public var text: StaticString {
    switch self {
    case .ok: return "ok"
    case .invalidArgument: return "invalid argument"
    case .io: return "I/O error"
    case .malformed: return "malformed model"
    case .unsupported: return "unsupported"
    case .shape: return "shape error"
    case .batch: return "batch out of range"
    case .unsupportedCPU: return "unsupported CPU"
    case .outOfMemory: return "out of memory"
    case .precisionConfig: return "invalid precision config"
    case .internal: return "internal error"
    case .limit: return "limit exceeded"
    case .misuse: return "API misuse"
    }
  }
}

/// Every failure of loading, planning or session creation. Only the C-ABI layer turns it into a
/// status code; the message names the file, the node and the reason.
public struct TrigRTError: Error, CustomStringConvertible, Sendable {
  public var code: Status
  public var message: String
  public init(_ code: Status, _ message: String) {
    self.code = code
    self.message = message
  }
  public var description: String { message }

  static func malformed(_ m: String) -> TrigRTError { TrigRTError(.malformed, m) }
  static func unsupported(_ m: String) -> TrigRTError { TrigRTError(.unsupported, m) }
  static func shape(_ m: String) -> TrigRTError { TrigRTError(.shape, m) }
}
