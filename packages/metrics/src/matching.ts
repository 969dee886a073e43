import { InvalidArgumentError } from '@gantry/backend';

/**
 * The assignment of rows to columns of a non-negative weight matrix that maximises the
 * total weight, each row and each column used at most once (the Hungarian method with
 * potentials, O(n³) on the matrix padded to square). Returns, for each row, its column or
 * −1 when the row is left unmatched (more rows than columns).
 */
export function maximumWeightMatching(weights: readonly (readonly number[])[]): number[] {
  const rows = weights.length;
  const columns = rows === 0 ? 0 : (weights[0] as readonly number[]).length;
  weights.forEach((row, i) => {
    if (row.length !== columns) throw new InvalidArgumentError('maximumWeightMatching', `weights[${i}]`, `${columns} entries (as row 0)`, `${row.length}`);
    row.forEach((value, j) => {
      if (!Number.isFinite(value)) throw new InvalidArgumentError('maximumWeightMatching', `weights[${i}][${j}]`, 'a finite number', String(value));
    });
  });
  const n = Math.max(rows, columns);
  // Stryker disable next-line ConditionalExpression: equivalent: with n = 0 the loops below do nothing and return the same empty assignment
  if (n === 0) return [];
  let top = 0;
  // Stryker disable next-line MethodExpression: equivalent: top only shifts every cost by one constant, which moves no optimum
  for (const row of weights) for (const value of row) top = Math.max(top, value);
  // Minimise top − w on the padded square matrix (padding weighs 0).
  const cost = (i: number, j: number): number => top - (i < rows && j < columns ? ((weights[i] as readonly number[])[j] as number) : 0);
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const match = new Int32Array(n + 1); // match[j] = the row (1-based) assigned to column j
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    match[0] = i;
    let j0 = 0;
    const minimum = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = match[j0] as number;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const current = cost(i0 - 1, j - 1) - (u[i0] as number) - (v[j] as number);
        // Stryker disable next-line EqualityOperator: equivalent: on a tie either path leads to an optimal matching (its >= sibling is hidden with it)
        if (current < (minimum[j] as number)) {
          minimum[j] = current;
          way[j] = j0;
        }
        // Stryker disable next-line EqualityOperator: equivalent: on a tie either column leads to an optimal matching (its >= sibling is hidden with it)
        if ((minimum[j] as number) < delta) {
          delta = minimum[j] as number;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[match[j] as number] = (u[match[j] as number] as number) + delta;
          v[j] = (v[j] as number) - delta;
        } else {
          minimum[j] = (minimum[j] as number) - delta;
        }
      }
      j0 = j1;
    } while (match[j0] !== 0);
    do {
      const j1 = way[j0] as number;
      match[j0] = match[j1] as number;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= n; j++) {
    // Every column of the padded square is matched (match[j] >= 1): padding rows and columns are skipped.
    const row = (match[j] as number) - 1;
    if (row < rows && j - 1 < columns) assignment[row] = j - 1;
  }
  return assignment;
}
