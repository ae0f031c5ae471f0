/** Emotion accuracy, per-class accuracy and the confusion matrix, accumulated record by record. */

export const OTHER_LABEL = "(other)";
export const NO_LABEL = "(none)";

export interface ClassScore {
  /** Correct / support: the class's recall, i.e. per-class accuracy; null without support. */
  accuracy: number | null;
  correct: number;
  support: number;
}

export interface Confusion {
  /** Rows: ground-truth classes (plus `(none)` for records without a label when there are any). */
  truth: string[];
  /** Columns: the classes, then `(other)` for labels outside them, `(none)` for no label. */
  predicted: string[];
  matrix: number[][];
}

export interface EmotionMetrics {
  accuracy: number;
  correct: number;
  total: number;
  classes: string[];
  per_class: Record<string, ClassScore>;
  confusion: Confusion;
}

export class EmotionAccumulator {
  private readonly pairs = new Map<string, Map<string, number>>();
  private total = 0;
  private correct = 0;

  /** `truth` undefined: a record without a label (counted, never correct). `predicted` undefined: no prediction. */
  add(truth: string | undefined, predicted: string | undefined, isCorrect: boolean): void {
    this.total++;
    if (isCorrect) this.correct++;
    const row = truth ?? NO_LABEL;
    let counts = this.pairs.get(row);
    if (!counts) {
      counts = new Map();
      this.pairs.set(row, counts);
    }
    const column = predicted ?? NO_LABEL;
    counts.set(column, (counts.get(column) ?? 0) + 1);
  }

  get count(): number {
    return this.total;
  }

  /** Ground-truth labels seen, without `(none)`. */
  truthLabels(): string[] {
    return [...this.pairs.keys()].filter((label) => label !== NO_LABEL);
  }

  /** Metrics with `classes` as rows and columns (predictions outside them fold into `(other)`). */
  metrics(classes: readonly string[]): EmotionMetrics | null {
    if (this.total === 0 || classes.length === 0) return null;
    const index = new Map(classes.map((c, i) => [c, i] as const));
    const columns = [...classes, OTHER_LABEL, NO_LABEL];
    const rows = [...classes];
    if (this.pairs.has(NO_LABEL)) rows.push(NO_LABEL);
    const matrix = rows.map(() => columns.map(() => 0));
    const perClass: Record<string, ClassScore> = {};
    for (const [r, row] of rows.entries()) {
      const counts = this.pairs.get(row);
      if (!counts) continue;
      for (const [predicted, n] of counts) {
        const column = predicted === NO_LABEL ? columns.length - 1 : (index.get(predicted) ?? classes.length);
        matrix[r][column] += n;
      }
    }
    for (const [i, label] of classes.entries()) {
      const support = matrix[i].reduce((a, b) => a + b, 0);
      const correct = matrix[i][i];
      perClass[label] = { accuracy: support === 0 ? null : correct / support, correct, support };
    }
    return {
      accuracy: this.correct / this.total,
      correct: this.correct,
      total: this.total,
      classes: [...classes],
      per_class: perClass,
      confusion: { truth: rows, predicted: columns, matrix },
    };
  }
}
