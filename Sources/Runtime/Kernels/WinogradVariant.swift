/// One of Winograd's minimal filtering algorithms F(m x m, 3x3): the transforms of one column
/// of a tile, applied down the columns and then along the rows (Lavin and Gray). Each reads
/// its inputs `step` floats apart and writes its outputs `outStep` floats apart.
protocol WinogradVariant {
    /// Output tile side m.
    static var outputTile: Int { get }
    /// Input tile side m + 2.
    static var inputTile: Int { get }
    /// Bt d: `inputTile` values to `inputTile` values.
    static func input(_ d: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int)
    /// At m: `inputTile` values to `outputTile` values, plus `bias` on each.
    static func output(_ m: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int, bias: Float)
    /// G g: a 3-tap filter column to `inputTile` values.
    static func filter(_ g: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int)
}

/// F(4x4, 3x3): 36 multiplications per tile instead of 144; points 0, +-1, +-2.
enum Winograd4x4: WinogradVariant {
    static var outputTile: Int { 4 }
    static var inputTile: Int { 6 }

    @inline(__always)
    static func input(_ x: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let d0 = x[0], d1 = x[step], d2 = x[2 * step], d3 = x[3 * step], d4 = x[4 * step], d5 = x[5 * step]
        out[0] = 4 * d0 - 5 * d2 + d4
        out[outStep] = -4 * (d1 + d2) + d3 + d4
        out[2 * outStep] = 4 * (d1 - d2) - d3 + d4
        out[3 * outStep] = 2 * (d3 - d1) - d2 + d4
        out[4 * outStep] = 2 * (d1 - d3) - d2 + d4
        out[5 * outStep] = 4 * d1 - 5 * d3 + d5
    }

    @inline(__always)
    static func output(_ m: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int, bias: Float) {
        let m0 = m[0], m1 = m[step], m2 = m[2 * step], m3 = m[3 * step], m4 = m[4 * step], m5 = m[5 * step]
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        out[0] = m0 + a + c + bias
        out[outStep] = b + 2 * d + bias
        out[2 * outStep] = a + 4 * c + bias
        out[3 * outStep] = b + 8 * d + m5 + bias
    }

    @inline(__always)
    static func filter(_ g: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let g0 = g[0], g1 = g[step], g2 = g[2 * step]
        out[0] = g0 / 4
        out[outStep] = -(g0 + g1 + g2) / 6
        out[2 * outStep] = -(g0 - g1 + g2) / 6
        out[3 * outStep] = g0 / 24 + g1 / 12 + g2 / 6
        out[4 * outStep] = g0 / 24 - g1 / 12 + g2 / 6
        out[5 * outStep] = g2
    }
}

/// F(2x2, 3x3): 16 multiplications per tile instead of 36, with four times the tiles of
/// F(4x4) on the same plane, which keeps the matrix products wide on small planes.
enum Winograd2x2: WinogradVariant {
    static var outputTile: Int { 2 }
    static var inputTile: Int { 4 }

    @inline(__always)
    static func input(_ x: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let d0 = x[0], d1 = x[step], d2 = x[2 * step], d3 = x[3 * step]
        out[0] = d0 - d2
        out[outStep] = d1 + d2
        out[2 * outStep] = d2 - d1
        out[3 * outStep] = d1 - d3
    }

    @inline(__always)
    static func output(_ m: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int, bias: Float) {
        let m0 = m[0], m1 = m[step], m2 = m[2 * step], m3 = m[3 * step]
        out[0] = m0 + m1 + m2 + bias
        out[outStep] = m1 - m2 - m3 + bias
    }

    @inline(__always)
    static func filter(_ g: UnsafePointer<Float>, _ step: Int, _ out: UnsafeMutablePointer<Float>, _ outStep: Int) {
        let g0 = g[0], g1 = g[step], g2 = g[2 * step]
        out[0] = g0
        out[outStep] = (g0 + g1 + g2) / 2
        out[2 * outStep] = (g0 - g1 + g2) / 2
        out[3 * outStep] = g2
    }
}
