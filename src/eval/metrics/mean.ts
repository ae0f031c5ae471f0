/**
 * Sums and means of float64 values in the order NumPy adds them (`np.sum`, `np.mean`,
 * and so sklearn's macro averages): pairwise summation in blocks of up to 128 values,
 * each block folded through eight interleaved partial sums. Sequential addition
 * differs from it in the last bits for more than seven values.
 */

const BLOCK = 128;

function pairwiseSum(values: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[start + i];
    return sum;
  }
  if (n <= BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, n - half);
}

/** `np.sum` of a float64 array. */
export function numpySum(values: ArrayLike<number>): number {
  return 0 + pairwiseSum(values, 0, values.length);
}

/** `np.mean` of a float64 array; undefined for no values (NumPy would give nan). */
export function numpyMean(values: ArrayLike<number>): number | undefined {
  return values.length === 0 ? undefined : numpySum(values) / values.length;
}

/** A growable float64 list that keeps insertion order, for means taken at the end. */
export class FloatList {
  private data = new Float64Array(1024);
  private size = 0;

  push(value: number): void {
    if (this.size === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size++] = value;
  }

  get length(): number {
    return this.size;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.size);
  }

  mean(): number | undefined {
    return numpyMean(this.values());
  }
}
