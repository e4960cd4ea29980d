import COpenBLAS

/// Row-major single-precision matrix products through OpenBLAS.
enum BLAS {
    /// OpenBLAS runs single-threaded inside each of the engine's workers, which split the work.
    static func useOneThreadPerCall() {
        openblas_set_num_threads(1)
    }

    /// C[m, n] = A[m, k] x B[k, n] + beta * C, with leading dimensions and optional transposes.
    static func gemm(m: Int, n: Int, k: Int,
                     a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float = 1, beta: Float) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// y[n] = alpha * x[k] x B + beta * y, for B stored [n, k] (`transposedB`) or [k, n]: a
    /// matrix-vector product, what a fully connected layer is for one image.
    static func gemv(n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool,
                     y: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float) {
        guard n > 0 else { return }
        if transposedB {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, blasint(n), blasint(k), alpha, b, blasint(ldb), x, 1, beta, y, 1)
        } else {
            cblas_sgemv(CblasRowMajor, CblasTrans, blasint(k), blasint(n), alpha, b, blasint(ldb), x, 1, beta, y, 1)
        }
    }
}
