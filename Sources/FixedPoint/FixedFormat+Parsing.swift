// Parsing and printing the spellings users paste from hls4ml configs and HLS code.

/// A precision string could not be parsed. The message says what was expected and what was found;
/// `column` is 1-based, counted in Unicode scalars of `input`.
public struct FixedFormatParseError: Error, Hashable, Sendable, CustomStringConvertible {
  public let input: String
  public let column: Int
  public let message: String

  public var description: String { "\(message) at column \(column) of \"\(input)\"" }
}

extension FixedFormat.Quantization {
  /// The bare mode name, as hls4ml prints it: `TRN`, `RND_CONV`, …
  public var bareName: String {
    switch self {
    case .trn: return "TRN"
    case .trnZero: return "TRN_ZERO"
    case .rnd: return "RND"
    case .rndZero: return "RND_ZERO"
    case .rndInf: return "RND_INF"
    case .rndMinInf: return "RND_MIN_INF"
    case .rndConv: return "RND_CONV"
    case .rndConvOdd: return "RND_CONV_ODD"
    }
  }
  /// The C++ enumerator: `AP_RND_CONV` or `AC_RND_CONV`.
  public func name(for library: FixedFormat.Library) -> String { (library == .ap ? "AP_" : "AC_") + bareName }
}

extension FixedFormat.Overflow {
  /// The bare mode name, as hls4ml prints it: `WRAP`, `SAT_SYM`, …
  public var bareName: String {
    switch self {
    case .wrap: return "WRAP"
    case .sat: return "SAT"
    case .satZero: return "SAT_ZERO"
    case .satSym: return "SAT_SYM"
    }
  }
  /// The C++ enumerator: `AP_SAT` or `AC_SAT`.
  public func name(for library: FixedFormat.Library) -> String { (library == .ap ? "AP_" : "AC_") + bareName }
}

extension FixedFormat: CustomStringConvertible, LosslessStringConvertible {
  /// The canonical C++ spelling, which ``init(parsing:)`` reads back to an equal format.
  ///
  /// Trailing parameters that equal the C++ defaults are left out: `ap_fixed<16,6>`,
  /// `ap_fixed<8,3,AP_RND>`, `ap_ufixed<10,4,AP_TRN,AP_WRAP,2>`, `ap_int<8>`, `ap_uint<3>`,
  /// `ac_fixed<12,4,true>`, `ac_fixed<12,4,false,AC_RND,AC_SAT_SYM>`, `ac_int<7,true>`.
  public var description: String {
    switch kind {
    case .apInt:
      return "\(isSigned ? "ap_int" : "ap_uint")<\(width)>"
    case .acInt:
      return "ac_int<\(width),\(isSigned)>"
    case .apFixed:
      var s = "\(isSigned ? "ap_fixed" : "ap_ufixed")<\(width),\(integerBits)"
      if overflow != .wrap || saturationBits != 0 {
        s += ",\(quantization.name(for: .ap)),\(overflow.name(for: .ap))"
        if saturationBits != 0 { s += ",\(saturationBits)" }
      } else if quantization != .trn {
        s += ",\(quantization.name(for: .ap))"
      }
      return s + ">"
    case .acFixed:
      var s = "ac_fixed<\(width),\(integerBits),\(isSigned)"
      if overflow != .wrap {
        s += ",\(quantization.name(for: .ac)),\(overflow.name(for: .ac))"
      } else if quantization != .trn {
        s += ",\(quantization.name(for: .ac))"
      }
      return s + ">"
    }
  }

  /// Parses a precision string; `nil` if it is not valid (``init(parsing:)`` says why).
  public init?(_ description: String) {
    guard let f = try? FixedFormat(parsing: description) else { return nil }
    self = f
  }

