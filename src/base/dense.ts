/**
 * Small dense linear algebra on row-major Float64Arrays, in plain TypeScript (float64): a cyclic
 * Jacobi eigensolver, Cholesky factorisation and solves, log det, Gaussian elimination with
 * partial pivoting after diagonal equilibration, and least squares / minimum-norm solves. Host-side
 * helpers for small matrices (n up to a few hundred), e.g. the flattest-sharpness solver of
 * src/experiments/regression/flat.ts; the WASM kernels have their own (assembly/linalg/).
 */
/** Cyclic Jacobi eigendecomposition of a symmetric n×n matrix. Returns eigenvalues (unsorted) and,
 * if asked, eigenvectors as the columns of a row-major n×n matrix. */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
  wantVectors = false,
): { values: Float64Array; vectors: Float64Array | undefined } {
  const a = Float64Array.from(matrix.subarray(0, n * n));
  const v = wantVectors ? new Float64Array(n * n) : undefined;
  if (v) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! * a[i * n + i]!;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! * a[i * n + j]!;
    }
    if (off === 0 || off <= 1e-34 * diag) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!;
            const vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

export function maxOf(values: Float64Array): number {
  let m = -Infinity;
  for (const x of values) if (x > m) m = x;
  return m;
}

export function minOf(values: Float64Array): number {
  let m = Infinity;
  for (const x of values) if (x < m) m = x;
  return m;
}

/** In-place Cholesky of a symmetric n×n matrix (lower factor left in `a`); false if not PD. */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let sum = a[j * n + j]!;
    for (let k = 0; k < j; k++) sum -= a[j * n + k]! * a[j * n + k]!;
    if (!(sum > 0)) return false;
    const ljj = Math.sqrt(sum);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return true;
}

/** Solves L Lᵀ x = b in place (L from `cholesky`). */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

/** Solves the dense system a x = b (n×n, row-major) by Gaussian elimination with partial pivoting,
 * after symmetric diagonal equilibration with 1/√|aᵢᵢ|. Overwrites a; returns x in b. */
export function solveDense(a: Float64Array, n: number, b: Float64Array): boolean {
  const scale = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(a[i * n + i]!);
    scale[i] = d > 0 && Number.isFinite(d) ? 1 / Math.sqrt(d) : 1;
  }
  for (let i = 0; i < n; i++) {
    const si = scale[i]!;
    b[i] = b[i]! * si;
    for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j]! * si * scale[j]!;
  }
  for (let k = 0; k < n; k++) {
    let piv = k;
    let best = Math.abs(a[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) return false;
    if (piv !== k) {
      for (let j = k; j < n; j++) {
        const tmp = a[k * n + j]!;
        a[k * n + j] = a[piv * n + j]!;
        a[piv * n + j] = tmp;
      }
      const tb = b[k]!;
      b[k] = b[piv]!;
      b[piv] = tb;
    }
    const akk = a[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / akk;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
      b[i] = b[i]! - f * b[k]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= a[i * n + j]! * b[j]!;
    b[i] = s / a[i * n + i]!;
  }
  for (let i = 0; i < n; i++) b[i] = b[i]! * scale[i]!;
  return true;
}

/** log det of an SPD matrix, or NaN if not positive definite. */
export function logDet(S: Float64Array, n: number): number {
  const l = Float64Array.from(S);
  if (!cholesky(l, n)) return NaN;
  let v = 0;
  for (let i = 0; i < n; i++) v += Math.log(l[i * n + i]!);
  return 2 * v;
}

export function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** Solves J u = b (m equations, k unknowns, J row-major m×k) in the least-squares sense for m ≥ k,
 * or with the smallest ‖u‖ for m < k (normal equations, one step of iterative refinement). */
export function leastSquares(J: Float64Array, m: number, k: number, b: Float64Array): Float64Array | undefined {
  const u = new Float64Array(k);
  const residual = Float64Array.from(b);
  for (let pass = 0; pass < 2; pass++) {
    if (m >= k) {
      const G = new Float64Array(k * k);
      const rhs = new Float64Array(k);
      for (let a = 0; a < k; a++) {
        for (let c = a; c < k; c++) {
          let v = 0;
          for (let i = 0; i < m; i++) v += J[i * k + a]! * J[i * k + c]!;
          G[a * k + c] = v;
          G[c * k + a] = v;
        }
        let v = 0;
        for (let i = 0; i < m; i++) v += J[i * k + a]! * residual[i]!;
        rhs[a] = v;
      }
      if (!solveDense(G, k, rhs)) return undefined;
      for (let a = 0; a < k; a++) u[a] = u[a]! + rhs[a]!;
    } else {
      const G = new Float64Array(m * m);
      for (let i = 0; i < m; i++) {
        for (let j = i; j < m; j++) {
          let v = 0;
          for (let a = 0; a < k; a++) v += J[i * k + a]! * J[j * k + a]!;
          G[i * m + j] = v;
          G[j * m + i] = v;
        }
      }
      const rhs = Float64Array.from(residual);
      if (!solveDense(G, m, rhs)) return undefined;
      for (let a = 0; a < k; a++) {
        let v = 0;
        for (let i = 0; i < m; i++) v += J[i * k + a]! * rhs[i]!;
        u[a] = u[a]! + v;
      }
    }
    for (let i = 0; i < m; i++) {
      let v = b[i]!;
      for (let a = 0; a < k; a++) v -= J[i * k + a]! * u[a]!;
      residual[i] = v;
    }
  }
  for (const v of u) if (!Number.isFinite(v)) return undefined;
  return u;
}
