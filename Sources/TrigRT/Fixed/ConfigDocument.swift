/// A small reader for hls4ml precision configs: the YAML that `hls4ml.utils.config_from_*`
/// writes and people edit (block mappings by indentation, flow mappings `{a: b}`, flow lists,
/// plain / single- / double-quoted scalars, `#` comments) and JSON (which is YAML flow syntax).
/// Anchors, tags, multi-line scalars and multiple documents are refused with a message that
/// names the line. No Foundation.

indirect enum ConfigNode: Equatable, CustomStringConvertible {
  case scalar(String, quoted: Bool)
  case map([(key: String, value: ConfigNode, line: Int)])
  case list([ConfigNode])

  static func == (a: ConfigNode, b: ConfigNode) -> Bool {
    switch (a, b) {
    case let (.scalar(x, qx), .scalar(y, qy)): return x == y && qx == qy
    case let (.list(x), .list(y)): return x == y
    case let (.map(x), .map(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: return false
    }
  }

  var description: String {
    switch self {
    case .scalar(let s, _): return s
    case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
    case .map(let m): return "{" + m.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
  }

  var scalar: String? { if case .scalar(let s, _) = self { return s } else { return nil } }
  var entries: [(key: String, value: ConfigNode, line: Int)]? { if case .map(let m) = self { return m } else { return nil } }
}

struct ConfigSyntaxError: Error, CustomStringConvertible {
  var line: Int
  var message: String
  var description: String { "line \(line): \(message)" }
}

enum ConfigDocument {
  static func parse(_ text: String) throws(ConfigSyntaxError) -> ConfigNode {
    var lines: [(indent: Int, text: String, number: Int)] = []
    var n = 0
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      n += 1
      var s = String(raw)
      if s.hasSuffix("\r") { s.removeLast() }
      if s.contains("\t") && s.drop(while: { $0 == " " }).first == "\t" {
        throw ConfigSyntaxError(line: n, message: "tab used for indentation")
      }
      let stripped = stripComment(s)
      let body = stripped.drop(while: { $0 == " " })
      if body.isEmpty { continue }
      if body == "---" && lines.isEmpty { continue }
      if body.hasPrefix("---") || body.hasPrefix("...") { throw ConfigSyntaxError(line: n, message: "multiple YAML documents are not supported") }
      lines.append((stripped.count - body.count, trimTrailing(String(body)), n))
    }
    guard let first = lines.first else { throw ConfigSyntaxError(line: 1, message: "the config is empty") }
    // A document that starts with a flow collection (JSON) is parsed as one flow value.
    if first.text.hasPrefix("{") || first.text.hasPrefix("[") {
      let joined = lines.map(\.text).joined(separator: " ")
      var p = FlowParser(chars: Array(joined), line: first.number)
      let v = try p.value()
      p.skipSpaces()
      guard p.atEnd else { throw ConfigSyntaxError(line: first.number, message: "unexpected text after the end of the document") }
      return v
    }
    var i = 0
    let v = try block(&i, lines, indent: first.indent)
    if i < lines.count { throw ConfigSyntaxError(line: lines[i].number, message: "unexpected indentation") }
    return v
  }

  /// Removes a `#` comment that is not inside quotes.
  static func stripComment(_ s: String) -> String {
    var out = ""
    var quote: Character? = nil
    var prev: Character = " "
    for c in s {
      if let q = quote {
        if c == q { quote = nil }
      } else if c == "'" || c == "\"" {
        quote = c
      } else if c == "#" && (prev == " " || out.isEmpty) {
        break
      }
      out.append(c)
      prev = c
    }
    return out
  }

  static func trimTrailing(_ s: String) -> String {
    var s = s
    while s.last == " " { s.removeLast() }
    return s
  }

  /// A block mapping or block list whose entries sit at `indent`.
  static func block(_ i: inout Int, _ lines: [(indent: Int, text: String, number: Int)], indent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    if lines[i].text.hasPrefix("- ") || lines[i].text == "-" {
      var items: [ConfigNode] = []
      while i < lines.count, lines[i].indent == indent, lines[i].text.hasPrefix("-") {
        let rest = String(lines[i].text.dropFirst()).drop(while: { $0 == " " })
        let number = lines[i].number
        i += 1
        if rest.isEmpty {
          guard i < lines.count, lines[i].indent > indent else { items.append(.scalar("", quoted: false)); continue }
          items.append(try block(&i, lines, indent: lines[i].indent))
        } else {
          items.append(try inline(String(rest), line: number))
        }
      }
      return .list(items)
    }
    var entries: [(key: String, value: ConfigNode, line: Int)] = []
    while i < lines.count {
      let l = lines[i]
      if l.indent < indent { break }
      guard l.indent == indent else { throw ConfigSyntaxError(line: l.number, message: "unexpected indentation") }
      guard let (key, rest) = splitKey(l.text) else {
        throw ConfigSyntaxError(line: l.number, message: "expected 'key: value', found '\(l.text)'")
      }
      if entries.contains(where: { $0.key == key }) { throw ConfigSyntaxError(line: l.number, message: "key '\(key)' appears twice") }
      i += 1
      if rest.isEmpty {
        if i < lines.count, lines[i].indent > indent {
          entries.append((key, try block(&i, lines, indent: lines[i].indent), l.number))
        } else if i < lines.count, lines[i].indent == indent, lines[i].text.hasPrefix("- ") {
          entries.append((key, try block(&i, lines, indent: indent), l.number))
        } else {
          entries.append((key, .scalar("", quoted: false), l.number))
        }
      } else {
        entries.append((key, try inline(rest, line: l.number), l.number))
      }
    }
    return .map(entries)
  }

  /// "key: rest" with the key possibly quoted; nil when the line is not a mapping entry.
  static func splitKey(_ text: String) -> (String, String)? {
    let chars = Array(text)
    var k = 0
    var key = ""
    if let q = chars.first, q == "'" || q == "\"" {
      k = 1
      while k < chars.count, chars[k] != q { key.append(chars[k]); k += 1 }
      guard k < chars.count else { return nil }
      k += 1
      guard k < chars.count, chars[k] == ":" else { return nil }
    } else {
      while k < chars.count {
        if chars[k] == ":" && (k + 1 == chars.count || chars[k + 1] == " ") { break }
        key.append(chars[k]); k += 1
      }
      guard k < chars.count else { return nil }
      key = trimTrailing(key)
    }
    let rest = String(chars[(k + 1)...]).drop(while: { $0 == " " })
    return (key, String(rest))
  }

  static func inline(_ text: String, line: Int) throws(ConfigSyntaxError) -> ConfigNode {
    if text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") {
      throw ConfigSyntaxError(line: line, message: "YAML anchors, aliases and tags are not supported")
    }
    if text == "|" || text == ">" || text.hasPrefix("|-") || text.hasPrefix(">-") {
      throw ConfigSyntaxError(line: line, message: "multi-line scalars are not supported")
    }
    var p = FlowParser(chars: Array(text), line: line)
    if text.first == "{" || text.first == "[" || text.first == "'" || text.first == "\"" {
      let v = try p.value()
      p.skipSpaces()
      guard p.atEnd else { throw ConfigSyntaxError(line: line, message: "unexpected text after '\(text)'") }
      return v
    }
    return .scalar(text, quoted: false)
  }
}

/// Flow syntax: `{k: v, …}`, `[a, b]`, quoted and plain scalars (plain scalars end at , ] }).
struct FlowParser {
  let chars: [Character]
  let line: Int
  var i = 0

  init(chars: [Character], line: Int) {
    self.chars = chars
    self.line = line
  }

  var atEnd: Bool { i >= chars.count }

  mutating func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }

  func fail(_ m: String) -> ConfigSyntaxError { ConfigSyntaxError(line: line, message: m) }

  mutating func value() throws(ConfigSyntaxError) -> ConfigNode {
    skipSpaces()
    guard i < chars.count else { throw fail("a value is missing") }
    switch chars[i] {
    case "{":
      i += 1
      var entries: [(key: String, value: ConfigNode, line: Int)] = []
      skipSpaces()
      if i < chars.count, chars[i] == "}" { i += 1; return .map([]) }
      while true {
        skipSpaces()
        let k = try key()
        skipSpaces()
        guard i < chars.count, chars[i] == ":" else { throw fail("expected ':' after key '\(k)'") }
        i += 1
        let v = try value()
        if entries.contains(where: { $0.key == k }) { throw fail("key '\(k)' appears twice") }
        entries.append((k, v, line))
        skipSpaces()
        guard i < chars.count else { throw fail("a '}' is missing") }
        if chars[i] == "," { i += 1; continue }
        if chars[i] == "}" { i += 1; return .map(entries) }
        throw fail("expected ',' or '}', found '\(chars[i])'")
      }
    case "[":
      i += 1
      var items: [ConfigNode] = []
      skipSpaces()
      if i < chars.count, chars[i] == "]" { i += 1; return .list([]) }
      while true {
        items.append(try value())
        skipSpaces()
        guard i < chars.count else { throw fail("a ']' is missing") }
        if chars[i] == "," { i += 1; continue }
        if chars[i] == "]" { i += 1; return .list(items) }
        throw fail("expected ',' or ']', found '\(chars[i])'")
      }
    case "'", "\"":
      return .scalar(try quoted(), quoted: true)
    default:
      var s = ""
      var depth = 0   // `ap_fixed<16,6>` holds commas inside angle brackets
      while i < chars.count {
        let c = chars[i]
        if c == "<" { depth += 1 } else if c == ">" { depth -= 1 }
        if depth <= 0 && (c == "," || c == "}" || c == "]") { break }
        s.append(c)
        i += 1
      }
      return .scalar(ConfigDocument.trimTrailing(s), quoted: false)
    }
  }

  mutating func key() throws(ConfigSyntaxError) -> String {
    guard i < chars.count else { throw fail("a key is missing") }
    if chars[i] == "'" || chars[i] == "\"" { return try quoted() }
    var s = ""
    while i < chars.count, chars[i] != ":" { s.append(chars[i]); i += 1 }
    return ConfigDocument.trimTrailing(s)
  }

  mutating func quoted() throws(ConfigSyntaxError) -> String {
    let q = chars[i]
    i += 1
    var s = ""
    while i < chars.count {
      let c = chars[i]
      if c == q {
        if q == "'" && i + 1 < chars.count && chars[i + 1] == "'" { s.append("'"); i += 2; continue }   // YAML '' escape
        i += 1
        return s
      }
      if c == "\\" && q == "\"" && i + 1 < chars.count {
        let e = chars[i + 1]
        switch e {
        case "n": s.append("\n")
        case "t": s.append("\t")
        default: s.append(e)
        }
        i += 2
        continue
      }
      s.append(c)
      i += 1
    }
    throw fail("a closing \(q) is missing")
  }
}