  /// Parses every spelling hls4ml 1.3.0 accepts for a fixed-point or integer precision, plus the
  /// C++ ac_fixed spellings:
  ///
  /// | spelling                                   | parameters                                     |
  /// |--------------------------------------------|------------------------------------------------|
  /// | `ap_fixed<W,I[,Q[,O[,N]]]>`, `ap_ufixed<…>` | Xilinx; defaults AP_TRN, AP_WRAP, 0            |
  /// | `fixed<…>`, `ufixed<…>`                    | hls4ml's names for the same                    |
  /// | `ap_int<W>`, `ap_uint<W>`, `int<W>`, `uint<W>` | Xilinx integers (hls4ml `int` is `ap_int`) |
  /// | `ac_fixed<W,I[,S[,Q[,O]]]>`                | S is `true`/`false`/`1`/`0`; defaults true, AC_TRN, AC_WRAP |
  /// | `ac_int<W[,S]>`                            | S defaults to true                             |
  ///
  /// Mode names are accepted as hls4ml accepts them: with or without an upper-case `AP_` or `AC_`
  /// prefix, the rest in any case (`AP_RND_ZERO`, `RND_ZERO`, `rnd_zero`, `AC_RND`). Spaces are
  /// allowed around every parameter. Rejected, as hls4ml rejects them: a lower-case prefix
  /// (`ap_rnd`), `AP_WRAP_SM`, empty fields, upper-case type names (`AP_FIXED`). Also rejected
  /// (hls4ml would ignore or misread them): extra parameters, text after `>`, a signedness other
  /// than true/false/1/0, `AP_RND_CONV_ODD` outside ac_fixed, W outside 1…64.
  public init(parsing text: String) throws(FixedFormatParseError) {
    var p = _PrecisionParser(text)
    self = try p.parse()
  }
}

private struct _PrecisionParser {
  let input: String
  let scalars: [Unicode.Scalar]
  var pos = 0

  init(_ text: String) {
    input = text
    scalars = Array(text.unicodeScalars)
  }

  struct Arg {
    var text: String
    var column: Int  // 1-based column of the first non-space scalar (or of the field if empty)
  }

  func fail(_ message: String, at index: Int) -> FixedFormatParseError {
    FixedFormatParseError(input: input, column: index + 1, message: message)
  }
  func fail(_ message: String, _ arg: Arg) -> FixedFormatParseError {
    FixedFormatParseError(input: input, column: arg.column, message: message)
  }

  static let typeNames = "ap_fixed, ap_ufixed, fixed, ufixed, ap_int, ap_uint, int, uint, ac_fixed or ac_int"

  mutating func skipSpaces() {
    while pos < scalars.count, scalars[pos].properties.isWhitespace { pos += 1 }
  }

  mutating func parse() throws(FixedFormatParseError) -> FixedFormat {
    skipSpaces()
    let nameStart = pos
    while pos < scalars.count, scalars[pos] != "<", !scalars[pos].properties.isWhitespace { pos += 1 }
    let name = String(String.UnicodeScalarView(scalars[nameStart..<pos]))
    if name.isEmpty {
      throw fail("expected a type name (\(Self.typeNames)), found \(found(at: nameStart))", at: nameStart)
    }
    let known = ["ap_fixed", "ap_ufixed", "fixed", "ufixed", "ap_int", "ap_uint", "int", "uint", "ac_fixed", "ac_int"]
    guard known.contains(name) else {
      var hint = ""
      if known.contains(name.lowercased()) { hint = " (type names are lower-case)" }
      if ["auto", "float", "double", "half", "bfloat16"].contains(name.lowercased()) || name.hasPrefix("ap_float")
        || name.hasPrefix("ac_float") || name.hasPrefix("ac_std_float") || name.hasPrefix("std_float")
      {
        hint = " (\(name) is not a fixed-point or integer precision)"
      }
      throw fail("expected a type name (\(Self.typeNames)), found \"\(name)\"\(hint)", at: nameStart)
    }
    skipSpaces()
    guard pos < scalars.count, scalars[pos] == "<" else {
      throw fail("expected '<' after \(name), found \(found(at: pos))", at: pos)
    }
    pos += 1
    var args: [Arg] = []
    var fieldStart = pos
    while true {
      guard pos < scalars.count else {
        throw fail("expected ',' or '>' to continue the parameters of \(name), found end of input", at: pos)
      }
      let c = scalars[pos]
      if c == "," || c == ">" {
        args.append(makeArg(fieldStart, pos))
        pos += 1
        fieldStart = pos
        if c == ">" { break }
      } else if c == "<" {
        throw fail("unexpected '<' inside the parameters of \(name)", at: pos)
      } else {
        pos += 1
      }
    }
    skipSpaces()
    if pos < scalars.count {
      throw fail("unexpected text after '>': \(found(at: pos))", at: pos)
    }
    for a in args where a.text.isEmpty {
      throw fail("empty parameter in \(name)<…> (every field must have a value)", a)
    }
    switch name {
    case "ap_fixed", "ap_ufixed", "fixed", "ufixed":
      return try parseAPFixed(name, args, signed: !name.contains("ufixed"))
    case "ap_int", "ap_uint", "int", "uint":
      guard args.count == 1 else {
        throw fail("\(name) takes exactly 1 parameter <W>, found \(args.count)", args.count > 1 ? args[1] : args[0])
      }
      let w = try integer(args[0], "width W")
      return try make(args[0]) { () throws(FixedFormatError) in
        try FixedFormat.integer(.apInt, width: w, isSigned: !name.contains("uint"))
      }
    case "ac_fixed":
      return try parseACFixed(args)
    default:  // ac_int
      guard args.count <= 2 else {
        throw fail("ac_int takes 1 or 2 parameters <W[,S]>, found \(args.count)", args[2])
      }
      let w = try integer(args[0], "width W")
      let s = args.count == 2 ? try signedness(args[1]) : true
      return try make(args[0]) { () throws(FixedFormatError) in try FixedFormat.integer(.acInt, width: w, isSigned: s) }
    }
  }

