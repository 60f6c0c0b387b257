/// NumPy `.npy` files (format versions 1–3): the interchange format of the CLI and the tests.
/// Reads little-endian float32, float64, int8–int64 and uint8–uint64 arrays in C order; writes
/// float32, float64 and int64.
#if canImport(Glibc)
import Glibc
#endif

public struct NPYError: Error, CustomStringConvertible {
  public var description: String
  init(_ d: String) { description = d }
}

public struct NPYArray {
  public var shape: [Int]
  /// Values widened to Double (exact for every supported type up to 2^53).
  public var values: [Double]
  public var descr: String

  public init(shape: [Int], values: [Double], descr: String = "<f8") {
    self.shape = shape
    self.values = values
    self.descr = descr
  }

  public var count: Int { shape.reduce(1, *) }

  public static func read(_ path: String) throws -> NPYArray {
    guard let f = fopen(path, "rb") else { throw NPYError("cannot open '\(path)': \(String(cString: strerror(errno)))") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = fread(&chunk, 1, chunk.count, f)
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return try parse(bytes, name: path)
  }

  public static func parse(_ b: [UInt8], name: String) throws -> NPYArray {
    guard b.count >= 10, b[0] == 0x93, Array(b[1..<6]) == Array("NUMPY".utf8) else {
      throw NPYError("'\(name)' is not a .npy file (bad magic)")
    }
    let major = b[6]
    let headerLen: Int, start: Int
    switch major {
    case 1: headerLen = Int(b[8]) | Int(b[9]) << 8; start = 10
    case 2, 3:
      guard b.count >= 12 else { throw NPYError("'\(name)': truncated header") }
      headerLen = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; start = 12
    default: throw NPYError("'\(name)': unsupported .npy version \(major)")
    }
    guard start + headerLen <= b.count else { throw NPYError("'\(name)': truncated header") }
    let header = String(decoding: b[start..<(start + headerLen)], as: UTF8.self)
    func field(_ key: String) -> String? {
      guard let r = header.firstRange(of: "'\(key)':") else { return nil }
      return String(header[r.upperBound...]).trimmingPrefix(while: { $0 == " " })
    }
    guard let d = field("descr"), let q = d.first, q == "'" || q == "\"" else { throw NPYError("'\(name)': no descr in header") }
    let descr = String(d.dropFirst().prefix(while: { $0 != q }))
    if let fo = field("fortran_order"), fo.hasPrefix("True") { throw NPYError("'\(name)': Fortran-order arrays are not supported") }
    guard let s = field("shape"), s.first == "(" else { throw NPYError("'\(name)': no shape in header") }
    let inside = s.dropFirst().prefix(while: { $0 != ")" })
    let shape = try inside.split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }.map { t -> Int in
      guard let v = Int(t), v >= 0 else { throw NPYError("'\(name)': bad dimension '\(t)'") }
      return v
    }
    let count = shape.reduce(1, *)
    let size: Int
    switch descr {
    case "<f4", "<i4", "<u4": size = 4
    case "<f8", "<i8", "<u8": size = 8
    case "<i2", "<u2": size = 2
    case "|i1", "|u1", "|b1": size = 1
    default: throw NPYError("'\(name)': dtype '\(descr)' is not supported (expected little-endian float32/float64 or integers)")
    }
    let data = start + headerLen
    guard b.count - data >= count * size else {
      throw NPYError("'\(name)': holds \(b.count - data) data bytes, shape \(shape) of \(descr) needs \(count * size)")
    }
    var values = [Double](repeating: 0, count: count)
    b.withUnsafeBytes { raw in
      let p = raw.baseAddress! + data
      for i in 0..<count {
        switch descr {
        case "<f4": values[i] = Double(Float(bitPattern: p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case "<f8": values[i] = Double(bitPattern: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        case "<i4": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
        case "<u4": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        case "<i8": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
        case "<u8": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        case "<i2": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))
        case "<u2": values[i] = Double(p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
        case "|i1": values[i] = Double(p.load(fromByteOffset: i, as: Int8.self))
        default: values[i] = Double(p.load(fromByteOffset: i, as: UInt8.self))
        }
      }
    }
    return NPYArray(shape: shape, values: values, descr: descr)
  }

  /// Writes float32 (`<f4`), float64 (`<f8`) or int64 (`<i8`).
  public func write(_ path: String) throws {
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let hl = header.utf8.count
    out += [UInt8(hl & 0xff), UInt8(hl >> 8)]
    out += Array(header.utf8)
    for v in values {
      switch descr {
      case "<f4": withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { out += $0 }
      case "<i8": withUnsafeBytes(of: Int64(v).littleEndian) { out += $0 }
      default: withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 }
      }
    }
    guard let f = fopen(path, "wb") else { throw NPYError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
    defer { fclose(f) }
    guard fwrite(out, 1, out.count, f) == out.count else { throw NPYError("cannot write '\(path)'") }
  }
}

extension StringProtocol {
  func trimmingCharacters() -> String {
    String(self.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}

extension String {
  func trimmingPrefix(while p: (Character) -> Bool) -> String { String(self.drop(while: p)) }
}
