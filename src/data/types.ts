/**
 * An in-memory dataset, split into training and validation parts, features standardised on
 * the training part. Row-major Float32 arrays so that workers can build tensors without copies.
 */
export interface Dataset {
  readonly name: string;
  readonly task: 'classification' | 'regression';
  /** Number of input features per example. */
  readonly features: number;
  /** Number of classes (classification) or 1 (regression). */
  readonly outputs: number;
  /** Class names by index, for classification; empty for regression. */
  readonly classNames: readonly string[];
  /** `trainSize × features` values. */
  readonly xTrain: Float32Array;
  /** Class index (as a float) or standardised regression target, one per training example. */
  readonly yTrain: Float32Array;
  readonly xVal: Float32Array;
  /**
   * Regression targets are trained on standardised (`(y − targetMean) / targetStd`, from the
   * training part) for a well-conditioned fit; metrics are scaled back to the data's units.
   * Classification: 0 and 1.
   */
  readonly targetMean: number;
  readonly targetStd: number;
  readonly yVal: Float32Array;
  readonly trainSize: number;
  readonly valSize: number;
}

/** Examples before splitting: `rows × features` values, row-major, and one target per row. */
export interface Examples {
  readonly name: string;
  readonly task: Dataset['task'];
  readonly features: number;
  /** Class names by index (classification); empty for regression. */
  readonly classNames: readonly string[];
  readonly x: Float32Array;
  /** Class index (as a float) or regression target. */
  readonly y: Float32Array;
  readonly rows: number;
}