  func makeArg(_ start: Int, _ end: Int) -> Arg {
    var a = start
    var b = end
    while a < b, scalars[a].properties.isWhitespace { a += 1 }
    while b > a, scalars[b - 1].properties.isWhitespace { b -= 1 }
    return Arg(text: String(String.UnicodeScalarView(scalars[a..<b])), column: a + 1)
  }

  func found(at index: Int) -> String {
    guard index < scalars.count else { return "end of input" }
    var end = index
    while end < scalars.count, end - index < 16, scalars[end] != ",", scalars[end] != ">" { end += 1 }
    if end == index { end += 1 }
    return "\"\(String(String.UnicodeScalarView(scalars[index..<end])))\""
  }

  func integer(_ arg: Arg, _ what: String) throws(FixedFormatParseError) -> Int {
    var t = Substring(arg.text)
    var negative = false
    if let f = t.first, f == "+" || f == "-" {
      negative = f == "-"
      t = t.dropFirst()
    }
    guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
      throw fail("expected an integer \(what), found \"\(arg.text)\"", arg)
    }
    guard let v = Int(t), v <= 1 << 40 else { throw fail("\(what) \"\(arg.text)\" is too large", arg) }
    return negative ? -v : v
  }

  func signedness(_ arg: Arg) throws(FixedFormatParseError) -> Bool {
    switch arg.text.lowercased() {
    case "true", "1": return true
    case "false", "0": return false
    default: throw fail("expected the signedness S (true, false, 1 or 0), found \"\(arg.text)\"", arg)
    }
  }

  /// Splits an optional upper-case `AP_`/`AC_` prefix off a mode token, as hls4ml does.
  func modeBody(_ arg: Arg, _ what: String, _ choices: String) throws(FixedFormatParseError) -> String {
    let t = arg.text
    if t.hasPrefix("AP_") || t.hasPrefix("AC_") { return String(t.dropFirst(3)).uppercased() }
    let lower = t.lowercased()
    if lower.hasPrefix("ap_") || lower.hasPrefix("ac_") {
      let bare = String(t.dropFirst(3))
      throw fail(
        "expected \(what) (\(choices)), found \"\(t)\": the \(t.prefix(3)) prefix must be upper-case; write \(t.prefix(3).uppercased())\(bare.uppercased()) or \(bare)",
        arg)
    }
    return t.uppercased()
  }

  static let quantizationChoices = "AP_TRN, AP_TRN_ZERO, AP_RND, AP_RND_ZERO, AP_RND_INF, AP_RND_MIN_INF or AP_RND_CONV, with or without AP_"
  static let acQuantizationChoices = "AC_TRN, AC_TRN_ZERO, AC_RND, AC_RND_ZERO, AC_RND_INF, AC_RND_MIN_INF, AC_RND_CONV or AC_RND_CONV_ODD, with or without AC_"
  static let overflowChoices = "AP_WRAP, AP_SAT, AP_SAT_ZERO or AP_SAT_SYM, with or without AP_"
  static let acOverflowChoices = "AC_WRAP, AC_SAT, AC_SAT_ZERO or AC_SAT_SYM, with or without AC_"

  func quantization(_ arg: Arg, _ library: FixedFormat.Library) throws(FixedFormatParseError) -> FixedFormat.Quantization {
    let choices = library == .ap ? Self.quantizationChoices : Self.acQuantizationChoices
    let body = try modeBody(arg, "a quantization mode", choices)
    if let q = FixedFormat.Quantization.allCases.first(where: { $0.bareName == body }) {
      if q == .rndConvOdd && library == .ap {
        throw fail("RND_CONV_ODD exists only in ac_fixed (AC_RND_CONV_ODD); expected a quantization mode (\(choices))", arg)
      }
      return q
    }
    if FixedFormat.Overflow.allCases.contains(where: { $0.bareName == body }) || body == "WRAP_SM" {
      throw fail("expected a quantization mode (\(choices)) before the overflow mode, found the overflow mode \"\(arg.text)\"", arg)
    }
    throw fail("expected a quantization mode (\(choices)), found \"\(arg.text)\"", arg)
  }

  func overflow(_ arg: Arg, _ library: FixedFormat.Library) throws(FixedFormatParseError) -> FixedFormat.Overflow {
    let choices = library == .ap ? Self.overflowChoices : Self.acOverflowChoices
    let body = try modeBody(arg, "an overflow mode", choices)
    if let o = FixedFormat.Overflow.allCases.first(where: { $0.bareName == body }) { return o }
    if body == "WRAP_SM" {
      throw fail("\(arg.text) (sign-magnitude wrap) is not supported: hls4ml cannot select it; expected an overflow mode (\(choices))", arg)
    }
    if FixedFormat.Quantization.allCases.contains(where: { $0.bareName == body }) {
      throw fail("expected an overflow mode (\(choices)), found the quantization mode \"\(arg.text)\"", arg)
    }
    throw fail("expected an overflow mode (\(choices)), found \"\(arg.text)\"", arg)
  }

  func parseAPFixed(_ name: String, _ args: [Arg], signed: Bool) throws(FixedFormatParseError) -> FixedFormat {
    guard (2...5).contains(args.count) else {
      throw fail(
        "\(name) takes 2 to 5 parameters <W,I[,Q[,O[,N]]]>, found \(args.count)", args.count > 5 ? args[5] : args[0])
    }
    let w = try integer(args[0], "width W")
    let i = try integer(args[1], "number of integer bits I")
    let q = args.count > 2 ? try quantization(args[2], .ap) : .trn
    let o = args.count > 3 ? try overflow(args[3], .ap) : .wrap
    let n = args.count > 4 ? try integer(args[4], "number of saturation bits N") : 0
    return try make(args, nArg: 4) { () throws(FixedFormatError) in
      try FixedFormat(
        kind: .apFixed, width: w, integerBits: i, isSigned: signed,
        quantization: q, overflow: o, saturationBits: n)
    }
  }

  func parseACFixed(_ args: [Arg]) throws(FixedFormatParseError) -> FixedFormat {
    if args.count == 6 {
      throw fail("ac_fixed has no saturation-bits parameter (ac_fixed<W,I,S,Q,O> takes at most 5)", args[5])
    }
    guard (2...5).contains(args.count) else {
      throw fail("ac_fixed takes 2 to 5 parameters <W,I[,S[,Q[,O]]]>, found \(args.count)", args.count > 5 ? args[5] : args[0])
    }
    let w = try integer(args[0], "width W")
    let i = try integer(args[1], "number of integer bits I")
    let s = args.count > 2 ? try signedness(args[2]) : true
    let q = args.count > 3 ? try quantization(args[3], .ac) : .trn
    let o = args.count > 4 ? try overflow(args[4], .ac) : .wrap
    return try make(args, nArg: nil) { () throws(FixedFormatError) in
      try FixedFormat(
        kind: .acFixed, width: w, integerBits: i, isSigned: s,
        quantization: q, overflow: o, saturationBits: 0)
    }
  }

  /// Runs a throwing initializer and turns a validation error into a parse error that points at
  /// the parameter responsible.
  func make(_ args: [Arg], nArg: Int?, _ body: () throws(FixedFormatError) -> FixedFormat) throws(FixedFormatParseError)
    -> FixedFormat
  {
    do {
      return try body()
    } catch {
      var arg = args[0]
      switch error {
      case .integerBitsOutOfRange: arg = args[1]
      case .saturationBitsOutOfRange: if let n = nArg, n < args.count { arg = args[n] }
      case .quantizationNotSupported: if args.count > 2 { arg = args[2] }
      default: break
      }
      throw fail(error.description, arg)
    }
  }

  func make(_ arg: Arg, _ body: () throws(FixedFormatError) -> FixedFormat) throws(FixedFormatParseError) -> FixedFormat {
    try make([arg], nArg: nil, body)
  }
}
